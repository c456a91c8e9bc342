/*
 * inetd_conf_daemon_test.c: pforkd -I, the real program.
 *
 * pforkd -n -I checks an inetd.conf: the exit status, the count of
 * services and the FILE:LINE:COLUMN of each skipped line; a file that
 * cannot be opened and a collision with -l fail.  Then pforkd -d -I
 * serves an inetd.conf whose line is an internal echo on a free port of
 * 127.0.0.1 ("internal echo": pforkd's way to name the built-in of a
 * line whose service is a port number), and the test talks to it.  (A
 * /bin/cat nowait line is checked with -n only: running programs belongs
 * to the runtime.)  The serving cases keep their daemon and file in a
 * scratch fixture, whose teardown stops and removes what a failed case
 * left.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_harness.h"

#define WAIT_MS		5000

static char	scratch[] = "/tmp/inetd_conf_daemon_test.XXXXXX";

/* Write text to the scratch file; its path. */
static const char *
write_scratch(const char *text)
{
	FILE	*file;
	int	 fd;

	(void)strcpy(scratch, "/tmp/inetd_conf_daemon_test.XXXXXX");
	assert_true((fd = mkstemp(scratch)) != -1);
	assert_non_null(file = fdopen(fd, "w"));
	(void)fputs(text, file);
	assert_int_equal(fclose(file), 0);
	return scratch;
}

/* Fail unless output contains needle. */
static void
must_contain(const char *output, const char *needle)
{
	if (strstr(output, needle) == NULL)
		fail_msg("no '%s' in:\n%s", needle, output);
}

/* The path of tests/inetd/name under $top_srcdir. */
static void
sample_path(const char *name, char *path, size_t size)
{
	const char	*top = getenv("top_srcdir");

	(void)snprintf(path, size, "%s/tests/inetd/%s", top != NULL ? top :
	    ".", name);
}

/* -n -I on the FreeBSD sample: OK, with each skipped line on stderr. */
static void
test_check_sample(void **state)
{
	char		 path[1024], output[8192];
	const char	*arguments[] = { "-n", "-I", path, NULL };

	(void)state;
	sample_path("freebsd.conf", path, sizeof(path));
	assert_int_equal(harness_run(arguments, output, sizeof(output),
	    WAIT_MS), 0);
	must_contain(output, "configuration OK: 5 services");
	must_contain(output, "freebsd.conf:9:13: protocol 'udp': pforkd "
	    "serves tcp, tcp4, tcp6 and tcp46 only; line skipped");
	must_contain(output, "freebsd.conf:13:18: RPC services");
}

/* -n -I on a scratch file: a dgram line skipped, /bin/cat and echo kept. */
static void
test_check_scratch(void **state)
{
	char		 output[8192];
	const char	*path = write_scratch(
			    "# a scratch inetd.conf\n"
			    "daytime dgram udp wait root internal\n"
			    "127.0.0.1:7999\tstream\ttcp\tnowait\tnobody\t"
			    "/bin/cat\tcat -u\n"
			    "127.0.0.1:echo stream tcp nowait root internal\n");
	const char	*arguments[] = { "-n", "-I", path, NULL };
	const char	*colliding[] = { "-n", "-I", path, "-l",
			    "echo@127.0.0.1:7999", NULL };

	(void)state;
	assert_int_equal(harness_run(arguments, output, sizeof(output),
	    WAIT_MS), 0);
	must_contain(output, "configuration OK: 2 services");
	must_contain(output, ":2:15: protocol 'udp'");
	/* A -l service on the same address and port is a collision. */
	assert_int_equal(harness_run(colliding, output, sizeof(output),
	    WAIT_MS), 1);
	must_contain(output, "127.0.0.1:7999 is already used by service "
	    "'7999'");
	(void)unlink(path);
}

/* -n -I on a missing file fails with its name. */
static void
test_check_missing(void **state)
{
	char		 output[4096];
	const char	*arguments[] = { "-n", "-I", "/nonexistent/inetd.conf",
			    NULL };

	(void)state;
	assert_int_equal(harness_run(arguments, output, sizeof(output),
	    WAIT_MS), 1);
	must_contain(output, "/nonexistent/inetd.conf: cannot open: No such "
	    "file or directory");
}

/* pforkd -d -I serves an internal echo line on a free port. */
static void
test_serve_echo(void **state)
{
	struct scratch_fixture	*fixture = *state;
	struct daemon_process	*daemon = &fixture->daemon;
	char			 text[256], reply[8];
	const char		*arguments[] = { "-d", "-w", "1", "-I",
				    fixture->config, NULL };
	int			 port, fd;

	port = harness_free_port(SOCK_STREAM);
	/* A port number names no built-in: "internal echo" does. */
	(void)snprintf(text, sizeof(text), "echo dgram udp wait root "
	    "internal\n127.0.0.1:%d\tstream\ttcp\tnowait\troot\tinternal\t"
	    "echo\n", port);
	harness_must_write_file(fixture->config, text);
	harness_must_start(daemon, arguments, 1);
	assert_int_equal(daemon->ports[0], port);
	fd = harness_must_connect(daemon, 0);
	assert_int_equal(harness_write_all(fd, "hello", 5), 0);
	assert_int_equal(harness_read_exact(fd, reply, 5, WAIT_MS), 0);
	assert_memory_equal(reply, "hello", 5);
	(void)close(fd);
	harness_must_stop(daemon, WAIT_MS);
	must_contain(daemon->log, ":1:12: protocol 'udp'");
}

/* Read from fd until EOF, at most size - 1 bytes; NUL-terminated. */
static void
read_all(int fd, char *buffer, size_t size)
{
	ssize_t	got = harness_read_until_eof(fd, buffer, size - 1, WAIT_MS);

	assert_true(got >= 0);
	buffer[got] = '\0';
}

/*
 * Program lines of an inetd.conf run as inetd runs them: /bin/cat echoes,
 * env sees tcpserver's variables, and "nowait.2" allows two connections a
 * minute, refusing the third without switching the service off.
 */
static void
test_serve_programs(void **state)
{
	struct scratch_fixture	*fixture = *state;
	struct daemon_process	*daemon = &fixture->daemon;
	struct passwd		*self = getpwuid(getuid());
	char			 text[512], reply[4096];
	const char		*arguments[] = { "-d", "-v", "-w", "1", "-I",
				    fixture->config, NULL };
	int			 ports[3], fd, i;

	assert_non_null(self);
	for (i = 0; i < 3; i++)
		ports[i] = harness_free_port(SOCK_STREAM);
	(void)snprintf(text, sizeof(text),
	    "127.0.0.1:%d stream tcp nowait %s /bin/cat cat\n"
	    "127.0.0.1:%d stream tcp nowait %s /usr/bin/env env\n"
	    "127.0.0.1:%d stream tcp nowait.2 %s /bin/echo echo hi\n",
	    ports[0], self->pw_name, ports[1], self->pw_name, ports[2],
	    self->pw_name);
	harness_must_write_file(fixture->config, text);
	harness_must_start(daemon, arguments, 3);
	fd = harness_connect("127.0.0.1", ports[0]);
	assert_true(fd != -1);
	assert_int_equal(harness_write_all(fd, "hello", 5), 0);
	assert_int_equal(harness_read_exact(fd, reply, 5, WAIT_MS), 0);
	assert_memory_equal(reply, "hello", 5);
	(void)close(fd);
	fd = harness_connect("127.0.0.1", ports[1]);
	assert_true(fd != -1);
	read_all(fd, reply, sizeof(reply));
	must_contain(reply, "TCPREMOTEIP=127.0.0.1\n");
	must_contain(reply, "PROTO=TCP\n");
	(void)close(fd);
	for (i = 0; i < 3; i++) {
		fd = harness_connect("127.0.0.1", ports[2]);
		assert_true(fd != -1);
		read_all(fd, reply, sizeof(reply));
		assert_string_equal(reply, i < 2 ? "hi\n" : "");
		(void)close(fd);
	}
	harness_must_log(daemon, "rate-limit reached", WAIT_MS);
	harness_must_stop(daemon, WAIT_MS);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_check_sample),
		cmocka_unit_test(test_check_scratch),
		cmocka_unit_test(test_check_missing),
		cmocka_unit_test_setup_teardown(test_serve_echo,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_serve_programs,
		    harness_scratch_setup, harness_scratch_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
