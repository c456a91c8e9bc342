/*
 * listener_set.h: every listening socket of one configuration.
 *
 * The master binds the set; a reload builds a new set that takes over the
 * sockets of unchanged listen addresses, so a reload never refuses a
 * connection on them.
 */
#ifndef PFORKD_LISTENER_SET_H
#define PFORKD_LISTENER_SET_H

#include <stddef.h>

#include "server/configuration.h"
#include "server/listen_socket.h"

#define LISTENER_SET_MAX	(CONFIGURATION_SERVICES_MAX * \
				    SERVICE_LISTENS_MAX * \
				    LISTEN_SOCKETS_PER_ADDRESS)

struct listener {
	int	fd;
	int	service_index;
	char	key[SERVICE_NAME_MAX + SERVICE_ADDRESS_MAX + 16];
};

struct listener_set {
	struct listener	listeners[LISTENER_SET_MAX];
	size_t		count;
};

int	listener_set_open(struct listener_set *, const struct configuration *,
	    struct listener_set *reuse, char *error, size_t error_size);
void	listener_set_close(struct listener_set *);
void	listener_set_log(const struct listener_set *,
	    const struct configuration *);

#endif /* PFORKD_LISTENER_SET_H */
