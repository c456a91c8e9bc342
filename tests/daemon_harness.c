/*
 * daemon_harness.c: run pforkd under test and speak to it over loopback.
 *
 * Every wait is bounded; the daemon is stopped by the pid this file
 * started, and killed with SIGKILL if it does not stop in time.  What it
 * starts gets /dev/null for stdin and, unless captured, stdout: under
 * automake's parallel driver the test's stdout is the TAP pipe, and a
 * process left holding it would keep the driver waiting for ever.  The
 * pids not reaped yet are remembered, and whatever a test left running
 * is stopped when its program exits (or its watchdog fires).
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
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend_cases.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"
#include "util/descriptor.h"
#include "util/parse_number.h"

#define SPAWNED_MAX	128

/* Children spawn_argv() started that were not reaped yet, 0 in free slots. */
static volatile sig_atomic_t	spawned[SPAWNED_MAX];
static pid_t			spawner;	/* the process that owns them */

static void	stop_spawned_at_exit(void);

/* Remember the pid of a child just started, until it is reaped. */
static void
remember_spawned(pid_t pid)
{
	size_t	i;

	if (spawner != getpid()) {
		/* A forked copy of a test forgets its parent's children. */
		for (i = 0; i < SPAWNED_MAX; i++)
			spawned[i] = 0;
		if (spawner == 0)
			(void)atexit(stop_spawned_at_exit);
		spawner = getpid();
	}
	for (i = 0; i < SPAWNED_MAX; i++)
		if (spawned[i] == 0) {
			spawned[i] = (sig_atomic_t)pid;
			return;
		}
}

/* Forget a pid that was reaped. */
static void
forget_spawned(pid_t pid)
{
	size_t	i;

	for (i = 0; i < SPAWNED_MAX; i++)
		if (spawned[i] == (sig_atomic_t)pid)
			spawned[i] = 0;
}

/*
 * Stop every child the harness started that still runs: SIGTERM (a
 * master stops its workers), SIGKILL to what is left after timeout_ms.
 * Only this process's own unreaped children are signalled: a pid that
 * waitpid(2) does not know is forgotten, not killed.  Async-signal-safe,
 * for a watchdog's handler.  Returns how many were still running.
 */
size_t
harness_stop_spawned(int timeout_ms)
{
	size_t	i, running = 0, left;
	pid_t	pid;
	int	status, waited;

	if (spawner != getpid())
		return 0;
	for (i = 0; i < SPAWNED_MAX; i++) {
		if ((pid = (pid_t)spawned[i]) <= 0)
			continue;
		if (waitpid(pid, &status, WNOHANG) == 0) {
			(void)kill(pid, SIGTERM);
			running++;
		} else
			spawned[i] = 0;
	}
	for (waited = 0, left = running; left > 0; waited += 10) {
		if (waited >= timeout_ms) {
			for (i = 0; i < SPAWNED_MAX; i++)
				if ((pid = (pid_t)spawned[i]) > 0) {
					(void)kill(pid, SIGKILL);
					(void)waitpid(pid, &status, 0);
					spawned[i] = 0;
				}
			break;
		}
		(void)poll(NULL, 0, 10);
		for (i = 0, left = 0; i < SPAWNED_MAX; i++) {
			if ((pid = (pid_t)spawned[i]) <= 0)
				continue;
			if (waitpid(pid, &status, WNOHANG) == 0)
				left++;
			else
				spawned[i] = 0;
		}
	}
	return running;
}

/* At exit: stop what the test left running, and say so in its log. */
static void
stop_spawned_at_exit(void)
{
	size_t	left = harness_stop_spawned(HARNESS_LEFTOVER_MS);

	if (left > 0)
		(void)fprintf(stderr, "daemon_harness: %zu process%s the test "
		    "started still ran at its exit: stopped\n", left,
		    left == 1 ? "" : "es");
}

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

/*
 * The port that ends the line at text ("ADDRESS:PORT\n", what follows
 * "listening on "), or -1 while the line is incomplete or has none.
 */
int
harness_listening_port(const char *text)
{
	const char	*end = strchr(text, '\n'), *colon;
	char		 digits[8];
	unsigned int	 port;

	if (end == NULL)
		return -1;
	for (colon = end; colon > text && colon[-1] != ':'; colon--)
		continue;
	if (colon == text || (size_t)(end - colon) >= sizeof(digits))
		return -1;
	memcpy(digits, colon, (size_t)(end - colon));
	digits[end - colon] = '\0';
	return parse_count(digits, 65535, &port) == 0 ? (int)port : -1;
}

/* Collect the ports of the first count "listening on" lines. */
static int
collect_ports(struct daemon_process *daemon, size_t count, int timeout_ms)
{
	uint64_t	 deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	const char	*cursor;
	int		 port;

	for (;;) {
		daemon->port_count = 0;
		cursor = daemon->log;
		while (daemon->port_count < HARNESS_PORTS_MAX &&
		    (cursor = strstr(cursor, "listening on ")) != NULL) {
			cursor += strlen("listening on ");
			if ((port = harness_listening_port(cursor)) == -1)
				break;
			daemon->ports[daemon->port_count++] = port;
		}
		if (daemon->port_count >= count)
			return 0;
		if (remaining_ms(deadline) == 0 ||
		    harness_read_log(daemon, remaining_ms(deadline)) == -1)
			return -1;
	}
}

/*
 * Fork and exec argv (argv[0] a path); its stderr (and stdout if asked)
 * go to daemon->log_fd, its stdin (and stdout if not) is /dev/null.
 * Never the test's own stdout: a process left running would hold the
 * test driver's pipe open.  0 or -1.
 */
static int
spawn_argv(struct daemon_process *daemon, const char *const *argv,
    int capture_stdout)
{
	int	log_pipe[2], null_fd;

	memset(daemon, 0, sizeof(*daemon));
	daemon->pid = -1;
	if (pipe(log_pipe) == -1)
		return -1;
	if ((daemon->pid = fork()) == -1) {
		(void)close(log_pipe[0]);
		(void)close(log_pipe[1]);
		return -1;
	}
	if (daemon->pid == 0) {
		if ((null_fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null_fd, STDIN_FILENO) == -1 ||
		    dup2(capture_stdout ? log_pipe[1] : null_fd,
		    STDOUT_FILENO) == -1 ||
		    dup2(log_pipe[1], STDERR_FILENO) == -1)
			_exit(127);
		if (null_fd > STDERR_FILENO)
			(void)close(null_fd);
		(void)close(log_pipe[0]);
		(void)close(log_pipe[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	remember_spawned(daemon->pid);
	(void)close(log_pipe[1]);
	/* Not for the programs started after this one. */
	(void)descriptor_set_cloexec(log_pipe[0]);
	daemon->log_fd = log_pipe[0];
	return 0;
}

/* Fork and exec pforkd with arguments, as spawn_argv() does.  0 or -1. */
static int
spawn(struct daemon_process *daemon, const char *const *arguments,
    int capture_stdout)
{
	const char	*argv[64];
	size_t		 i;

	argv[0] = harness_pforkd_path();
	for (i = 0; arguments[i] != NULL && i < 62; i++)
		argv[i + 1] = arguments[i];
	argv[i + 1] = NULL;
	return spawn_argv(daemon, argv, capture_stdout);
}

/*
 * Start another program (argv[0] a path) with its stderr to daemon->log_fd,
 * for pforkd run under a tool such as systemd-socket-activate.  0 or -1.
 */
int
harness_spawn_program(struct daemon_process *daemon,
    const char *const *argv)
{
	return spawn_argv(daemon, argv, 0);
}

/* Find name in $PATH into path; 0, or -1 when it is not installed. */
int
harness_find_program(const char *name, char *path, size_t path_size)
{
	const char	*directories = getenv("PATH");
	size_t		 length;

	while (directories != NULL && *directories != '\0') {
		length = strcspn(directories, ":");
		(void)snprintf(path, path_size, "%.*s/%s", (int)length,
		    directories, name);
		if (length > 0 && access(path, X_OK) == 0)
			return 0;
		directories += length;
		if (*directories == ':')
			directories++;
	}
	return -1;
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
	pid_t		reaped;
	int		status = 0, killed = 0;

	if (daemon->pid <= 0)
		return -1;
	if (signal_number != 0)
		(void)kill(daemon->pid, signal_number);
	while ((reaped = waitpid(daemon->pid, &status, WNOHANG)) !=
	    daemon->pid) {
		if (reaped == -1 && errno != EINTR) {
			/* Reaped elsewhere: its pid is no longer ours. */
			killed = 1;
			break;
		}
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
	forget_spawned(daemon->pid);
	daemon->pid = -1;
	if (killed)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * For teardowns: stop a daemon a failed case left running, by its pid,
 * with SIGTERM (the master stops its workers and its programs), SIGKILL
 * after HARNESS_LEFTOVER_MS; nothing when none runs.
 */
void
harness_stop_leftover(struct daemon_process *daemon)
{
	if (daemon->pid > 0)
		(void)harness_stop(daemon, SIGTERM, HARNESS_LEFTOVER_MS);
}

/*
 * Stop a detached pforkd by the pid in its pid file, if the file is there
 * (the daemon removes it last as it exits): SIGTERM, then SIGKILL when the
 * file is still there after timeout_ms.  0 when none ran or it stopped in
 * time, -1 when it had to be killed.
 */
int
harness_stop_detached(const char *pid_file, int timeout_ms)
{
	uint64_t	 deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	char		 text[32];
	unsigned int	 pid;
	FILE		*file;

	if ((file = fopen(pid_file, "r")) == NULL)
		return 0;
	if (fgets(text, sizeof(text), file) == NULL)
		text[0] = '\0';
	(void)fclose(file);
	text[strcspn(text, "\n")] = '\0';
	if (parse_count(text, INT32_MAX, &pid) == -1 || pid <= 1 ||
	    kill((pid_t)pid, SIGTERM) == -1)
		return 0;
	while (access(pid_file, F_OK) == 0) {
		if (remaining_ms(deadline) == 0) {
			(void)kill((pid_t)pid, SIGKILL);
			(void)unlink(pid_file);
			return -1;
		}
		(void)poll(NULL, 0, 10);
	}
	return 0;
}

/*
 * Wait up to timeout_ms for the child pid (one a test forked) to exit,
 * then kill it with SIGKILL and reap it.  Returns its exit status (0-255),
 * 128+signal when a signal ended it, or -1 when it had to be killed or is
 * not a child.
 */
int
harness_reap(pid_t pid, int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;
	pid_t		reaped;
	int		status;

	while ((reaped = waitpid(pid, &status, WNOHANG)) != pid) {
		if (reaped == -1 && errno != EINTR)
			return -1;
		if (remaining_ms(deadline) == 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		(void)poll(NULL, 0, 10);
	}
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

/* cmocka setup: the initial state is a backend_run; make a fixture. */
int
harness_fixture_setup(void **state)
{
	const struct backend_run	*run = *state;
	struct backend_fixture		*fixture;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL)
		return -1;
	fixture->backend = backend_ops_name(run->ops);
	fixture->daemon.pid = -1;
	*state = fixture;
	return 0;
}

/* cmocka teardown: stop a daemon a failed case left, free the fixture. */
int
harness_fixture_teardown(void **state)
{
	struct backend_fixture	*fixture = *state;

	harness_stop_leftover(&fixture->daemon);
	free(fixture);
	return 0;
}

/* A connection to port from the loopback address 127.1.x.y; fd or -1. */
int
harness_connect_from(int port, unsigned int index)
{
	struct sockaddr_in	local, remote;
	int			fd;

	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(0x7f010000u | (index + 1));
	remote = local;
	remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	remote.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) == -1 ||
	    connect(fd, (struct sockaddr *)&remote, sizeof(remote)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* cmocka setup: a scratch directory (and pforkd.conf's path in it). */
int
harness_scratch_setup(void **state)
{
	struct scratch_fixture	*fixture = calloc(1, sizeof(*fixture));

	if (fixture == NULL)
		return -1;
	(void)snprintf(fixture->directory, sizeof(fixture->directory),
	    "/tmp/pforkd-test.XXXXXX");
	if (mkdtemp(fixture->directory) == NULL) {
		free(fixture);
		return -1;
	}
	(void)snprintf(fixture->config, sizeof(fixture->config),
	    "%s/pforkd.conf", fixture->directory);
	(void)snprintf(fixture->pid_file, sizeof(fixture->pid_file),
	    "%s/pforkd.pid", fixture->directory);
	fixture->daemon.pid = -1;
	*state = fixture;
	return 0;
}

/*
 * cmocka teardown: stop a daemon a failed case left, and one it left
 * detached with its pid in the fixture's pid file; remove the files.
 */
int
harness_scratch_teardown(void **state)
{
	struct scratch_fixture	*fixture = *state;

	harness_stop_leftover(&fixture->daemon);
	(void)harness_stop_detached(fixture->pid_file, HARNESS_LEFTOVER_MS);
	(void)test_remove_tree(fixture->directory);
	free(fixture);
	return 0;
}

/* Write text to path, failing the case on error. */
void
harness_must_write_file(const char *path, const char *text)
{
	FILE	*file = fopen(path, "w");

	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* Start pforkd as harness_start() does, or fail the case. */
void
harness_must_start(struct daemon_process *daemon,
    const char *const *arguments, size_t listeners)
{
	char	command[2048] = "";
	size_t	length = 0, i;
	int	added;

	if (harness_start(daemon, arguments, listeners) == 0)
		return;
	for (i = 0; arguments[i] != NULL && length < sizeof(command); i++) {
		added = snprintf(command + length, sizeof(command) - length,
		    " %s", arguments[i]);
		length += added > 0 ? (size_t)added : sizeof(command);
	}
	fail_msg("pforkd%s did not start", command);
}

/*
 * Start pforkd -d [-v] -b with the fixture's backend and one -l for each
 * of the NULL-terminated listens, or fail the case.
 */
void
harness_must_start_backend(struct backend_fixture *fixture, int verbose,
    const char *const *listens)
{
	const char	*arguments[HARNESS_PORTS_MAX * 2 + 6] = { "-d", "-b",
			    fixture->backend };
	size_t		 count = 3, listeners;

	if (verbose)
		arguments[count++] = "-v";
	for (listeners = 0; listens[listeners] != NULL; listeners++) {
		assert_true(listeners < HARNESS_PORTS_MAX);
		arguments[count++] = "-l";
		arguments[count++] = listens[listeners];
	}
	harness_must_start(&fixture->daemon, arguments, listeners);
}

/* Start pforkd on the fixture's backend with one -l built from format. */
void
harness_must_start_listen(struct backend_fixture *fixture, int verbose,
    const char *format, ...)
{
	char		 listen[2048];
	const char	*listens[] = { listen, NULL };
	va_list		 ap;
	int		 length;

	va_start(ap, format);
	length = vsnprintf(listen, sizeof(listen), format, ap);
	va_end(ap);
	assert_true(length > 0 && (size_t)length < sizeof(listen));
	harness_must_start_backend(fixture, verbose, listens);
}

/* Stop pforkd with SIGTERM; fail the case unless it exits 0 in time. */
void
harness_must_stop(struct daemon_process *daemon, int timeout_ms)
{
	int	status = harness_stop(daemon, SIGTERM, timeout_ms);

	if (status != 0)
		fail_msg("pforkd exited with %d; log:\n%s", status,
		    daemon->log);
}

/* Connect to 127.0.0.1 on the daemon's port_index-th port, or fail. */
int
harness_must_connect(const struct daemon_process *daemon, size_t port_index)
{
	int	fd;

	assert_true(port_index < daemon->port_count);
	fd = harness_connect("127.0.0.1", daemon->ports[port_index]);
	if (fd == -1)
		fail_msg("connect to port %d: %s", daemon->ports[port_index],
		    strerror(errno));
	return fd;
}

/* Wait up to timeout_ms for needle in the daemon's log, or fail. */
void
harness_must_log(struct daemon_process *daemon, const char *needle,
    int timeout_ms)
{
	if (harness_wait_log(daemon, needle, timeout_ms) == -1)
		fail_msg("no '%s' in the log:\n%s", needle, daemon->log);
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

/*
 * A loopback port free at the moment, of socket type (SOCK_STREAM or
 * SOCK_DGRAM), for a daemon that must be told its port in advance; fails
 * the case when none can be had.
 */
int
harness_free_port(int type)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);
	int			fd, port;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type, 0)) == -1 || bind(fd,
	    (struct sockaddr *)&address, sizeof(address)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&address, &length) == -1)
		fail_msg("no free loopback port: %s", strerror(errno));
	port = ntohs(address.sin_port);
	(void)close(fd);
	return port;
}
