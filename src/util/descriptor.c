/*
 * descriptor.c: the flags pforkd sets on the descriptors it opens, safe
 * opening of files in places others may write, and closing what a
 * process inherited.
 *
 * Where accept4(2) or SOCK_NONBLOCK set the flags at creation the callers
 * use them; these helpers are the portable path.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/descriptor.h"

#define CLOSE_LOOP_MAX		(1 << 20)	/* fds tried without a listing */

/* Add O_NONBLOCK to fd's status flags; 0 or -1 with errno. */
int
descriptor_set_nonblocking(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Add FD_CLOEXEC to fd's descriptor flags; 0 or -1 with errno. */
int
descriptor_set_cloexec(int fd)
{
	int	flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	if (flags & FD_CLOEXEC)
		return 0;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/*
 * Open path as pforkd opens files it writes as root (pid file, log, chat
 * cache): never through a symbolic link, never anything but a regular
 * file, so a link planted in a writable directory cannot redirect the
 * write.  The descriptor is close-on-exec.  -1 with errno: ELOOP (or
 * EMLINK) for a link, EINVAL for a file that is not regular.
 */
int
descriptor_open_regular(const char *path, int flags, mode_t mode)
{
	struct stat	status;
	int		fd, status_flags, saved_errno;

	/* O_NONBLOCK: opening a FIFO must not hang; files ignore the flag. */
	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd == -1)
		return -1;
	if (fstat(fd, &status) == -1)
		goto failed;
	if (!S_ISREG(status.st_mode)) {
		errno = EINVAL;
		goto failed;
	}
	if ((status_flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, status_flags & ~O_NONBLOCK) == -1)
		goto failed;
	return fd;
failed:
	saved_errno = errno;
	(void)close(fd);
	errno = saved_errno;
	return -1;
}

/* Words for an error of descriptor_open_regular(). */
const char *
descriptor_open_error(int errnum)
{
	/* O_NOFOLLOW on a link: ELOOP (POSIX, Linux), EMLINK (FreeBSD). */
	if (errnum == ELOOP || errnum == EMLINK)
		return "is a symbolic link (refused)";
	if (errnum == EINVAL)
		return "is not a regular file (refused)";
	return strerror(errnum);
}

/* Whether fd lies in the kept range. */
static int
descriptor_kept(int fd, int keep_first, int keep_count)
{
	return fd >= 0 && fd <= 2 ? 1 :
	    fd >= keep_first && fd < keep_first + keep_count;
}

/*
 * Close every descriptor this process inherited beyond 0, 1 and 2, except
 * keep_count of them from keep_first (sockets a service manager passed).
 * Call it first thing, before anything opens a descriptor of its own.
 */
void
descriptor_close_inherited(int keep_first, int keep_count)
{
	struct rlimit	 limit;
	struct dirent	*entry;
	DIR		*listing;
	long		 fd, last = CLOSE_LOOP_MAX;

	/* Linux lists a process's fds in /proc; elsewhere try each number. */
	if ((listing = opendir("/proc/self/fd")) != NULL) {
		while ((entry = readdir(listing)) != NULL) {
			fd = strtol(entry->d_name, NULL, 10);
			if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9' &&
			    fd != dirfd(listing) &&
			    !descriptor_kept((int)fd, keep_first, keep_count))
				(void)close((int)fd);
		}
		(void)closedir(listing);
		return;
	}
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	    limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < CLOSE_LOOP_MAX)
		last = (long)limit.rlim_cur;
	for (fd = 3; fd < last; fd++)
		if (!descriptor_kept((int)fd, keep_first, keep_count))
			(void)close((int)fd);
}

/*
 * Read from fd into buffer until size bytes, end of file or an error
 * (EINTR is retried); how many bytes were read.
 */
size_t
descriptor_read_up_to(int fd, void *buffer, size_t size)
{
	unsigned char	*bytes = buffer;
	size_t		 length = 0;
	ssize_t		 got;

	while (length < size) {
		got = read(fd, bytes + length, size - length);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		length += (size_t)got;
	}
	return length;
}
