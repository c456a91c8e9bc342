/*
 * bench_poetry.c: the poetry mode, many slow readers of a poetry service.
 *
 * -c clients connect, each opening until its first bytes, and read until
 * the end of the stream, checking every byte against the file of -f.  The
 * service must send that file with the -B and -D given here: chunk k of a
 * client (from 0) is due at the time its connect(2) was called plus k
 * delays, and its lateness is the time the read that completed it
 * returned from the event loop minus that.  A chunk cannot arrive before
 * it is due, as the service starts its clock only once it has accepted
 * the client; an early one would count as 0.
 *
 * The run is measured from the first connect.  Without -t it lasts as
 * long as the poem takes, plus BENCH_OPEN_TIMEOUT_USEC of grace, and a
 * client not done by then is an error.  With -t it stops after that many
 * seconds; clients still reading then are cut off, which is not an error:
 * what they received was checked.  So a long poem can be sampled in a
 * short run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "event/dispatcher.h"
#include "util/buffer.h"

#define POEM_MAX	(16 * 1024 * 1024)	/* as the poetry service */
#define READ_CHUNK	(64 * 1024)

static struct buffer		poem;
static unsigned long long	complete, cut_off, verified;

/* Read the poem of -f; 0, or -1 after printing why. */
static int
poetry_read_poem(const char *path)
{
	ssize_t	count;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		goto failed;
	do {
		if (buffer_reserve(&poem, READ_CHUNK) == -1)
			goto failed;
		if ((count = read(fd, poem.data + poem.length,
		    READ_CHUNK)) > 0)
			poem.length += (size_t)count;
	} while (count > 0 && poem.length < POEM_MAX);
	if (count == -1)
		goto failed;
	(void)close(fd);
	if (poem.length == 0) {
		(void)fprintf(stderr, "pforkd-bench: %s is empty\n", path);
		return -1;
	}
	return 0;
failed:
	(void)fprintf(stderr, "pforkd-bench: %s: %s\n", path, strerror(errno));
	if (fd != -1)
		(void)close(fd);
	return -1;
}

/* Read the poem; without -t, give the run the poem's time plus grace. */
static int
poetry_setup(struct bench_run *run)
{
	const struct bench_options	*options = run->options;
	uint64_t			 chunks;

	if (poetry_read_poem(options->poem_path) == -1)
		return -1;
	if (options->duration_usec == 0) {
		chunks = (poem.length + options->chunk_bytes - 1) /
		    options->chunk_bytes;
		run->duration_usec = chunks * options->delay_usec +
		    BENCH_OPEN_TIMEOUT_USEC;
	}
	return 0;
}

/* Connected: read. */
static void
poetry_connected(struct bench_connection *c)
{
	(void)bench_want(c, EVENT_READ);
}

/* Count the lateness of the chunks that bytes from up to to completed. */
static void
poetry_record_chunks(struct bench_connection *c, uint64_t from, uint64_t to,
    uint64_t now)
{
	const struct bench_options	*options = c->run->options;
	uint64_t			 bytes = options->chunk_bytes;
	uint64_t			 chunk, last, due;

	/* Chunk k ends at byte (k + 1) * bytes, the last one at the end. */
	last = to == poem.length ? (to + bytes - 1) / bytes : to / bytes;
	for (chunk = from / bytes; chunk < last; chunk++) {
		due = c->stamp_usec + chunk * options->delay_usec;
		histogram_record(&c->run->histogram, now > due ? now - due : 0);
	}
}

/* Read what arrived, check it against the poem, time its chunks. */
static void
poetry_readable(struct bench_connection *c)
{
	ssize_t	count;

	count = bench_receive(c, poem.data + c->received,
	    poem.length - c->received);
	if (count == 0 && c->received != poem.length)
		bench_fail(c, "the poem was cut short (after %llu bytes)",
		    (unsigned long long)c->received);
	else if (count == 0) {
		complete++;
		bench_close(c);
	} else if (count > 0) {
		poetry_record_chunks(c, c->received - (uint64_t)count,
		    c->received, dispatcher_now(c->run->dispatcher));
		verified += (unsigned long long)count;
		bench_opened(c);
	}
}

/* The time is up for c: cut off, or an error if it was due to finish. */
static void
poetry_stop(struct bench_connection *c)
{
	if (c->run->options->duration_usec == 0 || c->received == 0) {
		bench_fail(c, "not done in time (after %llu bytes)",
		    (unsigned long long)c->received);
		return;
	}
	cut_off++;
	bench_close(c);
}

/* The run ends: clients it did not start are errors. */
static void
poetry_end(struct bench_run *run)
{
	if (run->started < run->options->connections)
		bench_error("%zu poetry clients never started",
		    run->options->connections - run->started);
}

/* Poetry's figures. */
static void
poetry_report(const struct bench_run *run)
{
	const struct histogram	*lateness = &run->histogram;

	(void)printf(" bytes=%u delay=%.3f seconds=%.3f open_seconds=%.3f "
	    "complete=%llu cut_off=%llu chunks=%llu bytes_verified=%llu "
	    "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", run->options->chunk_bytes,
	    (double)run->options->delay_usec / 1e6, run->seconds,
	    run->open_seconds, complete, cut_off,
	    (unsigned long long)lateness->total, verified,
	    histogram_ms(lateness, 50.0), histogram_ms(lateness, 99.0),
	    (double)lateness->largest / 1000.0);
	result_memory(&run->before, &run->opened, run->open_count);
}

const struct bench_mode	bench_poetry = {
	.name = "poetry",
	.summary = "slow poetry readers: chunk lateness, memory",
	.options = "cBDf",
	.default_port = 10000,
	.default_connections = 1000,
	.measure_at_launch = 1,
	.setup = poetry_setup,
	.connected = poetry_connected,
	.readable = poetry_readable,
	.end = poetry_end,
	.stop = poetry_stop,
	.report = poetry_report,
};
