/*
 * protocol_clock.c: the wall clock of the daytime and time protocols.
 *
 * Test hook: when the environment variable PFORKD_TEST_CLOCK holds a whole
 * number of seconds since the Unix epoch (optionally negative), the clock
 * is frozen at that instant.  The integration tests use it to check exact
 * replies and the 2036 wrap of the time protocol.  Anything else in the
 * variable is ignored and the real clock is used.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "protocols/protocol_clock.h"

/* Parse PFORKD_TEST_CLOCK into when; 0, or -1 when unset or invalid. */
static int
test_clock(time_t *when)
{
	const char	*text = getenv("PFORKD_TEST_CLOCK");
	char		*end;
	long long	 seconds;

	if (text == NULL || text[0] == '\0')
		return -1;
	errno = 0;
	seconds = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*when = (time_t)seconds;
	/* A 32-bit time_t cannot hold every value: refuse, do not wrap. */
	if ((long long)*when != seconds)
		return -1;
	return 0;
}

/* The current time in seconds since the epoch, or the test clock. */
time_t
protocol_clock_now(void)
{
	time_t	when;

	if (test_clock(&when) == 0)
		return when;
	return time(NULL);
}
