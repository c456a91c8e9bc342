/*
 * bench_result.c: what a run tells: problems on stderr as they happen,
 * and at the end one machine-readable line on stdout, for example
 *
 *	result mode=echo backend=epoll connections=100 size=64 seconds=5.000
 *	    round_trips=123456 rate=24691.2 p50_us=40 ... errors=0
 *
 * (one line): "result", then key=value pairs separated by single spaces,
 * values without spaces, "errors" last.  The first ERRORS_SHOWN errors are
 * printed in full; later ones are only counted, so a server that resets
 * ten thousand connections does not bury the result.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "bench/bench.h"

#define ERRORS_SHOWN	10

static unsigned long long	error_count;

/* Count an error and show it if it is one of the first few. */
void
bench_error(const char *format, ...)
{
	va_list	arguments;

	if (error_count++ >= ERRORS_SHOWN) {
		if (error_count == ERRORS_SHOWN + 1)
			(void)fprintf(stderr, "pforkd-bench: more errors; "
			    "only counting them from now on\n");
		return;
	}
	va_start(arguments, format);
	(void)fprintf(stderr, "pforkd-bench: ");
	(void)vfprintf(stderr, format, arguments);
	(void)fprintf(stderr, "\n");
	va_end(arguments);
}

/* The errors so far. */
unsigned long long
bench_error_count(void)
{
	return error_count;
}

/* Start the result line with the fields every mode has. */
void
result_begin(const struct bench_run *run)
{
	const struct bench_options	*options = run->options;

	(void)printf("result mode=%s backend=%s target=%s connections=%u",
	    run->mode->name, dispatcher_backend_name(run->dispatcher),
	    options->target.text, options->connections);
	if (run->mode->default_size != 0)
		(void)printf(" size=%u", options->size);
}

/* amount per second of the measurement; 0 when no time passed. */
double
result_rate(const struct bench_run *run, double amount)
{
	return run->seconds > 0 ? amount / run->seconds : 0.0;
}

/* Add the percentiles and the maximum of latencies in microseconds. */
void
result_latency_us(const struct histogram *latency)
{
	(void)printf(" p50_us=%llu p99_us=%llu p999_us=%llu max_us=%llu",
	    (unsigned long long)histogram_percentile(latency, 50.0),
	    (unsigned long long)histogram_percentile(latency, 99.0),
	    (unsigned long long)histogram_percentile(latency, 99.9),
	    (unsigned long long)latency->largest);
}

/*
 * With -P, add the daemon's RSS before and after, and when connections is
 * not 0 the growth per connection in bytes (negative growth shows as 0).
 * Samples of -1 were not taken: without -P nothing is added.
 */
void
result_memory(const struct daemon_usage *before,
    const struct daemon_usage *after, unsigned long long connections)
{
	long	growth;

	if (before->rss_kb < 0)
		return;
	(void)printf(" rss_before_kb=%ld", before->rss_kb);
	if (after->rss_kb < 0)
		return;
	(void)printf(" rss_after_kb=%ld", after->rss_kb);
	if (connections == 0)
		return;
	growth = after->rss_kb > before->rss_kb ? after->rss_kb -
	    before->rss_kb : 0;
	(void)printf(" bytes_per_connection=%.0f", (double)growth * 1024.0 /
	    (double)connections);
}

/*
 * End the line: with -P the daemon's processor time over the measurement,
 * as a share of one processor (1.00 is one processor busy), then the
 * error count.  The exit status: 0 or 1.
 */
int
result_end(const struct bench_run *run)
{
	if (run->start.cpu_seconds >= 0 && run->ended.cpu_seconds >= 0 &&
	    run->seconds > 0)
		(void)printf(" daemon_cpu=%.2f", result_rate(run,
		    run->ended.cpu_seconds - run->start.cpu_seconds));
	share_report(run);
	(void)printf(" errors=%llu\n", error_count);
	(void)fflush(stdout);
	return error_count == 0 ? 0 : 1;
}
