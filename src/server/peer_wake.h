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

struct dispatcher;
struct scoreboard;

typedef void	peer_wake_callback(void *arg);

int	peer_wake_setup(struct dispatcher *, struct scoreboard *, int row);
int	peer_wake_subscribe(peer_wake_callback *, void *arg);
void	peer_wake_others(void);
void	peer_wake_ignore(void);

#endif /* PFORKD_PEER_WAKE_H */
