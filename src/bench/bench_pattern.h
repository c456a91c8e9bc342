/*
 * bench_pattern.h: the bytes pforkd-bench sends, so that every byte that
 * comes back can be checked.
 *
 * Offset n of the pattern is a fixed pseudo-random byte, repeating every
 * PATTERN_PERIOD bytes.  Each connection starts at its own offset and goes
 * on from where its last message ended, so an echo that is lost, reordered,
 * repeated or delivered to the wrong connection does not match.
 */
#ifndef PFORKD_BENCH_PATTERN_H
#define PFORKD_BENCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_PERIOD		65521	/* a prime: no size divides it */
#define PATTERN_SLICE_MAX	65536	/* longest slice pattern_at() returns */

void			 pattern_init(void);
const unsigned char	*pattern_at(uint64_t offset);
int			 pattern_matches(uint64_t offset, const void *bytes,
			    size_t length);
uint64_t		 pattern_start(size_t connection_index);

#endif /* PFORKD_BENCH_PATTERN_H */
