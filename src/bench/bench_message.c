/*
 * bench_message.c: send a slice of the pattern and check its echo.
 *
 * Reads take whatever is there, up to a whole buffer, so that an echo
 * longer than the message is caught at once instead of being mistaken for
 * the start of the next one.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_message.h"
#include "bench/bench_pattern.h"

static unsigned char	receive_buffer[PATTERN_SLICE_MAX];

/* Prepare a message of size bytes, cut from the pattern at offset. */
void
message_begin(struct message *message, uint64_t offset, size_t size)
{
	message->offset = offset;
	message->size = size;
	message->sent = 0;
	message->received = 0;
}

/*
 * Write what is left of the message: 0 when all of it is sent, 1 when the
 * socket is full (wait until it is writable), -1 with errno on failure.
 */
int
message_send(int fd, struct message *message)
{
	ssize_t	count;

	while (message->sent < message->size) {
		count = write(fd, pattern_at(message->offset) + message->sent,
		    message->size - message->sent);
		if (count == -1 && errno == EINTR)
			continue;
		if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (count == -1)
			return -1;
		message->sent += (size_t)count;
	}
	return 0;
}

/*
 * Read what came back and check it: 1 when the whole echo is in, 0 when
 * more is to come, -1 with *failure saying why the connection is broken.
 */
int
message_receive(int fd, struct message *message, const char **failure)
{
	ssize_t	count;

	do
		count = read(fd, receive_buffer, sizeof(receive_buffer));
	while (count == -1 && errno == EINTR);
	if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (count == -1) {
		*failure = strerror(errno);
		return -1;
	}
	if (count == 0) {
		*failure = "the server closed the connection";
		return -1;
	}
	if ((size_t)count > message->sent - message->received) {
		*failure = "more bytes came back than were sent";
		return -1;
	}
	if (!pattern_matches(message->offset + message->received,
	    receive_buffer, (size_t)count)) {
		*failure = "the echo differs from what was sent";
		return -1;
	}
	message->received += (size_t)count;
	return message->received == message->size;
}
