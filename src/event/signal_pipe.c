/*
 * signal_pipe.c: the self-pipe trick, kept out of the backends.
 *
 * Only async-signal-safe work happens in the handler: it saves errno, sets
 * a per-signal flag, writes one byte to a non-blocking pipe and returns.
 * A full pipe already means "wake up", so EAGAIN is ignored.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "event/signal_pipe.h"
#include "util/descriptor.h"

static volatile sig_atomic_t	signal_pending[SIGNAL_LIMIT];
static volatile sig_atomic_t	signal_write_fd = -1;
static int			signal_read_fd = -1;
static pid_t			signal_pipe_owner;

/* Record the signal and wake the loop; async-signal-safe only. */
static void
signal_pipe_handler(int signal_number)
{
	int	saved_errno = errno;
	char	byte = 0;

	if (signal_number > 0 && signal_number < SIGNAL_LIMIT)
		signal_pending[signal_number] = 1;
	if (signal_write_fd != -1) {
		while (write(signal_write_fd, &byte, 1) == -1 &&
		    errno == EINTR)
			continue;
	}
	errno = saved_errno;
}

/* Close a pipe inherited from the parent so this process gets its own. */
void
signal_pipe_forget_inherited(void)
{
	if (signal_read_fd == -1 || signal_pipe_owner == getpid())
		return;
	(void)close(signal_read_fd);
	(void)close(signal_write_fd);
	signal_read_fd = -1;
	signal_write_fd = -1;
}

/* Create this process's pipe if needed; returns its read end or -1. */
int
signal_pipe_open(void)
{
	int	fds[2];
	int	signal_number;

	signal_pipe_forget_inherited();
	if (signal_read_fd != -1)
		return signal_read_fd;
	if (pipe(fds) == -1)
		return -1;
	if (descriptor_set_nonblocking(fds[0]) == -1 ||
	    descriptor_set_cloexec(fds[0]) == -1 ||
	    descriptor_set_nonblocking(fds[1]) == -1 ||
	    descriptor_set_cloexec(fds[1]) == -1) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	signal_read_fd = fds[0];
	signal_write_fd = fds[1];
	signal_pipe_owner = getpid();
	/* A signal caught before the pipe existed still needs a wake-up. */
	for (signal_number = 1; signal_number < SIGNAL_LIMIT; signal_number++)
		if (signal_pending[signal_number])
			signal_pipe_handler(signal_number);
	return signal_read_fd;
}

/* Route signal_number to the pipe; 0 or -1 with errno. */
int
signal_pipe_catch(int signal_number)
{
	struct sigaction	action;

	if (signal_number <= 0 || signal_number >= SIGNAL_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	memset(&action, 0, sizeof(action));
	action.sa_handler = signal_pipe_handler;
	(void)sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART;
	return sigaction(signal_number, &action, NULL);
}

/* Give signal_number back its default action, or ignore it. */
int
signal_pipe_restore(int signal_number, int ignore)
{
	struct sigaction	action;

	if (signal_number <= 0 || signal_number >= SIGNAL_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	memset(&action, 0, sizeof(action));
	action.sa_handler = ignore ? SIG_IGN : SIG_DFL;
	(void)sigemptyset(&action.sa_mask);
	signal_pending[signal_number] = 0;
	return sigaction(signal_number, &action, NULL);
}

/* Empty the pipe; the flags say which signals arrived. */
void
signal_pipe_drain(void)
{
	char	buffer[64];

	if (signal_read_fd == -1)
		return;
	while (read(signal_read_fd, buffer, sizeof(buffer)) > 0)
		continue;
}

/* Whether signal_number arrived since the last call; clears the flag. */
int
signal_pipe_take(int signal_number)
{
	if (signal_number <= 0 || signal_number >= SIGNAL_LIMIT ||
	    !signal_pending[signal_number])
		return 0;
	signal_pending[signal_number] = 0;
	return 1;
}
