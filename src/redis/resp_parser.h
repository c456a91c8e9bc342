/*
 * resp_parser.h: an incremental parser of Redis replies (RESP2).
 *
 * The caller keeps the bytes read from the server in one buffer and hands
 * the parser that buffer, from the start of the reply, after every read:
 * the parser checks only what it has not checked yet, so a reply split at
 * any byte costs no rescan.  Once a reply is complete it is copied into a
 * tree of values (struct resp_reply) that owns its memory; the caller
 * drops the reply's bytes from its buffer and resets the parser for the
 * next one.  Every size is bounded: a bulk string's length, an array's
 * element count, the nesting of arrays and the bytes of a whole reply.
 * After a malformed or oversized reply the connection must be dropped:
 * the parser cannot find where the next reply starts.
 */
#ifndef PFORKD_RESP_PARSER_H
#define PFORKD_RESP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define RESP_DEPTH_LIMIT	16	/* the most depth_max may be */
#define RESP_LINE_MAX		1024	/* simple string, error, header */
#define RESP_ERROR_SIZE		128

enum resp_type {
	RESP_SIMPLE,		/* +OK */
	RESP_ERROR,		/* -ERR ... */
	RESP_INTEGER,		/* :42 */
	RESP_BULK,		/* $3 abc */
	RESP_ARRAY,		/* *2 ... */
	RESP_NULL		/* $-1 or *-1 */
};

/* One value; strings are NUL-terminated and may hold NUL bytes too. */
struct resp_value {
	enum resp_type		 type;
	int64_t			 integer;	/* RESP_INTEGER */
	const char		*string;	/* simple, error, bulk */
	size_t			 length;	/* string bytes or elements */
	struct resp_value	*elements;	/* RESP_ARRAY */
};

struct resp_limits {
	size_t		bulk_max;	/* bytes of one bulk string */
	size_t		elements_max;	/* elements of one array */
	unsigned int	depth_max;	/* arrays open at once, at most 16 */
	size_t		reply_max;	/* bytes of a whole reply */
};

/* A complete reply: its root value, and the memory it points into. */
struct resp_reply {
	struct resp_value	 root;
	char			*raw;
};

struct resp_parser {
	struct resp_limits	limits;
	size_t			scan;		/* bytes checked so far */
	size_t			bulk_end;	/* 0, or where a bulk ends */
	unsigned int		depth;		/* arrays open */
	int64_t			left[RESP_DEPTH_LIMIT];	/* their elements */
	char			error[RESP_ERROR_SIZE];
};

enum resp_status {
	RESP_INCOMPLETE = 0,	/* more bytes are needed */
	RESP_COMPLETE = 1,	/* a reply is there: *used bytes */
	RESP_MALFORMED = -1	/* resp_parser_error() says why */
};

void	resp_parser_init(struct resp_parser *, const struct resp_limits *);
void	resp_parser_reset(struct resp_parser *);
enum resp_status resp_parse(struct resp_parser *, const char *data,
	    size_t length, size_t *used);
const char *resp_parser_error(const struct resp_parser *);
int	resp_reply_build(struct resp_reply *, const char *data, size_t used);
void	resp_reply_free(struct resp_reply *);

#endif /* PFORKD_RESP_PARSER_H */
