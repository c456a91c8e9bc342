/*
 * program_environment.c: build a program service child's environment.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "server/program_environment.h"
#include "server/program_options.h"

/* A growing NULL-terminated list of "NAME=VALUE" strings. */
struct environment {
	char	**items;
	size_t	  count;
	size_t	  capacity;
};

/* The length of the NAME of "NAME=VALUE" (all of it without '='). */
static size_t
name_length(const char *entry)
{
	const char	*equals = strchr(entry, '=');

	return equals != NULL ? (size_t)(equals - entry) : strlen(entry);
}

/* Put entry (taken over) in the list, replacing its NAME; 0 or -1. */
static int
environment_put(struct environment *list, char *entry)
{
	size_t	i, length = name_length(entry);
	char	**grown;

	for (i = 0; i < list->count; i++)
		if (name_length(list->items[i]) == length &&
		    strncmp(list->items[i], entry, length) == 0) {
			free(list->items[i]);
			list->items[i] = entry;
			return 0;
		}
	if (list->count + 1 >= list->capacity) {
		grown = reallocarray(list->items, list->capacity * 2 + 16,
		    sizeof(*grown));
		if (grown == NULL) {
			free(entry);
			return -1;
		}
		list->items = grown;
		list->capacity = list->capacity * 2 + 16;
	}
	list->items[list->count++] = entry;
	list->items[list->count] = NULL;
	return 0;
}

/* Put a copy of "NAME=VALUE" made from name and value; 0 or -1. */
static int
environment_set(struct environment *list, const char *name,
    const char *value)
{
	size_t	size = strlen(name) + strlen(value) + 2;
	char	*entry;

	if ((entry = malloc(size)) == NULL)
		return -1;
	(void)snprintf(entry, size, "%s=%s", name, value);
	return environment_put(list, entry);
}

/*
 * Numeric host and port of a socket address; an IPv4-mapped IPv6 address
 * (what a dual-stack listener reports for an IPv4 peer) as plain IPv4,
 * which is what programs written for tcpserver expect.  0 or -1.
 */
static int
format_endpoint(const struct sockaddr_storage *address, socklen_t length,
    char *host, size_t host_size, char *port, size_t port_size)
{
	const struct sockaddr_in6	*six;
	struct sockaddr_in		 four;

	six = (const struct sockaddr_in6 *)address;
	if (address->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&six->sin6_addr)) {
		memset(&four, 0, sizeof(four));
		four.sin_family = AF_INET;
		four.sin_port = six->sin6_port;
		(void)memcpy(&four.sin_addr, &six->sin6_addr.s6_addr[12], 4);
		return getnameinfo((struct sockaddr *)&four, sizeof(four),
		    host, host_size, port, port_size,
		    NI_NUMERICHOST | NI_NUMERICSERV) == 0 ? 0 : -1;
	}
	return getnameinfo((const struct sockaddr *)address, length, host,
	    host_size, port, port_size, NI_NUMERICHOST | NI_NUMERICSERV) == 0 ?
	    0 : -1;
}

/* Set NAMEIP and NAMEPORT style variables for one end; 0 or -1. */
static int
set_endpoint(struct environment *list, const struct sockaddr_storage *end,
    socklen_t length, const char *ip_name, const char *port_name)
{
	char	host[NI_MAXHOST], port[NI_MAXSERV];

	if (format_endpoint(end, length, host, sizeof(host), port,
	    sizeof(port)) == -1)
		return 0;	/* an address getnameinfo cannot write: omit */
	if (environment_set(list, ip_name, host) == -1 ||
	    environment_set(list, port_name, port) == -1)
		return -1;
	return 0;
}

/*
 * The per-connection variables of tcpserver, s6 and systemd, from the
 * socket or from what a PROXY header carried; 0 or -1.
 */
static int
set_connection(struct environment *list, int fd,
    const struct program_endpoints *carried)
{
	struct sockaddr_storage	local, remote;
	socklen_t		local_length = sizeof(local);
	socklen_t		remote_length = sizeof(remote);

	if (environment_set(list, "PROTO", "TCP") == -1)
		return -1;
	if (carried != NULL) {
		if (set_endpoint(list, &carried->local, carried->local_length,
		    "TCPLOCALIP", "TCPLOCALPORT") == -1 ||
		    set_endpoint(list, &carried->remote,
		    carried->remote_length, "TCPREMOTEIP", "TCPREMOTEPORT") ==
		    -1 || set_endpoint(list, &carried->remote,
		    carried->remote_length, "REMOTE_ADDR", "REMOTE_PORT") == -1)
			return -1;
		return 0;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &local_length) == 0 &&
	    set_endpoint(list, &local, local_length, "TCPLOCALIP",
	    "TCPLOCALPORT") == -1)
		return -1;
	if (getpeername(fd, (struct sockaddr *)&remote, &remote_length) ==
	    0 && (set_endpoint(list, &remote, remote_length, "TCPREMOTEIP",
	    "TCPREMOTEPORT") == -1 || set_endpoint(list, &remote,
	    remote_length, "REMOTE_ADDR", "REMOTE_PORT") == -1))
		return -1;
	return 0;
}

/* Fill list with the environment of a child whose socket is fd; 0 or -1. */
static int
environment_fill(struct environment *list,
    const struct program_options *options, int fd, int connection,
    const struct program_endpoints *carried)
{
	const char	*value;
	size_t		 i;
	char		*copy;

	if ((copy = strdup(PROGRAM_DEFAULT_PATH)) == NULL ||
	    environment_put(list, copy) == -1)
		return -1;
	for (i = 0; i < options->pass_environment.count; i++) {
		value = getenv(options->pass_environment.items[i]);
		if (value != NULL && environment_set(list,
		    options->pass_environment.items[i], value) == -1)
			return -1;
	}
	for (i = 0; i < options->environment.count; i++)
		if ((copy = strdup(options->environment.items[i])) == NULL ||
		    environment_put(list, copy) == -1)
			return -1;
	if (connection && set_connection(list, fd, carried) == -1)
		return -1;
	return 0;
}

/* The environment for a child whose socket is fd; NULL with errno. */
char **
program_environment_make(const struct program_options *options, int fd,
    int connection, const struct program_endpoints *carried)
{
	struct environment	list;
	int			saved;

	memset(&list, 0, sizeof(list));
	if (environment_fill(&list, options, fd, connection, carried) == -1) {
		saved = errno;
		program_environment_free(list.items);
		errno = saved;
		return NULL;
	}
	return list.items;
}

/* Free an environment program_environment_make() made; NULL is fine. */
void
program_environment_free(char **environment)
{
	size_t	i;

	if (environment == NULL)
		return;
	for (i = 0; environment[i] != NULL; i++)
		free(environment[i]);
	free(environment);
}
