/*
 * rate_limit_test.c: unit tests of the token buckets behind rate-limit
 * and per-source-rate-limit.  Time is given, never read: no test waits.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "server/rate_limit.h"

#define SECOND	((uint64_t)1000000)

/* count connections pass at once, the next is refused, none switch off. */
static void
test_bucket_allows_count_then_refuses(void **state)
{
	struct rate_bucket	bucket;
	uint64_t		now = 10 * SECOND;
	int			i;

	(void)state;
	memset(&bucket, 0, sizeof(bucket));
	for (i = 0; i < 5; i++)
		assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now), 1);
	assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now), 0);
	assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now + SECOND),
	    0);
	/* One token back after a fifth of the window: one more passes. */
	assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now +
	    12 * SECOND), 1);
	assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now +
	    12 * SECOND), 0);
	/* After a whole idle window the bucket is full again, not fuller. */
	now += 1000 * SECOND;
	for (i = 0; i < 5; i++)
		assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now), 1);
	assert_int_equal(rate_take(&bucket, 5, 60 * SECOND, now), 0);
}

/* A count of 0 means no limit at all. */
static void
test_zero_is_no_limit(void **state)
{
	struct rate_bucket		bucket;
	struct rate_source_table	table = { NULL };
	unsigned char			key[RATE_SOURCE_KEY_SIZE] = { 4, 1 };
	int				i;

	(void)state;
	memset(&bucket, 0, sizeof(bucket));
	for (i = 0; i < 10000; i++) {
		assert_int_equal(rate_take(&bucket, 0, 60 * SECOND, SECOND),
		    1);
		assert_int_equal(rate_take_source(&table, key, 0, SECOND,
		    SECOND), 1);
	}
	assert_null(table.slots);
}

/* Sources have buckets of their own; one source's flood spares another. */
static void
test_sources_are_separate(void **state)
{
	struct rate_source_table	table = { NULL };
	unsigned char			a[RATE_SOURCE_KEY_SIZE] = { 4, 10 };
	unsigned char			b[RATE_SOURCE_KEY_SIZE] = { 4, 11 };
	int				i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(rate_take_source(&table, a, 3, SECOND,
		    SECOND), 1);
	assert_int_equal(rate_take_source(&table, a, 3, SECOND, SECOND), 0);
	assert_int_equal(rate_take_source(&table, b, 3, SECOND, SECOND), 1);
	assert_int_equal(rate_take_source(&table, a, 3, SECOND,
	    2 * SECOND + 1), 1);
	rate_source_table_free(&table);
}

/*
 * Far more sources than slots: the table never grows, a new source
 * always gets a bucket (the one idle longest), and a source that keeps
 * coming is still limited.
 */
static void
test_many_sources(void **state)
{
	struct rate_source_table	table = { NULL };
	unsigned char			key[RATE_SOURCE_KEY_SIZE];
	unsigned char			hot[RATE_SOURCE_KEY_SIZE] = { 6, 0xfe };
	uint32_t			i;
	int				refused = 0;

	(void)state;
	for (i = 0; i < 10 * RATE_SOURCE_SLOTS; i++) {
		memset(key, 0, sizeof(key));
		key[0] = 4;
		(void)memcpy(key + 1, &i, sizeof(i));
		assert_int_equal(rate_take_source(&table, key, 1, 60 * SECOND,
		    SECOND + i), 1);
		if (rate_take_source(&table, hot, 2, 60 * SECOND,
		    SECOND + i) == 0)
			refused++;
	}
	/* The hot source is found again each time, so it stays limited. */
	assert_true(refused > 10 * RATE_SOURCE_SLOTS - 10);
	rate_source_table_free(&table);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_allows_count_then_refuses),
		cmocka_unit_test(test_zero_is_no_limit),
		cmocka_unit_test(test_sources_are_separate),
		cmocka_unit_test(test_many_sources),
	};

	return cmocka_run_group_tests_name("rate_limit", tests, NULL, NULL);
}
