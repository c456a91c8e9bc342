/*
 * listener_set.c: bind a configuration's listeners, reusing sockets from
 * the previous configuration where the listen address did not change, or
 * adopt the sockets a service manager passed; with accept-balance
 * reuseport, give each worker service's address a lane per worker.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "connection/connection.h"
#include "server/listener_set.h"
#include "server/socket_activation.h"
#include "util/log.h"

/*
 * The identity of a listen address across reloads: address and port, and
 * for port 0 (a port chosen by the system) the service name too.
 */
static void
listen_key(const struct service *service, const struct listen_address
    *listen, char *key, size_t key_size)
{
	(void)snprintf(key, key_size, "%s|%s|%s", strcmp(listen->port, "0") ==
	    0 ? service->name : "", listen->address, listen->port);
}

/* Move the sockets with key from reuse into set; how many moved. */
static size_t
take_over(struct listener_set *set, struct listener_set *reuse,
    const char *key, int service_index)
{
	size_t	i, moved = 0;

	if (reuse == NULL)
		return 0;
	for (i = 0; i < reuse->count; i++) {
		if (reuse->listeners[i].fd == -1 ||
		    strcmp(reuse->listeners[i].key, key) != 0)
			continue;
		set->listeners[set->count] = reuse->listeners[i];
		set->listeners[set->count++].service_index = service_index;
		reuse->listeners[i].fd = -1;
		moved++;
	}
	return moved;
}

/* Add a socket to the set. */
static void
add_listener(struct listener_set *set, int fd, int service_index, int lane,
    const char *key)
{
	struct listener	*listener = &set->listeners[set->count++];

	listener->fd = fd;
	listener->service_index = service_index;
	listener->lane = lane;
	(void)strlcpy(listener->key, key, sizeof(listener->key));
}

/* How many lanes of the family of fd the set has under key. */
static int
lanes_of(const struct listener_set *set, const char *key, int family)
{
	size_t	i;
	int	lanes = 0;

	for (i = 0; i < set->count; i++)
		if (set->listeners[i].lane >= 0 &&
		    strcmp(set->listeners[i].key, key) == 0 &&
		    listen_socket_family(set->listeners[i].fd) == family)
			lanes++;
	return lanes;
}

/*
 * Give every lane 0 under key lanes up to wanted, on its address (a
 * reload with fewer workers keeps the lanes it has); 0 or -1.
 */
static int
add_lanes(struct listener_set *set, const char *key, int service_index,
    int wanted, char *error, size_t error_size)
{
	size_t	i, first = set->count;
	int	family, lane, fd;

	for (i = 0; i < first; i++) {
		if (set->listeners[i].lane != 0 ||
		    strcmp(set->listeners[i].key, key) != 0)
			continue;
		family = listen_socket_family(set->listeners[i].fd);
		for (lane = lanes_of(set, key, family); lane < wanted; lane++) {
			if (set->count == LISTENER_SET_MAX) {
				(void)snprintf(error, error_size, "more than "
				    "%d listening sockets", LISTENER_SET_MAX);
				return -1;
			}
			if ((fd = listen_socket_lane(set->listeners[i].fd)) ==
			    -1) {
				(void)snprintf(error, error_size, "lane %d of "
				    "%s: %s", lane, key, strerror(errno));
				return -1;
			}
			add_listener(set, fd, service_index, lane, key);
		}
	}
	return 0;
}

/* Bind one listen address of a service into the set; 0 or -1. */
static int
open_address(struct listener_set *set, const struct configuration *
    configuration, int service_index, const struct listen_address *listen,
    struct listener_set *reuse, char *error, size_t error_size)
{
	const struct service	*service = &configuration->services[service_index];
	int			 fds[LISTEN_SOCKETS_PER_ADDRESS], lanes;
	size_t			 count, i;
	char			 key[sizeof(set->listeners[0].key)];

	/* Program services are accepted by the master alone: no lanes. */
	lanes = configuration_accept_balance(configuration) ==
	    ACCEPT_BALANCE_REUSEPORT && service->program == NULL &&
	    configuration->workers > 1 ? (int)configuration->workers : 0;
	listen_key(service, listen, key, sizeof(key));
	if (take_over(set, reuse, key, service_index) == 0) {
		if (listen_socket_open(service, listen, lanes > 0, fds, &count,
		    error, error_size) == -1)
			return -1;
		for (i = 0; i < count; i++)
			add_listener(set, fds[i], service_index,
			    lanes > 0 ? 0 : -1, key);
	}
	/* A socket taken over as shared (lane -1) stays so: no lane 0. */
	return lanes > 0 ? add_lanes(set, key, service_index, lanes, error,
	    error_size) : 0;
}

/* Undo a partial listener_set_open(): give back or close each socket. */
static void
listener_set_return(struct listener_set *set, struct listener_set *reuse)
{
	size_t	i, j;

	for (i = 0; i < set->count; i++) {
		for (j = 0; reuse != NULL && j < reuse->count; j++) {
			if (reuse->listeners[j].fd == -1 &&
			    reuse->listeners[j].lane ==
			    set->listeners[i].lane && strcmp(
			    reuse->listeners[j].key, set->listeners[i].key) == 0) {
				reuse->listeners[j].fd = set->listeners[i].fd;
				break;
			}
		}
		if (reuse == NULL || j == reuse->count)
			(void)close(set->listeners[i].fd);
	}
	set->count = 0;
}

/* Whether some listener of the set serves service_index. */
static int
serves(const struct listener_set *set, int service_index)
{
	size_t	i;

	for (i = 0; i < set->count; i++)
		if (set->listeners[i].service_index == service_index)
			return 1;
	return 0;
}

/* Add passed socket index, for service_index, to set (from reuse if there). */
static void
adopt_one(struct listener_set *set, struct listener_set *reuse,
    size_t index, int service_index)
{
	struct listener	*listener;
	char		 key[sizeof(set->listeners[0].key)];

	/* Neither a service name nor an address has a '#' in it. */
	(void)snprintf(key, sizeof(key), "#passed fd %d",
	    socket_activation_fd(index));
	if (take_over(set, reuse, key, service_index) > 0)
		return;
	listener = &set->listeners[set->count++];
	listener->fd = socket_activation_fd(index);
	listener->service_index = service_index;
	listener->lane = -1;
	(void)memcpy(listener->key, key, sizeof(key));
}

/*
 * Match every passed socket to a service of configuration, and check that
 * every service has one; 0, or -1 with a message.
 */
static int
adopt_passed(struct listener_set *set, const struct configuration
    *configuration, struct listener_set *reuse, char *error,
    size_t error_size)
{
	size_t	index;
	int	service_index;

	for (index = 0; index < socket_activation_count(); index++) {
		if (socket_activation_match(configuration, index,
		    &service_index, error, error_size) == -1)
			return -1;
		adopt_one(set, reuse, index, service_index);
	}
	for (index = 0; index < configuration->service_count; index++) {
		if (serves(set, (int)index))
			continue;
		(void)snprintf(error, error_size, "service %s (%s): no socket "
		    "among the %zu the service manager passed",
		    configuration->services[index].name,
		    configuration->services[index].origin,
		    socket_activation_count());
		return -1;
	}
	return 0;
}

/*
 * Bind every listener of configuration into set, taking unchanged sockets
 * out of reuse (which may be NULL).  On failure, sockets bound here are
 * closed and those taken from reuse are given back, so the caller can go
 * on running on reuse unchanged.  With sockets passed by a service
 * manager, nothing is bound: each passed socket goes to its service.
 */
int
listener_set_open(struct listener_set *set, const struct configuration
    *configuration, struct listener_set *reuse, char *error,
    size_t error_size)
{
	size_t	service_index, address;

	set->count = 0;
	if (socket_activation_count() > 0) {
		if (adopt_passed(set, configuration, reuse, error,
		    error_size) == -1)
			goto fail;
		return 0;
	}
	for (service_index = 0; service_index < configuration->service_count;
	    service_index++) {
		const struct service *service =
		    &configuration->services[service_index];

		for (address = 0; address < service->listen_count; address++)
			if (open_address(set, configuration, (int)service_index,
			    &service->listens[address], reuse, error,
			    error_size) == -1)
				goto fail;
	}
	return 0;
fail:
	/* Give taken-over sockets back, close the ones bound here. */
	listener_set_return(set, reuse);
	return -1;
}

/* Close every socket still in the set. */
void
listener_set_close(struct listener_set *set)
{
	size_t	i;

	for (i = 0; i < set->count; i++)
		if (set->listeners[i].fd != -1)
			(void)close(set->listeners[i].fd);
	set->count = 0;
}

/* Log where each listener of the set listens. */
void
listener_set_log(const struct listener_set *set,
    const struct configuration *configuration)
{
	char	where[CONNECTION_PEER_MAX];
	size_t	i;

	for (i = 0; i < set->count; i++) {
		if (set->listeners[i].lane > 0)
			continue;	/* lane 0 stands for the group */
		listen_socket_describe(set->listeners[i].fd, where,
		    sizeof(where));
		log_message(LOG_LEVEL_NOTICE, "%s: listening on %s",
		    configuration->services[set->listeners[i].service_index].name,
		    where);
	}
}
