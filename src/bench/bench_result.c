/*
 * bench_result.c: error counting and the result line.
 *
 * The first ERRORS_SHOWN errors are printed as they happen, each on one
 * line on stderr; later ones are only counted, so a server that resets
 * ten thousand connections does not bury the result.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "bench/bench.h"
#include "bench/bench_daemon.h"
#include "bench/bench_result.h"

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
result_begin(const struct bench_options *options, const char *backend)
{
	(void)printf("result mode=%s backend=%s target=%s connections=%u",
	    options->mode->name, backend, options->target.text,
	    options->connections);
	if (options->mode->default_size != 0)
		(void)printf(" size=%u", options->size);
}

/* Add key=value for a count. */
void
result_unsigned(const char *key, unsigned long long value)
{
	(void)printf(" %s=%llu", key, value);
}

/* Add key=value for a measurement, with decimals digits after the point. */
void
result_decimal(const char *key, double value, int decimals)
{
	(void)printf(" %s=%.*f", key, decimals, value);
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
	result_decimal("bytes_per_connection", (double)growth * 1024.0 /
	    (double)connections, 0);
}

/*
 * With -P, add the processor time the daemon used between two samples,
 * as a share of one processor over seconds: 1.00 is one processor busy.
 */
void
result_cpu(const struct daemon_usage *before, const struct daemon_usage *after,
    double seconds)
{
	if (before->cpu_seconds < 0 || after->cpu_seconds < 0 || seconds <= 0)
		return;
	result_decimal("daemon_cpu", (after->cpu_seconds -
	    before->cpu_seconds) / seconds, 2);
}

/* End the line with the error count; the exit status: 0 or 1. */
int
result_end(void)
{
	(void)printf(" errors=%llu\n", error_count);
	(void)fflush(stdout);
	return error_count == 0 ? 0 : 1;
}
