/*
 * pid_file.c: write the master's pid to a file and hold a write lock on
 * it, so a second pforkd with the same pid file refuses to start instead
 * of overwriting it.  The file is removed when the master exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "server/pid_file.h"
#include "util/descriptor.h"

static int	pid_file_fd = -1;
static char	pid_file_path[1024];

/* Lock the whole file for writing without waiting; 0 or -1 with errno. */
static int
lock_file(int fd)
{
	struct flock	lock;

	memset(&lock, 0, sizeof(lock));
	lock.l_type = F_WRLCK;
	lock.l_whence = SEEK_SET;
	return fcntl(fd, F_SETLK, &lock);
}

/* Create and lock path, holding this process's pid; 0 or -1 + message. */
int
pid_file_create(const char *path, char *error, size_t error_size)
{
	char	text[32];
	int	fd, length;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (strlcpy(pid_file_path, path, sizeof(pid_file_path)) >=
	    sizeof(pid_file_path)) {
		(void)snprintf(error, error_size, "pid file path too long");
		return -1;
	}
	if ((fd = descriptor_open_regular(path, O_RDWR | O_CREAT, 0644)) ==
	    -1) {
		(void)snprintf(error, error_size, "pid file %s: %s", path,
		    descriptor_open_error(errno));
		return -1;
	}
	if (lock_file(fd) == -1) {
		length = (int)read(fd, text, sizeof(text) - 1);
		text[length > 0 ? length : 0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		(void)snprintf(error, error_size, "pid file %s is locked%s%s: "
		    "is another pforkd running?", path, text[0] ? " by pid " :
		    "", text);
		(void)close(fd);
		return -1;
	}
	length = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, text, (size_t)length) !=
	    length) {
		(void)snprintf(error, error_size, "pid file %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	pid_file_fd = fd;
	return 0;
}

/* Remove the pid file at exit (master only). */
void
pid_file_remove(void)
{
	if (pid_file_fd == -1)
		return;
	(void)unlink(pid_file_path);
	(void)close(pid_file_fd);
	pid_file_fd = -1;
}

/* In a worker: close the inherited descriptor and never remove the file. */
void
pid_file_forget(void)
{
	if (pid_file_fd != -1)
		(void)close(pid_file_fd);
	pid_file_fd = -1;
}
