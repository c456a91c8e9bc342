/*
 * service_manager_test.c: pforkd speaks systemd's notification protocol.
 *
 * The test plays the service manager: it binds its own AF_UNIX datagram
 * socket (a path, or a name in Linux's abstract namespace), starts the
 * real daemon with NOTIFY_SOCKET naming it, and reads what arrives:
 * READY=1 with a STATUS= line once the workers run, RELOADING=1 with
 * MONOTONIC_USEC= and READY=1 again around SIGHUP, STOPPING=1 on
 * SIGTERM, WATCHDOG=1 when WATCHDOG_USEC asks for it, and MAINPID= from
 * a daemon that detached.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define WAIT_MS		5000
#define MESSAGE_MAX	1024

struct manager {
	char			directory[32];
	char			name[128];	/* NOTIFY_SOCKET's value */
	int			fd;
	struct daemon_process	daemon;
};

/* Microseconds of CLOCK_MONOTONIC, the clock MONOTONIC_USEC= uses. */
static uint64_t
clock_monotonic_usec(void)
{
	struct timespec	now;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
}

/* Bind the manager's datagram socket to name ("@..." is abstract). */
static int
bind_manager_socket(const char *name)
{
	struct sockaddr_un	address;
	size_t			length = strlen(name);
	int			fd;

	memset(&address, 0, sizeof(address));
	address.sun_family = AF_UNIX;
	if (length >= sizeof(address.sun_path))
		return -1;
	(void)memcpy(address.sun_path, name, length);
	if (name[0] == '@')
		address.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&address, (socklen_t)(offsetof(
	    struct sockaddr_un, sun_path) + length)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/*
 * Wait up to timeout_ms for a message containing needle, skipping others;
 * the message in buffer and 0, or -1.
 */
static int
expect_message(struct manager *manager, const char *needle, char *buffer,
    int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() + (uint64_t)timeout_ms * 1000;
	struct pollfd	ready;
	ssize_t		length;
	int		wait_ms;

	while (monotonic_usec() < deadline) {
		wait_ms = (int)((deadline - monotonic_usec()) / 1000) + 1;
		ready.fd = manager->fd;
		ready.events = POLLIN;
		if (poll(&ready, 1, wait_ms) <= 0)
			continue;
		length = recv(manager->fd, buffer, MESSAGE_MAX - 1, 0);
		if (length < 0)
			continue;
		buffer[length] = '\0';
		if (strstr(buffer, needle) != NULL)
			return 0;
	}
	return -1;
}

/* Fail the case unless a message with needle arrives; returns it. */
static void
must_receive(struct manager *manager, const char *needle, char *buffer)
{
	if (expect_message(manager, needle, buffer, WAIT_MS) == -1)
		fail_msg("no \"%s\" from pforkd; its log:\n%s", needle,
		    manager->daemon.log);
}

/* Make the manager socket at a path in a scratch directory. */
static int
setup_path(void **state)
{
	struct manager	*manager = calloc(1, sizeof(*manager));

	if (manager == NULL)
		return -1;
	manager->daemon.pid = -1;
	(void)snprintf(manager->directory, sizeof(manager->directory),
	    "/tmp/pforkd-notify.XXXXXX");
	if (mkdtemp(manager->directory) == NULL)
		return -1;
	(void)snprintf(manager->name, sizeof(manager->name), "%s/notify",
	    manager->directory);
	if ((manager->fd = bind_manager_socket(manager->name)) == -1)
		return -1;
	*state = manager;
	return 0;
}

/* Make the manager socket in the abstract namespace (Linux only). */
static int
setup_abstract(void **state)
{
	struct manager	*manager;

	if (setup_path(state) == -1)
		return -1;
	manager = *state;
	(void)close(manager->fd);
	(void)snprintf(manager->name, sizeof(manager->name),
	    "@pforkd-notify-test-%ld", (long)getpid());
	if ((manager->fd = bind_manager_socket(manager->name)) == -1)
		return -1;
	return 0;
}

/*
 * Stop a daemon still running, by pid, and a detached one by the pid in
 * its pid file; close the socket, remove the scratch.
 */
static int
teardown(void **state)
{
	struct manager	*manager = *state;
	char		 pid_path[64];

	harness_stop_leftover(&manager->daemon);
	(void)snprintf(pid_path, sizeof(pid_path), "%s/pforkd.pid",
	    manager->directory);
	(void)harness_stop_detached(pid_path, HARNESS_LEFTOVER_MS);
	(void)close(manager->fd);
	(void)test_remove_tree(manager->directory);
	(void)unsetenv("NOTIFY_SOCKET");
	(void)unsetenv("WATCHDOG_USEC");
	(void)unsetenv("WATCHDOG_PID");
	free(manager);
	return 0;
}

/* Start pforkd in the foreground with NOTIFY_SOCKET naming the manager. */
static void
start_notifying(struct manager *manager)
{
	const char	*arguments[] = { "-d", "-w", "2", "-l",
			    "echo@127.0.0.1:0", NULL };

	assert_int_equal(setenv("NOTIFY_SOCKET", manager->name, 1), 0);
	harness_must_start(&manager->daemon, arguments, 1);
}

/* READY, then RELOADING and READY around SIGHUP, then STOPPING. */
static void
test_life_cycle(void **state)
{
	struct manager	*manager = *state;
	char		 message[MESSAGE_MAX];
	const char	*stamp;
	uint64_t	 before, after, reloading;

	start_notifying(manager);
	must_receive(manager, "READY=1", message);
	if (strstr(message, "STATUS=2 workers, 0 connections") == NULL)
		fail_msg("unexpected status: %s", message);
	before = clock_monotonic_usec();
	assert_int_equal(kill(manager->daemon.pid, SIGHUP), 0);
	must_receive(manager, "RELOADING=1", message);
	after = clock_monotonic_usec();
	stamp = strstr(message, "\nMONOTONIC_USEC=");
	assert_non_null(stamp);
	reloading = strtoull(stamp + strlen("\nMONOTONIC_USEC="), NULL, 10);
	assert_true(reloading >= before && reloading <= after);
	must_receive(manager, "READY=1", message);
	assert_non_null(strstr(message, "STATUS="));
	assert_int_equal(kill(manager->daemon.pid, SIGTERM), 0);
	must_receive(manager, "STOPPING=1", message);
	assert_int_equal(harness_stop(&manager->daemon, 0, WAIT_MS), 0);
}

/* The status line counts the connection a client holds open. */
static void
test_status_counts_connections(void **state)
{
	struct manager	*manager = *state;
	char		 message[MESSAGE_MAX];
	int		 fd;

	/* With a watchdog, the status is checked at every ping. */
	assert_int_equal(setenv("WATCHDOG_USEC", "200000", 1), 0);
	start_notifying(manager);
	must_receive(manager, "READY=1", message);
	fd = harness_must_connect(&manager->daemon, 0);
	must_receive(manager, "STATUS=2 workers, 1 connections", message);
	(void)close(fd);
	must_receive(manager, "STATUS=2 workers, 0 connections", message);
	harness_must_stop(&manager->daemon, WAIT_MS);
}

/* WATCHDOG_USEC: a ping at half of it, again and again. */
static void
test_watchdog(void **state)
{
	struct manager	*manager = *state;
	char		 message[MESSAGE_MAX];
	uint64_t	 started;

	assert_int_equal(setenv("WATCHDOG_USEC", "400000", 1), 0);
	start_notifying(manager);
	must_receive(manager, "READY=1", message);
	started = monotonic_usec();
	must_receive(manager, "WATCHDOG=1", message);
	must_receive(manager, "WATCHDOG=1", message);
	must_receive(manager, "WATCHDOG=1", message);
	/* Three pings 200 ms apart, with room for a slow machine. */
	assert_true(monotonic_usec() - started < 2 * 1000 * 1000);
	harness_must_stop(&manager->daemon, WAIT_MS);
}

/* WATCHDOG_PID naming another process: no pings for pforkd to send. */
static void
test_watchdog_for_another_pid(void **state)
{
	struct manager	*manager = *state;
	char		 message[MESSAGE_MAX];

	assert_int_equal(setenv("WATCHDOG_USEC", "100000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", "1", 1), 0);
	start_notifying(manager);
	must_receive(manager, "READY=1", message);
	assert_int_equal(expect_message(manager, "WATCHDOG=1", message,
	    600), -1);
	harness_must_stop(&manager->daemon, WAIT_MS);
}

/* A detached daemon names its master's pid, which the pid file has too. */
static void
test_detached_main_pid(void **state)
{
	struct manager	*manager = *state;
	char		 message[MESSAGE_MAX], pid_path[64], log_target[80];
	char		 output[4096], text[32];
	const char	*arguments[] = { "-w", "1", "-l", "echo@127.0.0.1:0",
			    "-p", pid_path, "-L", log_target, NULL };
	FILE		*file;
	long		 main_pid;
	uint64_t	 started = monotonic_usec();

	(void)snprintf(pid_path, sizeof(pid_path), "%s/pforkd.pid",
	    manager->directory);
	(void)snprintf(log_target, sizeof(log_target), "file:%s/log",
	    manager->directory);
	assert_int_equal(setenv("NOTIFY_SOCKET", manager->name, 1), 0);
	if (harness_run(arguments, output, sizeof(output), WAIT_MS) != 0)
		fail_msg("pforkd did not start: %s", output);
	must_receive(manager, "MAINPID=", message);
	main_pid = strtol(strstr(message, "MAINPID=") + 8, NULL, 10);
	assert_non_null(file = fopen(pid_path, "r"));
	assert_non_null(fgets(text, sizeof(text), file));
	(void)fclose(file);
	assert_int_equal(main_pid, atol(text));
	must_receive(manager, "READY=1", message);
	assert_int_equal(kill((pid_t)main_pid, SIGTERM), 0);
	must_receive(manager, "STOPPING=1", message);
	/* Gone once the pid file is: it is removed last. */
	while (access(pid_path, F_OK) == 0 && monotonic_usec() - started <
	    (uint64_t)WAIT_MS * 1000)
		(void)usleep(10000);
	assert_int_not_equal(access(pid_path, F_OK), 0);
}

int
main(void)
{
	struct CMUnitTest	tests[6];
	size_t			count = 0;

	(void)signal(SIGPIPE, SIG_IGN);
	test_watchdog_arm(120, "service_manager_test");
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_life_cycle, setup_path, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_status_counts_connections, setup_path, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_watchdog, setup_path, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_watchdog_for_another_pid, setup_path, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_detached_main_pid, setup_path, teardown);
#ifdef __linux__
	/* Only Linux has the abstract namespace ("@name"). */
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_life_cycle, setup_abstract, teardown);
#else
	(void)printf("# skipped the abstract socket: Linux only\n");
#endif
	return _cmocka_run_group_tests("service_manager", tests, count, NULL,
	    NULL);
}
