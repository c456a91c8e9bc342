/*
 * http_server.c: one HTTP/1.x connection: read, parse, answer in order.
 *
 * The connection moves between three situations: reading a request (a
 * request timer runs from its first byte: 408 when it expires, against
 * slowloris), owing an answer (the handler has the request; nothing else
 * is parsed meanwhile, so replies keep request order), and idle between
 * requests (a keep-alive timer closes it).  A malformed request is
 * answered with its status and the connection closes after the reply, so
 * the stream can never be misread.  A client that announces its body with
 * "Expect: 100-continue" is told "100 Continue" when the head is in.
 *
 * Replies wait in an output queue of segments, sent in order with one
 * sendmsg(2) of several pieces: a segment is either the next run of the
 * connection's private bytes (heads, small bodies, in one buffer) or a
 * piece of a shared body, sent from where it is with a reference held.
 * While more than OUTPUT_HIGH_WATER bytes are queued no further pipelined
 * request is parsed, so a client that sends without reading cannot make
 * pforkd queue without bound; and while the worker's output budget is
 * spent no request is started at all (connection/output_budget.h).  The
 * private bytes are charged to the budget as they are queued.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/shared_body.h"
#include "event/dispatcher.h"
#include "http/http_server.h"
#include "util/array.h"
#include "util/buffer.h"

#define READ_CHUNK		16384
#define OUTPUT_HIGH_WATER	(256 * 1024)
#define COPY_WHOLE_MAX		(16 * 1024)	/* a body this small: copied */
#define WRITE_PIECES		64		/* segments per write */
#define SEGMENTS_FIRST		8
#define SEGMENTS_KEEP		64		/* kept between replies */
#define SEGMENTS_MAX		((size_t)1 << 24)

/* What the connection is doing, and so which time limit applies. */
enum http_phase {
	PHASE_BUSY,	/* an answer is owed or being written: no limit */
	PHASE_REQUEST,	/* part of a request is in: request-timeout */
	PHASE_IDLE	/* between requests: keepalive-timeout */
};

/* A run of output to send: the next private bytes, or a shared body's. */
struct output_segment {
	struct shared_body	*shared;	/* NULL: private bytes */
	size_t			 offset;	/* next byte, in shared */
	size_t			 length;	/* bytes still to send */
};

/* Where the output queue stood before a reply, to take the reply back. */
struct output_mark {
	size_t	output_length;
	size_t	segment_count;
	size_t	last_length;		/* of the last segment, if private */
};

struct http_connection {
	struct connection		*connection;
	const struct http_settings	*settings;
	const struct http_handler	*handler;
	void				*handler_arg;
	void				*exchange;	/* the handler's */
	struct buffer			 input;
	struct buffer			 output;	/* private bytes */
	size_t				 output_sent;	/* of them, gone */
	struct output_segment		*segments;
	size_t				 segment_first;	/* the next to send */
	size_t				 segment_end;
	size_t				 segment_capacity;
	size_t				 queued;	/* bytes left to send */
	struct http_parser		 parser;
	struct timer			 timer;
	enum http_phase			 phase;
	uint64_t			 phase_start;
	int				 version_minor;
	unsigned int			 awaiting:1;	/* an answer is owed */
	unsigned int			 in_handler:1;
	unsigned int			 head_request:1;
	unsigned int			 keep_alive:1;
	unsigned int			 closing:1;	/* close once flushed */
	unsigned int			 peer_finished:1;
};

static int	http_advance(struct http_connection *);
static void	http_resume(struct connection *);

/* The current date in the form HTTP wants, remade once a second. */
static const char *
http_date(void)
{
	static char	text[64];
	static time_t	made;
	time_t		now = time(NULL);
	struct tm	broken;

	if (now != made || text[0] == '\0') {
		made = now;
		if (gmtime_r(&now, &broken) == NULL ||
		    strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT",
		    &broken) == 0)
			(void)snprintf(text, sizeof(text),
			    "Thu, 01 Jan 1970 00:00:00 GMT");
	}
	return text;
}

/* Append the decimal digits of number; 0 or -1. */
static int
append_number(struct buffer *out, size_t number)
{
	char	digits[24];
	size_t	at = sizeof(digits);

	do {
		digits[--at] = (char)('0' + number % 10);
		number /= 10;
	} while (number > 0);
	return buffer_append(out, digits + at, sizeof(digits) - at);
}

/*
 * Append a reply's status line and headers.  Piece by piece rather than
 * with printf: this runs once per reply, and formatting was a visible
 * share of a long poll's cost.
 */
static int
append_head(struct buffer *out, int status, const char *content_type,
    const char *extra_headers, size_t body_length, const char *connection)
{
	if (buffer_append(out, "HTTP/1.1 ", 9) == -1 ||
	    append_number(out, (size_t)status) == -1 ||
	    buffer_append(out, " ", 1) == -1 ||
	    buffer_append_string(out, http_status_reason(status)) == -1 ||
	    buffer_append_string(out, "\r\nServer: pforkd\r\nDate: ") == -1 ||
	    buffer_append_string(out, http_date()) == -1 ||
	    buffer_append(out, "\r\n", 2) == -1)
		return -1;
	if (content_type != NULL && (buffer_append(out, "Content-Type: ",
	    14) == -1 || buffer_append_string(out, content_type) == -1 ||
	    buffer_append(out, "\r\n", 2) == -1))
		return -1;
	if (extra_headers != NULL &&
	    buffer_append_string(out, extra_headers) == -1)
		return -1;
	if (buffer_append(out, "Content-Length: ", 16) == -1 ||
	    append_number(out, body_length) == -1 ||
	    buffer_append(out, "\r\n", 2) == -1 ||
	    buffer_append_string(out, connection) == -1 ||
	    buffer_append(out, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* Let the handler keep state for the request it owes an answer to. */
void
http_set_exchange(struct http_connection *http, void *exchange)
{
	http->exchange = exchange;
}

/* The handler's state for the owed answer, or NULL. */
void *
http_exchange(const struct http_connection *http)
{
	return http->exchange;
}

/* The connection this HTTP connection runs on. */
struct connection *
http_base(const struct http_connection *http)
{
	return http->connection;
}

/* Make room for one more segment at the end of the queue; 0 or -1. */
static int
segment_room(struct http_connection *http)
{
	struct output_segment	*grown;

	if (http->segment_end < http->segment_capacity)
		return 0;
	if (http->segment_first > 0) {
		memmove(http->segments, http->segments + http->segment_first,
		    (http->segment_end - http->segment_first) *
		    sizeof(*http->segments));
		http->segment_end -= http->segment_first;
		http->segment_first = 0;
		return 0;
	}
	grown = array_grow(http->segments, &http->segment_capacity,
	    http->segment_end + 1, sizeof(*grown), SEGMENTS_FIRST,
	    SEGMENTS_MAX);
	if (grown == NULL)
		return -1;
	http->segments = grown;
	return 0;
}

/* Note where the queue stands, so that a reply can be taken back. */
static void
output_mark(const struct http_connection *http, struct output_mark *mark)
{
	const struct output_segment	*last;

	mark->output_length = http->output.length;
	mark->segment_count = http->segment_end - http->segment_first;
	mark->last_length = 0;
	if (mark->segment_count > 0) {
		last = &http->segments[http->segment_end - 1];
		mark->last_length = last->length;
	}
}

/* Take back what was queued since the mark (nothing was sent since). */
static void
output_rollback(struct http_connection *http, const struct output_mark *mark)
{
	struct output_segment	*last;

	while (http->segment_end - http->segment_first > mark->segment_count) {
		last = &http->segments[--http->segment_end];
		if (last->shared != NULL)
			shared_body_unqueue(last->shared);
	}
	if (mark->segment_count > 0) {
		last = &http->segments[http->segment_end - 1];
		if (last->shared == NULL)
			last->length = mark->last_length;
	}
	http->output.length = mark->output_length;
	if (http->output.data != NULL)
		http->output.data[http->output.length] = '\0';
}

/*
 * Queue the private bytes appended since output length from: they join
 * the last segment when it is private too, else make one; 0 or -1.
 */
static int
output_seal(struct http_connection *http, size_t from)
{
	struct output_segment	*last = NULL;
	size_t			 length = http->output.length - from;

	if (length == 0)
		return 0;
	if (http->segment_end > http->segment_first)
		last = &http->segments[http->segment_end - 1];
	if (last != NULL && last->shared == NULL) {
		last->length += length;
		return 0;
	}
	if (segment_room(http) == -1)
		return -1;
	last = &http->segments[http->segment_end++];
	last->shared = NULL;
	last->offset = 0;
	last->length = length;
	return 0;
}

/* Queue a piece of a shared body, with a reference to it; 0 or -1. */
static int
output_share(struct http_connection *http, const struct http_body_part *part)
{
	struct output_segment	*segment;

	if (segment_room(http) == -1)
		return -1;
	segment = &http->segments[http->segment_end++];
	segment->shared = part->shared;
	segment->offset = part->offset;
	segment->length = part->length;
	shared_body_queue(part->shared);
	return 0;
}

/* Count what was queued since the mark: the connection's and the budget's. */
static void
output_account(struct http_connection *http, const struct output_mark *mark,
    size_t shared_bytes)
{
	size_t	own = http->output.length - mark->output_length;

	http->queued += own + shared_bytes;
	output_budget_add(http->connection, own + shared_bytes, own);
}

/* Queue private bytes, such as an interim reply; 0 or -1. */
static int
output_bytes(struct http_connection *http, const void *bytes, size_t length)
{
	struct output_mark	mark;

	output_mark(http, &mark);
	if (buffer_append(&http->output, bytes, length) == -1 ||
	    output_seal(http, mark.output_length) == -1) {
		output_rollback(http, &mark);
		return -1;
	}
	output_account(http, &mark, 0);
	return 0;
}

/* The bytes of a part. */
static const void *
part_bytes(const struct http_body_part *part)
{
	if (part->shared == NULL)
		return part->bytes;
	return part->shared->data + part->offset;
}

/*
 * Queue a reply's body: a body of at most COPY_WHOLE_MAX bytes is copied
 * whole (one piece to send, no reference to keep); in a larger one, the
 * shared parts are sent from where they are.  0 or -1 (the caller takes
 * the reply back).  Private bytes from output length sealed on are not
 * yet in a segment.
 */
static int
output_body(struct http_connection *http, size_t sealed,
    const struct http_body_part *parts, size_t part_count,
    size_t body_length, size_t *shared_bytes)
{
	size_t	i;

	for (i = 0; i < part_count; i++) {
		if (parts[i].length == 0)
			continue;
		if (parts[i].shared == NULL || body_length <= COPY_WHOLE_MAX) {
			if (buffer_append(&http->output, part_bytes(&parts[i]),
			    parts[i].length) == -1)
				return -1;
			continue;
		}
		if (output_seal(http, sealed) == -1 ||
		    output_share(http, &parts[i]) == -1)
			return -1;
		sealed = http->output.length;
		*shared_bytes += parts[i].length;
	}
	return output_seal(http, sealed);
}

/* Queue a whole reply, head and body; 0, or -1 with nothing queued. */
static int
output_reply(struct http_connection *http, int status,
    const char *content_type, const char *extra_headers,
    const struct http_body_part *parts, size_t part_count)
{
	struct output_mark	mark;
	size_t			body_length = 0, shared_bytes = 0, i;

	for (i = 0; i < part_count; i++)
		body_length += parts[i].length;
	output_mark(http, &mark);
	if (append_head(&http->output, status, content_type, extra_headers,
	    body_length, http->closing ? "Connection: close\r\n" :
	    http->version_minor == 0 ? "Connection: keep-alive\r\n" : "") ==
	    -1 || (http->head_request ? output_seal(http, mark.output_length) :
	    output_body(http, mark.output_length, parts, part_count,
	    body_length, &shared_bytes)) == -1) {
		output_rollback(http, &mark);
		return -1;
	}
	output_account(http, &mark, shared_bytes);
	return 0;
}

/*
 * Queue the answer owed for the current request, its body in parts; 0,
 * or -1 once closed.
 */
int
http_respond_parts(struct http_connection *http, int status,
    const char *content_type, const char *extra_headers,
    const struct http_body_part *parts, size_t part_count)
{
	if (!http->awaiting) {
		errno = EINVAL;
		return -1;
	}
	http->awaiting = 0;
	http->exchange = NULL;
	if (!http->keep_alive)
		http->closing = 1;
	if (output_reply(http, status, content_type, extra_headers, parts,
	    part_count) == -1) {
		if (!http->in_handler) {
			connection_finish(http->connection, "out of memory");
			return -1;
		}
		/* Not closed under the handler's feet: the loop closes it. */
		http->closing = 1;
		return 0;
	}
	if (http->in_handler)
		return 0;
	return http_advance(http);
}

/* Queue the answer owed for the current request; 0, or -1 once closed. */
int
http_respond(struct http_connection *http, int status,
    const char *content_type, const char *extra_headers, const void *body,
    size_t body_length)
{
	struct http_body_part	part;

	part.shared = NULL;
	part.bytes = body;
	part.offset = 0;
	part.length = body != NULL ? body_length : 0;
	return http_respond_parts(http, status, content_type, extra_headers,
	    &part, 1);
}

/* Answer with a status and a one-line text body; 0, or -1 once closed. */
int
http_respond_error(struct http_connection *http, int status,
    const char *message)
{
	char	body[256];
	int	length;

	length = snprintf(body, sizeof(body), "%d %s: %s\n", status,
	    http_status_reason(status), message);
	if (length < 0 || (size_t)length >= sizeof(body))
		length = (int)strlen(body);
	return http_respond(http, status, "text/plain; charset=UTF-8", NULL,
	    body, (size_t)length);
}

/* Answer a request that broke the stream, then close; 0 or -1. */
static int
http_refuse(struct http_connection *http, int status, const char *message)
{
	http->awaiting = 1;
	http->head_request = 0;
	http->keep_alive = 0;
	http->closing = 1;
	buffer_clear(&http->input);
	return http_respond_error(http, status, message);
}

/* Point pieces at the next segments to send; how many. */
static int
output_pieces(const struct http_connection *http, struct iovec *pieces)
{
	const struct output_segment	*segment;
	char				*own;
	size_t				 i;
	int				 count = 0;

	own = http->output.data != NULL ? http->output.data +
	    http->output_sent : NULL;
	for (i = http->segment_first; i < http->segment_end &&
	    count < WRITE_PIECES; i++) {
		segment = &http->segments[i];
		if (segment->shared == NULL) {
			pieces[count].iov_base = own;
			own += segment->length;
		} else
			pieces[count].iov_base = (void *)(uintptr_t)
			    (segment->shared->data + segment->offset);
		pieces[count++].iov_len = segment->length;
	}
	return count;
}

/* Drop sent bytes from the front of the queue, letting go of bodies. */
static void
output_consume(struct http_connection *http, size_t sent)
{
	struct output_segment	*segment;
	size_t			 left = sent, taken, own = 0;

	while (left > 0 && http->segment_first < http->segment_end) {
		segment = &http->segments[http->segment_first];
		taken = left < segment->length ? left : segment->length;
		segment->length -= taken;
		left -= taken;
		if (segment->shared == NULL) {
			http->output_sent += taken;
			own += taken;
		} else
			segment->offset += taken;
		if (segment->length > 0)
			break;
		if (segment->shared != NULL)
			shared_body_unqueue(segment->shared);
		http->segment_first++;
	}
	http->queued -= sent;
	output_budget_remove(http->connection, sent, own);
}

/*
 * Give back memory the queue no longer needs: all of it once everything
 * went, else the sent front of the private bytes when it is large.
 */
static void
output_reclaim(struct http_connection *http)
{
	if (http->queued > 0) {
		if (http->output_sent >= OUTPUT_HIGH_WATER / 4 &&
		    2 * http->output_sent >= http->output.length) {
			buffer_consume(&http->output, http->output_sent);
			http->output_sent = 0;
		}
		return;
	}
	buffer_clear(&http->output);
	http->output_sent = 0;
	http->segment_first = http->segment_end = 0;
	if (http->output.capacity > OUTPUT_HIGH_WATER)
		buffer_free(&http->output);	/* a big reply's room back */
	if (http->segment_capacity > SEGMENTS_KEEP) {
		free(http->segments);
		http->segments = NULL;
		http->segment_capacity = 0;
	}
}

/* Drop everything queued, unsent: the connection is ending. */
static void
output_discard(struct http_connection *http)
{
	size_t	i;

	for (i = http->segment_first; i < http->segment_end; i++)
		if (http->segments[i].shared != NULL)
			shared_body_unqueue(http->segments[i].shared);
	output_budget_remove(http->connection, http->queued,
	    http->output.length - http->output_sent);
	http->queued = 0;
	http->segment_first = http->segment_end = 0;
	free(http->segments);
	http->segments = NULL;
	http->segment_capacity = 0;
	buffer_free(&http->output);
	http->output_sent = 0;
}

/* Write what is queued; 0, or -1 with errno when the peer is gone. */
static int
http_flush(struct http_connection *http)
{
	struct iovec	pieces[WRITE_PIECES];
	ssize_t		sent;
	int		count;

	while (http->queued > 0) {
		count = output_pieces(http, pieces);
		if (count == 1)
			sent = connection_write(http->connection,
			    pieces[0].iov_base, pieces[0].iov_len);
		else
			sent = connection_write_vector(http->connection,
			    pieces, count);
		if (sent == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		output_consume(http, (size_t)sent);
	}
	output_reclaim(http);
	return 0;
}

/* Hand one complete request to the handler. */
static void
http_deliver(struct http_connection *http, const struct http_request *request)
{
	/* The next request's clock starts with its own first byte. */
	http->phase = PHASE_BUSY;
	http->awaiting = 1;
	http->exchange = NULL;
	http->head_request = strcmp(request->method, "HEAD") == 0;
	http->keep_alive = request->keep_alive != 0;
	http->version_minor = request->version_minor;
	http->in_handler = 1;
	http->handler->request(http, request, http->handler_arg);
	http->in_handler = 0;
}

/*
 * The head of a request has just been parsed and its body is still to
 * come: an HTTP/1.1 client that sent "Expect: 100-continue" and none of
 * the body yet is waiting for a word before it sends it (curl waits a
 * second otherwise), so say "100 Continue".  Asked right after the parse,
 * while the parser's header pointers still point into the buffer.
 */
static void
http_continue(struct http_connection *http)
{
	static const char	 interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const struct http_parser *parser = &http->parser;

	if (parser->body_length == 0 || parser->request.version_minor != 1 ||
	    http->input.length > parser->head_length ||
	    !http_header_has_token(&parser->request, "Expect", "100-continue"))
		return;
	/* Without memory for it the client merely waits a while. */
	(void)output_bytes(http, interim, sizeof(interim) - 1);
}

/*
 * Parse and hand over buffered requests while nothing else is owed,
 * counting them in *served; 0, or -1 once the connection closed.
 */
static int
http_process(struct http_connection *http, int *served)
{
	struct http_request	*request;
	size_t			 used;
	int			 result, status = 400, head_known;

	*served = 0;
	while (!http->awaiting && !http->closing && http->input.length > 0 &&
	    http->queued <= OUTPUT_HIGH_WATER) {
		if (output_budget_spent()) {
			/* No new work until the worker's output drains. */
			output_budget_wait(http->connection, http_resume);
			break;
		}
		/* Empty lines before a request are skipped (RFC 9112 2.2). */
		if (http->parser.scanned == 0 && (http->input.data[0] == '\n' ||
		    (http->input.data[0] == '\r' && http->input.length > 1 &&
		    http->input.data[1] == '\n'))) {
			buffer_consume(&http->input,
			    http->input.data[0] == '\n' ? 1 : 2);
			continue;
		}
		if (http->parser.scanned == 0 && http->input.length == 1 &&
		    http->input.data[0] == '\r')
			break;		/* perhaps the start of an empty line */
		head_known = http->parser.head_length != 0;
		result = http_parse(&http->parser, http->input.data,
		    http->input.length, &http->settings->limits, &request,
		    &status);
		if (result == 0 && !head_known && http->parser.head_length != 0)
			http_continue(http);
		if (result == 0)
			break;
		if (result == -1)
			return http_refuse(http, status, "malformed or "
			    "oversized request");
		used = request->total_length;
		http_deliver(http, request);
		buffer_consume(&http->input, used);
		http_parser_reset(&http->parser);
		(*served)++;
	}
	return 0;
}

/* The time limit of the connection's current phase; 0: none. */
static uint64_t
http_phase_limit(const struct http_connection *http)
{
	switch (http->phase) {
	case PHASE_REQUEST:
		return http->settings->request_timeout_usec;
	case PHASE_IDLE:
		return http->settings->keepalive_timeout_usec;
	default:
		return 0;
	}
}

/*
 * Note the phase the connection is in and make sure the timer will look
 * at it in time.  Lazy, like the connection's idle timer: a timer already
 * due before the new deadline is left alone and checks again when it
 * fires, so a busy keep-alive connection costs no timer operation per
 * request.
 */
static int
http_update_timer(struct http_connection *http)
{
	struct dispatcher	*d = http->connection->dispatcher;
	enum http_phase		 wanted = PHASE_BUSY;
	uint64_t		 now, limit;

	if (!http->awaiting && !http->closing && http->input.length > 0)
		wanted = PHASE_REQUEST;
	else if (!http->awaiting && !http->closing && http->queued == 0)
		wanted = PHASE_IDLE;
	if (wanted == http->phase)
		return 0;	/* a request's clock runs from its first byte */
	now = dispatcher_now(d);
	http->phase = wanted;
	http->phase_start = now;
	if ((limit = http_phase_limit(http)) == 0)
		return 0;
	if (timer_is_pending(&http->timer) &&
	    timer_deadline(&http->timer) <= now + limit)
		return 0;
	return dispatcher_timer_start(d, &http->timer, limit, 0);
}

/* Watch for what the connection can do next. */
static int
http_update_interest(struct http_connection *http)
{
	size_t	input_max = http->settings->limits.head_max +
	    http->settings->limits.body_max;
	int	events = 0;

	if (!http->closing && !http->peer_finished &&
	    http->input.length < input_max)
		events |= EVENT_READ;
	if (http->queued > 0)
		events |= EVENT_WRITE;
	return dispatcher_set_events(http->connection->dispatcher,
	    http->connection->fd, events);
}

/* Make all the progress possible; 0, or -1 once the connection closed. */
static int
http_advance(struct http_connection *http)
{
	struct connection	*connection = http->connection;
	size_t			 waiting;
	int			 served;

	/*
	 * Serve and write until the peer's socket is full or nothing more
	 * is ready.  Nothing is left queued without a write tried, so a peer
	 * that does not read is seen stalled (send-timeout, output budget).
	 * A round that drained the queue goes on when it served a request
	 * or sent what had stopped parsing; one that did neither is the
	 * last, and a request is served at most once, so the loop ends.
	 */
	do {
		if (http_process(http, &served) == -1)
			return -1;
		waiting = http->queued;
		if (http_flush(http) == -1) {
			connection_finish(connection, strerror(errno));
			return -1;
		}
	} while (http->queued == 0 && (served > 0 || waiting > 0));
	if (http->queued == 0 && !http->awaiting && (http->closing ||
	    http->peer_finished)) {
		connection_finish(connection, http->closing ?
		    "closed after the reply" : "peer closed");
		return -1;
	}
	if (http_update_timer(http) == -1 || http_update_interest(http) == -1) {
		connection_finish(connection, strerror(errno));
		return -1;
	}
	return 0;
}

/* The worker's output budget has room again: go on serving. */
static void
http_resume(struct connection *connection)
{
	(void)http_advance(connection->protocol_state);
}

/* Read what the peer sent; 0, or -1 once the connection closed. */
static int
http_receive(struct http_connection *http)
{
	ssize_t	received;

	if (buffer_reserve(&http->input, READ_CHUNK) == -1) {
		connection_finish(http->connection, "out of memory");
		return -1;
	}
	received = connection_read(http->connection, http->input.data +
	    http->input.length, READ_CHUNK);
	if (received == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		connection_finish(http->connection, strerror(errno));
		return -1;
	}
	if (received == 0) {
		if (http->awaiting) {
			/* A long poll whose client left: forget it now. */
			connection_finish(http->connection,
			    "peer closed while waiting");
			return -1;
		}
		http->peer_finished = 1;
		return 0;
	}
	http->input.length += (size_t)received;
	http->input.data[http->input.length] = '\0';
	return 0;
}

/* The socket is readable or writable. */
static void
http_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct http_connection	*http = arg;

	(void)d;
	(void)fd;
	if ((events & EVENT_READ) && http_receive(http) == -1)
		return;
	(void)http_advance(http);
}

/* The timer is due: enforce the current phase's limit, or look later. */
static void
http_timer_expired(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct http_connection	*http = arg;
	uint64_t		 limit, elapsed;

	(void)timer;
	if ((limit = http_phase_limit(http)) == 0)
		return;		/* busy: armed again when the phase changes */
	elapsed = dispatcher_now(d) - http->phase_start;
	if (elapsed < limit) {
		(void)dispatcher_timer_start(d, &http->timer, limit - elapsed,
		    0);
		return;
	}
	if (http->phase == PHASE_IDLE) {
		connection_finish(http->connection, "keep-alive timeout");
		return;
	}
	if (http_refuse(http, 408, "the request took too long to arrive") ==
	    0)
		(void)http_advance(http);
}

/* Start serving HTTP on a connection; 0 or -1. */
int
http_connection_open(struct connection *connection,
    const struct http_settings *settings, const struct http_handler *handler,
    void *arg)
{
	struct http_connection	*http;

	if ((http = calloc(1, sizeof(*http))) == NULL)
		return -1;
	http->connection = connection;
	http->settings = settings;
	http->handler = handler;
	http->handler_arg = arg;
	buffer_init(&http->input);
	buffer_init(&http->output);
	http_parser_reset(&http->parser);
	timer_init(&http->timer, http_timer_expired, http);
	connection->protocol_state = http;
	if (dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_READ, http_ready, http) == -1)
		return -1;
	return http_update_timer(http);
}

/* Free the HTTP state of a finished connection, abandoning what is owed. */
void
http_connection_release(struct connection *connection)
{
	struct http_connection	*http = connection->protocol_state;

	if (http == NULL)
		return;
	if (http->awaiting && !http->in_handler)
		http->handler->abandon(http, http->handler_arg);
	dispatcher_timer_stop(connection->dispatcher, &http->timer);
	output_discard(http);
	buffer_free(&http->input);
	free(http);
	connection->protocol_state = NULL;
}
