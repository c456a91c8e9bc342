/*
 * short_reply.h: serve a connection by sending a few fixed bytes and
 * closing, as the daytime and time protocols do.
 */
#ifndef PFORKD_SHORT_REPLY_H
#define PFORKD_SHORT_REPLY_H

#include <stddef.h>

struct connection;

#define SHORT_REPLY_MAX		64

int	short_reply_start(struct connection *, const void *bytes,
	    size_t length);
void	short_reply_release(struct connection *);

#endif /* PFORKD_SHORT_REPLY_H */
