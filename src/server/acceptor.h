/*
 * acceptor.h: accepting connections on one listening socket.
 */
#ifndef PFORKD_ACCEPTOR_H
#define PFORKD_ACCEPTOR_H

#include "event/dispatcher.h"

struct acceptor;
struct service;
struct sockaddr;

/*
 * Takes an accepted connection over (the default: connection_start()).
 * peer is the client: the socket's peer, or what a PROXY header carried;
 * local is the address the client connected to when a header carried it,
 * else NULL (the socket's own).
 */
typedef void acceptor_callback(struct acceptor *, int fd,
    const struct sockaddr *peer, unsigned int peer_length,
    const struct sockaddr *local, unsigned int local_length);

/*
 * Asked before each batch of accepts how many it may take, 0 for none
 * (accept-balance mutex: whether the worker holds the accept token, and
 * how far below its share it is); then told how many it took.
 */
typedef int acceptor_gate_callback(struct acceptor *, void *arg);
typedef void acceptor_batch_callback(struct acceptor *, int accepted,
    void *arg);

struct acceptor {
	struct dispatcher	*dispatcher;
	const struct service	*service;
	int			 fd;		/* owned by whoever bound it */
	int			 events;	/* EVENT_READ, maybe EXCLUSIVE */
	struct timer		 pause_timer;
	int			 out_of_descriptors; /* logged once per episode */
	int			 quiet;		/* acceptor_listen(, 0) */
	acceptor_gate_callback	*before_batch;	/* NULL: up to a bound */
	acceptor_batch_callback	*after_batch;	/* NULL: none */
	void			*batch_arg;	/* for both */
	acceptor_callback	*accepted;	/* NULL: connection_start() */
	void			*context;	/* for accepted */
};

int	acceptor_start(struct acceptor *, struct dispatcher *,
	    const struct service *, int listen_fd);
int	acceptor_start_exclusive(struct acceptor *, struct dispatcher *,
	    const struct service *, int listen_fd);
void	acceptor_stop(struct acceptor *);
int	acceptor_listen(struct acceptor *, int on);

/*
 * Check an accepted connection's peer against the service's access rules
 * and hand it over, or close it (logged at -v).  The acceptor calls it at
 * once, or server/proxy_accept.c once a PROXY header has been read.
 */
void	acceptor_deliver(struct acceptor *, int fd,
	    const struct sockaddr *peer, unsigned int peer_length,
	    const struct sockaddr *local, unsigned int local_length);

/* Whether the access rules admit peer; a refused client is closed. */
int	acceptor_admit(const struct acceptor *, int fd,
	    const struct sockaddr *peer, unsigned int peer_length);

#endif /* PFORKD_ACCEPTOR_H */
