/*
 * bench_pattern.c: the repeating pseudo-random pattern that every message
 * is cut from and every echo is compared with.
 *
 * The period is stored once more than PATTERN_SLICE_MAX bytes long, so the
 * slice at any offset is contiguous: sending is one write(2) from the
 * table, checking one memcmp(3).
 */
#include "config.h"

#include <string.h>

#include "bench/bench_pattern.h"

static unsigned char	pattern[PATTERN_PERIOD + PATTERN_SLICE_MAX];

/* Fill the pattern from a fixed xorshift32 sequence, then its tail. */
void
pattern_init(void)
{
	uint32_t	state = 0x9e3779b9;
	size_t		i;

	for (i = 0; i < PATTERN_PERIOD; i++) {
		state ^= state << 13;
		state ^= state >> 17;
		state ^= state << 5;
		pattern[i] = (unsigned char)(state >> 24);
	}
	/* The slice is longer than the period: copy forwards, byte by byte. */
	for (i = PATTERN_PERIOD; i < sizeof(pattern); i++)
		pattern[i] = pattern[i - PATTERN_PERIOD];
}

/* The pattern from offset on, good for PATTERN_SLICE_MAX bytes. */
const unsigned char *
pattern_at(uint64_t offset)
{
	return pattern + offset % PATTERN_PERIOD;
}

/* Whether bytes equal the pattern from offset on; any length. */
int
pattern_matches(uint64_t offset, const void *bytes, size_t length)
{
	const unsigned char	*next = bytes;
	size_t			 piece;

	while (length > 0) {
		piece = length < PATTERN_SLICE_MAX ? length :
		    PATTERN_SLICE_MAX;
		if (memcmp(pattern_at(offset), next, piece) != 0)
			return 0;
		offset += piece;
		next += piece;
		length -= piece;
	}
	return 1;
}

/* Where connection index starts in the pattern: far from its neighbours. */
uint64_t
pattern_start(size_t connection_index)
{
	return (uint64_t)connection_index * 7919 % PATTERN_PERIOD;
}
