/*
 * listener_set.h: every listening socket of one configuration.
 *
 * The master binds the set; a reload builds a new set that takes over the
 * sockets of unchanged listen addresses, so a reload never refuses a
 * connection on them.
 *
 * With accept-balance reuseport, a worker service's address has a lane
 * per worker: lane k is accepted on by the worker of lane k modulo the
 * worker count.  The master keeps every lane open, so a lane outlives its
 * worker: what the kernel queued on it while the worker died, or while a
 * reload replaced it, waits there for the next worker of that lane.  A
 * reload takes the lanes over with their address and adds lanes when there
 * are more workers; it never closes one while the address stays, since
 * closing a lane resets what is queued on it.
 */
#ifndef PFORKD_LISTENER_SET_H
#define PFORKD_LISTENER_SET_H

#include <stddef.h>

#include "server/configuration.h"
#include "server/listen_socket.h"

#define LISTENER_SET_MAX	(2 * CONFIGURATION_SERVICES_MAX * \
				    SERVICE_LISTENS_MAX * \
				    LISTEN_SOCKETS_PER_ADDRESS)

struct listener {
	int	fd;
	int	service_index;
	int	lane;		/* -1: every worker's; else its lane */
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
