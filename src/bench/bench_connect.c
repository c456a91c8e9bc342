/*
 * bench_connect.c: the connect mode, the rate of new connections.
 *
 * -c loops run side by side; each connects, sends one message of -s bytes
 * (64 by default), checks its echo, closes, and starts over.  The first
 * write also tells whether the connect worked, saving a getsockopt(2) per
 * connection.  The measurement starts with the first connect and ends
 * after -t seconds or -n connections; connections under way then are
 * finished and checked but not counted.  A loop whose connection fails
 * stops, so a server that is down ends the run at once, with errors.
 *
 * The client closes with a reset (SO_LINGER of 0), which leaves no
 * TIME_WAIT state behind.  An orderly close would leave one on the client
 * for every connection, each holding a local port: Linux lets a loopback
 * connect reuse such a port only after a second or two, so its 28,232
 * ephemeral ports (32768 to 60999) would cap the rate near 14,000
 * connections per second whatever the server does.  The server sees the
 * reset on its next read, where it would have seen the end of file.
 * The latency reported is the whole cycle, connect(2) to the echo.
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

enum connect_phase {
	CONNECT_IDLE,		/* no connection: stopped, or between two */
	CONNECT_CONNECTING,	/* connect(2) in progress */
	CONNECT_WAITING		/* the message is out; its echo is awaited */
};

struct connect_run;

/* One loop of connect, round trip, close. */
struct connect_loop {
	struct connect_run	*run;
	size_t			 index;
	int			 fd;
	enum connect_phase	 phase;
	int			 writing;
	unsigned long long	 cycles;	/* connections this loop made */
	struct message		 message;
	uint64_t		 started_usec;
};

/* The whole measurement. */
struct connect_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct connect_loop		*loops;
	size_t				 active;	/* loops not idle */
	int				 starting;	/* in the first loop */
	int				 ending;
	int				 finished;
	unsigned long long		 issued;
	unsigned long long		 completed;
	uint64_t			 start_usec;
	uint64_t			 end_usec;
	struct histogram		 latency;
	struct timer			 end;
	struct timer			 drain_timeout;
	/* -P: the daemon before connecting, once all are open, at the end */
	struct daemon_usage		 before;
	struct daemon_usage		 opened;
	struct daemon_usage		 ended;
};

static void	connect_cycle(struct connect_run *, struct connect_loop *);

/* Stop everything; the loop ends. */
static void
connect_finish(struct connect_run *run)
{
	struct connect_loop	*loop;
	size_t			 i;

	for (i = 0; i < run->options->connections; i++) {
		loop = &run->loops[i];
		if (loop->phase == CONNECT_IDLE)
			continue;
		(void)dispatcher_unwatch(run->dispatcher, loop->fd);
		(void)close(loop->fd);
		loop->phase = CONNECT_IDLE;
	}
	run->active = 0;
	dispatcher_timer_stop(run->dispatcher, &run->end);
	dispatcher_timer_stop(run->dispatcher, &run->drain_timeout);
	if (!run->ending) {
		run->end_usec = monotonic_usec();
		daemon_sample(run->options->daemon_pid, &run->ended);
	}
	run->finished = 1;
}

/* Close the loop's connection; the loop idles. */
static void
connect_close(struct connect_run *run, struct connect_loop *loop)
{
	(void)dispatcher_unwatch(run->dispatcher, loop->fd);
	(void)close(loop->fd);
	loop->phase = CONNECT_IDLE;
	run->active--;
}

/* The loop stops for good; the run ends with the last loop. */
static void
connect_stop(struct connect_run *run, struct connect_loop *loop)
{
	if (loop->phase != CONNECT_IDLE)
		connect_close(run, loop);
	if (run->active == 0 && !run->starting && !run->finished) {
		if (!run->ending) {
			run->ending = 1;
			run->end_usec = monotonic_usec();
			daemon_sample(run->options->daemon_pid, &run->ended);
		}
		connect_finish(run);
	}
}

/* The loop's connection failed: count the error, stop the loop. */
static void
connect_fail(struct connect_run *run, struct connect_loop *loop,
    const char *reason)
{
	bench_error("connect loop %zu, connection %llu: %s", loop->index,
	    loop->cycles + 1, reason);
	connect_stop(run, loop);
}

/* Write the message, or what is left of it. */
static void
connect_send(struct connect_run *run, struct connect_loop *loop)
{
	int	result, events;

	result = message_send(loop->fd, &loop->message);
	if (result == -1) {
		connect_fail(run, loop, strerror(errno));
		return;
	}
	if (loop->writing == result)
		return;
	events = result == 1 ? EVENT_READ | EVENT_WRITE : EVENT_READ;
	if (dispatcher_set_events(run->dispatcher, loop->fd, events) == -1) {
		connect_fail(run, loop, strerror(errno));
		return;
	}
	loop->writing = result;
}

/* The echo is back: count the connection, close it, start the next. */
static void
connect_done(struct connect_run *run, struct connect_loop *loop)
{
	uint64_t	now = monotonic_usec();

	if (!run->ending) {
		run->completed++;
		histogram_record(&run->latency, now - loop->started_usec);
	}
	loop->cycles++;
	connect_close(run, loop);
	if (run->ending || (run->options->count_limit != 0 &&
	    run->issued >= run->options->count_limit)) {
		connect_stop(run, loop);
		return;
	}
	connect_cycle(run, loop);
}

/* A loop's socket is ready. */
static void
connect_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connect_loop	*loop = arg;
	struct connect_run	*run = loop->run;
	const char		*failure = NULL;

	(void)d;
	(void)fd;
	if (loop->phase == CONNECT_CONNECTING) {
		loop->phase = CONNECT_WAITING;
		connect_send(run, loop);
		return;
	}
	if (events & EVENT_WRITE) {
		connect_send(run, loop);
		if (loop->phase == CONNECT_IDLE)
			return;
	}
	if (!(events & EVENT_READ))
		return;
	switch (message_receive(loop->fd, &loop->message, &failure)) {
	case 1:
		connect_done(run, loop);
		break;
	case -1:
		connect_fail(run, loop, failure);
		break;
	default:
		break;
	}
}

/* Start the loop's next connection. */
static void
connect_cycle(struct connect_run *run, struct connect_loop *loop)
{
	run->issued++;
	loop->started_usec = monotonic_usec();
	message_begin(&loop->message, pattern_start(loop->index) +
	    loop->cycles * run->options->size, run->options->size);
	if ((loop->fd = bench_socket_connect(&run->options->target)) == -1) {
		connect_fail(run, loop, errno == EADDRNOTAVAIL ?
		    "no local port left (TIME_WAIT)" : strerror(errno));
		return;
	}
	run->active++;
	loop->phase = CONNECT_CONNECTING;
	if (bench_socket_reset_on_close(loop->fd) == -1) {
		connect_fail(run, loop, strerror(errno));
		return;
	}
	loop->writing = 1;
	if (dispatcher_watch(run->dispatcher, loop->fd, EVENT_WRITE,
	    connect_ready, loop) == -1)
		connect_fail(run, loop, strerror(errno));
}

/* The loops still under way after the end never finished. */
static void
connect_drain_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct connect_run	*run = arg;
	size_t			 i;

	(void)d;
	(void)timer;
	for (i = 0; i < run->options->connections && !run->finished; i++)
		if (run->loops[i].phase != CONNECT_IDLE)
			connect_fail(run, &run->loops[i],
			    "not finished within the drain time");
}

/* -t is over (or a signal came): finish what is under way. */
static void
connect_end(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct connect_run	*run = arg;

	(void)d;
	(void)timer;
	if (run->ending)
		return;
	run->ending = 1;
	run->end_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->ended);
	if (run->active == 0) {
		connect_finish(run);
		return;
	}
	(void)dispatcher_timer_start(run->dispatcher, &run->drain_timeout,
	    BENCH_DRAIN_USEC, 0);
}

/* Print the result line; the exit status. */
static int
connect_report(const struct connect_run *run)
{
	double	seconds = bench_seconds(run->start_usec, run->end_usec);

	result_begin(run->options, dispatcher_backend_name(run->dispatcher));
	result_decimal("seconds", seconds, 3);
	result_unsigned("completed", run->completed);
	result_decimal("rate", seconds > 0 ? (double)run->completed /
	    seconds : 0.0, 1);
	result_unsigned("p50_us", histogram_percentile(&run->latency, 50.0));
	result_unsigned("p99_us", histogram_percentile(&run->latency, 99.0));
	result_unsigned("p999_us", histogram_percentile(&run->latency, 99.9));
	result_unsigned("max_us", run->latency.largest);
	result_memory(&run->before, &run->ended, 0);
	result_cpu(&run->before, &run->ended, seconds);
	return result_end();
}

/* The connect mode. */
int
bench_connect_run(const struct bench_options *options)
{
	struct connect_run	*run;
	size_t			 i;
	int			 status = 1;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->loops = calloc(options->connections,
	    sizeof(*run->loops))) == NULL) {
		bench_error("%s", strerror(errno));
		goto cleanup;
	}
	run->options = options;
	histogram_init(&run->latency);
	timer_init(&run->end, connect_end, run);
	timer_init(&run->drain_timeout, connect_drain_timeout, run);
	if ((run->dispatcher = bench_dispatcher(options, &run->end)) == NULL)
		goto cleanup;
	daemon_sample(options->daemon_pid, &run->before);
	run->opened = run->ended = run->before;
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    options->duration_usec, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		goto cleanup;
	}
	run->starting = 1;
	for (i = 0; i < options->connections && !run->finished; i++) {
		run->loops[i].run = run;
		run->loops[i].index = i;
		if (options->count_limit == 0 ||
		    run->issued < options->count_limit)
			connect_cycle(run, &run->loops[i]);
	}
	run->starting = 0;
	if (run->active == 0 && !run->finished)
		connect_finish(run);
	if (bench_loop(run->dispatcher, &run->finished) == -1)
		goto cleanup;
	status = connect_report(run);
cleanup:
	if (run != NULL) {
		if (run->dispatcher != NULL)
			dispatcher_free(run->dispatcher);
		free(run->loops);
	}
	free(run);
	return status;
}
