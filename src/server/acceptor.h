/*
 * acceptor.h: accepting connections on one listening socket.
 */
#ifndef PFORKD_ACCEPTOR_H
#define PFORKD_ACCEPTOR_H

#include "event/dispatcher.h"

struct service;

struct acceptor {
	struct dispatcher	*dispatcher;
	const struct service	*service;
	int			 fd;		/* owned by whoever bound it */
	struct timer		 pause_timer;
	int			 out_of_descriptors; /* logged once per episode */
};

int	acceptor_start(struct acceptor *, struct dispatcher *,
	    const struct service *, int listen_fd);
void	acceptor_stop(struct acceptor *);

#endif /* PFORKD_ACCEPTOR_H */
