/*
 * http_server.h: serve HTTP/1.x on one connection, for any protocol.
 *
 * The layer reads, parses (keep-alive, pipelining), times out slow or
 * idle clients, writes replies in request order, and hands each complete
 * request to a handler.  The handler answers with http_respond() at once
 * or later (a long poll): until it does, the next pipelined request waits,
 * and if the client goes away first the handler's abandon() is called and
 * nothing is written.  It knows nothing of routes or of chat.
 *
 * A reply's body may be given in parts, each either bytes to copy or a
 * piece of a shared body (connection/shared_body.h) that the connection
 * sends from where it is, holding a reference until the piece is sent:
 * a large reply rendered once is sent to every client without a copy per
 * connection.  Small replies are copied whole all the same.
 */
#ifndef PFORKD_HTTP_SERVER_H
#define PFORKD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_request.h"

struct connection;
struct http_connection;
struct shared_body;

struct http_settings {
	struct http_limits	limits;
	uint64_t		request_timeout_usec;	/* whole request: 408 */
	uint64_t		keepalive_timeout_usec;	/* between requests */
};

struct http_handler {
	/* A request: answer now or later with http_respond(). */
	void	(*request)(struct http_connection *,
		    const struct http_request *, void *arg);
	/* The connection ends while an answer is still owed. */
	void	(*abandon)(struct http_connection *, void *arg);
};

/* A piece of a reply's body: shared (sent from there) or bytes copied. */
struct http_body_part {
	struct shared_body	*shared;	/* NULL: copy bytes */
	const void		*bytes;		/* when shared is NULL */
	size_t			 offset;	/* into shared */
	size_t			 length;
};

int	 http_connection_open(struct connection *, const struct http_settings *,
	    const struct http_handler *, void *arg);
void	 http_connection_release(struct connection *);
int	 http_respond(struct http_connection *, int status,
	    const char *content_type, const char *extra_headers,
	    const void *body, size_t body_length);
int	 http_respond_parts(struct http_connection *, int status,
	    const char *content_type, const char *extra_headers,
	    const struct http_body_part *, size_t part_count);
int	 http_respond_error(struct http_connection *, int status,
	    const char *message);
void	 http_set_exchange(struct http_connection *, void *);
void	*http_exchange(const struct http_connection *);
struct connection *http_base(const struct http_connection *);

#endif /* PFORKD_HTTP_SERVER_H */
