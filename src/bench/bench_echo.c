/*
 * bench_echo.c: the echo mode, ping-pong.
 *
 * Each connection opens with one unmeasured round trip that proves the
 * server accepted it.  Then each sends a message of -s bytes and waits for
 * all of its echo before it sends the next, so each has one message in
 * flight, until -t passes or -n round trips are back; messages still in
 * flight are then awaited and checked, but no longer counted.  Latency
 * runs from the write of a message to the read that completes its echo.
 */
#include "config.h"

#include <stdio.h>

#include "bench/bench.h"
#include "event/dispatcher.h"

enum echo_state {
	ECHO_WAITING,		/* open (the first, 0); no message out */
	ECHO_IN_FLIGHT		/* a measured message awaits its echo */
};

static unsigned long long	issued, round_trips;

/* Send c's next message, if -n allows another: a measured one. */
static void
echo_send_next(struct bench_connection *c)
{
	unsigned long long	limit = c->run->options->count_limit;

	if (c->state != ECHO_WAITING || (limit != 0 && issued >= limit))
		return;
	issued++;
	c->state = ECHO_IN_FLIGHT;
	c->stamp_usec = monotonic_usec();
	message_start(c);
}

/* An echo is back: count it, send the next; the last of -n ends it all. */
static void
echo_readable(struct bench_connection *c)
{
	struct bench_run	*run = c->run;
	unsigned long long	 limit = run->options->count_limit;

	if (message_receive(c) != 1)
		return;
	if (c->state != ECHO_IN_FLIGHT) {
		bench_opened(c);
		return;
	}
	c->state = ECHO_WAITING;
	if (run->ending) {
		bench_close(c);
		return;
	}
	histogram_record(&run->histogram, monotonic_usec() - c->stamp_usec);
	if (++round_trips == limit)
		bench_end(run);
	else
		echo_send_next(c);
}

/* The measurement ends: close c unless its echo is still awaited. */
static void
echo_close_waiting(struct bench_connection *c)
{
	if (c->state == ECHO_WAITING)
		bench_close(c);
}

/* Echo's figures. */
static void
echo_report(const struct bench_run *run)
{
	(void)printf(" opened=%zu seconds=%.3f round_trips=%llu rate=%.1f",
	    run->open_count, run->seconds, round_trips,
	    result_rate(run, (double)round_trips));
	result_latency_us(&run->histogram);
	result_memory(&run->before, &run->opened, run->open_count);
}

const struct bench_mode	bench_echo = {
	.name = "echo",
	.summary = "ping-pong: round trips/s and latency percentiles",
	.options = "cns",
	.default_port = 7007,
	.default_connections = 100,
	.default_size = 64,
	.default_duration_usec = 5 * (uint64_t)1000000,
	.no_delay = 1,
	.connected = message_start,
	.readable = echo_readable,
	.writable = message_send,
	.start = echo_send_next,
	.stop = echo_close_waiting,
	.report = echo_report,
};
