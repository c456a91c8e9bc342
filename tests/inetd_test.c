/*
 * inetd_test.c: pforkd -i serves one accepted connection and exits.
 *
 * systemd's systemd-socket-activate --inetd plays the super-server: it
 * listens on 127.0.0.1, accepts, and starts one pforkd -i per connection
 * with the connection on its standard input and output.  Echo, daytime
 * and poetry are served; chat without a cache-file says in the log that
 * each connection has a room of its own; the service's access rules
 * refuse a peer they deny; -i with -l is a usage error.
 * Without systemd-socket-activate the program reports every case skipped.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
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
#include "test_util.h"

#define WAIT_MS		5000

static char	activate_path[PATH_MAX];

/*
 * Run systemd-socket-activate --inetd with pforkd -d -v -i spec on a free
 * port; the port, once it listens.
 */
static int
start_inetd(struct daemon_process *activator, const char *spec)
{
	char		 listen[32], listening[64];
	const char	*argv[] = { activate_path, "--inetd", "--accept", "-l",
			    listen, harness_pforkd_path(), "-d", "-v", "-i",
			    spec, NULL };
	int		 port = harness_free_port(SOCK_STREAM);

	(void)snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	assert_int_equal(harness_spawn_program(activator, argv), 0);
	(void)snprintf(listening, sizeof(listening), "Listening on %s",
	    listen);
	if (harness_wait_log(activator, listening, WAIT_MS) == -1)
		fail_msg("systemd-socket-activate did not listen: %s",
		    activator->log);
	return port;
}

/* Wait for needle in the activator's log (pforkd's stderr goes there). */
static void
must_log(struct daemon_process *activator, const char *needle)
{
	if (harness_wait_log(activator, needle, WAIT_MS) == -1)
		fail_msg("no \"%s\" in the log:\n%s", needle, activator->log);
}

/* Read what port sends until the server closes; the length. */
static ssize_t
read_all(int port, char *buffer, size_t size)
{
	int	fd = harness_connect("127.0.0.1", port);
	ssize_t	length;

	assert_true(fd >= 0);
	length = harness_read_until_eof(fd, buffer, size - 1, WAIT_MS);
	(void)close(fd);
	assert_true(length >= 0);
	buffer[length] = '\0';
	return length;
}

/* Two echo connections, each its own pforkd; each exits after. */
static void
test_echo(void **state)
{
	struct daemon_process	*activator = *state;
	char			 reply[6];
	int			 port = start_inetd(activator, "echo,idle=5");
	int			 round, fd;

	for (round = 0; round < 2; round++) {
		fd = harness_connect("127.0.0.1", port);
		assert_true(fd >= 0);
		assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
		assert_int_equal(harness_read_exact(fd, reply, 6, WAIT_MS), 0);
		assert_memory_equal(reply, "hello\n", 6);
		(void)close(fd);
	}
	/* systemd-socket-activate logs each child's end: two of them. */
	must_log(activator, "died with code 0");
	while (strstr(strstr(activator->log, "died with code 0") + 1,
	    "died with code 0") == NULL && round++ < 500)
		if (harness_read_log(activator, 10) == -1)
			break;
	if (round >= 500)
		fail_msg("the second pforkd did not exit: %s", activator->log);
}

/* Daytime: one line, then the server closes. */
static void
test_daytime(void **state)
{
	struct daemon_process	*activator = *state;
	char			 reply[128];
	int			 port = start_inetd(activator, "daytime");
	ssize_t			 length = read_all(port, reply, sizeof(reply));

	assert_true(length > 2);
	assert_int_equal(reply[length - 1], '\n');
	must_log(activator, "died with code 0");
}

/* Poetry: the whole poem from its file, then the end. */
static void
test_poetry(void **state)
{
	struct daemon_process	*activator = *state;
	char			 spec[PATH_MAX + 64], reply[8192];
	int			 port;

	(void)snprintf(spec, sizeof(spec), "poetry,file=%s/poetry/science.txt,"
	    "delay=0", test_srcdir());
	port = start_inetd(activator, spec);
	(void)read_all(port, reply, sizeof(reply));
	assert_non_null(strstr(reply, "Science! true daughter of Old Time"));
	must_log(activator, "died with code 0");
}

/* Chat without cache-file warns that each connection is alone. */
static void
test_lonely_chat(void **state)
{
	struct daemon_process	*activator = *state;
	int			 port = start_inetd(activator, "chat");
	int			 fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	must_log(activator, "every connection sees an empty room");
	(void)close(fd);
}

/* deny: the one connection is closed unserved, logged at -v; exit 1. */
static void
test_access_rules(void **state)
{
	struct daemon_process	*activator = *state;
	char			 reply[16];
	int			 port;

	port = start_inetd(activator, "daytime,allow=10.0.0.0/8,"
	    "deny=127.0.0.0/8");
	assert_int_equal(read_all(port, reply, sizeof(reply)), 0);
	must_log(activator, "daytime: 127.0.0.1:");
	must_log(activator, " refused: denied by access rules (deny "
	    "127.0.0.0/8)");
	must_log(activator, "died with code 1");
}

/* -i runs no daemon: with -l it is a usage error. */
static void
test_inetd_with_listen_refused(void **state)
{
	const char	*arguments[] = { "-i", "echo", "-l",
			    "echo@127.0.0.1:0", NULL };
	char		 output[2048];

	(void)state;
	assert_int_equal(harness_run(arguments, output, sizeof(output),
	    WAIT_MS), 2);
	assert_non_null(strstr(output, "-i takes none of"));
}

/* A fresh process record. */
static int
setup(void **state)
{
	struct daemon_process	*activator = calloc(1, sizeof(*activator));

	if (activator == NULL)
		return -1;
	activator->pid = -1;
	*state = activator;
	return 0;
}

/* Stop the activator (by its pid); its children end with their peers. */
static int
teardown(void **state)
{
	struct daemon_process	*activator = *state;

	if (activator->pid > 0)
		(void)harness_stop(activator, SIGTERM, WAIT_MS);
	free(activator);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daytime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poetry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lonely_chat, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_access_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inetd_with_listen_refused,
		    setup, teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	/* cmocka's skip() fails under automake's TAP driver: skip it all. */
	if (harness_find_program("systemd-socket-activate", activate_path,
	    sizeof(activate_path)) == -1) {
		(void)printf("1..0 # SKIP systemd-socket-activate is not "
		    "installed\n");
		return 0;
	}
	test_watchdog_arm(120, "inetd_test");
	return cmocka_run_group_tests_name("inetd", tests, NULL, NULL);
}
