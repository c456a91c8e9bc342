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
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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

/* Whether bytes equal the pattern from offset on; any length. */
static int
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

/*
 * Write the next length bytes of c's pattern (at most PATTERN_SLICE_MAX):
 * 0 when all went out, 1 when the socket is full, -1 when c failed.
 */
int
pattern_send(struct bench_connection *c, uint64_t length)
{
	uint64_t	end = c->sent + length;
	ssize_t		count;

	while (c->sent < end) {
		count = write(c->fd, pattern_at(c->offset + c->sent),
		    (size_t)(end - c->sent));
		if (count == -1 && errno == EINTR)
			continue;
		if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (count == -1) {
			bench_fail(c, strerror(errno));
			return -1;
		}
		c->sent += (uint64_t)count;
	}
	return 0;
}

/*
 * Read what came back on c and check it against what was sent: the bytes
 * read, 0 at the end of the stream, -1 when nothing is there or c failed.
 */
ssize_t
pattern_receive(struct bench_connection *c)
{
	ssize_t	count;

	if ((count = bench_read(c, receive_buffer,
	    sizeof(receive_buffer))) <= 0)
		return count;
	if ((uint64_t)count > c->sent - c->received) {
		bench_fail(c, "more bytes came back than were sent");
		return -1;
	}
	if (!pattern_matches(c->offset + c->received, receive_buffer,
	    (size_t)count)) {
		bench_fail(c, "the echo differs from what was sent");
		return -1;
	}
	c->received += (uint64_t)count;
	return count;
}

/* c's next message: -s bytes on from its last one, or from its start. */
void
message_next(struct bench_connection *c)
{
	c->offset = c->size == 0 ? pattern_start(c->index) : c->offset +
	    c->size;
	c->size = c->run->options->size;
	c->sent = 0;
	c->received = 0;
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
