/*
 * discard.c: the discard protocol (RFC 863) over TCP.
 *
 * Everything the peer sends is read and dropped until it closes or the
 * connection fails; nothing is ever sent.  The server's idle timeout ends
 * a peer that goes quiet.  There is no per-connection state.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "event/dispatcher.h"
#include "protocols/protocol_table.h"

#define DISCARD_READ_CHUNK	(64 * 1024)

static char	discard_buffer[DISCARD_READ_CHUNK];

/* The connection is readable: drop what arrived, or end at EOF. */
static void
discard_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connection	*connection = arg;
	ssize_t			 received;

	(void)d;
	(void)fd;
	(void)events;
	received = connection_read(connection, discard_buffer,
	    sizeof(discard_buffer));
	if (received == 0)
		connection_finish(connection, "peer closed");
	else if (received == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		connection_finish(connection, strerror(errno));
}

/* Start discarding on a new connection. */
static int
discard_open(struct connection *connection)
{
	return dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_READ, discard_ready, connection);
}

/* Nothing to free: discard keeps no state. */
static void
discard_release(struct connection *connection)
{
	(void)connection;
}

const struct protocol protocol_discard = {
	.name = "discard",
	.open = discard_open,
	.release = discard_release,
};
