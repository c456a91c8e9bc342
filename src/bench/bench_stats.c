/*
 * bench_stats.c: latency percentiles from a log-linear histogram.
 *
 * Samples are not kept: each is counted in a bucket.  Values below 128 get
 * a bucket each; above, every power of two is split into 64 equal buckets,
 * so a percentile is reported with an error of at most 1/64 (1.6%) of its
 * value, from 30 KiB of counters however many samples there are.  The value
 * reported is the top of its bucket (never below the truth), capped by the
 * largest sample, which is kept exactly like the smallest.
 *
 * A value v at or above 2 * HISTOGRAM_SUB_BUCKETS has its highest set bit
 * at position p; shifting it right by p - HISTOGRAM_SUB_BUCKET_BITS leaves
 * a number from HISTOGRAM_SUB_BUCKETS to 2 * HISTOGRAM_SUB_BUCKETS - 1, its
 * place within the power of two.  Buckets follow each other without gaps:
 * 127 is bucket 127, 128 and 129 share bucket 128, and so on.
 */
#include "config.h"

#include <string.h>

#include "bench/bench.h"

/* The position of the highest set bit of a nonzero value. */
static unsigned int
highest_bit(uint64_t value)
{
	unsigned int	position = 0;

	while (value >>= 1)
		position++;
	return position;
}

/* The shift that brings value into [SUB_BUCKETS, 2 * SUB_BUCKETS). */
static unsigned int
bucket_shift(uint64_t value)
{
	if (value < 2 * HISTOGRAM_SUB_BUCKETS)
		return 0;
	return highest_bit(value) - HISTOGRAM_SUB_BUCKET_BITS;
}

/* The bucket that counts value. */
static size_t
bucket_of(uint64_t value)
{
	unsigned int	shift = bucket_shift(value);

	if (shift == 0)
		return (size_t)value;
	return (size_t)(shift + 1) * HISTOGRAM_SUB_BUCKETS +
	    (size_t)((value >> shift) - HISTOGRAM_SUB_BUCKETS);
}

/* The largest value that falls in bucket. */
static uint64_t
bucket_top(size_t bucket)
{
	unsigned int	shift;
	uint64_t	lowest;

	if (bucket < 2 * HISTOGRAM_SUB_BUCKETS)
		return bucket;
	shift = (unsigned int)(bucket / HISTOGRAM_SUB_BUCKETS) - 1;
	lowest = (uint64_t)(bucket % HISTOGRAM_SUB_BUCKETS +
	    HISTOGRAM_SUB_BUCKETS) << shift;
	return lowest + (((uint64_t)1 << shift) - 1);
}

/* Count one sample. */
void
histogram_record(struct histogram *histogram, uint64_t value)
{
	histogram->counts[bucket_of(value)]++;
	if (histogram->total == 0 || value < histogram->smallest)
		histogram->smallest = value;
	if (value > histogram->largest)
		histogram->largest = value;
	histogram->total++;
}

/*
 * The value at percent (0 to 100): the top of the bucket holding the
 * sample of that rank, never above the largest sample; 0 when empty.
 */
uint64_t
histogram_percentile(const struct histogram *histogram, double percent)
{
	uint64_t	rank, seen = 0, top;
	size_t		bucket;

	if (histogram->total == 0)
		return 0;
	if (percent <= 0.0)
		return histogram->smallest;
	rank = (uint64_t)(percent / 100.0 * (double)histogram->total);
	if ((double)rank < percent / 100.0 * (double)histogram->total)
		rank++;		/* the nearest rank above, as a ceiling */
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
