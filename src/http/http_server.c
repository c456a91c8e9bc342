/*
 * http_server.c: one HTTP/1.x connection: read, parse, answer in order.
 *
 * The connection moves between three situations: reading a request (a
 * request timer runs from its first byte: 408 when it expires, against
 * slowloris), owing an answer (the handler has the request; nothing else
 * is parsed meanwhile, so replies keep request order), and idle between
 * requests (a keep-alive timer closes it).  Replies go to an output
 * buffer; while it holds more than OUTPUT_HIGH_WATER bytes no further
 * pipelined request is parsed, so a client that sends without reading
 * cannot make pforkd buffer without bound.  A malformed request is
 * answered with its status and the connection closes after the reply, so
 * the stream can never be misread.  A client that announces its body with
 * "Expect: 100-continue" is told "100 Continue" when the head is in.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connection/connection.h"
#include "event/dispatcher.h"
#include "http/http_server.h"
#include "util/buffer.h"

#define READ_CHUNK		16384
#define OUTPUT_HIGH_WATER	(256 * 1024)

/* What the connection is doing, and so which time limit applies. */
enum http_phase {
	PHASE_BUSY,	/* an answer is owed or being written: no limit */
	PHASE_REQUEST,	/* part of a request is in: request-timeout */
	PHASE_IDLE	/* between requests: keepalive-timeout */
};

struct http_connection {
	struct connection		*connection;
	const struct http_settings	*settings;
	const struct http_handler	*handler;
	void				*handler_arg;
	void				*exchange;	/* the handler's */
	struct buffer			 input;
	struct buffer			 output;
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

/* Queue the answer owed for the current request; 0, or -1 once closed. */
int
http_respond(struct http_connection *http, int status,
    const char *content_type, const char *extra_headers, const void *body,
    size_t body_length)
{
	struct buffer	*out = &http->output;
	int		 failed;

	if (!http->awaiting) {
		errno = EINVAL;
		return -1;
	}
	http->awaiting = 0;
	http->exchange = NULL;
	if (!http->keep_alive)
		http->closing = 1;
	failed = append_head(out, status, content_type, extra_headers,
	    body_length, http->closing ? "Connection: close\r\n" :
	    http->version_minor == 0 ? "Connection: keep-alive\r\n" : "") ==
	    -1;
	if (!failed && !http->head_request && body_length > 0)
		failed = buffer_append(out, body, body_length) == -1;
	if (failed && http->in_handler) {
		/* Not closed under the handler's feet: the loop closes it. */
		buffer_clear(out);
		http->closing = 1;
		return 0;
	}
	if (failed) {
		connection_finish(http->connection, "out of memory");
		return -1;
	}
	if (http->in_handler)
		return 0;
	return http_advance(http);
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

/* Write what is queued; 0, or -1 with errno when the peer is gone. */
static int
http_flush(struct http_connection *http)
{
	ssize_t	sent;

	while (http->output.length > 0) {
		sent = connection_write(http->connection, http->output.data,
		    http->output.length);
		if (sent == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		buffer_consume(&http->output, (size_t)sent);
	}
	if (http->output.capacity > OUTPUT_HIGH_WATER)
		buffer_free(&http->output);	/* a big reply's room back */
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
	(void)buffer_append(&http->output, interim, sizeof(interim) - 1);
}

/* Parse and hand over buffered requests while nothing else is owed. */
static int
http_process(struct http_connection *http)
{
	struct http_request	*request;
	size_t			 used;
	int			 result, status = 400, head_known;

	while (!http->awaiting && !http->closing && http->input.length > 0 &&
	    http->output.length <= OUTPUT_HIGH_WATER) {
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
	else if (!http->awaiting && !http->closing &&
	    http->output.length == 0)
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
	if (http->output.length > 0)
		events |= EVENT_WRITE;
	return dispatcher_set_events(http->connection->dispatcher,
	    http->connection->fd, events);
}

/* Make all the progress possible; 0, or -1 once the connection closed. */
static int
http_advance(struct http_connection *http)
{
	struct connection	*connection = http->connection;

	if (http_process(http) == -1)
		return -1;
	if (http_flush(http) == -1) {
		connection_finish(connection, strerror(errno));
		return -1;
	}
	if (http_process(http) == -1)
		return -1;
	if (http->output.length == 0 && !http->awaiting && (http->closing ||
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
	buffer_free(&http->input);
	buffer_free(&http->output);
	free(http);
	connection->protocol_state = NULL;
}
