/*
 * bench_poetry.c: the poetry mode, many slow readers of a poetry service.
 *
 * -c clients connect, at most BENCH_OPENING_MAX still waiting for their
 * first bytes at a time, so the listen queue never overflows into SYN
 * retries, and read until EOF, checking every byte against the file of -f.
 * The service must send that file with the -B and -D given here: chunk k
 * of a client (from 0) is due at the time its connect(2) was called plus
 * k delays, and its lateness is the time the read that completed it
 * returned from the event loop minus that.  Every chunk of every client is
 * counted in the histogram of bench_stats.c; p50, p99 and the maximum are
 * reported in milliseconds.  A chunk cannot arrive before it is due, as
 * the service starts its clock only once it has accepted the client; an
 * early one would count as 0.
 *
 * With -P the daemon's memory is read before the first connect and again
 * when every client has had its first chunk, while all are connected.
 *
 * Without -t the run lasts as long as the poem takes, plus
 * BENCH_OPEN_TIMEOUT_USEC of grace, and a client not done by then is an
 * error.  With -t the run stops after that many seconds; clients still
 * reading then are cut off, which is not an error: what they received was
 * checked.  So a long poem can be sampled in a short run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_daemon.h"
#include "bench/bench_result.h"
#include "bench/bench_run.h"
#include "bench/bench_socket.h"
#include "bench/bench_stats.h"
#include "event/dispatcher.h"

#define POEM_MAX	(16 * 1024 * 1024)	/* as the poetry service */
#define READ_CHUNK	(64 * 1024)

enum poetry_phase {
	POETRY_CLOSED,		/* not started yet, or closed */
	POETRY_CONNECTING,	/* connect(2) in progress */
	POETRY_READING		/* connected, reading the poem */
};

struct poetry_run;

/* One slow reader. */
struct poetry_client {
	struct poetry_run	*run;
	int			 fd;
	enum poetry_phase	 phase;
	size_t			 received;
	uint64_t		 started_usec;	/* when connect(2) was called */
};

/* The whole measurement. */
struct poetry_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct poetry_client		*clients;
	struct launcher			 launcher;
	char				*poem;
	size_t				 poem_length;
	size_t				 live;		/* not closed */
	size_t				 with_first_chunk;
	size_t				 complete;
	size_t				 cut_off;
	int				 finished;
	unsigned long long		 bytes_verified;
	struct histogram		 lateness;
	uint64_t			 start_usec;
	uint64_t			 end_usec;
	uint64_t			 all_open_usec;
	struct timer			 end;
	/* -P: the daemon before connecting, once all are open, at the end */
	struct daemon_usage		 before;
	struct daemon_usage		 opened;
	struct daemon_usage		 ended;
};

static char	poetry_buffer[READ_CHUNK];

/* Read the poem of -f; 0, or -1 after printing why. */
static int
poetry_read_poem(struct poetry_run *run, const char *path)
{
	ssize_t	count;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		goto failed;
	if ((run->poem = malloc(POEM_MAX)) == NULL)
		goto failed;
	while ((count = read(fd, run->poem + run->poem_length,
	    POEM_MAX - run->poem_length)) > 0)
		run->poem_length += (size_t)count;
	if (count == -1)
		goto failed;
	(void)close(fd);
	if (run->poem_length == 0) {
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

/* Stop everything; the loop ends. */
static void
poetry_finish(struct poetry_run *run)
{
	size_t	i;

	for (i = 0; i < run->launcher.started; i++) {
		if (run->clients[i].phase == POETRY_CLOSED)
			continue;
		(void)dispatcher_unwatch(run->dispatcher, run->clients[i].fd);
		(void)close(run->clients[i].fd);
		run->clients[i].phase = POETRY_CLOSED;
	}
	run->live = 0;
	dispatcher_timer_stop(run->dispatcher, &run->end);
	run->end_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->ended);
	run->finished = 1;
}

/* Close a client; the run ends with the last one. */
static void
poetry_close(struct poetry_run *run, struct poetry_client *client)
{
	(void)dispatcher_unwatch(run->dispatcher, client->fd);
	(void)close(client->fd);
	if (client->received == 0)
		launcher_opened(&run->launcher);
	client->phase = POETRY_CLOSED;
	run->live--;
	if (run->live == 0 && launcher_done(&run->launcher))
		poetry_finish(run);
}

/* A client failed: count the error and close it. */
static void
poetry_fail(struct poetry_run *run, struct poetry_client *client,
    const char *reason)
{
	bench_error("poetry client %zu: %s (after %zu bytes)",
	    (size_t)(client - run->clients), reason, client->received);
	poetry_close(run, client);
}

/* Count the chunks that bytes from up to to (exclusive) completed. */
static void
poetry_record_chunks(struct poetry_run *run,
    const struct poetry_client *client, size_t from, size_t to,
    uint64_t now)
{
	size_t		chunk, end;
	uint64_t	due;

	for (chunk = from / run->options->chunk_bytes; ; chunk++) {
		end = (chunk + 1) * run->options->chunk_bytes;
		if (end > run->poem_length)
			end = run->poem_length;
		if (end > to)
			break;
		if (end > from) {
			due = client->started_usec + chunk *
			    run->options->delay_usec;
			histogram_record(&run->lateness, now > due ?
			    now - due : 0);
		}
		if (end == run->poem_length)
			break;
	}
}

/* The client's first bytes: it is open; the next client may connect. */
static void
poetry_first_chunk(struct poetry_run *run)
{
	launcher_opened(&run->launcher);
	if (++run->with_first_chunk < run->options->connections)
		return;
	run->all_open_usec = monotonic_usec();
	daemon_sample(run->options->daemon_pid, &run->opened);
}

/* Read what arrived, check it against the poem, time its chunks. */
static void
poetry_read(struct poetry_run *run, struct poetry_client *client)
{
	uint64_t	now;
	ssize_t		count;

	count = read(client->fd, poetry_buffer, sizeof(poetry_buffer));
	if (count == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			poetry_fail(run, client, strerror(errno));
		return;
	}
	if (count == 0) {
		if (client->received != run->poem_length) {
			poetry_fail(run, client, "the poem was cut short");
			return;
		}
		run->complete++;
		poetry_close(run, client);
		return;
	}
	now = dispatcher_now(run->dispatcher);
	if ((size_t)count > run->poem_length - client->received ||
	    memcmp(poetry_buffer, run->poem + client->received,
	    (size_t)count) != 0) {
		poetry_fail(run, client, "the bytes differ from the file");
		return;
	}
	poetry_record_chunks(run, client, client->received,
	    client->received + (size_t)count, now);
	if (client->received == 0)
		poetry_first_chunk(run);
	client->received += (size_t)count;
	run->bytes_verified += (unsigned long long)count;
}

/* A client's socket is ready. */
static void
poetry_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct poetry_client	*client = arg;
	struct poetry_run	*run = client->run;
	int			 error;

	(void)fd;
	(void)events;
	if (client->phase == POETRY_READING) {
		poetry_read(run, client);
		return;
	}
	if ((error = bench_socket_error(client->fd)) != 0) {
		poetry_fail(run, client, strerror(error));
		return;
	}
	client->phase = POETRY_READING;
	if (dispatcher_set_events(d, client->fd, EVENT_READ) == -1)
		poetry_fail(run, client, strerror(errno));
}

/* Connect client index (the launcher's start). */
static void
poetry_start(size_t index, void *arg)
{
	struct poetry_run	*run = arg;
	struct poetry_client	*client = &run->clients[index];

	client->run = run;
	client->started_usec = monotonic_usec();
	if ((client->fd = bench_socket_connect(&run->options->target)) ==
	    -1) {
		bench_error("poetry client %zu: %s", index, strerror(errno));
		launcher_opened(&run->launcher);
		return;
	}
	client->phase = POETRY_CONNECTING;
	run->live++;
	if (dispatcher_watch(run->dispatcher, client->fd, EVENT_WRITE,
	    poetry_ready, client) == -1)
		poetry_fail(run, client, strerror(errno));
}

/* The time is up (or a signal came): what is still reading stops. */
static void
poetry_end(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct poetry_run	*run = arg;
	size_t			 i, never;

	(void)d;
	(void)timer;
	never = run->launcher.total - run->launcher.started;
	if (never > 0)
		bench_error("%zu poetry clients never started", never);
	run->launcher.total = run->launcher.started;
	for (i = 0; i < run->launcher.started; i++) {
		if (run->clients[i].phase == POETRY_CLOSED)
			continue;
		if (run->options->duration_usec == 0 ||
		    run->clients[i].received == 0)
			bench_error("poetry client %zu: not done in time "
			    "(after %zu bytes)", i, run->clients[i].received);
		else
			run->cut_off++;
	}
	poetry_finish(run);
}

/* How long the run may last: -t, or the poem's schedule plus grace. */
static uint64_t
poetry_time_limit(const struct poetry_run *run)
{
	uint64_t	chunks;

	if (run->options->duration_usec != 0)
		return run->options->duration_usec;
	chunks = (run->poem_length + run->options->chunk_bytes - 1) /
	    run->options->chunk_bytes;
	return chunks * run->options->delay_usec + BENCH_OPEN_TIMEOUT_USEC;
}

/* Print the result line; the exit status. */
static int
poetry_report(const struct poetry_run *run)
{
	const struct histogram	*lateness = &run->lateness;

	result_begin(run->options, dispatcher_backend_name(run->dispatcher));
	result_unsigned("bytes", run->options->chunk_bytes);
	result_decimal("delay", (double)run->options->delay_usec / 1e6, 3);
	result_decimal("seconds", bench_seconds(run->start_usec,
	    run->end_usec), 3);
	result_decimal("open_seconds", bench_seconds(run->start_usec,
	    run->all_open_usec), 3);
	result_unsigned("complete", run->complete);
	result_unsigned("cut_off", run->cut_off);
	result_unsigned("chunks", lateness->total);
	result_unsigned("bytes_verified", run->bytes_verified);
	result_decimal("p50_ms", (double)histogram_percentile(lateness,
	    50.0) / 1000.0, 3);
	result_decimal("p99_ms", (double)histogram_percentile(lateness,
	    99.0) / 1000.0, 3);
	result_decimal("max_ms", (double)lateness->largest / 1000.0, 3);
	result_memory(&run->before, &run->opened, run->all_open_usec != 0 ?
	    run->with_first_chunk : 0);
	result_cpu(&run->before, &run->ended, bench_seconds(run->start_usec,
	    run->end_usec));
	return result_end();
}

/* The poetry mode. */
int
bench_poetry_run(const struct bench_options *options)
{
	struct poetry_run	*run;
	int			 status = 1;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->clients = calloc(options->connections,
	    sizeof(*run->clients))) == NULL) {
		bench_error("%s", strerror(errno));
		goto cleanup;
	}
	run->options = options;
	histogram_init(&run->lateness);
	if (poetry_read_poem(run, options->poem_path) == -1)
		goto cleanup;
	timer_init(&run->end, poetry_end, run);
	if ((run->dispatcher = bench_dispatcher(options, &run->end)) == NULL)
		goto cleanup;
	daemon_sample(options->daemon_pid, &run->before);
	run->opened = run->ended = run->before;
	run->opened.rss_kb = -1;	/* unless every client gets a chunk */
	run->start_usec = monotonic_usec();
	if (dispatcher_timer_start(run->dispatcher, &run->end,
	    poetry_time_limit(run), 0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		goto cleanup;
	}
	launcher_init(&run->launcher, options->connections, BENCH_OPENING_MAX,
	    poetry_start, run);
	launcher_fill(&run->launcher);
	if (run->live == 0 && launcher_done(&run->launcher))
		poetry_finish(run);
	if (bench_loop(run->dispatcher, &run->finished) == -1)
		goto cleanup;
	status = poetry_report(run);
cleanup:
	if (run != NULL) {
		if (run->dispatcher != NULL)
			dispatcher_free(run->dispatcher);
		free(run->clients);
		free(run->poem);
	}
	free(run);
	return status;
}
