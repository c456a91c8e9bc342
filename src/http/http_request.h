/*
 * http_request.h: an incremental HTTP/1.x request parser.
 *
 * The caller keeps reading into one buffer and calls http_parse() after
 * each read with the whole unparsed buffer; the parser remembers how far it
 * has looked, so a request arriving one byte at a time costs linear time.
 * Once the head is complete, http_parse() NUL-terminates the method,
 * path, query and every header name and value in place, packing them
 * towards the start of the head (the buffer is the caller's and is
 * modified).  When the body is complete too it fills a struct http_request
 * whose pointers point into the buffer passed to that call (the buffer may
 * move between calls), and says how many bytes the request used (the next
 * pipelined request starts there).  The parser knows nothing of routes or
 * of any protocol on top of HTTP.
 */
#ifndef PFORKD_HTTP_REQUEST_H
#define PFORKD_HTTP_REQUEST_H

#include <stddef.h>

#define HTTP_HEADERS_MAX	100	/* hard ceiling of header_count_max */

struct http_limits {
	size_t	head_max;		/* request line and headers: 431 */
	size_t	header_count_max;	/* headers: 431 past it */
	size_t	body_max;		/* Content-Length: 413 past it */
};

struct http_header {
	const char	*name;		/* as sent: compare ignoring case */
	const char	*value;		/* surrounding whitespace removed */
};

struct http_request {
	const char		*method;
	const char		*path;		/* request-target up to '?' */
	const char		*query;		/* after '?', or "" */
	int			 version_minor;	/* HTTP/1.0 or HTTP/1.1 */
	int			 keep_alive;	/* version and Connection */
	struct http_header	 headers[HTTP_HEADERS_MAX];
	size_t			 header_count;
	const char		*body;		/* body_length bytes, no NUL */
	size_t			 body_length;
	size_t			 total_length;	/* bytes used from the buffer */
};

struct http_parser {
	size_t	scanned;	/* bytes already searched for the head's end */
	size_t	head_length;	/* 0 until the head is complete */
	size_t	body_length;	/* from Content-Length, once head is parsed */
	struct http_request request;	/* filled when head is complete */
};

void	 http_parser_reset(struct http_parser *);
int	 http_parse(struct http_parser *, char *buffer, size_t length,
	    const struct http_limits *, struct http_request **, int *status);
const char *http_header_find(const struct http_request *, const char *name);
int	 http_header_has_token(const struct http_request *, const char *name,
	    const char *token);
const char *http_status_reason(int status);
int	 http_is_token_char(char c);

#endif /* PFORKD_HTTP_REQUEST_H */
