/*
 * chargen.c: the character generator protocol (RFC 864) over TCP.
 *
 * Line n is the 72 characters that start at offset n mod 95 in the ring
 * of printable ASCII (0x20..0x7E), then CR LF.  The stream repeats every
 * 95 lines (CHARGEN_PERIOD bytes), so one period plus one write's worth is
 * generated once per process, and every connection writes straight from
 * it: a connection's whole state is its offset within the period.
 *
 * Flow control is the socket's: pforkd writes only when the kernel says
 * the socket is writable and never queues what it did not take, so a peer
 * that stops reading costs nothing but its socket buffers, and the send
 * timeout (no byte taken for that long) ends it.  Input is read and
 * dropped so that a peer that sends cannot stall itself; its EOF ends the
 * connection.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "event/dispatcher.h"
#include "protocols/chargen.h"
#include "protocols/protocol_table.h"

#define CHARGEN_WRITE_CHUNK	(16 * 1024)
#define CHARGEN_READ_CHUNK	(4 * 1024)

struct chargen_state {
	size_t	offset;		/* next byte, within one period */
};

static char	chargen_stream[CHARGEN_PERIOD + CHARGEN_WRITE_CHUNK];
static int	chargen_stream_ready;
static char	chargen_input[CHARGEN_READ_CHUNK];

/* The byte at column of line (line < CHARGEN_RING). */
static char
chargen_byte(unsigned int line, unsigned int column)
{
	if (column < CHARGEN_LINE_CHARS)
		return (char)(0x20 + (line + column) % CHARGEN_RING);
	return column == CHARGEN_LINE_CHARS ? '\r' : '\n';
}

/* Write length bytes of the stream, from byte offset on, into buffer. */
size_t
chargen_fill(uint64_t offset, char *buffer, size_t length)
{
	unsigned int	line, column;
	size_t		i;

	line = (unsigned int)(offset / CHARGEN_LINE_BYTES % CHARGEN_RING);
	column = (unsigned int)(offset % CHARGEN_LINE_BYTES);
	for (i = 0; i < length; i++) {
		buffer[i] = chargen_byte(line, column);
		if (++column == CHARGEN_LINE_BYTES) {
			column = 0;
			if (++line == CHARGEN_RING)
				line = 0;
		}
	}
	return length;
}

/* Read and drop input; NULL, or why the connection ends. */
static const char *
chargen_receive(struct connection *connection)
{
	ssize_t	received;

	received = connection_read(connection, chargen_input,
	    sizeof(chargen_input));
	if (received == 0)
		return "peer closed";
	if (received == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		return strerror(errno);
	return NULL;
}

/* Send what the kernel takes from the stream; 0, or -1 with errno. */
static int
chargen_send(struct connection *connection, struct chargen_state *state)
{
	ssize_t	sent;

	sent = connection_write(connection, chargen_stream + state->offset,
	    CHARGEN_WRITE_CHUNK);
	if (sent == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	state->offset = (state->offset + (size_t)sent) % CHARGEN_PERIOD;
	return 0;
}

/* The connection is readable and/or writable. */
static void
chargen_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connection	*connection = arg;
	struct chargen_state	*state = connection->protocol_state;
	const char		*ending;

	(void)d;
	(void)fd;
	if ((events & EVENT_READ) &&
	    (ending = chargen_receive(connection)) != NULL) {
		connection_finish(connection, ending);
		return;
	}
	if ((events & EVENT_WRITE) && chargen_send(connection, state) == -1)
		connection_finish(connection, strerror(errno));
}

/* Start the stream at line 0 on a new connection. */
static int
chargen_open(struct connection *connection)
{
	struct chargen_state	*state;

	if (!chargen_stream_ready) {
		(void)chargen_fill(0, chargen_stream, sizeof(chargen_stream));
		chargen_stream_ready = 1;
	}
	if ((state = calloc(1, sizeof(*state))) == NULL)
		return -1;
	connection->protocol_state = state;
	return dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_READ | EVENT_WRITE, chargen_ready, connection);
}

/* Free the state of a finished connection (none if open failed early). */
static void
chargen_release(struct connection *connection)
{
	free(connection->protocol_state);
	connection->protocol_state = NULL;
}

const struct protocol protocol_chargen = {
	.name = "chargen",
	.open = chargen_open,
	.release = chargen_release,
};
