/*
 * bench_connect.c: the connect mode, the rate of new connections.
 *
 * -c loops run side by side, measured from the first connect; each
 * connects, sends one message of -s bytes (the loop's pattern goes on from
 * one connection to the next), checks its echo, closes and starts over,
 * until -t passes or -n connections have been started; connections under
 * way then are finished and checked but not counted.  A loop whose
 * connection fails stops, so a server that is down ends the run at once,
 * with errors.  The latency is the whole cycle, connect(2) to the echo.
 *
 * The client closes with a reset (SO_LINGER of 0), which leaves no
 * TIME_WAIT state behind.  An orderly close would leave one on the client
 * for every connection, each holding a local port: Linux lets a loopback
 * connect reuse such a port only after a second or two, so its 28,232
 * ephemeral ports (32768 to 60999) would cap the rate near 14,000
 * connections per second whatever the server does.  The server sees the
 * reset on its next read, where it would have seen the end of file.
 */
#include "config.h"

#include <stdio.h>

#include "bench/bench.h"
#include "event/dispatcher.h"

static unsigned long long	restarts, completed;

/* No more than -n connections: so many loops, at most. */
static int
connect_setup(struct bench_run *run)
{
	unsigned long long	limit = run->options->count_limit;

	if (limit != 0 && limit < run->total)
		run->total = (size_t)limit;
	return 0;
}

/*
 * The echo is back: count the connection, close it and start the next,
 * unless the loops started and to start make -n.
 */
static void
connect_readable(struct bench_connection *c)
{
	struct bench_run	*run = c->run;
	unsigned long long	 limit = run->options->count_limit;

	if (message_receive(c) != 1)
		return;
	if (!run->ending) {
		completed++;
		histogram_record(&run->histogram,
		    monotonic_usec() - c->stamp_usec);
	}
	bench_opened(c);
	if (run->ending || (limit != 0 && run->total + restarts >= limit)) {
		bench_close(c);
		return;
	}
	restarts++;
	bench_connect_to(c);
}

/* Connect's figures. */
static void
connect_report(const struct bench_run *run)
{
	(void)printf(" seconds=%.3f completed=%llu rate=%.1f", run->seconds,
	    completed, result_rate(run, (double)completed));
	result_latency_us(&run->histogram);
	result_memory(&run->before, &run->ended, 0);
}

const struct bench_mode	bench_connect = {
	.name = "connect",
	.summary = "connect, one round trip, close: connections/s",
	.options = "cns",
	.default_port = 7007,
	.default_connections = 50,
	.default_size = 64,
	.default_duration_usec = 5 * (uint64_t)1000000,
	.measure_at_launch = 1,
	.reset_on_close = 1,
	.setup = connect_setup,
	.connected = message_start,
	.readable = connect_readable,
	.writable = message_send,
	.report = connect_report,
};
