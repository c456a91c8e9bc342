/*
 * listen_socket.c: create, bind and listen on a service's sockets.
 *
 * An empty address means every address of both families: one IPv6 socket
 * with IPV6_V6ONLY and one IPv4 socket (OpenBSD has no v4-mapped
 * addresses, so a single dual-stack socket is not portable).  Listening
 * sockets are non-blocking: several processes may wait on one, and all but
 * one of them find nothing to accept.
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

/* Create one listening socket for address; the fd or -1 with errno. */
static int
listen_on(const struct addrinfo *address)
{
	int	fd, on = 1, saved_errno;

	if ((fd = socket(address->ai_family, address->ai_socktype,
	    address->ai_protocol)) == -1)
		return -1;
	if (descriptor_set_cloexec(fd) == -1 || descriptor_set_nonblocking(fd) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (address->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, address->ai_addr, address->ai_addrlen) == -1 ||
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
 * Bind the sockets of one listen address of service into fds (room for
 * LISTEN_SOCKETS_PER_ADDRESS); 0, or -1 with a message in error.
 */
int
listen_socket_open(const struct service *service,
    const struct listen_address *listen, int *fds, size_t *count,
    char *error, size_t error_size)
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
		fd = listen_on(list);
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
