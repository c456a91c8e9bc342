/*
 * acceptor.h: accepting connections on one listening socket.
 */
#ifndef PFORKD_ACCEPTOR_H
#define PFORKD_ACCEPTOR_H

#include "event/dispatcher.h"

struct acceptor;
struct service;
struct sockaddr;

/* Takes an accepted connection over (the default: connection_start()). */
typedef void acceptor_callback(struct acceptor *, int fd,
    const struct sockaddr *peer, unsigned int peer_length);

struct acceptor {
	struct dispatcher	*dispatcher;
	const struct service	*service;
	int			 fd;		/* owned by whoever bound it */
	int			 events;	/* EVENT_READ, maybe EXCLUSIVE */
	struct timer		 pause_timer;
	int			 out_of_descriptors; /* logged once per episode */
	acceptor_callback	*accepted;	/* NULL: connection_start() */
	void			*context;	/* for accepted */
};

int	acceptor_start(struct acceptor *, struct dispatcher *,
	    const struct service *, int listen_fd);
int	acceptor_start_exclusive(struct acceptor *, struct dispatcher *,
	    const struct service *, int listen_fd);
void	acceptor_stop(struct acceptor *);

#endif /* PFORKD_ACCEPTOR_H */
