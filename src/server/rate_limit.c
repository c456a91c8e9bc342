/*
 * rate_limit.c: token buckets for connections per time window.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "server/rate_limit.h"

#define PROBES	8	/* slots looked at per source */

/* Refill bucket for the time since its last use, up to count. */
static void
refill(struct rate_bucket *bucket, unsigned int count, uint64_t window_usec,
    uint64_t now_usec)
{
	double	gained;

	if (bucket->updated_usec == 0 || now_usec < bucket->updated_usec) {
		bucket->tokens = count;
	} else {
		gained = (double)(now_usec - bucket->updated_usec) * count /
		    (double)window_usec;
		bucket->tokens += gained;
		if (bucket->tokens > count)
			bucket->tokens = count;
	}
	bucket->updated_usec = now_usec;
}

/* Take a token for a connection at now; 1, or 0 when refused. */
int
rate_take(struct rate_bucket *bucket, unsigned int count,
    uint64_t window_usec, uint64_t now_usec)
{
	if (count == 0 || window_usec == 0)
		return 1;
	if (now_usec == 0)
		now_usec = 1;	/* 0 marks an unused bucket */
	refill(bucket, count, window_usec, now_usec);
	if (bucket->tokens < 1.0)
		return 0;
	bucket->tokens -= 1.0;
	return 1;
}

/* FNV-1a over a source key: where its probe sequence starts. */
static size_t
key_hash(const unsigned char key[RATE_SOURCE_KEY_SIZE])
{
	uint32_t	hash = 2166136261u;
	size_t		i;

	for (i = 0; i < RATE_SOURCE_KEY_SIZE; i++) {
		hash ^= key[i];
		hash *= 16777619u;
	}
	return hash % RATE_SOURCE_SLOTS;
}

/* The slot of key: its own, a free one, or the one idle longest. */
static struct rate_source *
find_slot(struct rate_source_table *table,
    const unsigned char key[RATE_SOURCE_KEY_SIZE])
{
	struct rate_source	*slot, *oldest = NULL;
	size_t			 start = key_hash(key), i;

	for (i = 0; i < PROBES; i++) {
		slot = &table->slots[(start + i) % RATE_SOURCE_SLOTS];
		if (slot->bucket.updated_usec != 0 &&
		    memcmp(slot->key, key, RATE_SOURCE_KEY_SIZE) == 0)
			return slot;
		if (oldest == NULL || slot->bucket.updated_usec <
		    oldest->bucket.updated_usec)
			oldest = slot;
	}
	memcpy(oldest->key, key, RATE_SOURCE_KEY_SIZE);
	oldest->bucket.updated_usec = 0;
	return oldest;
}

/* Take a token from key's bucket; 1, or 0 when refused (or no memory). */
int
rate_take_source(struct rate_source_table *table,
    const unsigned char key[RATE_SOURCE_KEY_SIZE], unsigned int count,
    uint64_t window_usec, uint64_t now_usec)
{
	if (count == 0 || window_usec == 0)
		return 1;
	if (table->slots == NULL &&
	    (table->slots = calloc(RATE_SOURCE_SLOTS,
	    sizeof(*table->slots))) == NULL)
		return 0;
	return rate_take(&find_slot(table, key)->bucket, count, window_usec,
	    now_usec);
}

/* Give back the token just taken from key's bucket, up to count. */
void
rate_refund_source(struct rate_source_table *table,
    const unsigned char key[RATE_SOURCE_KEY_SIZE], unsigned int count)
{
	struct rate_source	*slot;

	if (table->slots == NULL || count == 0)
		return;
	slot = find_slot(table, key);
	if (slot->bucket.updated_usec != 0 && slot->bucket.tokens + 1.0 <=
	    count)
		slot->bucket.tokens += 1.0;
}

/* Free the table's slots. */
void
rate_source_table_free(struct rate_source_table *table)
{
	free(table->slots);
	table->slots = NULL;
}
