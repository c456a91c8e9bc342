/*
 * bench_stats.h: latency percentiles from a log-linear histogram.
 *
 * Samples are not kept: each is counted in a bucket.  Values below 128 get
 * a bucket each; above, every power of two is split into 64 equal buckets,
 * so a percentile is reported with an error of at most 1/64 (1.6%) of its
 * value, from 30 KiB of counters however many samples there are.  The value
 * reported is the top of its bucket (never below the truth), capped by the
 * largest sample, which is kept exactly like the smallest.
 */
#ifndef PFORKD_BENCH_STATS_H
#define PFORKD_BENCH_STATS_H

#include <stdint.h>

#define HISTOGRAM_SUB_BUCKET_BITS	6
#define HISTOGRAM_SUB_BUCKETS		(1 << HISTOGRAM_SUB_BUCKET_BITS)
#define HISTOGRAM_BUCKETS \
	((64 - HISTOGRAM_SUB_BUCKET_BITS + 1) * HISTOGRAM_SUB_BUCKETS)

struct histogram {
	uint64_t	counts[HISTOGRAM_BUCKETS];
	uint64_t	total;
	uint64_t	smallest;
	uint64_t	largest;
};

void		histogram_init(struct histogram *);
void		histogram_record(struct histogram *, uint64_t value);
uint64_t	histogram_percentile(const struct histogram *, double percent);

#endif /* PFORKD_BENCH_STATS_H */
