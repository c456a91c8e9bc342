/*
 * program_test.c: integration tests of program services with real
 * programs: /bin/cat as echo, shell scripts, the test programs in
 * tests/programs, against the real daemon over loopback.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
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

#include "backend_cases.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define SPEC_MAX	2048
#define REPLY_MAX	65536

/* A scratch directory and the daemon of one case. */
struct program_fixture {
	struct backend_fixture	 base;	/* first: the harness frees it */
	char			 directory[128];
	char			 path[256];
};

/* The name of the user the tests run as (root in CI). */
static const char *
self_user(void)
{
	struct passwd	*entry = getpwuid(getuid());

	assert_non_null(entry);
	return entry->pw_name;
}

/* The path of a program of tests/programs. */
static const char *
test_program(const char *name)
{
	static char	path[1024];
	const char	*directory = getenv("PFORKD_TEST_PROGRAMS");

	if (directory == NULL)
		directory = "tests/programs";
	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	if (access(path, X_OK) == -1)
		fail_msg("%s is missing: run the tests with make check", path);
	return path;
}

/* Write text to path and make it executable. */
static void
write_script(const char *path, const char *text)
{
	FILE	*file = fopen(path, "w");

	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

/*
 * Start pforkd -d -v (with the case's backend, if any) and the -l made
 * from format, which names its user itself or gets the tests' own.
 */
static void
start_program(struct program_fixture *fixture, const char *format, ...)
{
	char		 spec[SPEC_MAX], with_user[SPEC_MAX + 64];
	const char	*arguments[] = { "-d", "-v", "-l", with_user, NULL, NULL,
			    NULL };
	char		*at;
	va_list		 ap;
	int		 length;

	va_start(ap, format);
	length = vsnprintf(spec, sizeof(spec), format, ap);
	va_end(ap);
	assert_true(length > 0 && (size_t)length < sizeof(spec));
	/* The user goes before command=, which takes the rest. */
	if (strstr(spec, ",user=") == NULL &&
	    (at = strstr(spec, ",command=")) != NULL) {
		*at = '\0';
		(void)snprintf(with_user, sizeof(with_user), "%s,user=%s,%s",
		    spec, self_user(), at + 1);
	} else
		(void)snprintf(with_user, sizeof(with_user), "%s", spec);
	if (fixture->base.backend != NULL) {
		arguments[4] = "-b";
		arguments[5] = fixture->base.backend;
	}
	harness_must_start(&fixture->base.daemon, arguments, 1);
}

/* Read from fd until EOF (bounded); the bytes, NUL-terminated. */
static char *
read_reply(int fd, int timeout_ms)
{
	static char	reply[REPLY_MAX];
	ssize_t		got;

	got = harness_read_until_eof(fd, reply, sizeof(reply) - 1,
	    timeout_ms);
	assert_true(got >= 0);
	reply[got] = '\0';
	return reply;
}

/* Whether fd reaches EOF (the peer closed) within timeout_ms. */
static int
closed_within(int fd, int timeout_ms)
{
	struct pollfd	pfd;
	char		byte;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return read(fd, &byte, 1) <= 0;
}

/* Fail unless text holds line as a whole line. */
static void
assert_line(const char *text, const char *line)
{
	const char	*found = text;
	size_t		 length = strlen(line);

	while ((found = strstr(found, line)) != NULL) {
		if ((found == text || found[-1] == '\n') &&
		    (found[length] == '\n' || found[length] == '\0'))
			return;
		found += length;
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

/* Fail if text holds a line starting with prefix. */
static void
assert_no_line_starting(const char *text, const char *prefix)
{
	const char	*found = text;

	while ((found = strstr(found, prefix)) != NULL) {
		if (found == text || found[-1] == '\n')
			fail_msg("unexpected '%s...' in:\n%s", prefix, text);
		found++;
	}
}

/*
 * /bin/cat as echo: 16 connections, each with a child of its own, carry
 * 256 KiB of patterned bytes in 16 KiB rounds; every byte comes back.
 */
static void
test_cat_under_load(void **state)
{
	struct program_fixture	*fixture = *state;
	enum { CLIENTS = 16, ROUND = 16384, ROUNDS = 16 };
	static unsigned char	 sent[ROUND], back[ROUND];
	int			 fds[CLIENTS], client, round;
	size_t			 i;

	start_program(fixture, "cat@127.0.0.1:0,stderr=null,"
	    "command=/bin/cat");
	for (client = 0; client < CLIENTS; client++)
		fds[client] = harness_must_connect(&fixture->base.daemon, 0);
	for (round = 0; round < ROUNDS; round++)
		for (client = 0; client < CLIENTS; client++) {
			for (i = 0; i < ROUND; i++)
				sent[i] = (unsigned char)(i * 31 + round * 7 +
				    client);
			assert_int_equal(harness_write_all(fds[client], sent,
			    ROUND), 0);
			assert_int_equal(harness_read_exact(fds[client], back,
			    ROUND, 5000), 0);
			assert_memory_equal(sent, back, ROUND);
		}
	for (client = 0; client < CLIENTS; client++) {
		assert_int_equal(shutdown(fds[client], SHUT_WR), 0);
		assert_true(closed_within(fds[client], 5000));
		(void)close(fds[client]);
	}
	harness_must_log(&fixture->base.daemon, "ended after", 5000);
	harness_must_log(&fixture->base.daemon, "exit status 0", 5000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * The child starts clean: fds 0, 1 and 2 only, its own session, no
 * blocked or ignored signal, umask 022, directory /, a blocking socket.
 */
static void
test_child_starts_clean(void **state)
{
	struct program_fixture	*fixture = *state;
	char			*reply;
	int			 fd;

	start_program(fixture, "report@127.0.0.1:0,command=%s",
	    test_program("child_report"));
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
	reply = read_reply(fd, 5000);
	assert_line(reply, "fds: 0 1 2");
	assert_line(reply, "blocked: 0");
	assert_line(reply, "ignored: 0");
	assert_line(reply, "session leader: yes");
	assert_line(reply, "umask: 022");
	assert_line(reply, "directory: /");
	assert_line(reply, "stdin: socket");
	assert_line(reply, "stdin nonblocking: no");
	assert_line(reply, "read: hello");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* umask, directory, nice and limits given per service reach the child. */
static void
test_child_settings(void **state)
{
	struct program_fixture	*fixture = *state;
	char			*reply;
	int			 fd;

	start_program(fixture, "report@127.0.0.1:0,umask=027,directory=/tmp,"
	    "nice=5,limit-files=64,limit-cpu=30,command=%s",
	    test_program("child_report"));
	fd = harness_must_connect(&fixture->base.daemon, 0);
	(void)shutdown(fd, SHUT_WR);
	reply = read_reply(fd, 5000);
	assert_line(reply, "umask: 027");
	assert_line(reply, "directory: /tmp");
	assert_line(reply, "nice: 5");
	assert_line(reply, "limit-files: 64");
	assert_line(reply, "limit-cpu: 30");
	assert_line(reply, "fds: 0 1 2");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * A shell script printing its environment sees a clean one: PATH, the
 * service's settings, the one variable passed on, the per-connection
 * variables of tcpserver and systemd, and nothing else of pforkd's.
 */
static void
test_environment(void **state)
{
	struct program_fixture	*fixture = *state;
	char			*reply, line[128];
	int			 fd, port;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/env.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\nexec env\n");
	assert_int_equal(setenv("PFORKD_TEST_PASSED", "passed", 1), 0);
	assert_int_equal(setenv("PFORKD_TEST_SECRET", "hidden", 1), 0);
	start_program(fixture, "env@127.0.0.1:0,environment=GREETING=hello "
	    "world,pass-environment=PFORKD_TEST_PASSED,command=%s",
	    fixture->path);
	(void)unsetenv("PFORKD_TEST_PASSED");
	(void)unsetenv("PFORKD_TEST_SECRET");
	fd = harness_must_connect(&fixture->base.daemon, 0);
	reply = read_reply(fd, 5000);
	assert_line(reply, "PATH=/usr/bin:/bin");
	assert_line(reply, "PROTO=TCP");
	assert_line(reply, "TCPLOCALIP=127.0.0.1");
	assert_line(reply, "TCPREMOTEIP=127.0.0.1");
	assert_line(reply, "REMOTE_ADDR=127.0.0.1");
	assert_line(reply, "GREETING=hello world");
	assert_line(reply, "PFORKD_TEST_PASSED=passed");
	(void)snprintf(line, sizeof(line), "TCPLOCALPORT=%d",
	    fixture->base.daemon.ports[0]);
	assert_line(reply, line);
	port = test_local_port(fd);
	(void)snprintf(line, sizeof(line), "TCPREMOTEPORT=%d", port);
	assert_line(reply, line);
	(void)snprintf(line, sizeof(line), "REMOTE_PORT=%d", port);
	assert_line(reply, line);
	assert_no_line_starting(reply, "PFORKD_TEST_SECRET=");
	assert_no_line_starting(reply, "HOME=");
	assert_no_line_starting(reply, "LISTEN_");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* Over ::1 the variables carry the IPv6 addresses. */
static void
test_environment_ipv6(void **state)
{
	struct program_fixture	*fixture = *state;
	char			*reply;
	int			 fd;

	if (!harness_have_ipv6_loopback()) {
		(void)fprintf(stderr, "# no ::1 here: IPv6 case not run\n");
		return;
	}
	start_program(fixture, "env@[::1]:0,command=/usr/bin/env");
	fd = harness_connect("::1", fixture->base.daemon.ports[0]);
	assert_true(fd != -1);
	reply = read_reply(fd, 5000);
	assert_line(reply, "TCPREMOTEIP=::1");
	assert_line(reply, "TCPLOCALIP=::1");
	assert_line(reply, "REMOTE_ADDR=::1");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * stderr log: each line the program writes to fd 2 is a log line tagged
 * with the service and the pid; the client sees stdout only.
 */
static void
test_stderr_log(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 tag[64];
	int			 fd;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/both.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\necho to-stderr >&2\n"
	    "echo to-stdout\n");
	start_program(fixture, "both@127.0.0.1:0,stderr=log,command=%s",
	    fixture->path);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_string_equal(read_reply(fd, 5000), "to-stdout\n");
	(void)close(fd);
	harness_must_log(&fixture->base.daemon, "]: to-stderr", 5000);
	(void)snprintf(tag, sizeof(tag), "both[");
	assert_non_null(strstr(fixture->base.daemon.log, tag));
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* stderr socket (inetd's way) sends both; stderr null drops fd 2. */
static void
test_stderr_socket_and_null(void **state)
{
	struct program_fixture	*fixture = *state;
	char			*reply;
	int			 fd;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/both.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\necho to-stderr >&2\n"
	    "echo to-stdout\n");
	start_program(fixture, "both@127.0.0.1:0,stderr=socket,command=%s",
	    fixture->path);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	reply = read_reply(fd, 5000);
	assert_line(reply, "to-stderr");
	assert_line(reply, "to-stdout");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
	start_program(fixture, "both@127.0.0.1:0,stderr=null,command=%s",
	    fixture->path);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_string_equal(read_reply(fd, 5000), "to-stdout\n");
	(void)close(fd);
	harness_must_log(&fixture->base.daemon, "ended after", 5000);
	assert_null(strstr(fixture->base.daemon.log, "to-stderr"));
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* A program that exits at once: the client sees EOF, each is logged. */
static void
test_exits_at_once(void **state)
{
	struct program_fixture	*fixture = *state;
	int			 fd, i;

	start_program(fixture, "true@127.0.0.1:0,command=/bin/true");
	for (i = 0; i < 50; i++) {
		fd = harness_must_connect(&fixture->base.daemon, 0);
		assert_true(closed_within(fd, 5000));
		(void)close(fd);
	}
	harness_must_log(&fixture->base.daemon, "exit status 0", 5000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * A child that leaves a grandchild holding the socket ends (and is
 * logged) while the connection lives on until the grandchild is done.
 */
static void
test_grandchild_holds_socket(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 first[8];
	int			 fd;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/fork.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\n(sleep 1; echo late) &\n"
	    "echo early\n");
	start_program(fixture, "fork@127.0.0.1:0,stderr=null,command=%s",
	    fixture->path);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_int_equal(harness_read_exact(fd, first, 6, 5000), 0);
	assert_memory_equal(first, "early\n", 6);
	harness_must_log(&fixture->base.daemon, "exit status 0", 5000);
	assert_false(closed_within(fd, 100));
	assert_string_equal(read_reply(fd, 5000), "late\n");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * A program that ignores SIGTERM: a fast stop sends SIGTERM, then
 * SIGKILL after its grace, and pforkd still exits 0, promptly.
 */
static void
test_ignores_sigterm(void **state)
{
	struct program_fixture	*fixture = *state;
	uint64_t		 started;
	int			 fd;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/stub.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\ntrap '' TERM\necho ready\n"
	    "sleep 20\n");
	start_program(fixture, "stub@127.0.0.1:0,stderr=null,command=%s",
	    fixture->path);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_int_equal(harness_read_exact(fd, (char[6]){ 0 }, 6, 5000), 0);
	started = monotonic_usec();
	harness_must_stop(&fixture->base.daemon, 5000);
	assert_true(monotonic_usec() - started < 4000000);
	assert_non_null(strstr(fixture->base.daemon.log,
	    "killed by signal 9"));
	assert_true(closed_within(fd, 2000));
	(void)close(fd);
}

/*
 * A missing program: each connection is closed at once, the failure is
 * logged with its reason once per burst, and pforkd goes on serving; put
 * back, the program runs again.
 */
static void
test_missing_program(void **state)
{
	struct program_fixture	*fixture = *state;
	const char		*log, *found;
	int			 fd, i, messages = 0;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/gone.sh",
	    fixture->directory);
	write_script(fixture->path, "#!/bin/sh\necho here\n");
	start_program(fixture, "gone@127.0.0.1:0,command=%s", fixture->path);
	assert_int_equal(unlink(fixture->path), 0);
	for (i = 0; i < 20; i++) {
		fd = harness_must_connect(&fixture->base.daemon, 0);
		assert_string_equal(read_reply(fd, 5000), "");
		(void)close(fd);
	}
	harness_must_log(&fixture->base.daemon, "No such file", 5000);
	test_sleep_usec(200000);
	(void)harness_read_log(&fixture->base.daemon, 100);
	log = fixture->base.daemon.log;
	for (found = log; (found = strstr(found, "cannot run")) != NULL;
	    found++)
		messages++;
	/* One burst: one line, or two if it straddled a second. */
	assert_true(messages >= 1 && messages <= 2);
	write_script(fixture->path, "#!/bin/sh\necho here\n");
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_string_equal(read_reply(fd, 5000), "here\n");
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * 500 concurrent connections to slow children under max-connections 100:
 * exactly 100 children run, the other 400 are refused at once and logged.
 */
static void
test_cap_of_one_hundred(void **state)
{
	struct program_fixture	*fixture = *state;
	enum { CLIENTS = 500, CAP = 100 };
	static int		 fds[CLIENTS];
	int			 i, refused = 0, running = 0, left;
	uint64_t		 deadline, now;

	assert_true(test_raise_nofile() >= CLIENTS + 64);
	start_program(fixture, "slow@127.0.0.1:0,max-connections=%d,"
	    "per-source-max=0,stderr=null,command=/bin/sleep 6", CAP);
	for (i = 0; i < CLIENTS; i++)
		fds[i] = harness_must_connect(&fixture->base.daemon, 0);
	/* Refusals close at once; give the master 3 s to get through. */
	deadline = monotonic_usec() + 3000000;
	for (i = 0; i < CLIENTS; i++) {
		now = monotonic_usec();
		left = now < deadline ? (int)((deadline - now) / 1000) : 0;
		if (closed_within(fds[i], left))
			refused++;
		else
			running++;
	}
	assert_int_equal(running, CAP);
	assert_int_equal(refused, CLIENTS - CAP);
	harness_must_log(&fixture->base.daemon,
	    "refused: service max-connections reached", 2000);
	for (i = 0; i < CLIENTS; i++)
		(void)close(fds[i]);
	harness_must_stop(&fixture->base.daemon, 5000);
}

/* per-source-max counts a source's running children. */
static void
test_per_source_max(void **state)
{
	struct program_fixture	*fixture = *state;
	int			 fds[3], i;

	start_program(fixture, "cat@127.0.0.1:0,per-source-max=2,"
	    "stderr=null,command=/bin/cat");
	for (i = 0; i < 3; i++)
		fds[i] = harness_must_connect(&fixture->base.daemon, 0);
	assert_true(closed_within(fds[2], 5000));
	harness_must_log(&fixture->base.daemon, "per-source-max reached",
	    2000);
	for (i = 0; i < 2; i++) {
		assert_int_equal(harness_write_all(fds[i], "ok\n", 3), 0);
		assert_int_equal(harness_read_exact(fds[i], (char[3]){ 0 }, 3,
		    5000), 0);
	}
	for (i = 0; i < 3; i++)
		(void)close(fds[i]);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * Connect count + 1 times at once to a service allowing count connections
 * per window and expect the first count answered, the last refused
 * (logged as reason); then, once a token is back, a connection served
 * again: a limit never switches the service off.  All connect before any
 * is read, so a slow machine cannot earn a token in between.
 */
static void
expect_rate_limited(struct program_fixture *fixture, int count,
    const char *reason, uint64_t refill_usec)
{
	int	fds[8], fd, i, answered = 0;

	assert_true(count + 1 <= 8);
	for (i = 0; i <= count; i++)
		fds[i] = harness_must_connect(&fixture->base.daemon, 0);
	for (i = 0; i <= count; i++) {
		if (strcmp(read_reply(fds[i], 5000), "hi\n") == 0)
			answered++;
		(void)close(fds[i]);
	}
	assert_int_equal(answered, count);
	harness_must_log(&fixture->base.daemon, reason, 2000);
	test_sleep_usec(refill_usec);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_string_equal(read_reply(fd, 5000), "hi\n");
	(void)close(fd);
}

/* rate-limit 3 per 3 s: the fourth connection at once is refused. */
static void
test_rate_limit(void **state)
{
	struct program_fixture	*fixture = *state;

	start_program(fixture, "hi@127.0.0.1:0,rate-limit=3/3,stderr=null,"
	    "command=/bin/echo hi");
	expect_rate_limited(fixture, 3, "rate-limit reached", 1200000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* per-source-rate-limit does the same per peer address. */
static void
test_per_source_rate_limit(void **state)
{
	struct program_fixture	*fixture = *state;

	start_program(fixture, "hi@127.0.0.1:0,per-source-rate-limit=2/2,"
	    "stderr=null,command=/bin/echo hi");
	expect_rate_limited(fixture, 2, "per-source-rate-limit reached",
	    1200000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* Read to EOF from a connection made from source 127.1.x.y (index). */
static char *
reply_from(struct program_fixture *fixture, unsigned int index)
{
	char	*reply;
	int	 fd;

	fd = harness_connect_from(fixture->base.daemon.ports[0], index);
	assert_true(fd != -1);
	reply = read_reply(fd, 5000);
	(void)close(fd);
	return reply;
}

/*
 * A source over its own per-source-rate-limit spends none of the
 * service's rate-limit, which every other source shares: with 3 a minute
 * for the service and 1 for each source, a second try from the first
 * source is refused, and two other sources still get in.
 */
static void
test_rate_limits_together(void **state)
{
	struct program_fixture	*fixture = *state;

	start_program(fixture, "hi@127.0.0.1:0,rate-limit=3/60,"
	    "per-source-rate-limit=1/60,stderr=null,command=/bin/echo hi");
	assert_string_equal(reply_from(fixture, 0), "hi\n");
	assert_string_equal(reply_from(fixture, 0), "");
	assert_string_equal(reply_from(fixture, 0), "");
	assert_string_equal(reply_from(fixture, 1), "hi\n");
	assert_string_equal(reply_from(fixture, 2), "hi\n");
	assert_string_equal(reply_from(fixture, 3), "");
	harness_must_log(&fixture->base.daemon, "refused: rate-limit reached",
	    2000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* As root, user=nobody runs the program as nobody, groups and all. */
static void
test_user_switch(void **state)
{
	struct program_fixture	*fixture = *state;
	struct passwd		*nobody;
	char			*reply, line[64];
	int			 fd;

	if (getuid() != 0 || (nobody = getpwnam("nobody")) == NULL) {
		(void)fprintf(stderr, "# not root, or no user nobody: the "
		    "user switch is not tested here\n");
		return;
	}
	start_program(fixture, "report@127.0.0.1:0,user=nobody,command=%s",
	    test_program("child_report"));
	fd = harness_must_connect(&fixture->base.daemon, 0);
	(void)shutdown(fd, SHUT_WR);
	reply = read_reply(fd, 5000);
	(void)snprintf(line, sizeof(line), "uid: %ld", (long)nobody->pw_uid);
	assert_line(reply, line);
	(void)snprintf(line, sizeof(line), "gid: %ld", (long)nobody->pw_gid);
	assert_line(reply, line);
	(void)close(fd);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* Connect and read one line of the wait server; its pid and count. */
static void
ask_wait_server(struct program_fixture *fixture, long *pid, int *count)
{
	char	*reply;
	int	 fd;

	fd = harness_must_connect(&fixture->base.daemon, 0);
	reply = read_reply(fd, 5000);
	if (sscanf(reply, "wait-server %ld %d", pid, count) != 2)
		fail_msg("wait server said '%s'; log:\n%s", reply,
		    fixture->base.daemon.log);
	(void)close(fd);
}

/*
 * wait: one instance gets the listener as fd 0 and accepts every
 * connection itself; once it exits, pforkd starts the next.
 */
static void
test_wait_service(void **state)
{
	struct program_fixture	*fixture = *state;
	long			 pid, first_pid;
	int			 count, i;

	start_program(fixture, "waiter@127.0.0.1:0,wait=yes,command=%s 1",
	    test_program("wait_server"));
	ask_wait_server(fixture, &first_pid, &count);
	assert_int_equal(count, 1);
	for (i = 2; i <= 3; i++) {
		ask_wait_server(fixture, &pid, &count);
		assert_int_equal(pid, first_pid);
		assert_int_equal(count, i);
	}
	/* Idle for its second, it exits; the next connection starts anew. */
	harness_must_log(&fixture->base.daemon, "exit status 0", 5000);
	ask_wait_server(fixture, &pid, &count);
	assert_true(pid != first_pid);
	assert_int_equal(count, 1);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/*
 * pforkd's own inetd mode under its program services: "pforkd -i echo"
 * as the command serves each connection with the built-in echo.
 */
static void
test_inetd_mode_as_program(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 reply[6];
	int			 fd, i;

	start_program(fixture, "echo-i@127.0.0.1:0,command=%s -i echo",
	    harness_pforkd_path());
	for (i = 0; i < 3; i++) {
		fd = harness_must_connect(&fixture->base.daemon, 0);
		assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
		assert_int_equal(harness_read_exact(fd, reply, 6, 5000), 0);
		assert_memory_equal(reply, "hello\n", 6);
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
		assert_true(closed_within(fd, 5000));
		(void)close(fd);
	}
	harness_must_log(&fixture->base.daemon, "exit status 0", 5000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* Write the scratch configuration and start pforkd -d -v -f on it. */
static void
start_config(struct program_fixture *fixture, const char *text,
    size_t listeners)
{
	const char	*arguments[] = { "-d", "-v", "-f", fixture->path,
			    NULL };
	FILE		*file;

	(void)snprintf(fixture->path, sizeof(fixture->path), "%s/pforkd.conf",
	    fixture->directory);
	assert_non_null(file = fopen(fixture->path, "w"));
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
	harness_must_start(&fixture->base.daemon, arguments, listeners);
}

/* Rewrite the scratch configuration (for a reload). */
static void
rewrite_config(struct program_fixture *fixture, const char *text)
{
	FILE	*file;

	assert_non_null(file = fopen(fixture->path, "w"));
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* One line through a cat child: 0 when it came back. */
static int
cat_round_trip(int fd)
{
	char	reply[5];

	if (harness_write_all(fd, "ping\n", 5) == -1 ||
	    harness_read_exact(fd, reply, 5, 5000) == -1)
		return -1;
	return memcmp(reply, "ping\n", 5) == 0 ? 0 : -1;
}

/*
 * SIGQUIT lets children run to graceful-timeout: one that finishes in
 * time ends normally, and pforkd exits 0 once it has.
 */
static void
test_sigquit_lets_children_finish(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 text[1024];
	int			 fd;

	(void)snprintf(text, sizeof(text), "graceful-timeout 10\n"
	    "service slow {\n\tlisten 127.0.0.1:0\n\tuser %s\n"
	    "\tstderr null\n\tcommand \"/bin/sh -c 'sleep 1; echo done'\"\n"
	    "}\n", self_user());
	start_config(fixture, text, 1);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	test_sleep_usec(300000);	/* the child has started */
	assert_int_equal(kill(fixture->base.daemon.pid, SIGQUIT), 0);
	assert_string_equal(read_reply(fd, 5000), "done\n");
	(void)close(fd);
	assert_int_equal(harness_stop(&fixture->base.daemon, 0, 5000), 0);
	assert_non_null(strstr(fixture->base.daemon.log, "exit status 0"));
}

/* Past graceful-timeout the children left get SIGTERM. */
static void
test_sigquit_deadline(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 text[1024];
	uint64_t		 started;
	int			 fd;

	(void)snprintf(text, sizeof(text), "graceful-timeout 0.5\n"
	    "service slow {\n\tlisten 127.0.0.1:0\n\tuser %s\n"
	    "\tstderr null\n\tcommand \"/bin/sleep 20\"\n}\n", self_user());
	start_config(fixture, text, 1);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	test_sleep_usec(300000);	/* the child has started */
	started = monotonic_usec();
	assert_int_equal(kill(fixture->base.daemon.pid, SIGQUIT), 0);
	assert_int_equal(harness_stop(&fixture->base.daemon, 0, 5000), 0);
	assert_true(monotonic_usec() - started < 3000000);
	assert_non_null(strstr(fixture->base.daemon.log,
	    "killed by signal 15"));
	assert_true(closed_within(fd, 2000));
	(void)close(fd);
}

/*
 * A reload that turns a wait service into a nowait one while its child
 * runs: the child made the shared listener blocking, so the master must
 * make it non-blocking again before it accepts on it, or it hangs in
 * accept() and no longer answers even SIGTERM.
 */
static void
test_reload_wait_to_nowait(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 text[1024];
	int			 port = harness_free_port(SOCK_STREAM), fd, i;
	char			*reply;

	(void)snprintf(text, sizeof(text), "service flip {\n"
	    "\tlisten 127.0.0.1:%d\n\tuser %s\n\twait yes\n"
	    "\tcommand \"%s 3\"\n}\n", port, self_user(),
	    test_program("wait_server"));
	start_config(fixture, text, 1);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_non_null(strstr(read_reply(fd, 5000), "wait-server"));
	(void)close(fd);
	(void)snprintf(text, sizeof(text), "service flip {\n"
	    "\tlisten 127.0.0.1:%d\n\tuser %s\n\tstderr null\n"
	    "\tcommand \"/bin/echo hi\"\n}\n", port, self_user());
	rewrite_config(fixture, text);
	assert_int_equal(kill(fixture->base.daemon.pid, SIGHUP), 0);
	harness_must_log(&fixture->base.daemon, "reloaded", 5000);
	/* The old child or the master answers each; neither may hang. */
	for (i = 0; i < 6; i++) {
		fd = harness_must_connect(&fixture->base.daemon, 0);
		reply = read_reply(fd, 5000);
		assert_true(strcmp(reply, "hi\n") == 0 ||
		    strstr(reply, "wait-server") != NULL);
		(void)close(fd);
	}
	harness_must_stop(&fixture->base.daemon, 5000);
}

/*
 * SIGHUP: the children of a service that stays keep running, and so do
 * those of a removed service, left to finish; the removed service's
 * port no longer accepts.
 */
static void
test_reload_keeps_children(void **state)
{
	struct program_fixture	*fixture = *state;
	char			 text[2048], kept[1024];
	int			 stay, removed, port_removed, fd;

	(void)snprintf(kept, sizeof(kept), "service stay {\n"
	    "\tlisten 127.0.0.1:%d\n\tuser %s\n\tstderr null\n"
	    "\tcommand /bin/cat\n}\n", harness_free_port(SOCK_STREAM),
	    self_user());
	(void)snprintf(text, sizeof(text), "%sservice gone {\n"
	    "\tlisten 127.0.0.1:0\n\tuser %s\n\tstderr null\n"
	    "\tcommand /bin/cat\n}\n", kept, self_user());
	start_config(fixture, text, 2);
	port_removed = fixture->base.daemon.ports[1];
	stay = harness_must_connect(&fixture->base.daemon, 0);
	removed = harness_must_connect(&fixture->base.daemon, 1);
	assert_int_equal(cat_round_trip(stay), 0);
	assert_int_equal(cat_round_trip(removed), 0);
	rewrite_config(fixture, kept);
	assert_int_equal(kill(fixture->base.daemon.pid, SIGHUP), 0);
	harness_must_log(&fixture->base.daemon, "reloaded", 5000);
	assert_int_equal(cat_round_trip(stay), 0);
	assert_int_equal(cat_round_trip(removed), 0);
	assert_int_equal(harness_connect("127.0.0.1", port_removed), -1);
	fd = harness_must_connect(&fixture->base.daemon, 0);
	assert_int_equal(cat_round_trip(fd), 0);
	(void)close(fd);
	(void)close(stay);
	(void)close(removed);
	harness_must_log(&fixture->base.daemon, "gone: ", 5000);
	harness_must_stop(&fixture->base.daemon, 3000);
}

/* A scratch directory per case; the harness fixture around it. */
static int
program_setup(void **state)
{
	const struct backend_run	*run = *state;
	struct program_fixture		*fixture;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL)
		return -1;
	fixture->base.backend = run->ops != NULL ?
	    backend_ops_name(run->ops) : NULL;
	fixture->base.daemon.pid = -1;
	(void)snprintf(fixture->directory, sizeof(fixture->directory),
	    "/tmp/pforkd-program-test.XXXXXX");
	if (mkdtemp(fixture->directory) == NULL) {
		free(fixture);
		return -1;
	}
	*state = fixture;
	return 0;
}

/*
 * Stop a daemon a failed case left, with SIGTERM so that its master ends
 * the programs it runs (a SIGKILL would leave them to run on), and remove
 * the scratch directory.
 */
static int
program_teardown(void **state)
{
	struct program_fixture	*fixture = *state;

	harness_stop_leftover(&fixture->base.daemon);
	(void)test_remove_tree(fixture->directory);
	free(fixture);
	return 0;
}

static const struct backend_case program_cases[] = {
	{ "/bin/cat as echo under load", test_cat_under_load },
	{ "a wait service", test_wait_service },
};

int
main(void)
{
	struct backend_case_list	list;

	(void)signal(SIGPIPE, SIG_IGN);
	backend_cases_init(&list, program_setup, program_teardown);
	backend_cases_add_all(&list, dispatcher_backends(), program_cases,
	    sizeof(program_cases) / sizeof(program_cases[0]), NULL);
	backend_cases_add_once(&list, "the child starts clean",
	    test_child_starts_clean);
	backend_cases_add_once(&list, "umask, directory, nice, limits",
	    test_child_settings);
	backend_cases_add_once(&list, "a script printing its environment",
	    test_environment);
	backend_cases_add_once(&list, "the environment over ::1",
	    test_environment_ipv6);
	backend_cases_add_once(&list, "stderr to the log", test_stderr_log);
	backend_cases_add_once(&list, "stderr to the socket, to /dev/null",
	    test_stderr_socket_and_null);
	backend_cases_add_once(&list, "a program that exits at once",
	    test_exits_at_once);
	backend_cases_add_once(&list, "a grandchild holding the socket",
	    test_grandchild_holds_socket);
	backend_cases_add_once(&list, "a program that ignores SIGTERM",
	    test_ignores_sigterm);
	backend_cases_add_once(&list, "a missing program",
	    test_missing_program);
	backend_cases_add_once(&list, "500 slow children under a cap of 100",
	    test_cap_of_one_hundred);
	backend_cases_add_once(&list, "per-source-max",
	    test_per_source_max);
	backend_cases_add_once(&list, "rate-limit refuses, never switches off",
	    test_rate_limit);
	backend_cases_add_once(&list, "per-source-rate-limit",
	    test_per_source_rate_limit);
	backend_cases_add_once(&list, "both rate limits together",
	    test_rate_limits_together);
	backend_cases_add_once(&list, "user nobody", test_user_switch);
	backend_cases_add_once(&list, "pforkd -i echo as a program",
	    test_inetd_mode_as_program);
	backend_cases_add_once(&list, "SIGQUIT lets children finish",
	    test_sigquit_lets_children_finish);
	backend_cases_add_once(&list, "SIGQUIT's deadline ends children",
	    test_sigquit_deadline);
	backend_cases_add_once(&list, "SIGHUP keeps children running",
	    test_reload_keeps_children);
	backend_cases_add_once(&list, "SIGHUP from wait to nowait",
	    test_reload_wait_to_nowait);
	return backend_cases_run(&list, "program");
}
