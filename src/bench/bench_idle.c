/*
 * bench_idle.c: the idle mode, what an open but quiet connection costs.
 *
 * Each connection opens with one round trip of -s bytes that proves the
 * server accepted it.  All are then held, silent, for -t seconds; a byte
 * or a close from the server meanwhile is an error.  At the end of the
 * hold the daemon's memory is read (-P) and divided by the connections
 * open.  Finally every connection makes one more round trip, which proves
 * the server still serves it, and closes.
 */
#include "config.h"

#include "bench/bench.h"

enum idle_state {
	IDLE_OPENING,		/* the first round trip */
	IDLE_HOLDING,		/* open and quiet */
	IDLE_CHECKING		/* the last round trip */
};

static unsigned long long	checked;

/* Connected: the first round trip. */
static void
idle_connected(struct bench_connection *c)
{
	message_next(c);
	message_send(c);
}

/* A round trip is complete: the first opens c, the last closes it. */
static void
idle_readable(struct bench_connection *c)
{
	if (message_receive(c) != 1)
		return;
	if (c->state == IDLE_OPENING) {
		c->state = IDLE_HOLDING;
		bench_opened(c);
		return;
	}
	checked++;
	bench_close(c);
}

/* The hold is over for c: one more round trip. */
static void
idle_check(struct bench_connection *c)
{
	if (c->state != IDLE_HOLDING)
		return;
	c->state = IDLE_CHECKING;
	message_next(c);
	message_send(c);
}

/* The hold is over: check every connection. */
static void
idle_end(struct bench_run *run)
{
	bench_each(run, idle_check);
}

/* Idle's figures. */
static void
idle_report(const struct bench_run *run)
{
	result_unsigned("opened", run->open_count);
	result_decimal("open_seconds", bench_seconds(run->launch_usec,
	    run->open_usec), 3);
	result_decimal("held_seconds", bench_seconds(run->start_usec,
	    run->end_usec), 3);
	result_unsigned("checked", checked);
	result_memory(&run->before, &run->ended, run->open_count);
}

const struct bench_mode	bench_idle = {
	.name = "idle",
	.summary = "idle echo connections held open: memory",
	.options = "cs",
	.default_port = 7007,
	.default_connections = 1000,
	.default_size = 64,
	.default_duration_usec = 5 * (uint64_t)1000000,
	.connected = idle_connected,
	.readable = idle_readable,
	.writable = message_send,
	.end = idle_end,
	.report = idle_report,
};
