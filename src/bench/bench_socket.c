/*
 * bench_socket.c: the loopback-only target and non-blocking connects.
 *
 * pforkd-bench is a load generator: pointed at another machine it would be
 * a flood, so only loopback addresses are accepted (127.0.0.0/8 and ::1).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "compat/compat.h"
#include "util/descriptor.h"

/*
 * Fill target from a numeric address ("127.0.0.1", "::1" or "[::1]") and a
 * port; 0, or -1 with a message in error when the address is not numeric
 * or not loopback.
 */
int
bench_target_parse(struct bench_target *target, const char *address,
    unsigned int port, char *error, size_t error_size)
{
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&target->address;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&target->address;
	char			 host[INET6_ADDRSTRLEN + 2];
	size_t			 length;

	memset(target, 0, sizeof(*target));
	if (strlcpy(host, address, sizeof(host)) >= sizeof(host))
		goto not_numeric;
	length = strlen(host);
	if (host[0] == '[' && length > 2 && host[length - 1] == ']') {
		host[length - 1] = '\0';
		memmove(host, host + 1, length - 1);
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		target->address_length = sizeof(*v4);
		if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127)
			goto not_loopback;
		(void)snprintf(target->text, sizeof(target->text), "%s:%u",
		    host, port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		target->address_length = sizeof(*v6);
		if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr))
			goto not_loopback;
		(void)snprintf(target->text, sizeof(target->text), "[%s]:%u",
		    host, port);
		return 0;
	}
not_numeric:
	(void)snprintf(error, error_size, "-a takes a numeric loopback "
	    "address (127.0.0.1 or ::1), not '%s'", address);
	return -1;
not_loopback:
	(void)snprintf(error, error_size, "refusing to load '%s': only "
	    "loopback addresses (127.0.0.0/8, ::1) are allowed", address);
	return -1;
}

/*
 * Start a non-blocking connect to target.  Returns the fd, connected or
 * connecting (watch it for writing), or -1 with errno.
 */
int
bench_socket_connect(const struct bench_target *target)
{
	int	fd, saved_errno;

	if ((fd = socket(target->address.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (descriptor_set_nonblocking(fd) == -1 ||
	    descriptor_set_cloexec(fd) == -1)
		goto failed;
	if (connect(fd, (const struct sockaddr *)&target->address,
	    target->address_length) == -1 && errno != EINPROGRESS &&
	    errno != EINTR)
		goto failed;
	return fd;
failed:
	saved_errno = errno;
	(void)close(fd);
	errno = saved_errno;
	return -1;
}

/* The outcome of a finished connect: 0, or the errno it failed with. */
int
bench_socket_error(int fd)
{
	socklen_t	length = sizeof(int);
	int		error = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1)
		return errno;
	return error;
}

/* Send small messages at once instead of after an ACK; 0 or -1. */
int
bench_socket_no_delay(int fd)
{
	int	on = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/*
 * Make close(2) reset the connection instead of shutting it down, so that
 * it leaves no TIME_WAIT state behind; 0 or -1.
 */
int
bench_socket_reset_on_close(int fd)
{
	struct linger	linger;

	linger.l_onoff = 1;
	linger.l_linger = 0;
	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
}

/* Raise the soft fd limit to the hard one; warn when below wanted. */
void
bench_raise_fd_limit(size_t wanted)
{
	struct rlimit	limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		return;
	if (limit.rlim_cur != limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &limit) == -1)
			(void)getrlimit(RLIMIT_NOFILE, &limit);
	}
	if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted)
		(void)fprintf(stderr, "pforkd-bench: the fd limit (%llu) is "
		    "below the %zu this run needs; raise ulimit -Hn\n",
		    (unsigned long long)limit.rlim_cur, wanted);
}
