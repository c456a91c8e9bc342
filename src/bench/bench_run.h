/*
 * bench_run.h: the event loop of one run, shared by every mode.
 */
#ifndef PFORKD_BENCH_RUN_H
#define PFORKD_BENCH_RUN_H

#include <stdint.h>

struct bench_options;
struct dispatcher;
struct timer;

struct dispatcher	*bench_dispatcher(const struct bench_options *,
			    struct timer *end_now);
int			 bench_loop(struct dispatcher *, const int *finished);
double			 bench_seconds(uint64_t from_usec, uint64_t to_usec);

#endif /* PFORKD_BENCH_RUN_H */
