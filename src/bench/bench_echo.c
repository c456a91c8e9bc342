/*
 * bench_echo.c: the echo mode, ping-pong.
 *
 * Each of -c connections sends a message of -s bytes and waits for all of
 * its echo before sending the next, so each has one message in flight.
 * The connections are opened first, at most BENCH_OPENING_MAX at a time,
 * each with one unmeasured round trip that proves the server accepted it;
 * the daemon's memory (-P) is read then.  The measurement starts when all
 * are open and ends after -t seconds or -n round trips; messages still in
 * flight are then awaited and checked, but no longer counted.
 *
 * Latency is from the write of a message to the read that completes its
 * echo, both timed with the monotonic clock, counted in the log-linear
 * histogram of bench_stats.c.
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
#include "bench/bench_stats.h"
#include "event/dispatcher.h"

enum echo_phase {
	ECHO_CLOSED,		/* not started yet, or closed */
	ECHO_CONNECTING,	/* connect(2) in progress */
	ECHO_OPENING,		/* the first, unmeasured round trip */
	ECHO_WAITING,		/* open; the measurement has not started */
	ECHO_IN_FLIGHT,		/* a message awaits its echo */
	ECHO_STOPPED		/* open; sends no more */
};

struct echo_run;

/* One ping-pong connection. */
struct echo_connection {
	struct echo_run		*run;
	size_t			 index;
	int			 fd;
	enum echo_phase		 phase;
	int			 writing;	/* watched for writability */
	struct message		 message;
	uint64_t		 sent_usec;
};

/* The whole measurement. */
struct echo_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct echo_connection		*connections;
	struct launcher			 launcher;
	size_t				 open_count;
	size_t				 in_flight;
	int				 measuring;
	int				 ending;
	int				 finished;
	unsigned long long		 issued;
	unsigned long long		 round_trips;
	uint64_t			 start_usec;
	uint64_t			 end_usec;
	struct histogram		 latency;
	struct timer			 open_timeout;
	struct timer			 end;
	struct timer			 drain_timeout;
	/* -P: the daemon before connecting, once all are open, at the end */
	struct daemon_usage		 before;
	struct daemon_usage		 opened;
	struct daemon_usage		 ended;
};

static void	echo_send_next(struct echo_run *, struct echo_connection *);
static void	echo_start_measuring(struct echo_run *);

/* Stop everything: close what is open; the loop ends. */
static void
echo_finish(struct echo_run *run)
{
	struct echo_connection	*connection;
	size_t			 i;

	for (i = 0; i < run->launcher.started; i++) {
		connection = &run->connections[i];
		if (connection->phase == ECHO_CLOSED)
			continue;
		(void)dispatcher_unwatch(run->dispatcher, connection->fd);
		(void)close(connection->fd);
		connection->phase = ECHO_CLOSED;
	}
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	dispatcher_timer_stop(run->dispatcher, &run->end);
	dispatcher_timer_stop(run->dispatcher, &run->drain_timeout);
	if (!run->measuring)
		run->start_usec = run->end_usec = monotonic_usec();
	else if (!run->ending)
		run->end_usec = monotonic_usec();
	run->finished = 1;
}

/* Once the last message in flight after the end is back, finish. */
static void
echo_check_drained(struct echo_run *run)
{
	if (run->ending && run->in_flight == 0)
		echo_finish(run);
}

/* The connection is broken: count the error and close it. */
static void
echo_fail(struct echo_run *run, struct echo_connection *connection,
    const char *reason)
{
	enum echo_phase	phase = connection->phase;

	bench_error("echo connection %zu: %s", connection->index, reason);
	(void)dispatcher_unwatch(run->dispatcher, connection->fd);
	(void)close(connection->fd);
	connection->phase = ECHO_CLOSED;
	if (phase == ECHO_CONNECTING || phase == ECHO_OPENING) {
		launcher_opened(&run->launcher);
		echo_start_measuring(run);
	} else if (phase == ECHO_IN_FLIGHT) {
		run->in_flight--;
		echo_check_drained(run);
	}
}

/* Watch for writability only while a message is partly written. */
static void
echo_want_write(struct echo_run *run, struct echo_connection *connection,
    int writing)
{
	if (connection->writing == writing)
		return;
	if (dispatcher_set_events(run->dispatcher, connection->fd,
	    writing ? EVENT_READ | EVENT_WRITE : EVENT_READ) == -1) {
		echo_fail(run, connection, strerror(errno));
		return;
	}
	connection->writing = writing;
}

/* Write what is left of the current message. */
static void
echo_send(struct echo_run *run, struct echo_connection *connection)
{
	switch (message_send(connection->fd, &connection->message)) {
	case 0:
		echo_want_write(run, connection, 0);
		break;
	case 1:
		echo_want_write(run, connection, 1);
		break;
	default:
		echo_fail(run, connection, strerror(errno));
		break;
	}
}

/* A whole echo came back: count it and send the next message. */
static void
echo_round_trip_done(struct echo_run *run, struct echo_connection *connection)
{
	uint64_t	now = monotonic_usec();

	connection->message.offset += connection->message.size;
	if (connection->phase == ECHO_OPENING) {
		connection->phase = ECHO_WAITING;
		run->open_count++;
		launcher_opened(&run->launcher);
		echo_start_measuring(run);
		return;
	}
	run->in_flight--;
	if (run->measuring && !run->ending) {
		histogram_record(&run->latency, now - connection->sent_usec);
		run->round_trips++;
	}
	if (run->ending) {
		connection->phase = ECHO_STOPPED;
		echo_check_drained(run);
		return;
	}
	if (run->options->count_limit != 0 &&
	    run->issued >= run->options->count_limit) {
		connection->phase = ECHO_STOPPED;
		if (run->in_flight == 0) {
			/* The last of -n round trips ends the measurement. */
			run->end_usec = now;
			run->ending = 1;
			daemon_sample(run->options->daemon_pid, &run->ended);
			echo_finish(run);
		}
		return;
	}
	echo_send_next(run, connection);
}

/* Send a new, measured message. */
static void
echo_send_next(struct echo_run *run, struct echo_connection *connection)
{
	message_begin(&connection->message, connection->message.offset,
	    run->options->size);
	connection->phase = ECHO_IN_FLIGHT;
	run->in_flight++;
	run->issued++;
	connection->sent_usec = monotonic_usec();
	echo_send(run, connection);
}

/* The connect finished: start the opening round trip. */
static void
echo_connected(struct echo_run *run, struct echo_connection *connection)
{
	int	error;

	if ((error = bench_socket_error(connection->fd)) != 0) {
		echo_fail(run, connection, strerror(error));
		return;
	}
	connection->phase = ECHO_OPENING;
	connection->writing = 1;
	message_begin(&connection->message, pattern_start(connection->index),
	    run->options->size);
	echo_send(run, connection);
}

/* A connection's socket is ready. */
static void
echo_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct echo_connection	*connection = arg;
	struct echo_run		*run = connection->run;
	const char		*failure = NULL;

	(void)d;
	(void)fd;
	if (connection->phase == ECHO_CONNECTING) {
		echo_connected(run, connection);
		return;
	}
	if (events & EVENT_WRITE) {
		echo_send(run, connection);
		if (connection->phase == ECHO_CLOSED)
			return;
	}
	if (!(events & EVENT_READ))
		return;
	switch (message_receive(connection->fd, &connection->message,
	    &failure)) {
	case 1:
		if (connection->phase == ECHO_OPENING ||
		    connection->phase == ECHO_IN_FLIGHT)
			echo_round_trip_done(run, connection);
		else
			echo_fail(run, connection, "bytes came unasked");
		break;
	case -1:
		echo_fail(run, connection, failure);
		break;
	default:
		break;
	}
}

/* Open connection index (the launcher's start). */
static void
echo_start(size_t index, void *arg)
{
	struct echo_run		*run = arg;
	struct echo_connection	*connection = &run->connections[index];

	connection->run = run;
	connection->index = index;
	connection->phase = ECHO_CONNECTING;
	connection->fd = bench_socket_connect(&run->options->target);
	if (connection->fd == -1) {
		connection->phase = ECHO_CLOSED;
		bench_error("echo connection %zu: %s", index, strerror(errno));
		launcher_opened(&run->launcher);
		return;
	}
	(void)bench_socket_no_delay(connection->fd);
	if (dispatcher_watch(run->dispatcher, connection->fd, EVENT_WRITE,
	    echo_ready, connection) == -1)
		echo_fail(run, connection, strerror(errno));
}

/* Once every connection is open (or failed), start measuring. */
static void
echo_start_measuring(struct echo_run *run)
{
	size_t	i;

	if (run->measuring || run->finished || !launcher_done(&run->launcher))
		return;
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	if (run->open_count == 0) {
		echo_finish(run);
		return;
	}
	daemon_sample(run->options->daemon_pid, &run->opened);
	run->measuring = 1;
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    run->options->duration_usec, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		echo_finish(run);
		return;
	}
	for (i = 0; i < run->options->connections && !run->ending; i++)
		if (run->connections[i].phase == ECHO_WAITING &&
		    (run->options->count_limit == 0 ||
		    run->issued < run->options->count_limit))
			echo_send_next(run, &run->connections[i]);
}

/* Connections still not open after BENCH_OPEN_TIMEOUT_USEC fail. */
static void
echo_open_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct echo_run	*run = arg;
	size_t		 i, never = run->launcher.total - run->launcher.started;

	(void)d;
	(void)timer;
	if (never > 0)
		bench_error("%zu echo connections not even started in time",
		    never);
	run->launcher.total = run->launcher.started;
	for (i = 0; i < run->launcher.started && !run->finished; i++)
		if (run->connections[i].phase == ECHO_CONNECTING ||
		    run->connections[i].phase == ECHO_OPENING)
			echo_fail(run, &run->connections[i],
			    "not open in time");
}

/* The echoes still awaited after the end are lost. */
static void
echo_drain_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct echo_run	*run = arg;
	size_t		 i;

	(void)d;
	(void)timer;
	for (i = 0; i < run->options->connections && !run->finished; i++)
		if (run->connections[i].phase == ECHO_IN_FLIGHT)
			echo_fail(run, &run->connections[i],
			    "no echo within the drain time");
	echo_finish(run);
}

/* -t is over (or a signal came): stop sending, await what is in flight. */
static void
echo_end(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct echo_run	*run = arg;

	(void)d;
	(void)timer;
	if (!run->measuring) {
		echo_finish(run);	/* interrupted while opening */
		return;
	}
	if (run->ending)
		return;
	run->ending = 1;
	run->end_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->ended);
	if (run->in_flight == 0) {
		echo_finish(run);
		return;
	}
	(void)dispatcher_timer_start(run->dispatcher, &run->drain_timeout,
	    BENCH_DRAIN_USEC, 0);
}

/* Print the result line; the exit status. */
static int
echo_report(const struct echo_run *run)
{
	double	seconds = bench_seconds(run->start_usec, run->end_usec);

	result_begin(run->options, dispatcher_backend_name(run->dispatcher));
	result_unsigned("opened", run->open_count);
	result_decimal("seconds", seconds, 3);
	result_unsigned("round_trips", run->round_trips);
	result_decimal("rate", seconds > 0 ? (double)run->round_trips /
	    seconds : 0.0, 1);
	result_unsigned("p50_us", histogram_percentile(&run->latency, 50.0));
	result_unsigned("p99_us", histogram_percentile(&run->latency, 99.0));
	result_unsigned("p999_us", histogram_percentile(&run->latency, 99.9));
	result_unsigned("max_us", run->latency.largest);
	result_memory(&run->before, &run->opened, run->open_count);
	result_cpu(&run->opened, &run->ended, seconds);
	return result_end();
}

/* The echo mode. */
int
bench_echo_run(const struct bench_options *options)
{
	struct echo_run	*run;
	int		 status = 1;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->connections = calloc(options->connections,
	    sizeof(*run->connections))) == NULL) {
		bench_error("%s", strerror(errno));
		goto cleanup;
	}
	run->options = options;
	histogram_init(&run->latency);
	timer_init(&run->open_timeout, echo_open_timeout, run);
	timer_init(&run->end, echo_end, run);
	timer_init(&run->drain_timeout, echo_drain_timeout, run);
	if ((run->dispatcher = bench_dispatcher(options, &run->end)) == NULL)
		goto cleanup;
	daemon_sample(options->daemon_pid, &run->before);
	run->opened = run->ended = run->before;
	if (dispatcher_timer_start(run->dispatcher, &run->open_timeout,
	    BENCH_OPEN_TIMEOUT_USEC, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		goto cleanup;
	}
	launcher_init(&run->launcher, options->connections, BENCH_OPENING_MAX,
	    echo_start, run);
	launcher_fill(&run->launcher);
	echo_start_measuring(run);
	if (bench_loop(run->dispatcher, &run->finished) == -1)
		goto cleanup;
	status = echo_report(run);
cleanup:
	if (run != NULL) {
		if (run->dispatcher != NULL)
			dispatcher_free(run->dispatcher);
		free(run->connections);
	}
	free(run);
	return status;
}
