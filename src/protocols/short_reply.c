/*
 * short_reply.c: send a short reply when the peer can take it, then close.
 *
 * The reply is copied into the connection's state at open, so it reflects
 * the moment of the connection, and sent as soon as the socket is
 * writable; a peer whose window is closed is waited for (EAGAIN), within
 * the service's send and idle timeouts.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connection/connection.h"
#include "event/dispatcher.h"
#include "protocols/short_reply.h"

#define SHORT_REPLY_DRAIN_ROUNDS	8

struct short_reply {
	size_t	length;
	size_t	sent;
	char	bytes[SHORT_REPLY_MAX];
};

/*
 * Read and drop what the peer has already sent.  Closing a socket with
 * unread input sends RST instead of FIN (RFC 1122, 4.2.2.13), and some
 * stacks then drop the reply the peer has not read yet.  Bounded: input
 * that keeps coming is not worth waiting for.
 */
static void
short_reply_drain(struct connection *connection)
{
	char	scratch[512];
	int	round;

	for (round = 0; round < SHORT_REPLY_DRAIN_ROUNDS; round++)
		if (connection_read(connection, scratch, sizeof(scratch)) <= 0)
			break;
}

/* The socket is writable: send the rest of the reply, close when done. */
static void
short_reply_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connection	*connection = arg;
	struct short_reply	*reply = connection->protocol_state;
	ssize_t			 sent;

	(void)d;
	(void)fd;
	(void)events;
	sent = connection_write(connection, reply->bytes + reply->sent,
	    reply->length - reply->sent);
	if (sent == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			connection_finish(connection, strerror(errno));
		return;
	}
	reply->sent += (size_t)sent;
	if (reply->sent < reply->length)
		return;
	short_reply_drain(connection);
	connection_finish(connection, "reply sent");
}

/* Keep a copy of bytes and send it once the socket is writable; 0 or -1. */
int
short_reply_start(struct connection *connection, const void *bytes,
    size_t length)
{
	struct short_reply	*reply;

	if (length > sizeof(reply->bytes)) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((reply = calloc(1, sizeof(*reply))) == NULL)
		return -1;
	memcpy(reply->bytes, bytes, length);
	reply->length = length;
	connection->protocol_state = reply;
	return dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_WRITE, short_reply_ready, connection);
}

/* Free the reply of a finished connection (none if open failed early). */
void
short_reply_release(struct connection *connection)
{
	free(connection->protocol_state);
	connection->protocol_state = NULL;
}
