/*
 * program_spawn.c: fork a child of a program service and make it clean.
 *
 * Everything after fork() runs in the child, which is single-threaded, so
 * it may allocate and format freely; the master only forks and returns.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/program_environment.h"
#include "server/program_options.h"
#include "server/program_spawn.h"

/* fds the child keeps: 0 and 1 (the socket), 2, and the error pipe. */
#define ERROR_FD		3
#define SCRATCH_FD_LOW		10

/* NSIG is not POSIX, but Linux and the BSDs have it. */
#ifndef NSIG
#define NSIG			65
#endif

/* Tell the master why the child cannot run, then exit 127. */
static void
child_fail(int error_fd, const char *format, ...)
{
	char	text[512];
	va_list	arguments;
	int	saved = errno, length;

	va_start(arguments, format);
	length = vsnprintf(text, sizeof(text) - 64, format, arguments);
	va_end(arguments);
	if (length < 0)
		length = 0;
	if ((size_t)length > sizeof(text) - 64)
		length = (int)sizeof(text) - 64;
	(void)snprintf(text + length, sizeof(text) - (size_t)length, ": %s",
	    strerror(saved));
	(void)write(error_fd, text, strlen(text));
	_exit(PROGRAM_EXIT_SPAWN_FAILED);
}

/*
 * Every signal back to its default action, then an empty mask.  exec()
 * resets caught signals by itself but keeps ignored ones ignored (the
 * master ignores SIGPIPE), and the mask is inherited as it is: the master
 * blocked everything around fork(), so nothing reaches the master's
 * handlers (which write to the master's own pipe) from here.
 */
static void
child_reset_signals(void)
{
	struct sigaction	action;
	sigset_t		empty;
	int			number;

	memset(&action, 0, sizeof(action));
	action.sa_handler = SIG_DFL;
	(void)sigemptyset(&action.sa_mask);
	for (number = 1; number < NSIG; number++)
		(void)sigaction(number, &action, NULL);	/* KILL, STOP: EINVAL */
	(void)sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
}

/*
 * Close every fd from low up.  Linux 5.9 has close_range(2), FreeBSD 13
 * both, OpenBSD closefrom(2); elsewhere walk up to the fd limit.
 */
static void
close_from(int low)
{
	long	last, fd;

#if defined(HAVE_CLOSE_RANGE)
	if (close_range((unsigned int)low, ~0U, 0) == 0)
		return;
#elif defined(HAVE_CLOSEFROM)
	closefrom(low);
	return;
#endif
	last = sysconf(_SC_OPEN_MAX);
	if (last < 0 || last > 1048576)
		last = 1048576;
	for (fd = low; fd < last; fd++)
		(void)close((int)fd);
}

/* A copy of fd at SCRATCH_FD_LOW or above, so 0-3 can be laid out. */
static int
lift(int fd, int error_fd)
{
	int	copy;

	if ((copy = fcntl(fd, F_DUPFD, SCRATCH_FD_LOW)) == -1)
		child_fail(error_fd, "cannot duplicate fd %d", fd);
	return copy;
}

/* Where fd 2 comes from: the log pipe, the socket or /dev/null. */
static int
stderr_source(const struct program_launch *launch, int socket_copy,
    int error_fd)
{
	int	fd;

	switch (launch->options->stderr_target) {
	case PROGRAM_STDERR_SOCKET:
		return socket_copy;
	case PROGRAM_STDERR_LOG:
		if (launch->stderr_fd != -1)
			return lift(launch->stderr_fd, error_fd);
		break;
	case PROGRAM_STDERR_NULL:
		break;
	}
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		child_fail(error_fd, "cannot open /dev/null");
	return fd;
}

/*
 * Lay out fd 0, 1 (the socket), 2 and the error pipe at 3, close all the
 * rest; returns the error pipe.  The socket is made blocking again, as
 * programs written for inetd expect.
 */
static int
child_descriptors(const struct program_launch *launch)
{
	int	socket_copy, error_copy, stderr_copy, flags;

	error_copy = lift(launch->error_fd, launch->error_fd);
	socket_copy = lift(launch->socket_fd, error_copy);
	stderr_copy = stderr_source(launch, socket_copy, error_copy);
	if (dup2(socket_copy, 0) == -1 || dup2(socket_copy, 1) == -1 ||
	    dup2(stderr_copy, 2) == -1 || dup2(error_copy, ERROR_FD) == -1)
		child_fail(error_copy, "cannot set up fds 0 to 3");
	(void)fcntl(ERROR_FD, F_SETFD, FD_CLOEXEC);
	close_from(ERROR_FD + 1);
	if ((flags = fcntl(0, F_GETFL)) == -1 ||
	    fcntl(0, F_SETFL, flags & ~O_NONBLOCK) == -1)
		child_fail(ERROR_FD, "cannot make the socket blocking");
	return ERROR_FD;
}

/* Apply one resource limit, soft and hard, when it is set. */
static void
child_limit(int resource, uint64_t value, const char *name, int error_fd)
{
	struct rlimit	limit;

	if (value == 0)
		return;
	limit.rlim_cur = limit.rlim_max = (rlim_t)value;
	if (setrlimit(resource, &limit) == -1)
		child_fail(error_fd, "cannot set %s to %llu", name,
		    (unsigned long long)value);
}

/* umask, working directory, limits and nice value. */
static void
child_process_settings(const struct program_options *options, int error_fd)
{
	const char	*directory;

	(void)umask(options->umask);
	directory = options->directory[0] != '\0' ? options->directory : "/";
	if (chdir(directory) == -1)
		child_fail(error_fd, "cannot change to directory %s",
		    directory);
	child_limit(RLIMIT_NOFILE, options->limit_files, "limit-files",
	    error_fd);
	child_limit(RLIMIT_CPU, options->limit_cpu_seconds, "limit-cpu",
	    error_fd);
	child_limit(RLIMIT_AS, options->limit_memory_bytes, "limit-memory",
	    error_fd);
#ifdef RLIMIT_NPROC	/* not POSIX; Linux and the BSDs have it */
	child_limit(RLIMIT_NPROC, options->limit_processes, "limit-processes",
	    error_fd);
#endif
	errno = 0;
	if (options->nice_set && setpriority(PRIO_PROCESS, 0,
	    options->nice) == -1)
		child_fail(error_fd, "cannot set nice %d", options->nice);
}

/*
 * Become the service's user: its groups (the supplementary list resolved
 * by the master, or just the primary group), then the user.
 */
static void
child_identity(const struct program_launch *launch, int error_fd)
{
	const struct program_options	*options = launch->options;

	if (!options->change_identity)
		return;
	if (options->group_count > 0) {
		if (setgroups((size_t)options->group_count,
		    options->groups) == -1)
			child_fail(error_fd, "cannot set the groups");
	} else if (setgroups(1, &options->gid) == -1)
		child_fail(error_fd, "cannot set the group");
	if (setgid(options->gid) == -1)
		child_fail(error_fd, "cannot set group %ld",
		    (long)options->gid);
	if (setuid(options->uid) == -1)
		child_fail(error_fd, "cannot set user %ld", (long)options->uid);
	/* Paranoia: getting root back must now be impossible. */
	if (options->uid != 0 && setuid(0) != -1) {
		errno = EPERM;
		child_fail(error_fd, "root could be regained");
	}
}

/* The child: set everything up, then become the program. */
static void
child_run(const struct program_launch *launch)
{
	const struct program_options	*options = launch->options;
	char				**environment;
	int				 error_fd;

	child_reset_signals();
	if (setsid() == -1)
		child_fail(launch->error_fd, "cannot start a session");
	error_fd = child_descriptors(launch);
	child_process_settings(options, error_fd);
	/*
	 * Made by the master before fork() unless it could not; a child of
	 * vfork() must not allocate from the memory it borrows.
	 */
#ifdef HAVE_WORKING_VFORK
	if ((environment = launch->environment) == NULL) {
		errno = ENOMEM;
		child_fail(error_fd, "cannot make the environment");
	}
#else
	if ((environment = launch->environment) == NULL &&
	    (environment = program_environment_make(options, 0,
	    launch->connection, launch->carried)) == NULL)
		child_fail(error_fd, "cannot make the environment");
#endif
	child_identity(launch, error_fd);
	(void)execve(options->path, options->arguments.items, environment);
	child_fail(error_fd, "cannot run %s", options->path);
}

/*
 * The child is started with vfork(2) where configure found it working
 * (Linux, the BSDs): it borrows the master's memory until execve(), so
 * neither side copies page tables nor faults on copy-on-write pages,
 * which is most of what a connection costs.  The child must then leave
 * the master's memory alone: it makes system calls, writes its own stack
 * and never returns, as posix_spawn(3) does in glibc and musl.  Its
 * signal actions are its own (vfork shares memory, not the handler
 * table), so resetting them leaves the master's as they are.
 */
#ifdef HAVE_WORKING_VFORK
#define spawn_fork()	vfork()
#else
#define spawn_fork()	fork()
#endif

/* Fork a child that runs the program; its pid, or -1 with errno. */
pid_t
program_spawn(const struct program_launch *launch)
{
	sigset_t	all, saved;
	pid_t		pid;
	int		saved_errno;

	(void)sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &saved);
	pid = spawn_fork();
	if (pid == 0)
		child_run(launch);
	saved_errno = errno;
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	errno = saved_errno;
	return pid;
}

/* The reason a reaped child could not run; 1 with text, or 0. */
int
program_spawn_failure(int error_read_fd, char *text, size_t size)
{
	ssize_t	got;

	if (size == 0)
		return 0;
	do
		got = read(error_read_fd, text, size - 1);
	while (got == -1 && errno == EINTR);
	if (got <= 0) {
		text[0] = '\0';
		return 0;
	}
	text[got] = '\0';
	return 1;
}
