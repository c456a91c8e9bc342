/*
 * bench_idle.c: the idle mode, what an open but quiet connection costs.
 *
 * -c connections to an echo service are opened, at most BENCH_OPENING_MAX
 * at a time, each with one round trip of -s bytes that proves the server
 * accepted it.  All are then held, silent, for -t seconds; a byte or a
 * close from the server meanwhile is an error.  At the end of the hold the
 * daemon's memory is read (-P), compared with its memory before the first
 * connect, and divided by the connections open.  Finally every connection
 * makes one more round trip, which proves the server still serves it,
 * and closes.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_daemon.h"
#include "bench/bench_message.h"
#include "bench/bench_pattern.h"
#include "bench/bench_result.h"
#include "bench/bench_run.h"
#include "bench/bench_socket.h"
#include "event/dispatcher.h"

enum idle_phase {
	IDLE_CLOSED,		/* not started yet, or closed */
	IDLE_CONNECTING,	/* connect(2) in progress */
	IDLE_OPENING,		/* the first round trip */
	IDLE_HOLDING,		/* open and quiet */
	IDLE_CHECKING,		/* the last round trip */
	IDLE_CHECKED		/* done; closed at the end */
};

struct idle_run;

/* One idle connection. */
struct idle_connection {
	struct idle_run		*run;
	size_t			 index;
	int			 fd;
	enum idle_phase		 phase;
	int			 writing;
	struct message		 message;
};

/* The whole measurement. */
struct idle_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct idle_connection		*connections;
	struct launcher			 launcher;
	size_t				 open_count;
	size_t				 checking;	/* last round trips */
	size_t				 checked;
	int				 holding;
	int				 ending;
	int				 finished;
	uint64_t			 start_usec;
	uint64_t			 open_usec;
	uint64_t			 end_usec;
	struct timer			 open_timeout;
	struct timer			 end;
	struct timer			 drain_timeout;
	/* -P: the daemon before connecting, once all are open, at the end */
	struct daemon_usage		 before;
	struct daemon_usage		 opened;
	struct daemon_usage		 ended;
};

static void	idle_start_holding(struct idle_run *);

/* Close everything; the loop ends. */
static void
idle_finish(struct idle_run *run)
{
	struct idle_connection	*connection;
	size_t			 i;

	for (i = 0; i < run->launcher.started; i++) {
		connection = &run->connections[i];
		if (connection->phase == IDLE_CLOSED)
			continue;
		(void)dispatcher_unwatch(run->dispatcher, connection->fd);
		(void)close(connection->fd);
		connection->phase = IDLE_CLOSED;
	}
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	dispatcher_timer_stop(run->dispatcher, &run->end);
	dispatcher_timer_stop(run->dispatcher, &run->drain_timeout);
	run->end_usec = monotonic_usec();
	run->finished = 1;
}

/* The connection is broken: count the error and close it. */
static void
idle_fail(struct idle_run *run, struct idle_connection *connection,
    const char *reason)
{
	enum idle_phase	phase = connection->phase;

	bench_error("idle connection %zu: %s", connection->index, reason);
	(void)dispatcher_unwatch(run->dispatcher, connection->fd);
	(void)close(connection->fd);
	connection->phase = IDLE_CLOSED;
	if (phase == IDLE_CONNECTING || phase == IDLE_OPENING) {
		launcher_opened(&run->launcher);
		idle_start_holding(run);
	} else if (phase == IDLE_CHECKING && --run->checking == 0)
		idle_finish(run);
}

/* Write what is left of the message; watch for writing while needed. */
static void
idle_send(struct idle_run *run, struct idle_connection *connection)
{
	int	result;

	if ((result = message_send(connection->fd, &connection->message)) ==
	    -1) {
		idle_fail(run, connection, strerror(errno));
		return;
	}
	if (connection->writing == result)
		return;
	if (dispatcher_set_events(run->dispatcher, connection->fd,
	    result == 1 ? EVENT_READ | EVENT_WRITE : EVENT_READ) == -1) {
		idle_fail(run, connection, strerror(errno));
		return;
	}
	connection->writing = result;
}

/* A round trip is complete. */
static void
idle_round_trip_done(struct idle_run *run, struct idle_connection *connection)
{
	connection->message.offset += connection->message.size;
	if (connection->phase == IDLE_OPENING) {
		connection->phase = IDLE_HOLDING;
		run->open_count++;
		launcher_opened(&run->launcher);
		idle_start_holding(run);
		return;
	}
	connection->phase = IDLE_CHECKED;
	run->checked++;
	if (--run->checking == 0)
		idle_finish(run);
}

/* A connection's socket is ready. */
static void
idle_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct idle_connection	*connection = arg;
	struct idle_run		*run = connection->run;
	const char		*failure = NULL;
	int			 error;

	(void)d;
	(void)fd;
	if (connection->phase == IDLE_CONNECTING) {
		if ((error = bench_socket_error(connection->fd)) != 0) {
			idle_fail(run, connection, strerror(error));
			return;
		}
		connection->phase = IDLE_OPENING;
		idle_send(run, connection);
		return;
	}
	if (events & EVENT_WRITE) {
		idle_send(run, connection);
		if (connection->phase == IDLE_CLOSED)
			return;
	}
	if (!(events & EVENT_READ))
		return;
	switch (message_receive(connection->fd, &connection->message,
	    &failure)) {
	case 1:
		idle_round_trip_done(run, connection);
		break;
	case -1:
		idle_fail(run, connection, failure);
		break;
	default:
		break;
	}
}

/* Open connection index (the launcher's start). */
static void
idle_start(size_t index, void *arg)
{
	struct idle_run		*run = arg;
	struct idle_connection	*connection = &run->connections[index];

	connection->run = run;
	connection->index = index;
	message_begin(&connection->message, pattern_start(index),
	    run->options->size);
	if ((connection->fd = bench_socket_connect(&run->options->target)) ==
	    -1) {
		bench_error("idle connection %zu: %s", index, strerror(errno));
		launcher_opened(&run->launcher);
		return;
	}
	connection->phase = IDLE_CONNECTING;
	connection->writing = 1;
	if (dispatcher_watch(run->dispatcher, connection->fd, EVENT_WRITE,
	    idle_ready, connection) == -1)
		idle_fail(run, connection, strerror(errno));
}

/* Once every connection is open (or failed), hold them for -t. */
static void
idle_start_holding(struct idle_run *run)
{
	if (run->holding || run->finished || !launcher_done(&run->launcher))
		return;
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	run->open_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->opened);
	if (run->open_count == 0) {
		idle_finish(run);
		return;
	}
	run->holding = 1;
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    run->options->duration_usec, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		idle_finish(run);
	}
}

/* Connections still not open after BENCH_OPEN_TIMEOUT_USEC fail. */
static void
idle_open_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct idle_run	*run = arg;
	size_t		 i, never = run->launcher.total - run->launcher.started;

	(void)d;
	(void)timer;
	if (never > 0)
		bench_error("%zu idle connections not even started in time",
		    never);
	run->launcher.total = run->launcher.started;
	for (i = 0; i < run->launcher.started && !run->finished; i++)
		if (run->connections[i].phase == IDLE_CONNECTING ||
		    run->connections[i].phase == IDLE_OPENING)
			idle_fail(run, &run->connections[i],
			    "not open in time");
}

/* The last round trips not back after the drain time are lost. */
static void
idle_drain_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct idle_run	*run = arg;
	size_t		 i;

	(void)d;
	(void)timer;
	for (i = 0; i < run->launcher.started && !run->finished; i++)
		if (run->connections[i].phase == IDLE_CHECKING)
			idle_fail(run, &run->connections[i],
			    "no echo within the drain time");
	if (!run->finished)
		idle_finish(run);
}

/* The hold is over (or a signal came): read the memory, check each. */
static void
idle_end(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct idle_run		*run = arg;
	struct idle_connection	*connection;
	size_t			 i;

	(void)timer;
	if (!run->holding) {
		idle_finish(run);	/* interrupted while opening */
		return;
	}
	if (run->ending)
		return;
	run->ending = 1;
	run->end_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->ended);
	for (i = 0; i < run->launcher.started; i++)
		if (run->connections[i].phase == IDLE_HOLDING)
			run->checking++;
	if (run->checking == 0) {
		idle_finish(run);
		return;
	}
	(void)dispatcher_timer_start(d, &run->drain_timeout,
	    BENCH_DRAIN_USEC, 0);
	for (i = 0; i < run->launcher.started && !run->finished; i++) {
		connection = &run->connections[i];
		if (connection->phase != IDLE_HOLDING)
			continue;
		connection->phase = IDLE_CHECKING;
		message_begin(&connection->message, connection->message.offset,
		    run->options->size);
		idle_send(run, connection);
	}
}

/* Print the result line; the exit status. */
static int
idle_report(const struct idle_run *run)
{
	result_begin(run->options, dispatcher_backend_name(run->dispatcher));
	result_unsigned("opened", run->open_count);
	result_decimal("open_seconds", bench_seconds(run->start_usec,
	    run->open_usec), 3);
	result_decimal("held_seconds", run->holding ?
	    bench_seconds(run->open_usec, run->end_usec) : 0.0, 3);
	result_unsigned("checked", run->checked);
	result_memory(&run->before, &run->ended, run->open_count);
	result_cpu(&run->opened, &run->ended, run->holding ?
	    bench_seconds(run->open_usec, run->end_usec) : 0.0);
	return result_end();
}

/* The idle mode. */
int
bench_idle_run(const struct bench_options *options)
{
	struct idle_run	*run;
	int		 status = 1;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->connections = calloc(options->connections,
	    sizeof(*run->connections))) == NULL) {
		bench_error("%s", strerror(errno));
		goto cleanup;
	}
	run->options = options;
	timer_init(&run->open_timeout, idle_open_timeout, run);
	timer_init(&run->end, idle_end, run);
	timer_init(&run->drain_timeout, idle_drain_timeout, run);
	if ((run->dispatcher = bench_dispatcher(options, &run->end)) == NULL)
		goto cleanup;
	daemon_sample(options->daemon_pid, &run->before);
	run->opened = run->ended = run->before;
	run->ended.rss_kb = -1;		/* unless the hold ends */
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->open_timeout,
	    BENCH_OPEN_TIMEOUT_USEC, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		goto cleanup;
	}
	launcher_init(&run->launcher, options->connections, BENCH_OPENING_MAX,
	    idle_start, run);
	launcher_fill(&run->launcher);
	idle_start_holding(run);
	if (bench_loop(run->dispatcher, &run->finished) == -1)
		goto cleanup;
	status = idle_report(run);
cleanup:
	if (run != NULL) {
		if (run->dispatcher != NULL)
			dispatcher_free(run->dispatcher);
		free(run->connections);
	}
	free(run);
	return status;
}
