/*
 * bench_message.h: one message out and its echo back, checked byte for
 * byte against the pattern, over a non-blocking socket.
 */
#ifndef PFORKD_BENCH_MESSAGE_H
#define PFORKD_BENCH_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

struct message {
	uint64_t	offset;		/* where in the pattern it starts */
	size_t		size;		/* at most PATTERN_SLICE_MAX */
	size_t		sent;
	size_t		received;
};

void	message_begin(struct message *, uint64_t offset, size_t size);
int	message_send(int fd, struct message *);
int	message_receive(int fd, struct message *, const char **failure);

#endif /* PFORKD_BENCH_MESSAGE_H */
