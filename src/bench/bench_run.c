/*
 * bench_run.c: the run every mode shares.
 *
 * Connect phase: connections are started in order, at most
 * BENCH_OPENING_MAX still opening at a time, so the server's listen queue
 * never overflows into retried handshakes; a connection opens when the
 * mode says so (bench_opened) and what is not open after
 * BENCH_OPEN_TIMEOUT_USEC fails.  Measuring phase: once all are open (or
 * at launch, for modes measured from the start) until -t passes or the
 * mode calls bench_end().  Drain: the mode's end callback stops or closes
 * its connections; those still open after BENCH_DRAIN_USEC fail.  Then
 * the result line, with the daemon's processor time over the measurement.
 * SIGINT and SIGTERM end the measurement (or the drain) early rather than
 * kill the tool, so the result line is still printed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "event/dispatcher.h"
#include "util/descriptor.h"

static void	bench_finish(struct bench_run *);

/* Microseconds from one time to a later one, as seconds. */
static double
bench_seconds(uint64_t from_usec, uint64_t to_usec)
{
	return to_usec > from_usec ? (double)(to_usec - from_usec) / 1e6 : 0.0;
}

/* Call fn for each connection that is open, until the run finishes. */
void
bench_each(struct bench_run *run, void (*fn)(struct bench_connection *))
{
	size_t	i;

	for (i = 0; i < run->started && !run->finished; i++)
		if (run->connections[i].fd != -1)
			fn(&run->connections[i]);
}

/* Close c's fd, if open, without counting anything else. */
static void
bench_drop(struct bench_connection *c)
{
	if (c->fd == -1)
		return;
	(void)dispatcher_unwatch(c->run->dispatcher, c->fd);
	(void)close(c->fd);
	c->fd = -1;
	c->run->live--;
}

/* The measurement starts: the clock, the daemon, the -t timer. */
static void
bench_measure(struct bench_run *run)
{
	daemon_sample(run, &run->start);
	run->measuring = 1;
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    run->duration_usec, 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		bench_finish(run);
		return;
	}
	if (run->mode->measure != NULL)
		run->mode->measure(run);
	if (run->mode->start != NULL)
		bench_each(run, run->mode->start);
}

/* Every connection is open or failed: measure, unless there is none. */
static void
bench_all_open(struct bench_run *run)
{
	if (run->ending || run->finished)
		return;
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	run->open_usec = monotonic_usec();
	daemon_sample(run, &run->opened);
	if (run->measuring)
		return;
	if (run->open_count == 0)
		bench_finish(run);
	else
		bench_measure(run);
}

/* Start connections while fewer than BENCH_OPENING_MAX are opening. */
static void
bench_fill(struct bench_run *run)
{
	if (run->filling)
		return;		/* a start failed at once: the loop goes on */
	run->filling = 1;
	while (run->started < run->total && !run->finished &&
	    run->opening < BENCH_OPENING_MAX) {
		run->opening++;
		bench_connect_to(&run->connections[run->started++]);
	}
	run->filling = 0;
	if (run->started == run->total && run->opening == 0)
		bench_all_open(run);
}

/* c is no longer opening, open or not: start the next. */
static void
bench_settle(struct bench_connection *c)
{
	if (c->settled)
		return;
	c->settled = 1;
	c->run->opening--;
	bench_fill(c->run);
}

/* c is open, as its mode counts it. */
void
bench_opened(struct bench_connection *c)
{
	if (c->settled)
		return;
	c->run->open_count++;
	bench_settle(c);
}

/* Close c; with no connection left, the measurement ends, or the run. */
void
bench_close(struct bench_connection *c)
{
	struct bench_run	*run = c->run;

	bench_drop(c);
	bench_settle(c);
	if (run->finished || run->live > 0 || run->started < run->total)
		return;
	if (run->measuring)
		bench_end(run);
	else
		bench_finish(run);
}

/* c is broken: count the error, saying why, and close it. */
void
bench_fail(struct bench_connection *c, const char *format, ...)
{
	struct bench_run	*run = c->run;
	va_list			 arguments;
	char			 reason[256];

	va_start(arguments, format);
	(void)vsnprintf(reason, sizeof(reason), format, arguments);
	va_end(arguments);
	bench_error("%s connection %zu: %s", run->mode->name, c->index,
	    reason);
	bench_close(c);
	if (run->mode->error_ends_run)
		bench_end(run);
}

/*
 * Read from c into buffer: the bytes read, 0 at the end of the stream, -1
 * when nothing is there or c failed.
 */
ssize_t
bench_read(struct bench_connection *c, void *buffer, size_t size)
{
	ssize_t	count;

	do
		count = read(c->fd, buffer, size);
	while (count == -1 && errno == EINTR);
	if (count == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		bench_fail(c, "%s", strerror(errno));
	return count;
}

/* Write to c from buffer: the bytes written, 0 when full, -1 as c fails. */
ssize_t
bench_write(struct bench_connection *c, const void *buffer, size_t size)
{
	ssize_t	count;

	if ((count = write(c->fd, buffer, size)) != -1)
		return count;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	bench_fail(c, "%s", strerror(errno));
	return -1;
}

/* Watch c's fd for events, if it is not already; 0, or -1 as c fails. */
int
bench_want(struct bench_connection *c, int events)
{
	if (c->events == events)
		return 0;
	if (dispatcher_set_events(c->run->dispatcher, c->fd, events) == -1) {
		bench_fail(c, "%s", strerror(errno));
		return -1;
	}
	c->events = events;
	return 0;
}

/* c's socket is ready: the connect finished, or the mode's turn. */
static void
bench_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct bench_connection	*c = arg;
	const struct bench_mode	*mode = c->run->mode;
	socklen_t		 length = sizeof(int);
	int			 error = 0;

	(void)d;
	if (c->connecting) {
		c->connecting = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1)
			error = errno;
		if (error != 0)
			bench_fail(c, "%s", strerror(error));
		else
			mode->connected(c);
		return;
	}
	if ((events & EVENT_WRITE) && mode->writable != NULL)
		mode->writable(c);
	if ((events & EVENT_READ) && mode->readable != NULL && c->fd == fd)
		mode->readable(c);
}

/* Make fd non-blocking, with the mode's socket options; 0 or -1. */
static int
bench_socket_options(const struct bench_mode *mode, int fd)
{
	struct linger	reset = { .l_onoff = 1, .l_linger = 0 };
	int		on = 1;

	if (descriptor_set_nonblocking(fd) == -1 ||
	    descriptor_set_cloexec(fd) == -1)
		return -1;
	if (mode->no_delay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		return -1;
	if (mode->reset_on_close &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)) == -1)
		return -1;
	return 0;
}

/*
 * Start a new connection for c, closing the one it had: a non-blocking
 * socket, connected or connecting to the target (the second one, -q, for
 * a connection of odd index when there is one), watched for writing.
 */
void
bench_connect_to(struct bench_connection *c)
{
	struct bench_run		*run = c->run;
	const struct bench_target	*target = &run->options->target;

	if (run->options->second_port != 0 && c->index % 2 == 1)
		target = &run->options->second_target;

	bench_drop(c);
	c->stamp_usec = monotonic_usec();
	if ((c->fd = socket(target->address.ss_family, SOCK_STREAM, 0)) ==
	    -1) {
		bench_fail(c, "%s", strerror(errno));
		return;
	}
	run->live++;
	c->connecting = 1;
	c->events = EVENT_WRITE;
	if (bench_socket_options(run->mode, c->fd) == -1 ||
	    (connect(c->fd, (const struct sockaddr *)&target->address,
	    target->address_length) == -1 && errno != EINPROGRESS &&
	    errno != EINTR) || dispatcher_watch(run->dispatcher, c->fd,
	    EVENT_WRITE, bench_ready, c) == -1)
		bench_fail(c, "%s", errno == EADDRNOTAVAIL ?
		    "no local port left (TIME_WAIT)" : strerror(errno));
}

/* Fail the open connections, or only those still opening, with reason. */
static void
bench_fail_all(struct bench_run *run, const char *reason, int opening_only)
{
	size_t	i;

	for (i = 0; i < run->started && !run->finished; i++)
		if (run->connections[i].fd != -1 &&
		    (!opening_only || !run->connections[i].settled))
			bench_fail(&run->connections[i], "%s", reason);
}

/* BENCH_OPEN_TIMEOUT_USEC passed: what is not open fails. */
static void
bench_open_timed_out(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct bench_run	*run = arg;

	(void)d;
	(void)timer;
	if (run->started < run->total)
		bench_error("%zu %s connections not even started in time",
		    run->total - run->started, run->mode->name);
	run->total = run->started;
	bench_fail_all(run, "not open in time", 1);
	if (run->opening == 0)
		bench_all_open(run);
}

/* -t is over or a signal came: the end; after the drain time, failures. */
static void
bench_time_up(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct bench_run	*run = arg;

	(void)d;
	(void)timer;
	if (!run->ending) {
		bench_end(run);
		return;
	}
	bench_fail_all(run, "not done within the drain time", 0);
	bench_finish(run);
}

/* SIGINT or SIGTERM: end the measurement (or the drain) now. */
static void
bench_signalled(struct dispatcher *d, int signal_number, void *arg)
{
	struct bench_run	*run = arg;

	(void)signal_number;
	(void)dispatcher_timer_start(d, &run->end, 0, 0);
}

/*
 * End the measurement: the mode stops its connections, which get
 * BENCH_DRAIN_USEC to finish; the run finishes when none is left.  Before
 * the measurement started, the run finishes at once.
 */
void
bench_end(struct bench_run *run)
{
	if (run->finished)
		return;
	if (!run->measuring) {
		bench_finish(run);
		return;
	}
	if (!run->ending) {
		run->ending = 1;
		run->end_usec = monotonic_usec();
		daemon_sample(run, &run->ended);
		dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
		run->total = run->started;
		if (run->mode->end != NULL)
			run->mode->end(run);
		if (run->mode->stop != NULL)
			bench_each(run, run->mode->stop);
		if (!run->finished && run->live > 0)
			(void)dispatcher_timer_start(run->dispatcher, &run->end,
			    BENCH_DRAIN_USEC, 0);
	}
	if (run->live == 0)
		bench_finish(run);
}

/* Stop everything: close what is open; the loop ends. */
static void
bench_finish(struct bench_run *run)
{
	size_t	i;

	if (run->finished)
		return;
	run->finished = 1;
	for (i = 0; i < run->started; i++)
		bench_drop(&run->connections[i]);
	dispatcher_timer_stop(run->dispatcher, &run->open_timeout);
	dispatcher_timer_stop(run->dispatcher, &run->end);
}

/* Make the dispatcher and the run's timers and signals; 0 or -1. */
static int
bench_prepare(struct bench_run *run)
{
	struct dispatcher	*d;

	if ((d = run->dispatcher = dispatcher_create(run->options->backend)) ==
	    NULL) {
		(void)fprintf(stderr, "pforkd-bench: cannot start the %s "
		    "backend: %s\n", run->options->backend, strerror(errno));
		return -1;
	}
	timer_init(&run->open_timeout, bench_open_timed_out, run);
	timer_init(&run->end, bench_time_up, run);
	if (dispatcher_signal(d, SIGINT, bench_signalled, run) == -1 ||
	    dispatcher_signal(d, SIGTERM, bench_signalled, run) == -1 ||
	    dispatcher_timer_start(d, &run->open_timeout,
	    BENCH_OPEN_TIMEOUT_USEC, 0) == -1) {
		(void)fprintf(stderr, "pforkd-bench: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Run the mode of options: open, measure, drain and report.  The exit
 * status: 0, or 1 on any error.  The process exits next: nothing is freed.
 */
int
bench_run(const struct bench_options *options)
{
	static const struct daemon_usage	 unread = { -1, -1 };
	static struct bench_run			 run;
	size_t					 i;

	run.options = options;
	run.mode = options->mode;
	run.total = (size_t)options->connections + run.mode->helpers;
	run.duration_usec = options->duration_usec;
	run.before = run.opened = run.start = run.ended = unread;
	if ((run.connections = calloc(run.total,
	    sizeof(*run.connections))) == NULL) {
		(void)fprintf(stderr, "pforkd-bench: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < run.total; i++) {
		run.connections[i].run = &run;
		run.connections[i].index = i;
		run.connections[i].fd = -1;
		run.connections[i].offset = pattern_start(i);
	}
	if ((run.mode->setup != NULL && run.mode->setup(&run) == -1) ||
	    bench_prepare(&run) == -1 || share_begin(options) == -1)
		return 1;
	daemon_sample(&run, &run.before);
	run.launch_usec = monotonic_usec();
	if (run.mode->measure_at_launch)
		bench_measure(&run);
	bench_fill(&run);
	while (!run.finished)
		if (dispatcher_run_once(run.dispatcher, -1) == -1 &&
		    errno != EINTR) {
			(void)fprintf(stderr, "pforkd-bench: the event loop "
			    "failed: %s\n", strerror(errno));
			return 1;
		}
	run.seconds = bench_seconds(run.start_usec, run.end_usec);
	run.open_seconds = bench_seconds(run.launch_usec, run.open_usec);
	result_begin(&run);
	run.mode->report(&run);
	return result_end(&run);
}
