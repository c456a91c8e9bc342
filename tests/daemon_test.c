/*
 * daemon_test.c: integration tests of the pre-fork process model: workers,
 * respawn, reload, graceful and fast stops, caps, the pid file, detaching
 * and configuration errors.  The real daemon, over loopback only; every
 * process is stopped by the pid this test started.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

#include "connection/service.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define CONNECTIONS_MAX	64
#define WORKERS_MAX	8

/* Start pforkd -d -v -f config expecting listeners announced. */
static void
start_with_config(struct scratch_fixture *fixture, const char *text, size_t
    listeners, const char *workers)
{
	const char	*arguments[] = { "-d", "-v", "-w", workers, "-f",
			    fixture->config, NULL };

	harness_must_write_file(fixture->config, text);
	harness_must_start(&fixture->daemon, arguments, listeners);
}

/* One round trip of message over fd; 0 when it came back intact. */
static int
round_trip(int fd, const char *message)
{
	char	reply[128];
	size_t	length = strlen(message);

	if (harness_write_all(fd, message, length) == -1 ||
	    harness_read_exact(fd, reply, length, 3000) == -1)
		return -1;
	return memcmp(reply, message, length) == 0 ? 0 : -1;
}

/* The pids of the workers the log says were started, in order. */
static size_t
started_workers(const struct daemon_process *daemon, pid_t *pids,
    size_t max)
{
	const char	*cursor = daemon->log;
	size_t		 count = 0;

	while (count < max && (cursor = strstr(cursor, "worker ")) != NULL) {
		cursor += strlen("worker ");
		if (strncmp(strchr(cursor, ' ') ? strchr(cursor, ' ') : "",
		    " started", 8) == 0)
			pids[count++] = (pid_t)atol(cursor);
	}
	return count;
}

/* Wait until the log shows count workers started; 0 or -1 on timeout. */
static int
wait_workers_started(struct daemon_process *daemon, size_t count,
    int timeout_ms)
{
	pid_t		pids[WORKERS_MAX];
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;

	while (started_workers(daemon, pids, WORKERS_MAX) < count) {
		if (monotonic_usec() >= deadline ||
		    harness_read_log(daemon, 20) == -1)
			return -1;
	}
	return 0;
}

/* The socket inode of the server side of a loopback connection, or 0. */
static unsigned long
server_inode(int server_port, int client_port)
{
	char		 line[512];
	FILE		*tcp = fopen("/proc/net/tcp", "r");
	unsigned int	 local_port, remote_port;
	unsigned long	 inode, found = 0;

	if (tcp == NULL)
		return 0;
	while (fgets(line, sizeof(line), tcp) != NULL) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*d: %*8x:%x %*8x:%x %*x %*x:%*x %*x:%*x "
		    "%*x %*u %*u %lu", &local_port, &remote_port, &inode) != 3)
			continue;
		if ((int)local_port == server_port &&
		    (int)remote_port == client_port) {
			found = inode;
			break;
		}
	}
	(void)fclose(tcp);
	return found;
}

/* Whether process pid holds the socket with inode (Linux /proc). */
static int
process_holds_socket(pid_t pid, unsigned long inode)
{
	char		 path[320], target[64], expected[64];
	struct dirent	*entry;
	DIR		*directory;
	ssize_t		 length;
	int		 held = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	(void)snprintf(expected, sizeof(expected), "socket:[%lu]", inode);
	if ((directory = opendir(path)) == NULL)
		return 0;
	while (!held && (entry = readdir(directory)) != NULL) {
		(void)snprintf(path, sizeof(path), "/proc/%ld/fd/%s",
		    (long)pid, entry->d_name);
		length = readlink(path, target, sizeof(target) - 1);
		if (length <= 0)
			continue;
		target[length] = '\0';
		held = strcmp(target, expected) == 0;
	}
	(void)closedir(directory);
	return held;
}

/* Which worker (index into pids) serves the connection fd, or -1. */
static int
serving_worker(int server_port, int fd, const pid_t *pids, size_t count)
{
	unsigned long	inode = 0;
	size_t		i;
	int		tries;

	for (tries = 0; tries < 100 && inode == 0; tries++) {
		inode = server_inode(server_port, test_local_port(fd));
		if (inode == 0)
			(void)poll(NULL, 0, 10);
	}
	for (tries = 0; inode != 0 && tries < 100; tries++) {
		for (i = 0; i < count; i++)
			if (process_holds_socket(pids[i], inode))
				return (int)i;
		(void)poll(NULL, 0, 10);
	}
	return -1;
}

/*
 * Two workers both serve, and a worker killed with SIGKILL is replaced
 * while the other worker's connections carry on undisturbed.
 */
static void
test_respawn_keeps_other_connections(void **state)
{
	struct scratch_fixture	*fixture = *state;
	int		 fds[CONNECTIONS_MAX], owner[CONNECTIONS_MAX];
	int		 per_worker[2] = { 0, 0 }, count = 0, i, port;
	int		 attempts = 0;
	pid_t		 pids[WORKERS_MAX];
	size_t		 started;

	start_with_config(fixture, "service echo {\n listen 127.0.0.1:0\n}\n",
	    1, "2");
	assert_int_equal(wait_workers_started(&fixture->daemon, 2, 3000), 0);
	assert_int_equal(started_workers(&fixture->daemon, pids, WORKERS_MAX),
	    2);
	port = fixture->daemon.ports[0];
	/*
	 * Open connections until both workers hold two.  On a loaded machine
	 * one worker may win the accept race many times in a row: close the
	 * surplus connections of a worker that has enough and try again,
	 * pausing a little so the other worker gets scheduled.
	 */
	while (count < CONNECTIONS_MAX && attempts++ < 2000 &&
	    (per_worker[0] < 2 || per_worker[1] < 2)) {
		fds[count] = harness_connect("127.0.0.1", port);
		assert_true(fds[count] >= 0);
		assert_int_equal(round_trip(fds[count], "hello\n"), 0);
		owner[count] = serving_worker(port, fds[count], pids, 2);
		assert_true(owner[count] >= 0);
		if (per_worker[owner[count]] >= 2) {
			(void)close(fds[count]);
			(void)poll(NULL, 0, 2);
			continue;
		}
		per_worker[owner[count]]++;
		count++;
	}
	if (per_worker[0] < 2 || per_worker[1] < 2)
		fail_msg("%d connection attempts all went to one worker",
		    attempts);
	assert_int_equal(kill(pids[0], SIGKILL), 0);
	/* Replaced within a second. */
	assert_int_equal(wait_workers_started(&fixture->daemon, 3, 1000), 0);
	started = started_workers(&fixture->daemon, pids, WORKERS_MAX);
	assert_int_equal(started, 3);
	for (i = 0; i < count; i++) {
		if (owner[i] == 1)
			assert_int_equal(round_trip(fds[i], "still here\n"), 0);
		else
			assert_int_not_equal(round_trip(fds[i], "gone\n"), 0);
		(void)close(fds[i]);
	}
	fds[0] = harness_connect("127.0.0.1", port);
	assert_int_equal(round_trip(fds[0], "new\n"), 0);
	(void)close(fds[0]);
	harness_must_stop(&fixture->daemon, 1500);
}

/* The port announced for service after the reload marker, or -1. */
static int
port_after_reload(struct scratch_fixture *fixture, const char *service)
{
	const char	*cursor;
	char		 needle[SERVICE_NAME_MAX + 32];

	cursor = strstr(fixture->daemon.log, "SIGHUP");
	if (cursor == NULL)
		cursor = fixture->daemon.log;
	(void)snprintf(needle, sizeof(needle), "%s: listening on ", service);
	if ((cursor = strstr(cursor, needle)) == NULL)
		return -1;
	return harness_listening_port(cursor + strlen(needle));
}

/* Connect and round-trip repeatedly for duration_ms; failures counted. */
static int
hammer(int port, int duration_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)duration_ms * 1000;
	int		failures = 0, fd, attempts = 0;

	while (monotonic_usec() < deadline && attempts++ < 100000) {
		fd = harness_connect("127.0.0.1", port);
		if (fd == -1 || round_trip(fd, "x\n") == -1)
			failures++;
		if (fd != -1)
			(void)close(fd);
		/* Paced: a tight loop would exhaust ephemeral ports. */
		(void)poll(NULL, 0, 2);
	}
	return failures;
}

/*
 * SIGHUP with a changed file: a service added, one removed, one changed.
 * Open connections stay, no connection attempt is refused during the
 * reload, the new service answers and the removed one is gone.
 */
static void
test_reload_changed_file(void **state)
{
	struct scratch_fixture	*fixture = *state;
	char		 line[128];
	int		 kept, echo_port, discard_port, chargen_port, fd;
	pid_t		 child;

	start_with_config(fixture,
	    "service echo {\n listen 127.0.0.1:0\n idle 60\n}\n"
	    "service discard {\n listen 127.0.0.1:0\n}\n", 2, "2");
	echo_port = fixture->daemon.ports[0];
	discard_port = fixture->daemon.ports[1];
	kept = harness_connect("127.0.0.1", echo_port);
	assert_int_equal(round_trip(kept, "before\n"), 0);
	/* A client connecting all through the reload. */
	if ((child = fork()) == 0)
		_exit(hammer(echo_port, 1500) == 0 ? 0 : 1);
	assert_true(child > 0);
	(void)poll(NULL, 0, 200);
	harness_must_write_file(fixture->config,
	    "service echo {\n listen 127.0.0.1:0\n idle 30\n}\n"
	    "service chargen {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(kill(fixture->daemon.pid, SIGHUP), 0);
	harness_must_log(&fixture->daemon, "reloaded:", 3000);
	/* It hammers for 1.5 s, its last round trip 3 s at most. */
	assert_int_equal(harness_reap(child, 10000), 0);
	/* The old connection is still served by a draining old worker. */
	assert_int_equal(round_trip(kept, "after\n"), 0);
	(void)close(kept);
	/* Same echo socket; chargen answers; discard is gone. */
	assert_int_equal(port_after_reload(fixture, "echo"), echo_port);
	chargen_port = port_after_reload(fixture, "chargen");
	assert_true(chargen_port > 0);
	fd = harness_connect("127.0.0.1", chargen_port);
	assert_true(fd >= 0);
	assert_int_equal(harness_read_exact(fd, line, 74, 3000), 0);
	assert_memory_equal(line, " !\"#$%&'()*+,-./0123456789", 26);
	(void)close(fd);
	assert_int_equal(harness_connect("127.0.0.1", discard_port), -1);
	harness_must_stop(&fixture->daemon, 1500);
}

/* SIGHUP with a broken file: logged, and the old configuration serves. */
static void
test_reload_broken_file(void **state)
{
	struct scratch_fixture	*fixture = *state;
	int		 fd;

	start_with_config(fixture, "service echo {\n listen 127.0.0.1:0\n}\n",
	    1, "1");
	harness_must_write_file(fixture->config,
	    "service echo {\n listen nowhere\n}\n");
	assert_int_equal(kill(fixture->daemon.pid, SIGHUP), 0);
	harness_must_log(&fixture->daemon, "reload refused", 3000);
	assert_non_null(strstr(fixture->daemon.log, ":2:"));
	fd = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	assert_true(fd >= 0);
	assert_int_equal(round_trip(fd, "still serving\n"), 0);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1500);
}

/* SIGQUIT: new connections are refused, open ones finish, then exit 0. */
static void
test_graceful_stop(void **state)
{
	struct scratch_fixture	*fixture = *state;
	uint64_t	 deadline;
	int		 fd, other, status;

	start_with_config(fixture, "graceful-timeout 10\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n", 1, "2");
	fd = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	assert_int_equal(round_trip(fd, "one\n"), 0);
	assert_int_equal(kill(fixture->daemon.pid, SIGQUIT), 0);
	harness_must_log(&fixture->daemon, "graceful stop", 3000);
	/*
	 * The master logs before every worker has closed its copy of the
	 * listener: wait (bounded) until connecting is refused.
	 */
	deadline = monotonic_usec() + 3000000;
	while ((other = harness_connect("127.0.0.1",
	    fixture->daemon.ports[0])) != -1 && monotonic_usec() < deadline) {
		(void)close(other);
		(void)poll(NULL, 0, 20);
	}
	assert_int_equal(other, -1);
	assert_int_equal(round_trip(fd, "two\n"), 0);
	(void)close(fd);
	status = harness_stop(&fixture->daemon, 0, 3000);
	assert_int_equal(status, 0);
}

/* SIGQUIT with a short deadline: a lingering connection is closed. */
static void
test_graceful_deadline(void **state)
{
	struct scratch_fixture	*fixture = *state;
	char		 byte;
	int		 fd;

	start_with_config(fixture, "graceful-timeout 0.3\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n", 1, "1");
	fd = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	assert_int_equal(round_trip(fd, "one\n"), 0);
	assert_int_equal(kill(fixture->daemon.pid, SIGQUIT), 0);
	assert_int_equal(harness_read_until_eof(fd, &byte, 1, 3000), 0);
	(void)close(fd);
	assert_int_equal(harness_stop(&fixture->daemon, 0, 3000), 0);
	assert_non_null(strstr(fixture->daemon.log, "graceful-timeout"));
}

/* Expect a connection to port to be closed at once, for reason. */
static void
expect_refused(struct scratch_fixture *fixture, int port, const char *reason)
{
	char	byte;
	int	fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	assert_int_equal(harness_read_until_eof(fd, &byte, 1, 3000), 0);
	(void)close(fd);
	harness_must_log(&fixture->daemon, reason, 2000);
}

/* Caps: per service, per source and global; excess closed and logged. */
static void
test_connection_caps(void **state)
{
	struct scratch_fixture	*fixture = *state;
	int		 fds[4], i;

	start_with_config(fixture,
	    "max-connections 4\n"
	    "service echo {\n listen 127.0.0.1:0\n max-connections 2\n}\n"
	    "service \"echo2\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " per-source-max 1\n}\n"
	    "service \"echo3\" {\n protocol echo\n listen 127.0.0.1:0\n}\n",
	    3, "2");
	fds[0] = harness_connect("127.0.0.1", fixture->daemon.ports[1]);
	assert_int_equal(round_trip(fds[0], "in\n"), 0);
	expect_refused(fixture, fixture->daemon.ports[1],
	    "per-source-max reached");
	for (i = 1; i < 3; i++) {
		fds[i] = harness_connect("127.0.0.1",
		    fixture->daemon.ports[0]);
		assert_int_equal(round_trip(fds[i], "in\n"), 0);
	}
	expect_refused(fixture, fixture->daemon.ports[0],
	    "service max-connections reached");
	fds[3] = harness_connect("127.0.0.1", fixture->daemon.ports[2]);
	assert_int_equal(round_trip(fds[3], "in\n"), 0);
	expect_refused(fixture, fixture->daemon.ports[2],
	    "global max-connections reached");
	/* Closing one lets a new one in: counts go down too. */
	(void)close(fds[1]);
	(void)poll(NULL, 0, 200);
	fds[1] = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	assert_int_equal(round_trip(fds[1], "again\n"), 0);
	for (i = 0; i < 4; i++)
		(void)close(fds[i]);
	harness_must_stop(&fixture->daemon, 1500);
}

/* idle and lifetime close connections; other clients are unaffected. */
static void
test_idle_and_lifetime(void **state)
{
	struct scratch_fixture	*fixture = *state;
	struct pollfd	 pfd;
	uint64_t	 started, idle_closed = 0;
	char		 byte;
	int		 idle, busy, i;

	start_with_config(fixture, "idle 0.4\n"
	    "service echo {\n listen 127.0.0.1:0\n lifetime 1\n}\n", 1, "1");
	busy = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	idle = harness_connect("127.0.0.1", fixture->daemon.ports[0]);
	started = monotonic_usec();
	/* Busy: activity every 100 ms defeats idle, not the lifetime. */
	for (i = 0; i < 50 && round_trip(busy, "tick\n") == 0; i++) {
		pfd.fd = idle;
		pfd.events = POLLIN;
		if (idle_closed == 0 && poll(&pfd, 1, 100) == 1 &&
		    read(idle, &byte, 1) == 0)
			idle_closed = monotonic_usec() - started;
		else if (idle_closed != 0)
			(void)poll(NULL, 0, 100);
	}
	assert_true(idle_closed >= 350000);
	assert_true(monotonic_usec() - started >= 900000);
	assert_true(i < 50);
	(void)close(idle);
	(void)close(busy);
	harness_must_log(&fixture->daemon, "lifetime reached", 2000);
	harness_must_stop(&fixture->daemon, 1500);
}

/* -n and start-up report configuration errors as FILE:LINE:COLUMN. */
static void
test_configuration_errors(void **state)
{
	struct scratch_fixture	*fixture = *state;
	char		 output[4096], expected[PATH_MAX + 32];
	const char	*check[] = { "-n", "-f", fixture->config, NULL };
	const char	*start[] = { "-d", "-f", fixture->config, NULL };

	harness_must_write_file(fixture->config, "workers 2\nservice echo {\n"
	    "  listen 127.0.0.1:0\n  idle -5\n}\n");
	(void)snprintf(expected, sizeof(expected), "%s:4:8:", fixture->config);
	assert_int_equal(harness_run(check, output, sizeof(output), 5000), 1);
	if (strstr(output, expected) == NULL)
		fail_msg("expected '%s' in: %s", expected, output);
	assert_int_equal(harness_run(start, output, sizeof(output), 5000), 1);
	assert_non_null(strstr(output, expected));
	harness_must_write_file(fixture->config,
	    "service echo {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(harness_run(check, output, sizeof(output), 5000), 0);
	assert_non_null(strstr(output, "configuration OK"));
}

/* Whether pid is gone (or a zombie nobody reaped yet: in a container
 * PID 1 may not reap the daemon that detached). */
static int
process_gone(pid_t pid)
{
	char	path[64], line[128];
	FILE	*status;
	int	zombie = 0;

	if (kill(pid, 0) == -1)
		return 1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((status = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), status) != NULL)
		if (strncmp(line, "State:", 6) == 0)
			zombie = strchr(line, 'Z') != NULL;
	(void)fclose(status);
	return zombie;
}

/*
 * Detached start: exit 0 once serving, pid file locked, removed at exit.
 * The pid file is the fixture's: should the case fail, its teardown
 * stops the detached daemon by the pid in it.
 */
static void
test_detach_and_pid_file(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const char	*pid_path = fixture->pid_file;
	char		 log_path[PATH_MAX + 16];
	char		 log_target[PATH_MAX + 32], output[4096], text[32];
	const char	*arguments[] = { "-f", fixture->config, "-p", pid_path,
			    "-L", log_target, NULL };
	struct daemon_process	*daemon;
	FILE		*file;
	pid_t		 pid;
	int		 i;

	(void)snprintf(log_path, sizeof(log_path), "%s/pforkd.log",
	    fixture->directory);
	(void)snprintf(log_target, sizeof(log_target), "file:%s", log_path);
	harness_must_write_file(fixture->config, "workers 1\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(harness_run(arguments, output, sizeof(output), 5000),
	    0);
	file = fopen(pid_path, "r");
	assert_non_null(file);
	assert_non_null(fgets(text, sizeof(text), file));
	(void)fclose(file);
	pid = (pid_t)atol(text);
	assert_true(pid > 1);
	assert_int_equal(kill(pid, 0), 0);
	/* A second instance with the same pid file refuses to start. */
	assert_int_equal(harness_run(arguments, output, sizeof(output), 5000),
	    1);
	assert_non_null(strstr(output, "locked"));
	assert_int_equal(kill(pid, SIGTERM), 0);
	for (i = 0; i < 150 && access(pid_path, F_OK) == 0; i++)
		(void)poll(NULL, 0, 10);
	assert_int_not_equal(access(pid_path, F_OK), 0);
	for (i = 0; i < 150 && !process_gone(pid); i++)
		(void)poll(NULL, 0, 10);
	if (!process_gone(pid)) {
		(void)kill(pid, SIGKILL);
		fail_msg("detached pforkd %ld did not exit", (long)pid);
	}
	daemon = calloc(1, sizeof(*daemon));
	assert_non_null(daemon);
	file = fopen(log_path, "r");
	assert_non_null(file);
	daemon->log_length = fread(daemon->log, 1, sizeof(daemon->log) - 1,
	    file);
	(void)fclose(file);
	assert_non_null(strstr(daemon->log, "listening on 127.0.0.1:"));
	free(daemon);
}

int
main(void)
{
	static const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_respawn_keeps_other_connections,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_reload_changed_file,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_reload_broken_file,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_graceful_stop,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_graceful_deadline,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_connection_caps,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_lifetime,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_configuration_errors,
		    harness_scratch_setup, harness_scratch_teardown),
		cmocka_unit_test_setup_teardown(test_detach_and_pid_file,
		    harness_scratch_setup, harness_scratch_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
