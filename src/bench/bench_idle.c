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

#include <stdio.h>

#include "bench/bench.h"

enum idle_state {
	IDLE_OPENING,		/* the first round trip, from the connect */
	IDLE_HOLDING,		/* open and quiet */
	IDLE_CHECKING		/* the last round trip */
};

static unsigned long long	checked;

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

/* The hold is over: one more round trip for c. */
static void
idle_check(struct bench_connection *c)
{
	if (c->state != IDLE_HOLDING)
		return;
	c->state = IDLE_CHECKING;
	message_start(c);
}

/* Idle's figures. */
static void
idle_report(const struct bench_run *run)
{
	(void)printf(" opened=%zu open_seconds=%.3f held_seconds=%.3f "
	    "checked=%llu", run->open_count, run->open_seconds, run->seconds,
	    checked);
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
	.connected = message_start,
	.readable = idle_readable,
	.writable = message_send,
	.stop = idle_check,
	.report = idle_report,
};
