/*
 * bench_stream.c: the stream mode, throughput both ways.
 *
 * Once every connection is connected, each writes the pattern in writes
 * of -s bytes for as long as the socket takes them, and reads back and
 * checks whatever the echo server returns; no window is imposed beyond the
 * kernel's buffers and the server's own backpressure.  The measurement
 * ends after -t seconds, or once -n bytes are written and back; the figure
 * is the bytes that came back and checked out within it, in MiB (2^20
 * bytes) per second.  At the end each connection shuts down its sending
 * side and reads until the server closes, so every byte written is
 * checked to come back before the run is declared clean.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "event/dispatcher.h"

#define MEBIBYTE	1048576.0

enum stream_state {
	STREAM_WAITING,		/* connected; the measurement has not begun */
	STREAM_STREAMING,	/* writing and reading */
	STREAM_FINISHING	/* all written; reading until the end */
};

static unsigned long long	written, received, received_in_window;

/* Connected: open, but quiet until the measurement starts. */
static void
stream_connected(struct bench_connection *c)
{
	if (bench_want(c, 0) == 0)
		bench_opened(c);
}

/* The measurement starts: c streams. */
static void
stream_start(struct bench_connection *c)
{
	c->state = STREAM_STREAMING;
	(void)bench_want(c, EVENT_READ | EVENT_WRITE);
}

/* Stop writing: shut down the sending side, read until the server closes. */
static void
stream_stop_writing(struct bench_connection *c)
{
	if (c->state != STREAM_STREAMING)
		return;
	c->state = STREAM_FINISHING;
	if (shutdown(c->fd, SHUT_WR) == -1)
		bench_fail(c, "%s", strerror(errno));
	else
		(void)bench_want(c, EVENT_READ);
}

/* Write one more slice of the pattern; after -n bytes, all stop. */
static void
stream_writable(struct bench_connection *c)
{
	unsigned long long	limit = c->run->options->count_limit;
	uint64_t		size = c->run->options->size, before = c->sent;

	if (c->state != STREAM_STREAMING)
		return;
	if (limit != 0 && limit - written < size)
		size = limit - written;
	if (pattern_send(c, size) == -1)
		return;
	written += c->sent - before;
	if (limit != 0 && written >= limit)
		bench_each(c->run, stream_stop_writing);
}

/* Read what came back and check it; the end of the stream must be whole. */
static void
stream_readable(struct bench_connection *c)
{
	struct bench_run	*run = c->run;
	ssize_t			 count;

	if ((count = pattern_receive(c)) == 0) {
		if (c->state != STREAM_FINISHING)
			bench_fail(c, "the server closed the connection");
		else if (c->received != c->sent)
			bench_fail(c, "the stream came back cut short");
		else
			bench_close(c);
		return;
	}
	if (count < 0)
		return;
	received += (unsigned long long)count;
	if (!run->measuring || run->ending)
		return;
	received_in_window += (unsigned long long)count;
	if (run->options->count_limit != 0 &&
	    received_in_window >= run->options->count_limit)
		bench_end(run);
}

/* Stream's figures. */
static void
stream_report(const struct bench_run *run)
{
	(void)printf(" opened=%zu seconds=%.3f bytes=%llu mib_per_second=%.1f "
	    "bytes_written=%llu bytes_verified=%llu", run->open_count,
	    run->seconds, received_in_window, result_rate(run,
	    (double)received_in_window / MEBIBYTE), written, received);
	result_memory(&run->before, &run->opened, run->open_count);
}

const struct bench_mode	bench_stream = {
	.name = "stream",
	.summary = "data both ways as fast as it goes: MiB/s",
	.options = "cns",
	.default_port = 7007,
	.default_connections = 10,
	.default_size = 65536,
	.default_duration_usec = 5 * (uint64_t)1000000,
	.connected = stream_connected,
	.readable = stream_readable,
	.writable = stream_writable,
	.start = stream_start,
	.stop = stream_stop_writing,
	.report = stream_report,
};
