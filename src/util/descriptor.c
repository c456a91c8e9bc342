/*
 * descriptor.c: the flags pforkd sets on the descriptors it opens.
 *
 * Where accept4(2), pipe2(2) or SOCK_NONBLOCK set these at creation the
 * callers use them; these helpers are the portable path.
 */
#include "config.h"

#include <fcntl.h>

#include "util/descriptor.h"

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
