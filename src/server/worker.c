/*
 * worker.c: the life of a worker process.
 *
 * A worker is forked by the master with the listening sockets, the shared
 * scoreboard and a lifeline pipe.  It drops privileges, builds its own
 * dispatcher (an epoll set or a kqueue must never be shared with the
 * master) and serves until told to stop:
 *   SIGTERM, SIGINT  stop now: close every connection and exit;
 *   SIGQUIT          graceful: stop accepting, let connections finish up to
 *                    graceful-timeout, then close what is left and exit;
 *   SIGUSR1          reopen the log file;
 *   lifeline EOF     the master is gone: stop gracefully.
 *
 * With accept-balance mutex the workers pass the accept token of the
 * scoreboard around (nginx's accept mutex): a worker accepts only while
 * it holds it, and gives it back after each batch of accepts.  Before
 * every wait a worker tries to take it: the holder watches the shared
 * listeners, the others quiet them and wait at most
 * ACCEPT_MUTEX_DELAY_USEC before trying again.  Once nobody has accepted
 * for ACCEPT_MUTEX_IDLE_MSEC they watch them too, so that an idle worker
 * sleeps until a connection comes; the first one wakes them all, and
 * those that find the token taken go back to trying every delay.  A
 * worker takes no more than keeps it within its share of its
 * generation's connections (nginx's accept_disabled), unless nobody has
 * accepted for that delay.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/peer_wake.h"
#include "event/dispatcher.h"
#include "server/acceptor.h"
#include "server/worker.h"
#include "util/log.h"

#define DRAIN_CHECK_USEC	(20 * 1000)
#define ACCEPT_MUTEX_DELAY_USEC	(5 * 1000)	/* measured: pforkd.8 */
#define ACCEPT_MUTEX_IDLE_MSEC	20	/* without accepts: idle */
#define SHARE_CHECK_USEC	1000	/* how often others' load is summed */

static int	worker_admit(void *, const struct service *,
		    const struct sockaddr *, void *, const char **);
static void	worker_leave(void *, void *);
static size_t	worker_peer_pids(void *, pid_t *, size_t);

struct worker {
	const struct worker_setup	*setup;
	struct dispatcher		*dispatcher;
	struct acceptor			*acceptors;
	size_t				 acceptor_count;
	int				 draining;
	uint64_t			 drain_deadline;
	struct timer			 drain_timer;
	struct connection_admission	 admission;
	int				 accept_mutex;	/* accept-balance */
	int				 holding;	/* the accept token */
	int				 listening;	/* acceptors watched */
	uint64_t			 busy_until;	/* no idle watching */
	uint64_t			 others_summed;	/* when, monotonic */
	uint32_t			 others_load;	/* their connections */
};

/* Give the accept token back, if this worker holds it. */
static void
worker_token_release(struct worker *worker)
{
	if (!worker->holding)
		return;
	worker->holding = 0;
	scoreboard_token_release(worker->setup->board, worker->setup->row);
}

/*
 * Stop accepting and close this process's copies of the listeners; a
 * draining or stopping worker never takes the accept token again.
 */
static void
worker_close_listeners(struct worker *worker)
{
	size_t	i;

	for (i = 0; i < worker->acceptor_count; i++) {
		acceptor_stop(&worker->acceptors[i]);
		(void)close(worker->acceptors[i].fd);
	}
	worker->acceptor_count = 0;
	worker_token_release(worker);
}

/* Milliseconds of the monotonic clock, as the accept token counts them. */
static uint32_t
msec_of(uint64_t usec)
{
	return (uint32_t)(usec / 1000);
}

/* Watch the listeners (on) or quiet them, when that changes. */
static void
worker_listen(struct worker *worker, int on)
{
	size_t	i;

	if (worker->listening == on)
		return;
	worker->listening = on;
	for (i = 0; i < worker->acceptor_count; i++)
		if (acceptor_listen(&worker->acceptors[i], on) == -1)
			log_errno(LOG_LEVEL_ERROR, "%s: cannot %s its listener",
			    worker->acceptors[i].service->name,
			    on ? "watch" : "quiet");
}

/*
 * How many more connections this worker may accept and stay within its
 * share of its generation's; the others' are summed at most every
 * SHARE_CHECK_USEC.
 */
static uint32_t
worker_headroom(struct worker *worker, uint64_t now)
{
	const struct worker_setup	*setup = worker->setup;
	uint32_t			 mine;

	if (now - worker->others_summed >= SHARE_CHECK_USEC) {
		worker->others_load = scoreboard_generation_others(
		    setup->board, setup->row);
		worker->others_summed = now;
	}
	mine = scoreboard_row_total(setup->board, setup->row);
	return scoreboard_share_headroom(mine, mine + worker->others_load,
	    setup->configuration->workers);
}

/*
 * How many connections this worker may accept now, 0 for none: it must
 * hold the accept token, taken here if free and if the worker is below
 * its share, or if nobody has accepted for ACCEPT_MUTEX_DELAY_USEC (a
 * loaded worker must not leave the queue to peers that sleep).
 */
static uint32_t
worker_token_try(struct worker *worker, uint64_t now)
{
	const struct worker_setup	*setup = worker->setup;
	uint32_t			 headroom, quiet;

	headroom = worker_headroom(worker, now);
	quiet = scoreboard_token_quiet_msec(setup->board, msec_of(now));
	if (headroom == 0 && (uint64_t)quiet * 1000 >= ACCEPT_MUTEX_DELAY_USEC)
		headroom = 1;
	if (headroom == 0) {
		worker_token_release(worker);
		return 0;
	}
	worker->holding = scoreboard_token_take(setup->board, setup->row);
	return worker->holding ? headroom : 0;
}

/*
 * Before every wait (accept-balance mutex): the holder watches the
 * listeners; the others quiet them and wait at most
 * ACCEPT_MUTEX_DELAY_USEC to try again, but while nobody has accepted for
 * ACCEPT_MUTEX_IDLE_MSEC they watch them and wait for a connection, which
 * costs an idle worker no wake-up at all.
 */
static int64_t
worker_accept_turn(struct dispatcher *d, void *arg)
{
	struct worker	*worker = arg;
	uint64_t	 now;
	uint32_t	 quiet;

	if (worker->acceptor_count == 0) {
		worker_token_release(worker);
		return -1;
	}
	now = dispatcher_now(d);
	if (worker_token_try(worker, now) > 0) {
		worker_listen(worker, 1);
		return -1;
	}
	quiet = scoreboard_token_quiet_msec(worker->setup->board,
	    msec_of(now));
	if (quiet >= ACCEPT_MUTEX_IDLE_MSEC && now >= worker->busy_until) {
		worker_listen(worker, 1);
		return -1;
	}
	worker_listen(worker, 0);
	return ACCEPT_MUTEX_DELAY_USEC;
}

/*
 * A listener is readable (accept-balance mutex): how many connections to
 * accept, 0 when the token is another's; then this worker stops watching
 * and tries again at the next turns for a while.
 */
static int
worker_accept_gate(struct acceptor *acceptor, void *arg)
{
	struct worker	*worker = arg;
	uint64_t	 now = dispatcher_now(acceptor->dispatcher);
	uint32_t	 allowed;

	if ((allowed = worker_token_try(worker, now)) > 0)
		return allowed > INT_MAX ? INT_MAX : (int)allowed;
	worker_listen(worker, 0);
	worker->busy_until = now + (uint64_t)ACCEPT_MUTEX_IDLE_MSEC * 1000;
	return 0;
}

/* A batch of accepts is done (accept-balance mutex): give the token back. */
static void
worker_accepted(struct acceptor *acceptor, int accepted, void *arg)
{
	struct worker	*worker = arg;

	if (accepted > 0)
		scoreboard_token_accepted(worker->setup->board,
		    msec_of(dispatcher_now(acceptor->dispatcher)));
	worker_token_release(worker);
}

/* While draining: stop once idle or once the deadline has passed. */
static void
worker_drain_check(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct worker	*worker = arg;

	(void)timer;
	if (connection_count() == 0) {
		dispatcher_stop(d);
		return;
	}
	if (dispatcher_now(d) >= worker->drain_deadline) {
		log_message(LOG_LEVEL_NOTICE, "graceful-timeout: closing %zu "
		    "connections", connection_count());
		connection_finish_all("graceful-timeout");
		dispatcher_stop(d);
	}
}

/* Begin a graceful stop. */
static void
worker_drain(struct worker *worker)
{
	if (worker->draining)
		return;
	worker->draining = 1;
	worker_close_listeners(worker);
	worker->drain_deadline = dispatcher_now(worker->dispatcher) +
	    worker->setup->configuration->graceful_timeout_usec;
	timer_init(&worker->drain_timer, worker_drain_check, worker);
	(void)dispatcher_timer_start(worker->dispatcher, &worker->drain_timer,
	    0, DRAIN_CHECK_USEC);
}

/* A signal from the master. */
static void
worker_signal(struct dispatcher *d, int signal_number, void *arg)
{
	struct worker	*worker = arg;

	switch (signal_number) {
	case SIGQUIT:
		worker_drain(worker);
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_errno(LOG_LEVEL_ERROR, "cannot reopen the log");
		break;
	default:
		dispatcher_stop(d);
		break;
	}
}

/* The lifeline pipe is readable: the master has exited. */
static void
worker_orphaned(struct dispatcher *d, int fd, int events, void *arg)
{
	char	byte;

	(void)events;
	if (read(fd, &byte, 1) > 0)
		return;
	(void)dispatcher_unwatch(d, fd);
	log_message(LOG_LEVEL_WARNING, "master gone: stopping gracefully");
	worker_drain(arg);
}

/* Watch every listener, the lifeline and the signals; 0 or -1. */
static int
worker_start(struct worker *worker)
{
	const struct worker_setup	*setup = worker->setup;
	const struct listener		*listener;
	const struct service		*service;
	struct acceptor			*acceptor;
	int				 balance;
	static const int		 signals[] = {
		SIGTERM, SIGINT, SIGQUIT, SIGUSR1
	};
	size_t				 i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (dispatcher_signal(worker->dispatcher, signals[i],
		    worker_signal, worker) == -1)
			return -1;
	(void)dispatcher_signal_ignore(worker->dispatcher, SIGHUP);
	if (peer_wake_setup(worker->dispatcher, worker_peer_pids, worker) ==
	    -1)
		return -1;
	if (dispatcher_watch(worker->dispatcher, setup->lifeline_fd,
	    EVENT_READ, worker_orphaned, worker) == -1)
		return -1;
	worker->acceptors = calloc(setup->listeners->count + 1,
	    sizeof(*worker->acceptors));
	if (worker->acceptors == NULL)
		return -1;
	balance = configuration_accept_balance(setup->configuration);
	worker->accept_mutex = balance == ACCEPT_BALANCE_MUTEX;
	for (i = 0; i < setup->listeners->count; i++) {
		listener = &setup->listeners->listeners[i];
		service = &setup->configuration->services[
		    listener->service_index];
		/*
		 * The master accepts for program services: close this copy,
		 * or a removed service's port would go on taking connections
		 * into a backlog nobody accepts while this worker lives.
		 */
		if (service->program != NULL) {
			(void)close(listener->fd);
			continue;
		}
		/*
		 * Another worker's lane: close this copy, so that once the
		 * master and that worker close theirs nothing is left
		 * queueing; the master keeps every lane while it serves.
		 */
		if (listener->lane >= 0 && (unsigned int)listener->lane %
		    setup->configuration->workers != (unsigned int)setup->lane) {
			(void)close(listener->fd);
			continue;
		}
		acceptor = &worker->acceptors[worker->acceptor_count];
		if ((listener->lane < 0 && balance == ACCEPT_BALANCE_EXCLUSIVE ?
		    acceptor_start_exclusive : acceptor_start)(acceptor,
		    worker->dispatcher, service, listener->fd) == -1)
			return -1;
		if (worker->accept_mutex) {
			acceptor->before_batch = worker_accept_gate;
			acceptor->after_batch = worker_accepted;
			acceptor->batch_arg = worker;
		}
		worker->acceptor_count++;
	}
	worker->listening = 1;
	if (worker->accept_mutex)
		dispatcher_before_wait(worker->dispatcher, worker_accept_turn,
		    worker);
	return 0;
}

/* Count a new connection in this worker's scoreboard row, or refuse it. */
static int
worker_admit(void *context, const struct service *service,
    const struct sockaddr *peer, void *record, const char **refusal)
{
	const struct worker_setup	*setup = ((struct worker *)context)->setup;

	return scoreboard_admit(setup->board, setup->row, setup->configuration,
	    (int)(service - setup->configuration->services), peer, record,
	    refusal);
}

/* Count a connection out of this worker's scoreboard row. */
static void
worker_leave(void *context, void *record)
{
	const struct worker_setup	*setup = ((struct worker *)context)->setup;

	scoreboard_leave(setup->board, setup->row, record);
}

/* The pids of the other live workers, for peer wake-ups. */
static size_t
worker_peer_pids(void *context, pid_t *pids, size_t max)
{
	const struct worker_setup	*setup = ((struct worker *)context)->setup;

	return scoreboard_other_pids(setup->board, setup->row, pids, max);
}

/* Run a worker; returns the process's exit status. */
int
worker_main(const struct worker_setup *setup)
{
	struct worker	worker;
	int		status = 0;

	memset(&worker, 0, sizeof(worker));
	worker.setup = setup;
	worker.admission.record_size = sizeof(struct admission);
	worker.admission.admit = worker_admit;
	worker.admission.leave = worker_leave;
	worker.admission.context = &worker;
	if (identity_assume(setup->identity) == -1) {
		log_errno(LOG_LEVEL_ERROR, "cannot become user %s",
		    setup->identity->name);
		return WORKER_EXIT_FATAL;
	}
	sandbox_enter();
	worker.dispatcher = dispatcher_create(setup->configuration->backend[0] ?
	    setup->configuration->backend : NULL);
	if (worker.dispatcher == NULL || worker_start(&worker) == -1) {
		log_errno(LOG_LEVEL_ERROR, "worker cannot start");
		return WORKER_EXIT_FATAL;
	}
	connection_use_admission(&worker.admission);
	output_budget_setup(worker.dispatcher,
	    (uint64_t)setup->configuration->output_budget_mib << 20);
	log_message(LOG_LEVEL_DEBUG, "worker serving with %s",
	    dispatcher_backend_name(worker.dispatcher));
	if (dispatcher_run(worker.dispatcher) == -1) {
		log_errno(LOG_LEVEL_ERROR, "event loop failed");
		status = 1;
	}
	worker_close_listeners(&worker);
	connection_finish_all("worker stopping");
	dispatcher_free(worker.dispatcher);
	free(worker.acceptors);
	return status;
}
