/*
 * bench_modes.c: the table of pforkd-bench's workloads.
 *
 * To add a mode: write bench_MODE.c with int
 * bench_MODE_run(const struct bench_options *), declare it in bench.h and
 * add its line here; bench_main.c, -h and the option checks follow.
 */
#include "config.h"

#include <stddef.h>

#include "bench/bench.h"

#define SECONDS(n)	((uint64_t)(n) * 1000000)

const struct bench_mode	bench_modes[] = {
	{
		.name = "echo",
		.summary = "ping-pong: round trips/s and latency percentiles",
		.options = "cns",
		.default_port = 7007,
		.default_connections = 100,
		.default_size = 64,
		.default_duration_usec = SECONDS(5),
		.run = bench_echo_run,
	},
	{
		.name = "connect",
		.summary = "connect, one round trip, close: connections/s",
		.options = "cns",
		.default_port = 7007,
		.default_connections = 50,
		.default_size = 64,
		.default_duration_usec = SECONDS(5),
		.run = bench_connect_run,
	},
	{
		.name = "stream",
		.summary = "data both ways as fast as it goes: MiB/s",
		.options = "cns",
		.default_port = 7007,
		.default_connections = 10,
		.default_size = 65536,
		.default_duration_usec = SECONDS(5),
		.run = bench_stream_run,
	},
	{
		.name = "poetry",
		.summary = "slow poetry readers: chunk lateness, memory",
		.options = "cBDf",
		.default_port = 10000,
		.default_connections = 1000,
		.default_size = 0,
		.default_duration_usec = 0,
		.run = bench_poetry_run,
	},
	{
		.name = "idle",
		.summary = "idle echo connections held open: memory",
		.options = "cs",
		.default_port = 7007,
		.default_connections = 1000,
		.default_size = 64,
		.default_duration_usec = SECONDS(5),
		.run = bench_idle_run,
	},
	{
		.name = "chat",
		.summary = "waiting long polls and a poster: fan-out latency",
		.options = "cn",
		.default_port = 8888,
		.default_connections = 1000,
		.default_size = 0,
		.default_duration_usec = SECONDS(60),
		.run = bench_chat_run,
	},
	{ .name = NULL }
};
