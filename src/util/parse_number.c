/*
 * parse_number.c: strict parsing of durations and counts.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "util/parse_number.h"

/* Parse seconds (fractions allowed, 0 to limit) into microseconds; 0/-1. */
int
parse_seconds(const char *text, double limit, uint64_t *usec)
{
	char	*end;
	double	 seconds;

	errno = 0;
	seconds = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno != 0 ||
	    !isfinite(seconds) || seconds < 0 || seconds > limit)
		return -1;
	*usec = (uint64_t)(seconds * 1000000.0 + 0.5);
	return 0;
}

/* Parse a decimal count from 0 to limit; 0 or -1. */
int
parse_count(const char *text, unsigned long limit, unsigned int *count)
{
	char		*end;
	unsigned long	 value;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end != '\0' || errno != 0 || value > limit)
		return -1;
	*count = (unsigned int)value;
	return 0;
}
