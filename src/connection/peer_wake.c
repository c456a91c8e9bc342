/*
 * peer_wake.c: wake-ups between workers, carried by SIGUSR2.
 *
 * The design notes suggest one pipe per worker; with workers respawned
 * into slots and whole generations started on reload, every worker would
 * need every other's pipe, made before any fork.  A signal needs no fd:
 * the sender asks the server for the live workers' pids (it reads them
 * from the shared scoreboard, where the master clears a row as soon as
 * it reaps its worker) and the receiver's
 * dispatcher turns the signal into a callback through its self-pipe, so
 * many wake-ups coalesce into one, as a full pipe would.
 *
 * The master ignores SIGUSR2 before it forks, so a worker signalled before
 * it has installed its handler is not killed by the default action.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "connection/peer_wake.h"
#include "event/dispatcher.h"

#define SUBSCRIBERS_MAX	16
#define PEERS_MAX	256	/* above any worker count pforkd allows */

struct subscriber {
	peer_wake_callback	*callback;
	void			*arg;
};

static peer_wake_lister		*wake_lister;
static void			*wake_context;
static struct subscriber	 subscribers[SUBSCRIBERS_MAX];

/* SIGUSR2 arrived: run every subscriber. */
static void
peer_wake_arrived(struct dispatcher *d, int signal_number, void *arg)
{
	size_t	i;

	(void)d;
	(void)signal_number;
	(void)arg;
	for (i = 0; i < SUBSCRIBERS_MAX; i++)
		if (subscribers[i].callback != NULL)
			subscribers[i].callback(subscribers[i].arg);
}

/* Make SIGUSR2 harmless until a worker is ready for it (master side). */
void
peer_wake_ignore(void)
{
	(void)signal(SIGUSR2, SIG_IGN);
}

/* In a worker: receive wake-ups and know whom to wake; 0 or -1. */
int
peer_wake_setup(struct dispatcher *d, peer_wake_lister *lister,
    void *context)
{
	wake_lister = lister;
	wake_context = context;
	return dispatcher_signal(d, SIGUSR2, peer_wake_arrived, NULL);
}

/*
 * In the master: know whom to wake, without receiving wake-ups (a reader
 * of shared state's source wakes every worker).
 */
void
peer_wake_set_lister(peer_wake_lister *lister, void *context)
{
	wake_lister = lister;
	wake_context = context;
}

/* Run callback(arg) whenever another worker signals; 0 or -1. */
int
peer_wake_subscribe(peer_wake_callback *callback, void *arg)
{
	size_t	i;

	for (i = 0; i < SUBSCRIBERS_MAX; i++) {
		if (subscribers[i].callback == callback &&
		    subscribers[i].arg == arg)
			return 0;
		if (subscribers[i].callback == NULL) {
			subscribers[i].callback = callback;
			subscribers[i].arg = arg;
			return 0;
		}
	}
	errno = ENOSPC;
	return -1;
}

/* Signal every other live worker (a lone process has none). */
void
peer_wake_others(void)
{
	pid_t	pids[PEERS_MAX], self = getpid();
	size_t	count, i;

	if (wake_lister == NULL)
		return;
	count = wake_lister(wake_context, pids, PEERS_MAX);
	for (i = 0; i < count; i++)
		if (pids[i] > 0 && pids[i] != self)
			(void)kill(pids[i], SIGUSR2);
}
