/*
 * bench_pattern.c: the bytes pforkd-bench sends and checks coming back.
 *
 * Offset n of the pattern is a fixed pseudo-random byte, repeating every
 * PATTERN_PERIOD bytes.  Each connection starts at its own offset and goes
 * on from where it left off, so an echo that is lost, reordered, repeated
 * or delivered to the wrong connection does not match.  The period is
 * stored once more than PATTERN_SLICE_MAX bytes long, so the slice at any
 * offset is contiguous: sending is one write(2) from the table, checking
 * one memcmp(3).
 *
 * A message (echo, connect, idle) is size bytes of the pattern from
 * offset; its echo is complete when as many came back.  Reads take what
 * is there, up to a whole buffer, so an echo longer than the message is
 * caught at once instead of being mistaken for the start of the next.
 * The poetry mode checks what it reads against its poem the same way.
 */
#include "config.h"

#include <string.h>

#include "bench/bench.h"
#include "event/dispatcher.h"

#define PATTERN_PERIOD		65521	/* a prime: no size divides it */
#define PATTERN_SLICE_MAX	65536	/* longest slice pattern_at() returns */

static unsigned char	pattern[PATTERN_PERIOD + PATTERN_SLICE_MAX];
static unsigned char	receive_buffer[PATTERN_SLICE_MAX];

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
static const unsigned char *
pattern_at(uint64_t offset)
{
	return pattern + offset % PATTERN_PERIOD;
}

/* Where connection index starts in the pattern: far from its neighbours. */
uint64_t
pattern_start(size_t connection_index)
{
	return (uint64_t)connection_index * 7919 % PATTERN_PERIOD;
}

/*
 * Write the next length bytes of c's pattern (at most PATTERN_SLICE_MAX):
 * 0 when all went out, 1 when the socket took less, -1 when c failed.
 */
int
pattern_send(struct bench_connection *c, uint64_t length)
{
	ssize_t	count;

	count = bench_write(c, pattern_at(c->offset + c->sent), (size_t)length);
	if (count == -1)
		return -1;
	c->sent += (uint64_t)count;
	return (uint64_t)count < length;
}

/*
 * Read what came in on c and check it against expected, of which due
 * bytes at most are still to come: the bytes read, added to c->received;
 * 0 at the end of the stream; -1 when nothing is there or c failed.
 */
ssize_t
bench_receive(struct bench_connection *c, const void *expected, uint64_t due)
{
	ssize_t	count;

	if ((count = bench_read(c, receive_buffer,
	    sizeof(receive_buffer))) <= 0)
		return count;
	if ((uint64_t)count > due)
		bench_fail(c, "more bytes came than were due (after %llu good "
		    "ones)", (unsigned long long)c->received);
	else if (memcmp(expected, receive_buffer, (size_t)count) != 0)
		bench_fail(c, "the bytes differ from those due (after %llu "
		    "good ones)", (unsigned long long)c->received);
	else {
		c->received += (uint64_t)count;
		return count;
	}
	return -1;
}

/* Read what came back on c and check it against what was sent. */
ssize_t
pattern_receive(struct bench_connection *c)
{
	return bench_receive(c, pattern_at(c->offset + c->received),
	    c->sent - c->received);
}

/* Send c's next message: -s bytes of the pattern on from its last one. */
void
message_start(struct bench_connection *c)
{
	c->offset += c->size;
	c->size = c->run->options->size;
	c->sent = 0;
	c->received = 0;
	message_send(c);
}

/* Write what is left of c's message; watch for writing while any is. */
void
message_send(struct bench_connection *c)
{
	int	full;

	if ((full = pattern_send(c, c->size - c->sent)) != -1)
		(void)bench_want(c, full ? EVENT_READ | EVENT_WRITE :
		    EVENT_READ);
}

/* Read c's echo: 1 once all of it is back, else 0 (c may have failed). */
int
message_receive(struct bench_connection *c)
{
	ssize_t	count;

	if ((count = pattern_receive(c)) == 0)
		bench_fail(c, "the server closed the connection");
	return count > 0 && c->received == c->size;
}
