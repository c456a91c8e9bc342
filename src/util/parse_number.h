/*
 * parse_number.h: strict parsing of the numbers options take.
 *
 * The daemon, get-poetry and pforkd-bench read durations and counts the
 * same way: the whole text must be a number within range, or it is
 * refused.
 */
#ifndef PFORKD_PARSE_NUMBER_H
#define PFORKD_PARSE_NUMBER_H

#include <stdint.h>

int	parse_seconds(const char *text, double limit, uint64_t *usec);
int	parse_count(const char *text, unsigned long limit,
	    unsigned int *count);

#endif /* PFORKD_PARSE_NUMBER_H */
