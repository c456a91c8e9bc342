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
 */
#include "config.h"

#include <errno.h>
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
};

/* Stop accepting and close this process's copies of the listeners. */
static void
worker_close_listeners(struct worker *worker)
{
	size_t	i;

	for (i = 0; i < worker->acceptor_count; i++) {
		acceptor_stop(&worker->acceptors[i]);
		(void)close(worker->acceptors[i].fd);
	}
	worker->acceptor_count = 0;
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
		if (acceptor_start(&worker->acceptors[worker->acceptor_count],
		    worker->dispatcher, service, listener->fd) == -1)
			return -1;
		worker->acceptor_count++;
	}
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
