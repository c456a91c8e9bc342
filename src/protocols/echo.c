/*
 * echo.c: the echo protocol (RFC 862), byte-transparent and bounded.
 *
 * Bytes are echoed straight from a shared read buffer; only what the peer
 * has not yet accepted is copied into a per-connection buffer, allocated on
 * demand and freed when drained, so an idle connection costs no buffer.
 * While ECHO_PENDING_MAX bytes are owed, pforkd stops reading from that
 * peer (backpressure).  When the peer half-closes, what is owed is sent
 * first, then the connection closes.  The per-connection buffer counts
 * against the worker's output budget: while the budget is spent, nothing
 * more is read (connection/output_budget.h), and a peer that never reads
 * is closed by the send timeout.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/protocol.h"
#include "event/dispatcher.h"
#include "protocols/protocol_table.h"

#define ECHO_PENDING_MAX	(64 * 1024)
#define ECHO_READ_CHUNK		(64 * 1024)

struct echo_state {
	char	*pending;	/* ECHO_PENDING_MAX bytes, or NULL */
	size_t	 pending_start;	/* the first byte owed to the peer */
	size_t	 pending_length;
	int	 peer_finished;	/* the peer shut down its write side */
};

static char	echo_read_buffer[ECHO_READ_CHUNK];

static void	echo_ready(struct dispatcher *, int, int, void *);
static void	echo_resume(struct connection *);

/* Watch for what the connection can do next; close when all is done. */
static void
echo_update_interest(struct connection *connection, struct echo_state *state)
{
	int	events = 0;

	if (state->peer_finished && state->pending_length == 0) {
		connection_finish(connection, "peer closed");
		return;
	}
	if (!state->peer_finished && state->pending_length < ECHO_PENDING_MAX) {
		if (!output_budget_spent())
			events |= EVENT_READ;
		else
			output_budget_wait(connection, echo_resume);
	}
	if (state->pending_length > 0)
		events |= EVENT_WRITE;
	if (dispatcher_set_events(connection->dispatcher, connection->fd,
	    events) == -1)
		connection_finish(connection, strerror(errno));
}

/* The budget has room again: read once more. */
static void
echo_resume(struct connection *connection)
{
	echo_update_interest(connection, connection->protocol_state);
}

/* Free the buffer of owed bytes, and its share of the budget. */
static void
echo_drop_pending(struct connection *connection, struct echo_state *state)
{
	if (state->pending == NULL)
		return;
	free(state->pending);
	state->pending = NULL;
	output_budget_remove(connection, ECHO_PENDING_MAX, ECHO_PENDING_MAX);
}

/* Keep bytes the peer did not accept yet; 0 or -1 with errno. */
static int
echo_keep(struct connection *connection, struct echo_state *state,
    const char *bytes, size_t length)
{
	/* One buffer while bytes are owed, none once they are all sent. */
	if (state->pending == NULL) {
		if ((state->pending = malloc(ECHO_PENDING_MAX)) == NULL)
			return -1;
		state->pending_start = 0;
		output_budget_add(connection, ECHO_PENDING_MAX,
		    ECHO_PENDING_MAX);
	}
	if (state->pending_start + state->pending_length + length >
	    ECHO_PENDING_MAX) {
		memmove(state->pending, state->pending + state->pending_start,
		    state->pending_length);
		state->pending_start = 0;
	}
	memcpy(state->pending + state->pending_start + state->pending_length,
	    bytes, length);
	state->pending_length += length;
	return 0;
}

/* Send what is owed; 0, or -1 when the connection is broken. */
static int
echo_flush(struct connection *connection, struct echo_state *state)
{
	ssize_t	sent;

	if (state->pending_length == 0)
		return 0;
	sent = connection_write(connection, state->pending +
	    state->pending_start, state->pending_length);
	if (sent == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	state->pending_start += (size_t)sent;
	state->pending_length -= (size_t)sent;
	if (state->pending_length == 0)
		echo_drop_pending(connection, state);
	return 0;
}

/* Read what the peer sent and echo it, keeping what cannot go out now. */
static int
echo_receive(struct connection *connection, struct echo_state *state)
{
	ssize_t	received, sent = 0;
	size_t	room = ECHO_PENDING_MAX - state->pending_length;

	if (room > sizeof(echo_read_buffer))
		room = sizeof(echo_read_buffer);
	received = connection_read(connection, echo_read_buffer, room);
	if (received == 0) {
		state->peer_finished = 1;
		return 0;
	}
	if (received == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (state->pending_length == 0) {
		sent = connection_write(connection, echo_read_buffer,
		    (size_t)received);
		if (sent == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			sent = 0;
		}
	}
	if (sent < received)
		return echo_keep(connection, state, echo_read_buffer + sent,
		    (size_t)(received - sent));
	return 0;
}

/* The connection is readable and/or writable. */
static void
echo_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connection	*connection = arg;
	struct echo_state	*state = connection->protocol_state;

	(void)d;
	(void)fd;
	if ((events & EVENT_WRITE) && echo_flush(connection, state) == -1) {
		connection_finish(connection, strerror(errno));
		return;
	}
	if ((events & EVENT_READ) && echo_receive(connection, state) == -1) {
		connection_finish(connection, strerror(errno));
		return;
	}
	echo_update_interest(connection, state);
}

/* Start echoing on a new connection. */
static int
echo_open(struct connection *connection)
{
	struct echo_state	*state;

	if ((state = calloc(1, sizeof(*state))) == NULL)
		return -1;
	connection->protocol_state = state;
	return dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_READ, echo_ready, connection);
}

/* Free the echo state of a finished connection. */
static void
echo_release(struct connection *connection)
{
	struct echo_state	*state = connection->protocol_state;

	if (state == NULL)
		return;
	echo_drop_pending(connection, state);
	free(state);
	connection->protocol_state = NULL;
}

const struct protocol protocol_echo = {
	.name = "echo",
	.open = echo_open,
	.release = echo_release,
};
