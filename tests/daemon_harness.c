/*
 * daemon_harness.c: run pforkd under test and speak to it over loopback.
 *
 * Every wait is bounded; the daemon is stopped by the pid this file
 * started, and killed with SIGKILL if it does not stop in time.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"

/* The pforkd binary under test: $PFORKD, else ./pforkd. */
const char *
harness_pforkd_path(void)
{
	const char	*path = getenv("PFORKD");

	return path != NULL && path[0] != '\0' ? path : "./pforkd";
}

/* Milliseconds left until deadline (monotonic usec), at least 0. */
static int
remaining_ms(uint64_t deadline)
{
	uint64_t	now = monotonic_usec();

	return now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
}

/* Read what the daemon logged, waiting at most timeout_ms; 0 or -1 (EOF). */
int
harness_read_log(struct daemon_process *daemon, int timeout_ms)
{
	struct pollfd	pfd = { daemon->log_fd, POLLIN, 0 };
	ssize_t		count;
	size_t		room;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	room = sizeof(daemon->log) - 1 - daemon->log_length;
	if (room < sizeof(daemon->log) / 4) {
		/* Keep reading so the daemon never blocks on a full pipe:
		 * drop the older half of what was logged. */
		memmove(daemon->log, daemon->log + daemon->log_length / 2,
		    daemon->log_length - daemon->log_length / 2 + 1);
		daemon->log_length -= daemon->log_length / 2;
		room = sizeof(daemon->log) - 1 - daemon->log_length;
	}
	count = read(daemon->log_fd, daemon->log + daemon->log_length, room);
	if (count <= 0)
		return -1;
	daemon->log_length += (size_t)count;
	daemon->log[daemon->log_length] = '\0';
	return 0;
}

/* Wait until the log contains needle; 0, or -1 on timeout or exit. */
int
harness_wait_log(struct daemon_process *daemon, const char *needle,
    int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;

	while (strstr(daemon->log, needle) == NULL) {
		if (remaining_ms(deadline) == 0 ||
		    harness_read_log(daemon, remaining_ms(deadline)) == -1)
			return strstr(daemon->log, needle) ? 0 : -1;
	}
	return 0;
}

/* Collect the ports of the first count "listening on" lines. */
static int
collect_ports(struct daemon_process *daemon, size_t count, int timeout_ms)
{
	uint64_t	 deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	const char	*cursor, *colon;

	for (;;) {
		daemon->port_count = 0;
		cursor = daemon->log;
		while (daemon->port_count < HARNESS_PORTS_MAX &&
		    (cursor = strstr(cursor, "listening on ")) != NULL) {
			cursor += strlen("listening on ");
			colon = strchr(cursor, '\n');
			while (colon > cursor && colon[-1] != ':')
				colon--;
			if (colon == NULL || colon == cursor)
				break;
			daemon->ports[daemon->port_count++] = atoi(colon);
		}
		if (daemon->port_count >= count)
			return 0;
		if (remaining_ms(deadline) == 0 ||
		    harness_read_log(daemon, remaining_ms(deadline)) == -1)
			return -1;
	}
}

/* Fork and exec pforkd with arguments; its stderr (and stdout if asked)
 * go to daemon->log_fd.  0 or -1. */
static int
spawn(struct daemon_process *daemon, const char *const *arguments,
    int capture_stdout)
{
	const char	*argv[64];
	int		 log_pipe[2];
	size_t		 i;

	memset(daemon, 0, sizeof(*daemon));
	daemon->pid = -1;
	argv[0] = harness_pforkd_path();
	for (i = 0; arguments[i] != NULL && i < 62; i++)
		argv[i + 1] = arguments[i];
	argv[i + 1] = NULL;
	if (pipe(log_pipe) == -1)
		return -1;
	if ((daemon->pid = fork()) == -1) {
		(void)close(log_pipe[0]);
		(void)close(log_pipe[1]);
		return -1;
	}
	if (daemon->pid == 0) {
		if (capture_stdout)
			(void)dup2(log_pipe[1], STDOUT_FILENO);
		(void)dup2(log_pipe[1], STDERR_FILENO);
		(void)close(log_pipe[0]);
		(void)close(log_pipe[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	(void)close(log_pipe[1]);
	daemon->log_fd = log_pipe[0];
	return 0;
}

/*
 * Start pforkd with arguments (NULL-terminated, without argv[0]) and wait
 * until it announced `listeners` listening sockets.  0 or -1.
 */
int
harness_start(struct daemon_process *daemon, const char *const *arguments,
    size_t listeners)
{
	if (spawn(daemon, arguments, 0) == -1)
		return -1;
	if (collect_ports(daemon, listeners, 5000) == -1) {
		(void)fprintf(stderr, "daemon did not start; its log:\n%s\n",
		    daemon->log);
		(void)harness_stop(daemon, SIGKILL, 1000);
		return -1;
	}
	return 0;
}

/*
 * Send signal_number (0: none, just wait) and wait up to timeout_ms for the
 * exit, then SIGKILL.  Returns the exit status (0-255), 128+signal when a
 * signal ended it, or -1 when it had to be killed or was not running.
 */
int
harness_stop(struct daemon_process *daemon, int signal_number,
    int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	int		status = 0, killed = 0;

	if (daemon->pid <= 0)
		return -1;
	if (signal_number != 0)
		(void)kill(daemon->pid, signal_number);
	while (waitpid(daemon->pid, &status, WNOHANG) != daemon->pid) {
		if (remaining_ms(deadline) == 0) {
			(void)kill(daemon->pid, SIGKILL);
			(void)waitpid(daemon->pid, &status, 0);
			killed = 1;
			break;
		}
		(void)harness_read_log(daemon, 10);
	}
	/* Collect the last lines; the pipe is at EOF once every writer left. */
	while (harness_read_log(daemon, 200) == 0 &&
	    daemon->log_length < sizeof(daemon->log) - 1)
		if (remaining_ms(deadline + 2000000) == 0)
			break;
	(void)close(daemon->log_fd);
	daemon->pid = -1;
	if (killed)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * Run pforkd with arguments to completion, capturing stdout and stderr
 * into output; returns its exit status, or -1 on timeout (then killed).
 */
int
harness_run(const char *const *arguments, char *output, size_t output_size,
    int timeout_ms)
{
	struct daemon_process	*process;
	int			 status;

	if ((process = calloc(1, sizeof(*process))) == NULL)
		return -1;
	if (spawn(process, arguments, 1) == -1) {
		free(process);
		return -1;
	}
	status = harness_stop(process, 0, timeout_ms);
	(void)snprintf(output, output_size, "%s", process->log);
	free(process);
	return status;
}

/* Connect to address:port over TCP (blocking); the fd or -1. */
int
harness_connect(const char *address, int port)
{
	struct sockaddr_storage	 storage;
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&storage;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&storage;
	socklen_t		 length;
	int			 fd, family;

	memset(&storage, 0, sizeof(storage));
	if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
		family = AF_INET;
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		length = sizeof(*v4);
	} else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
		family = AF_INET6;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		length = sizeof(*v6);
	} else
		return -1;
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&storage, length) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Read exactly length bytes within timeout_ms; 0, or -1 (EOF, timeout). */
int
harness_read_exact(int fd, void *buffer, size_t length, int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		done = 0;
	ssize_t		count;

	while (done < length) {
		if (poll(&pfd, 1, remaining_ms(deadline)) <= 0)
			return -1;
		count = read(fd, (char *)buffer + done, length - done);
		if (count <= 0)
			return -1;
		done += (size_t)count;
	}
	return 0;
}

/*
 * Read until EOF within timeout_ms; returns the byte count, or -1 on a
 * timeout, an error or more than size bytes.
 */
ssize_t
harness_read_until_eof(int fd, void *buffer, size_t size, int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		done = 0;
	ssize_t		count;

	for (;;) {
		if (poll(&pfd, 1, remaining_ms(deadline)) <= 0)
			return -1;
		if (done == size)
			return -1;
		count = read(fd, (char *)buffer + done, size - done);
		if (count == 0)
			return (ssize_t)done;
		if (count < 0)
			return -1;
		done += (size_t)count;
	}
}

/* Write all of buffer (blocking fd); 0 or -1. */
int
harness_write_all(int fd, const void *buffer, size_t length)
{
	size_t	done = 0;
	ssize_t	count;

	while (done < length) {
		count = write(fd, (const char *)buffer + done, length - done);
		if (count == -1 && errno == EINTR)
			continue;
		if (count <= 0)
			return -1;
		done += (size_t)count;
	}
	return 0;
}

/* cmocka setup: the initial state is the backend name; make a fixture. */
int
harness_fixture_setup(void **state)
{
	struct backend_fixture	*fixture;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL)
		return -1;
	fixture->backend = *state;
	fixture->daemon.pid = -1;
	*state = fixture;
	return 0;
}

/* cmocka teardown: kill a daemon a failed case left, free the fixture. */
int
harness_fixture_teardown(void **state)
{
	struct backend_fixture	*fixture = *state;

	if (fixture->daemon.pid > 0)
		(void)harness_stop(&fixture->daemon, SIGKILL, 1000);
	free(fixture);
	return 0;
}

/*
 * Whether this host can listen on ::1.  cmocka 1.1 prints a skipped case
 * as "not ok # SKIP", which automake's TAP driver counts as a failure, so
 * tests leave the cases the host cannot run out of their group instead.
 */
int
harness_have_ipv6_loopback(void)
{
	struct sockaddr_in6	address;
	int			fd, usable;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&address, 0, sizeof(address));
	address.sin6_family = AF_INET6;
	address.sin6_addr = in6addr_loopback;
	usable = bind(fd, (struct sockaddr *)&address, sizeof(address)) == 0;
	(void)close(fd);
	return usable;
}
