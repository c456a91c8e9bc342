/*
 * detach.c: become a daemon, with a pipe back to the starting command.
 *
 * The command that started pforkd waits on a pipe until the daemon reports
 * either success (it closes the pipe after one '\0' byte) or a message
 * explaining why it cannot start; it then exits 0 or prints the message and
 * exits 1.  So a port in use or a bad configuration reaches the shell even
 * though the daemon itself has no terminal (chrony's pattern).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/detach.h"
#include "util/descriptor.h"

/* In the starting command: relay the daemon's verdict and exit. */
static void
wait_for_verdict(int read_fd)
{
	char	buffer[512];
	ssize_t	count;
	size_t	total = 0;

	while (total < sizeof(buffer) - 1) {
		count = read(read_fd, buffer + total,
		    sizeof(buffer) - 1 - total);
		if (count == -1 && errno == EINTR)
			continue;
		if (count <= 0)
			break;
		total += (size_t)count;
	}
	if (total == 1 && buffer[0] == '\0')
		_exit(0);
	buffer[total] = '\0';
	(void)fprintf(stderr, "pforkd: %s\n", total > 0 ? buffer :
	    "daemon exited during start-up");
	_exit(1);
}

/* Point the standard descriptors at /dev/null. */
static int
redirect_standard_fds(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		(void)close(fd);
	return 0;
}

/*
 * Detach from the terminal.  Returns, in the daemon only, the fd on which
 * to report the start-up verdict, or -1 with errno.
 */
int
detach_begin(void)
{
	int	report[2];
	pid_t	pid;

	if (pipe(report) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		(void)close(report[1]);
		wait_for_verdict(report[0]);
	}
	(void)close(report[0]);
	if (setsid() == -1)
		_exit(1);
	/* Fork again so the daemon is no session leader (no tty reacquired). */
	if ((pid = fork()) == -1)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1 || redirect_standard_fds() == -1) {
		detach_report(report[1], strerror(errno));
		_exit(1);
	}
	(void)descriptor_set_cloexec(report[1]);
	return report[1];
}

/*
 * Tell the starting command the verdict: NULL message means the daemon
 * serves, anything else is why it cannot start.
 */
void
detach_report(int report_fd, const char *message)
{
	char	byte = '\0';

	if (report_fd == -1)
		return;
	if (message == NULL)
		(void)write(report_fd, &byte, 1);
	else
		(void)write(report_fd, message, strlen(message));
	(void)close(report_fd);
}
