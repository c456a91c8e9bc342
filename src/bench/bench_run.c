/*
 * bench_run.c: the dispatcher every mode runs on, on the backend of -b,
 * and the loop that runs it until the mode says it has finished.
 *
 * SIGINT and SIGTERM end the measurement early rather than kill the tool:
 * they fire the mode's end timer at once, so the mode drains and still
 * prints its result line, for the time that did pass.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_run.h"
#include "event/dispatcher.h"

/* SIGINT or SIGTERM: end the measurement now. */
static void
end_now_signal(struct dispatcher *d, int signal_number, void *arg)
{
	struct timer	*end_now = arg;

	(void)signal_number;
	(void)dispatcher_timer_start(d, end_now, 0, 0);
}

/*
 * Create the dispatcher of a run, with SIGINT and SIGTERM firing end_now;
 * NULL after printing why.
 */
struct dispatcher *
bench_dispatcher(const struct bench_options *options, struct timer *end_now)
{
	struct dispatcher	*d;

	if ((d = dispatcher_create(options->backend)) == NULL) {
		(void)fprintf(stderr, "pforkd-bench: cannot start the %s "
		    "backend: %s\n", options->backend != NULL ?
		    options->backend : "default", strerror(errno));
		return NULL;
	}
	if (dispatcher_signal(d, SIGINT, end_now_signal, end_now) == -1 ||
	    dispatcher_signal(d, SIGTERM, end_now_signal, end_now) == -1) {
		(void)fprintf(stderr, "pforkd-bench: cannot catch signals: "
		    "%s\n", strerror(errno));
		dispatcher_free(d);
		return NULL;
	}
	return d;
}

/* Run d until *finished; 0, or -1 after printing why the loop failed. */
int
bench_loop(struct dispatcher *d, const int *finished)
{
	while (!*finished)
		if (dispatcher_run_once(d, -1) == -1 && errno != EINTR) {
			(void)fprintf(stderr, "pforkd-bench: the event loop "
			    "failed: %s\n", strerror(errno));
			return -1;
		}
	return 0;
}

/* Microseconds from one time to a later one, as seconds. */
double
bench_seconds(uint64_t from_usec, uint64_t to_usec)
{
	return to_usec > from_usec ? (double)(to_usec - from_usec) / 1e6 : 0.0;
}
