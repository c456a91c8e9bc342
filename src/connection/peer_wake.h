/*
 * peer_wake.h: tell the other workers that shared state has changed.
 *
 * A worker that changes shared memory (a chat message added) calls
 * peer_wake_others(); every other live worker then runs the callbacks
 * its protocols subscribed, from its own event loop.  Protocols use this
 * seam and never see how the wake-up travels.
 */
#ifndef PFORKD_PEER_WAKE_H
#define PFORKD_PEER_WAKE_H

#include <sys/types.h>
#include <stddef.h>

struct dispatcher;

typedef void	peer_wake_callback(void *arg);
/* Fill pids with up to max pids of the other live workers; the count. */
typedef size_t	peer_wake_lister(void *context, pid_t *pids, size_t max);

int	peer_wake_setup(struct dispatcher *, peer_wake_lister *, void *);
void	peer_wake_set_lister(peer_wake_lister *, void *);
int	peer_wake_subscribe(peer_wake_callback *, void *arg);
void	peer_wake_others(void);
void	peer_wake_ignore(void);

#endif /* PFORKD_PEER_WAKE_H */
