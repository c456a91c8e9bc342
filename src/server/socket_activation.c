/*
 * socket_activation.c: adopting the sockets a service manager passes,
 * after systemd's documented protocol: LISTEN_PID is the pid meant,
 * LISTEN_FDS how many descriptors follow from fd 3, and LISTEN_FDNAMES,
 * optionally, their names separated by colons.
 *
 * A socket serves the service its name names; a socket whose name names
 * no service serves the service with a listen address equal to the
 * socket's bound address.  The sockets stay open for the master's whole
 * life: a reload matches them again to the new configuration.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/service.h"
#include "server/listen_socket.h"
#include "server/socket_activation.h"
#include "util/descriptor.h"

#define FD_NAME_MAX	256	/* systemd's own limit is 255 */

static struct {
	size_t	count;
	char	names[SOCKET_ACTIVATION_MAX][FD_NAME_MAX];
} adopted;

/* LISTEN_FDS when LISTEN_PID is this process, else 0; -1 if malformed. */
static long
passed_count(void)
{
	const char	*pid_text = getenv("LISTEN_PID");
	const char	*count_text = getenv("LISTEN_FDS");
	char		*end;
	long		 pid, count;

	if (pid_text == NULL || count_text == NULL)
		return 0;
	errno = 0;
	pid = strtol(pid_text, &end, 10);
	if (errno != 0 || *end != '\0' || pid != (long)getpid())
		return 0;
	count = strtol(count_text, &end, 10);
	if (errno != 0 || *end != '\0' || *count_text == '\0' || count < 0)
		return -1;
	return count;
}

/* Split LISTEN_FDNAMES into adopted.names; names left empty if absent. */
static void
read_names(void)
{
	const char	*names = getenv("LISTEN_FDNAMES");
	size_t		 index = 0, length;

	while (names != NULL && index < adopted.count) {
		length = strcspn(names, ":");
		if (length < FD_NAME_MAX)
			(void)memcpy(adopted.names[index], names, length);
		index++;
		if (names[length] == '\0')
			break;
		names += length + 1;
	}
}

/*
 * Take the sockets passed by a service manager, making them close-on-exec
 * and non-blocking like the ones pforkd binds, and remove the variables
 * from the environment.  Must run before anything else opens an fd.
 * 0, or -1 with a message.
 */
int
socket_activation_take(char *error, size_t error_size)
{
	long	count = passed_count();
	size_t	i;
	int	fd, status = 0;

	if (count < 0 || count > SOCKET_ACTIVATION_MAX) {
		(void)snprintf(error, error_size, "LISTEN_FDS=%s: not a "
		    "number of sockets from 0 to %d", getenv("LISTEN_FDS"),
		    SOCKET_ACTIVATION_MAX);
		status = -1;
		count = 0;
	}
	adopted.count = (size_t)count;
	read_names();
	for (i = 0; status == 0 && i < adopted.count; i++) {
		fd = SOCKET_ACTIVATION_FIRST_FD + (int)i;
		if (descriptor_set_cloexec(fd) == -1 ||
		    descriptor_set_nonblocking(fd) == -1) {
			(void)snprintf(error, error_size, "LISTEN_FDS: fd %d: "
			    "%s", fd, strerror(errno));
			status = -1;
		}
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	return status;
}

/* How many sockets were passed (0: pforkd binds its own). */
size_t
socket_activation_count(void)
{
	return adopted.count;
}

/* The fd of passed socket index. */
int
socket_activation_fd(size_t index)
{
	return SOCKET_ACTIVATION_FIRST_FD + (int)index;
}

/* Whether fd is a listening TCP socket: a stream socket of IPv4 or v6. */
static int
is_listening_stream(int fd, const struct sockaddr_storage *address)
{
	socklen_t	length;
	int		type = 0, listening = 0;

	length = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	length = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &length) == -1 || !listening)
		return 0;
	return address->ss_family == AF_INET || address->ss_family == AF_INET6;
}

/* Whether two IPv4 or IPv6 addresses have the same address and port. */
static int
same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6	*a6 = (const void *)a, *b6 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* Whether listen (every address of both families if "") is address. */
static int
listen_is(const struct listen_address *listen, const struct sockaddr
    *address)
{
	struct addrinfo	 hints, *list, *entry;
	int		 found = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(listen->address[0] != '\0' ? listen->address : NULL,
	    listen->port, &hints, &list) != 0)
		return 0;
	for (entry = list; entry != NULL && !found; entry = entry->ai_next)
		found = same_address(entry->ai_addr, address);
	freeaddrinfo(list);
	return found;
}

/* The service named name, or the one listening on address; -1 if none. */
static int
find_service(const struct configuration *configuration, const char *name,
    const struct sockaddr *address)
{
	const struct service	*service;
	size_t			 i, j;

	for (i = 0; name[0] != '\0' && i < configuration->service_count; i++)
		if (strcmp(configuration->services[i].name, name) == 0)
			return (int)i;
	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		for (j = 0; j < service->listen_count; j++)
			if (listen_is(&service->listens[j], address))
				return (int)i;
	}
	return -1;
}

/*
 * The configured service passed socket index serves, in *service_index;
 * 0, or -1 with a message naming the fd and its address when the socket
 * is no listening TCP socket or matches no service.
 */
int
socket_activation_match(const struct configuration *configuration,
    size_t index, int *service_index, char *error, size_t error_size)
{
	struct sockaddr_storage	address;
	socklen_t		length = sizeof(address);
	char			where[CONNECTION_PEER_MAX];
	int			fd = socket_activation_fd(index);

	memset(&address, 0, sizeof(address));
	if (getsockname(fd, (struct sockaddr *)&address, &length) == -1) {
		(void)snprintf(error, error_size, "socket from the service "
		    "manager, fd %d: %s", fd, strerror(errno));
		return -1;
	}
	listen_socket_describe(fd, where, sizeof(where));
	if (!is_listening_stream(fd, &address)) {
		(void)snprintf(error, error_size, "socket from the service "
		    "manager, fd %d (%s): not a listening TCP socket", fd,
		    where);
		return -1;
	}
	*service_index = find_service(configuration, adopted.names[index],
	    (struct sockaddr *)&address);
	if (*service_index == -1) {
		(void)snprintf(error, error_size, "socket from the service "
		    "manager, fd %d (%s%s%s): no service has its name or "
		    "listens on its address", fd, where,
		    adopted.names[index][0] != '\0' ? ", named " : "",
		    adopted.names[index]);
		return -1;
	}
	return 0;
}
