/*
 * listen_socket.c: create, bind and listen on a service's sockets.
 *
 * An empty address means every address of both families: one IPv6 socket
 * with IPV6_V6ONLY and one IPv4 socket (OpenBSD has no v4-mapped
 * addresses, so a single dual-stack socket is not portable).  Listening
 * sockets are non-blocking: several processes may wait on one, and all but
 * one of them find nothing to accept.
 *
 * A lane (accept-balance reuseport) is one more socket on the address of
 * another, each worker accepting on its own: the kernel spreads new
 * connections over the sockets of the group by a hash of the peer.
 * Linux: SO_REUSEPORT, set on every socket of the group before bind, by
 * processes of one user.  FreeBSD: SO_REUSEPORT_LB (12.0); its plain
 * SO_REUSEPORT, like OpenBSD's and macOS's, gives no balancing, so
 * configure defines HAVE_REUSEPORT_BALANCING only for these two.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "server/listen_socket.h"
#include "util/descriptor.h"

/* Describe the local address of a bound socket, "ADDR:PORT". */
void
listen_socket_describe(int fd, char *text, size_t text_size)
{
	struct sockaddr_storage	address;
	socklen_t		length = sizeof(address);

	if (getsockname(fd, (struct sockaddr *)&address, &length) == -1) {
		(void)snprintf(text, text_size, "unknown");
		return;
	}
	format_socket_address((struct sockaddr *)&address, length, text,
	    text_size);
}

/* Join the socket to a balancing reuseport group; 0 or -1 with errno. */
static int
join_lanes(int fd)
{
#ifdef HAVE_REUSEPORT_BALANCING
	int	on = 1;

#ifdef SO_REUSEPORT_LB
	/* FreeBSD: only _LB balances; plain SO_REUSEPORT does not. */
	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT_LB, &on, sizeof(on));
#else
	/* Linux 3.9: a group of SO_REUSEPORT sockets is balanced. */
	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
#endif
#else
	(void)fd;
	errno = EOPNOTSUPP;
	return -1;
#endif
}

/*
 * Create one listening socket for an address of family, in a reuseport
 * group when lanes; the fd or -1 with errno.
 */
static int
listen_on(int family, const struct sockaddr *address, socklen_t length,
    int lanes)
{
	int	fd, on = 1, saved_errno;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (descriptor_set_cloexec(fd) == -1 || descriptor_set_nonblocking(fd) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (lanes && join_lanes(fd) == -1)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, address, length) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	return fd;
fail:
	saved_errno = errno;
	(void)close(fd);
	errno = saved_errno;
	return -1;
}

/* Resolve the numeric address of service into a list, or NULL. */
static struct addrinfo *
resolve(const char *host, const char *port, int family, char *error,
    size_t error_size)
{
	struct addrinfo	 hints, *list;
	int		 status;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((status = getaddrinfo(host, port, &hints, &list)) != 0) {
		(void)snprintf(error, error_size, "%s:%s: %s",
		    host ? host : "*", port, gai_strerror(status));
		return NULL;
	}
	return list;
}

/* Close the first count fds. */
static void
close_all(int *fds, size_t count)
{
	while (count > 0)
		(void)close(fds[--count]);
}

/*
 * Whether address is free, bound for a moment by a socket outside any
 * reuseport group: a lane 0 alone would join the group of another program
 * of the same user (a second pforkd, say) and split its connections
 * instead of failing with EADDRINUSE.  The address actually bound (port 0
 * resolved) goes to bound; 0, or -1 with errno.
 */
static int
probe_free(int family, const struct sockaddr *address, socklen_t length,
    struct sockaddr_storage *bound, socklen_t *bound_length)
{
	int	fd, on = 1, saved_errno, result = -1;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	*bound_length = sizeof(*bound);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
	    (family != AF_INET6 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == 0) && bind(fd, address, length) == 0 &&
	    getsockname(fd, (struct sockaddr *)bound, bound_length) == 0)
		result = 0;
	saved_errno = errno;
	(void)close(fd);
	errno = saved_errno;
	return result;
}

/*
 * Lane 0 of a reuseport group on address, once it is known to be free;
 * the fd or -1 with errno.
 */
static int
listen_first_lane(int family, const struct sockaddr *address,
    socklen_t length)
{
	struct sockaddr_storage	bound;
	socklen_t		bound_length;

	if (probe_free(family, address, length, &bound, &bound_length) == -1)
		return -1;
	return listen_on(family, (struct sockaddr *)&bound, bound_length, 1);
}

/*
 * Another lane of the listening socket fd (made with lanes): a socket of
 * its reuseport group on its address; the fd or -1 with errno.
 */
int
listen_socket_lane(int fd)
{
	struct sockaddr_storage	address;
	socklen_t		length = sizeof(address);

	if (getsockname(fd, (struct sockaddr *)&address, &length) == -1)
		return -1;
	return listen_on(address.ss_family, (struct sockaddr *)&address,
	    length, 1);
}

/* The address family of a socket, or -1. */
int
listen_socket_family(int fd)
{
	struct sockaddr_storage	address;
	socklen_t		length = sizeof(address);

	if (getsockname(fd, (struct sockaddr *)&address, &length) == -1)
		return -1;
	return address.ss_family;
}

/*
 * Bind the sockets of one listen address of service into fds (room for
 * LISTEN_SOCKETS_PER_ADDRESS), as the first lanes of reuseport groups
 * when lanes; 0, or -1 with a message in error.
 */
int
listen_socket_open(const struct service *service,
    const struct listen_address *listen, int lanes, int *fds,
    size_t *count, char *error, size_t error_size)
{
	static const int	 any_families[] = { AF_INET6, AF_INET };
	struct addrinfo		*list;
	const char		*host;
	size_t			 i, families;
	int			 fd;

	*count = 0;
	host = listen->address[0] != '\0' ? listen->address : NULL;
	families = host != NULL ? 1 : 2;
	for (i = 0; i < families; i++) {
		list = resolve(host, listen->port, host != NULL ? AF_UNSPEC :
		    any_families[i], error, error_size);
		if (list == NULL) {
			/* A host without IPv6 still serves IPv4 for "any". */
			if (host == NULL && any_families[i] == AF_INET6)
				continue;
			goto fail;
		}
		fd = lanes ? listen_first_lane(list->ai_family,
		    list->ai_addr, list->ai_addrlen) : listen_on(
		    list->ai_family, list->ai_addr, list->ai_addrlen, 0);
		if (fd == -1 && host == NULL && errno == EAFNOSUPPORT) {
			freeaddrinfo(list);
			continue;
		}
		if (fd == -1) {
			(void)snprintf(error, error_size, "%s on %s%s%s:%s: %s",
			    service->name, host && strchr(host, ':') ?
			    "[" : "", host ? host : "*", host &&
			    strchr(host, ':') ? "]" : "", listen->port,
			    strerror(errno));
			freeaddrinfo(list);
			goto fail;
		}
		freeaddrinfo(list);
		fds[(*count)++] = fd;
	}
	if (*count == 0) {
		(void)snprintf(error, error_size, "no usable address family");
		return -1;
	}
	return 0;
fail:
	close_all(fds, *count);
	*count = 0;
	return -1;
}
