/*
 * child_report.c: a program for pforkd's program-service tests that
 * writes, to its stdout, one line per fact the tests check about how it
 * was started: its open fds, its session, signal mask and dispositions,
 * umask, working directory, identity, nice value and limits.  Then it
 * echoes one line it reads, if any, so the test knows stdin works too.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef NSIG
#define NSIG	65
#endif

/* Print the open fds below the soft limit (at most 65536 looked at). */
static void
report_fds(void)
{
	struct rlimit	limit;
	long		last = 1024, fd;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	    limit.rlim_cur != RLIM_INFINITY)
		last = (long)limit.rlim_cur;
	if (last > 65536)
		last = 65536;
	(void)printf("fds:");
	for (fd = 0; fd < last; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			(void)printf(" %ld", fd);
	(void)printf("\n");
}

/* Print how many signals are blocked, ignored and caught. */
static void
report_signals(void)
{
	struct sigaction	action;
	sigset_t		mask;
	int			number, blocked = 0, ignored = 0;

	(void)sigprocmask(SIG_BLOCK, NULL, &mask);
	for (number = 1; number < NSIG; number++) {
		if (sigismember(&mask, number) == 1)
			blocked++;
		if (sigaction(number, NULL, &action) == 0 &&
		    action.sa_handler == SIG_IGN)
			ignored++;
	}
	(void)printf("blocked: %d\nignored: %d\n", blocked, ignored);
}

/* Print the rest: session, umask, directory, identity, nice, limits. */
static void
report_process(void)
{
	struct rlimit	limit;
	char		directory[PATH_MAX];
	mode_t		mask;
	int		value, type;
	socklen_t	length = sizeof(type);

	mask = umask(0);
	(void)printf("session leader: %s\n", getsid(0) == getpid() ?
	    "yes" : "no");
	(void)printf("umask: %03o\n", (unsigned int)mask);
	(void)printf("directory: %s\n", getcwd(directory, sizeof(directory))
	    != NULL ? directory : "?");
	(void)printf("uid: %ld\ngid: %ld\n", (long)getuid(), (long)getgid());
	errno = 0;
	value = getpriority(PRIO_PROCESS, 0);
	(void)printf("nice: %d\n", value);
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
		(void)printf("limit-files: %llu\n",
		    (unsigned long long)limit.rlim_cur);
	if (getrlimit(RLIMIT_CPU, &limit) == 0)
		(void)printf("limit-cpu: %llu\n",
		    (unsigned long long)limit.rlim_cur);
	(void)printf("stdin: %s\n", getsockopt(0, SOL_SOCKET, SO_TYPE, &type,
	    &length) == 0 ? "socket" : "other");
	(void)printf("stdin nonblocking: %s\n",
	    (fcntl(0, F_GETFL) & O_NONBLOCK) ? "yes" : "no");
}

int
main(void)
{
	char	line[256];

	report_fds();
	report_signals();
	report_process();
	(void)printf("end of report\n");
	(void)fflush(stdout);
	if (fgets(line, sizeof(line), stdin) != NULL)
		(void)printf("read: %s", line);
	return 0;
}
