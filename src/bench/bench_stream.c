/*
 * bench_stream.c: the stream mode, throughput both ways.
 *
 * Each of -c connections writes the pattern in writes of -s bytes for as
 * long as the socket takes them, and reads back and checks whatever the
 * echo server returns; no window is imposed beyond the kernel's buffers
 * and the server's own backpressure.  The measurement starts once every
 * connection is connected and ends after -t seconds or when -n bytes have
 * been written; the figure is the bytes that came back and checked out
 * within it, in MiB (2^20 bytes) per second.  At the end each connection
 * shuts down its sending side and reads until the server closes, so every
 * byte written is checked to come back before the run is declared clean.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_daemon.h"
#include "bench/bench_pattern.h"
#include "bench/bench_result.h"
#include "bench/bench_run.h"
#include "bench/bench_socket.h"
#include "event/dispatcher.h"

#define MEBIBYTE	1048576.0

enum stream_phase {
	STREAM_CLOSED,		/* not started yet, or closed */
	STREAM_CONNECTING,	/* connect(2) in progress */
	STREAM_WAITING,		/* connected; the measurement has not begun */
	STREAM_STREAMING,	/* writing and reading */
	STREAM_FINISHING	/* all written; reading until the end */
};

struct stream_run;

/* One streaming connection. */
struct stream_connection {
	struct stream_run	*run;
	size_t			 index;
	int			 fd;
	enum stream_phase	 phase;
	uint64_t		 start;		/* its place in the pattern */
	unsigned long long	 sent;
	unsigned long long	 received;
};

/* The whole measurement. */
struct stream_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct stream_connection	*connections;
	struct launcher			 launcher;
	size_t				 open_count;
	size_t				 live;		/* not closed */
	int				 measuring;
	int				 ending;
	int				 finished;
	unsigned long long		 sent;
	unsigned long long		 received_in_window;
	unsigned long long		 received;
	uint64_t			 start_usec;
	uint64_t			 end_usec;
	struct timer			 open_timeout;
	struct timer			 end;
	struct timer			 drain_timeout;
	/* -P: the daemon before connecting, once all are open, at the end */
	struct daemon_usage		 before;
	struct daemon_usage		 opened;
	struct daemon_usage		 ended;
};

static unsigned char	stream_buffer[PATTERN_SLICE_MAX];

static void	stream_start_measuring(struct stream_run *);

/* Stop everything: close what is open; the loop ends. */
static void
stream_finish(struct stream_run *run)
{
	struct stream_connection	*connection;
	size_t				 i;

	for (i = 0; i < run->options->connections; i++) {
		connection = &run->connections[i];
		if (connection->phase == STREAM_CLOSED)
			continue;
		(void)dispatcher_unwatch(run->dispatcher, connection->fd);
		(void)close(connection->fd);
		connection->phase = STREAM_CLOSED;
	}
	run->live = 0;
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	dispatcher_timer_stop(run->dispatcher, &run->end);
	dispatcher_timer_stop(run->dispatcher, &run->drain_timeout);
	if (!run->measuring)
		run->start_usec = run->end_usec = monotonic_usec();
	else if (!run->ending)
		run->end_usec = monotonic_usec();
	run->finished = 1;
}

/* Close a connection; the run ends when the last closes after the end. */
static void
stream_close(struct stream_run *run, struct stream_connection *connection)
{
	enum stream_phase	phase = connection->phase;

	(void)dispatcher_unwatch(run->dispatcher, connection->fd);
	(void)close(connection->fd);
	connection->phase = STREAM_CLOSED;
	run->live--;
	if (phase == STREAM_CONNECTING) {
		launcher_opened(&run->launcher);
		stream_start_measuring(run);
	} else if (run->live == 0 && (run->ending || run->measuring))
		stream_finish(run);
}

/* The connection is broken: count the error and close it. */
static void
stream_fail(struct stream_run *run, struct stream_connection *connection,
    const char *reason)
{
	bench_error("stream connection %zu: %s (%llu bytes written, %llu "
	    "back)", connection->index, reason, connection->sent,
	    connection->received);
	stream_close(run, connection);
}

/* Stop writing: shut down the sending side, read until the server closes. */
static void
stream_stop_writing(struct stream_run *run,
    struct stream_connection *connection)
{
	connection->phase = STREAM_FINISHING;
	if (shutdown(connection->fd, SHUT_WR) == -1) {
		stream_fail(run, connection, strerror(errno));
		return;
	}
	if (dispatcher_set_events(run->dispatcher, connection->fd,
	    EVENT_READ) == -1)
		stream_fail(run, connection, strerror(errno));
}

/* The measured bytes are all in: the measurement ends now. */
static void
stream_end_measurement(struct stream_run *run)
{
	if (run->ending)
		return;
	run->ending = 1;
	run->end_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->ended);
	(void)dispatcher_timer_start(run->dispatcher, &run->drain_timeout,
	    BENCH_DRAIN_USEC, 0);
}

/* Write one more slice of the pattern, if the socket takes it. */
static void
stream_write(struct stream_run *run, struct stream_connection *connection)
{
	unsigned long long	limit = run->options->count_limit;
	size_t			size = run->options->size, i;
	ssize_t			count;

	if (limit != 0 && limit - run->sent < size)
		size = (size_t)(limit - run->sent);
	count = write(connection->fd, pattern_at(connection->start +
	    connection->sent), size);
	if (count == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			stream_fail(run, connection, strerror(errno));
		return;
	}
	connection->sent += (unsigned long long)count;
	run->sent += (unsigned long long)count;
	if (limit != 0 && run->sent >= limit) {
		/* -n bytes are out: every connection stops writing. */
		for (i = 0; i < run->options->connections; i++)
			if (run->connections[i].phase == STREAM_STREAMING)
				stream_stop_writing(run, &run->connections[i]);
	}
}

/* Read what came back and check it. */
static void
stream_read(struct stream_run *run, struct stream_connection *connection)
{
	ssize_t	count;

	count = read(connection->fd, stream_buffer, sizeof(stream_buffer));
	if (count == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			stream_fail(run, connection, strerror(errno));
		return;
	}
	if (count == 0) {
		if (connection->phase != STREAM_FINISHING)
			stream_fail(run, connection, "the server closed the "
			    "connection");
		else if (connection->received != connection->sent)
			stream_fail(run, connection, "the stream came back "
			    "cut short");
		else
			stream_close(run, connection);
		return;
	}
	if ((unsigned long long)count > connection->sent -
	    connection->received) {
		stream_fail(run, connection, "more bytes came back than were "
		    "sent");
		return;
	}
	if (!pattern_matches(connection->start + connection->received,
	    stream_buffer, (size_t)count)) {
		stream_fail(run, connection, "the echo differs from what was "
		    "sent");
		return;
	}
	connection->received += (unsigned long long)count;
	run->received += (unsigned long long)count;
	if (run->measuring && !run->ending) {
		run->received_in_window += (unsigned long long)count;
		if (run->options->count_limit != 0 &&
		    run->received_in_window >= run->options->count_limit)
			stream_end_measurement(run);
	}
}

/* A connection's socket is ready. */
static void
stream_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct stream_connection	*connection = arg;
	struct stream_run		*run = connection->run;
	int				 error;

	(void)d;
	(void)fd;
	if (connection->phase == STREAM_CONNECTING) {
		if ((error = bench_socket_error(connection->fd)) != 0) {
			stream_fail(run, connection, strerror(error));
			return;
		}
		if (dispatcher_set_events(run->dispatcher, connection->fd,
		    0) == -1) {
			stream_fail(run, connection, strerror(errno));
			return;
		}
		connection->phase = STREAM_WAITING;
		run->open_count++;
		launcher_opened(&run->launcher);
		stream_start_measuring(run);
		return;
	}
	if ((events & EVENT_READ))
		stream_read(run, connection);
	if ((events & EVENT_WRITE) && connection->phase == STREAM_STREAMING)
		stream_write(run, connection);
}

/* Open connection index (the launcher's start). */
static void
stream_start(size_t index, void *arg)
{
	struct stream_run		*run = arg;
	struct stream_connection	*connection = &run->connections[index];

	connection->run = run;
	connection->index = index;
	connection->start = pattern_start(index);
	if ((connection->fd = bench_socket_connect(&run->options->target)) ==
	    -1) {
		bench_error("stream connection %zu: %s", index,
		    strerror(errno));
		launcher_opened(&run->launcher);
		return;
	}
	connection->phase = STREAM_CONNECTING;
	run->live++;
	if (dispatcher_watch(run->dispatcher, connection->fd, EVENT_WRITE,
	    stream_ready, connection) == -1)
		stream_fail(run, connection, strerror(errno));
}

/* Once every connection is connected (or failed), start streaming. */
static void
stream_start_measuring(struct stream_run *run)
{
	struct stream_connection	*connection;
	size_t				 i;

	if (run->measuring || run->finished || !launcher_done(&run->launcher))
		return;
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	if (run->open_count == 0 || run->live == 0) {
		stream_finish(run);
		return;
	}
	daemon_sample(run->options->daemon_pid, &run->opened);
	run->measuring = 1;
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    run->options->duration_usec, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		stream_finish(run);
		return;
	}
	for (i = 0; i < run->options->connections; i++) {
		connection = &run->connections[i];
		if (connection->phase != STREAM_WAITING)
			continue;
		connection->phase = STREAM_STREAMING;
		if (dispatcher_set_events(run->dispatcher, connection->fd,
		    EVENT_READ | EVENT_WRITE) == -1)
			stream_fail(run, connection, strerror(errno));
	}
}

/* Connections still not connected after BENCH_OPEN_TIMEOUT_USEC fail. */
static void
stream_open_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stream_run	*run = arg;
	size_t			 i;

	(void)d;
	(void)timer;
	run->launcher.total = run->launcher.started;
	for (i = 0; i < run->launcher.started && !run->finished; i++)
		if (run->connections[i].phase == STREAM_CONNECTING)
			stream_fail(run, &run->connections[i],
			    "not connected in time");
}

/* The streams not back after the drain time are lost. */
static void
stream_drain_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stream_run	*run = arg;
	size_t			 i;

	(void)d;
	(void)timer;
	for (i = 0; i < run->options->connections && !run->finished; i++)
		if (run->connections[i].phase != STREAM_CLOSED)
			stream_fail(run, &run->connections[i],
			    "not all back within the drain time");
	if (!run->finished)
		stream_finish(run);
}

/* -t is over (or a signal came): stop writing, take the rest back. */
static void
stream_end(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stream_run	*run = arg;
	size_t			 i;

	(void)d;
	(void)timer;
	if (!run->measuring) {
		stream_finish(run);	/* interrupted while opening */
		return;
	}
	stream_end_measurement(run);
	for (i = 0; i < run->options->connections && !run->finished; i++)
		if (run->connections[i].phase == STREAM_STREAMING)
			stream_stop_writing(run, &run->connections[i]);
}

/* Print the result line; the exit status. */
static int
stream_report(const struct stream_run *run)
{
	double	seconds = bench_seconds(run->start_usec, run->end_usec);

	result_begin(run->options, dispatcher_backend_name(run->dispatcher));
	result_unsigned("opened", run->open_count);
	result_decimal("seconds", seconds, 3);
	result_unsigned("bytes", run->received_in_window);
	result_decimal("mib_per_second", seconds > 0 ?
	    (double)run->received_in_window / MEBIBYTE / seconds : 0.0, 1);
	result_unsigned("bytes_written", run->sent);
	result_unsigned("bytes_verified", run->received);
	result_memory(&run->before, &run->opened, run->open_count);
	result_cpu(&run->opened, &run->ended, seconds);
	return result_end();
}

/* The stream mode. */
int
bench_stream_run(const struct bench_options *options)
{
	struct stream_run	*run;
	int			 status = 1;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->connections = calloc(options->connections,
	    sizeof(*run->connections))) == NULL) {
		bench_error("%s", strerror(errno));
		goto cleanup;
	}
	run->options = options;
	timer_init(&run->open_timeout, stream_open_timeout, run);
	timer_init(&run->end, stream_end, run);
	timer_init(&run->drain_timeout, stream_drain_timeout, run);
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
	    stream_start, run);
	launcher_fill(&run->launcher);
	stream_start_measuring(run);
	if (bench_loop(run->dispatcher, &run->finished) == -1)
		goto cleanup;
	status = stream_report(run);
cleanup:
	if (run != NULL) {
		if (run->dispatcher != NULL)
			dispatcher_free(run->dispatcher);
		free(run->connections);
	}
	free(run);
	return status;
}
