/*
 * bench_stats.c: latency percentiles from a log-linear histogram.
 *
 * Samples are not kept: each is counted in a bucket.  Values below 128 get
 * a bucket each; above, every power of two is split into 64 equal buckets,
 * so a percentile is reported with an error of at most 1/64 (1.6%) of its
 * value, from 30 KiB of counters however many samples there are.  The value
 * reported is the top of its bucket (never below the truth), capped by the
 * largest sample, which is kept exactly.
 *
 * A value v at or above 2 * HISTOGRAM_SUB_BUCKETS is shifted right by the
 * smallest s that leaves a number below that, which is then at least
 * HISTOGRAM_SUB_BUCKETS: its place within the power of two.  Its bucket is
 * s * HISTOGRAM_SUB_BUCKETS plus that number, so buckets follow each other
 * without gaps: 127 is bucket 127, 128 and 129 share bucket 128, and so on.
 */
#include "config.h"

#include <math.h>

#include "bench/bench.h"

/* The shift that brings value below 2 * HISTOGRAM_SUB_BUCKETS. */
static unsigned int
bucket_shift(uint64_t value)
{
	unsigned int	shift = 0;

	while (value >> shift >= 2 * HISTOGRAM_SUB_BUCKETS)
		shift++;
	return shift;
}

/* The bucket that counts value. */
static size_t
bucket_of(uint64_t value)
{
	unsigned int	shift = bucket_shift(value);

	return (size_t)shift * HISTOGRAM_SUB_BUCKETS + (size_t)(value >> shift);
}

/* The largest value that falls in bucket. */
static uint64_t
bucket_top(size_t bucket)
{
	unsigned int	shift = 0;

	if (bucket >= 2 * HISTOGRAM_SUB_BUCKETS)
		shift = (unsigned int)(bucket / HISTOGRAM_SUB_BUCKETS) - 1;
	return ((uint64_t)(bucket - shift * HISTOGRAM_SUB_BUCKETS) << shift) +
	    (((uint64_t)1 << shift) - 1);
}

/* Count one sample. */
void
histogram_record(struct histogram *histogram, uint64_t value)
{
	histogram->counts[bucket_of(value)]++;
	if (value > histogram->largest)
		histogram->largest = value;
	histogram->total++;
}

/*
 * The value at percent (above 0, up to 100): the top of the bucket holding
 * the sample of that rank (the nearest rank above), never above the
 * largest sample; 0 when empty.
 */
uint64_t
histogram_percentile(const struct histogram *histogram, double percent)
{
	uint64_t	rank, seen = 0, top;
	size_t		bucket;

	if (histogram->total == 0)
		return 0;
	rank = (uint64_t)ceil(percent / 100.0 * (double)histogram->total);
	if (rank > histogram->total)
		rank = histogram->total;
	for (bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
		seen += histogram->counts[bucket];
		if (seen >= rank)
			break;
	}
	top = bucket_top(bucket);
	return top < histogram->largest ? top : histogram->largest;
}

/* The value at percent, microseconds shown as milliseconds. */
double
histogram_ms(const struct histogram *histogram, double percent)
{
	return (double)histogram_percentile(histogram, percent) / 1000.0;
}
