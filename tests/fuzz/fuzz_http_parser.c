/*
 * fuzz_http_parser.c: libFuzzer harness of the HTTP/1.x request parser.
 *
 * The input is what one client sends.  It is served twice the way
 * http_server.c serves a connection (skip empty lines, parse, consume the
 * request, reset, parse the next): once arriving whole, once cut at
 * points drawn from a hash of the input.  Every read lands in a fresh
 * allocation of exactly the bytes held, so AddressSanitizer sees a read
 * past them and a pointer kept from an older buffer.  Both feeds must give
 * the same requests with the same fields, in the same order, and end in
 * the same state; every request must keep the promises of http_request.h.
 */
#include "config.h"

#include <string.h>

#include "http/http_request.h"
#include "util/buffer.h"

#include "fuzz.h"

/* What one feed of the input has parsed so far. */
struct feed {
	struct http_parser	 parser;
	const struct http_limits *limits;
	char			*data;		/* exactly length bytes */
	size_t			 length;
	struct buffer		 log;		/* every request, written out */
	int			 status;	/* after a refusal, else 0 */
};

/* Limits picked by the input's hash: tight, generous, past the ceiling. */
static const struct http_limits limit_sets[] = {
	{ 512, 8, 256 },
	{ 2048, 64, 4096 },
	{ 2048, 1000, 64 },
};

/* FNV-1a hash of the input: the cut points and limits it gets. */
static uint32_t
hash_bytes(const uint8_t *data, size_t size)
{
	uint32_t	hash = 2166136261u;
	size_t		i;

	for (i = 0; i < size; i++)
		hash = (hash ^ data[i]) * 16777619u;
	return hash;
}

/* The next number of a xorshift generator. */
static uint32_t
next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/*
 * Replace the feed's bytes by from[0..length) and more[0..more_length), in
 * a new allocation of exactly that size (none when it is 0).
 */
static void
feed_move(struct feed *feed, const char *from, size_t length,
    const char *more, size_t more_length)
{
	char	*moved = NULL;

	if (length + more_length > 0 &&
	    (moved = malloc(length + more_length)) == NULL)
		abort();
	if (length > 0)
		memcpy(moved, from, length);
	if (more_length > 0)
		memcpy(moved + length, more, more_length);
	free(feed->data);
	feed->data = moved;
	feed->length = length + more_length;
}

/* Check that the string s lies inside the feed's bytes. */
static void
check_inside(const struct feed *feed, const char *s)
{
	FUZZ_CHECK(s >= feed->data && s < feed->data + feed->length);
	FUZZ_CHECK(memchr(s, '\0', (size_t)(feed->data + feed->length - s)) !=
	    NULL);
}

/* Check the promises of http_request.h about one complete request. */
static void
check_request(const struct feed *feed, const struct http_request *request)
{
	const char	*length_text;
	size_t		 i;

	FUZZ_CHECK(request->total_length <= feed->length);
	FUZZ_CHECK(request->body_length <= feed->limits->body_max);
	FUZZ_CHECK(request->body + request->body_length ==
	    feed->data + request->total_length);
	FUZZ_CHECK(request->version_minor == 0 || request->version_minor == 1);
	FUZZ_CHECK(request->header_count <= feed->limits->header_count_max &&
	    request->header_count <= HTTP_HEADERS_MAX);
	check_inside(feed, request->method);
	check_inside(feed, request->path);
	check_inside(feed, request->query);
	FUZZ_CHECK(request->method[0] != '\0');
	FUZZ_CHECK(request->path[0] == '/' || strcmp(request->path, "*") == 0);
	for (i = 0; i < request->header_count; i++) {
		check_inside(feed, request->headers[i].name);
		check_inside(feed, request->headers[i].value);
		FUZZ_CHECK(request->headers[i].name[0] != '\0');
		FUZZ_CHECK(strpbrk(request->headers[i].value, "\r\n") == NULL);
	}
	length_text = http_header_find(request, "Content-Length");
	FUZZ_CHECK(length_text != NULL || request->body_length == 0);
	FUZZ_CHECK(http_header_find(request, "Transfer-Encoding") == NULL);
	if (request->version_minor == 1)
		FUZZ_CHECK(http_header_find(request, "Host") != NULL);
}

/* Write a request out to the feed's log, for the two feeds to compare. */
static void
log_request(struct feed *feed, const struct http_request *request)
{
	size_t	i;
	int	failed;

	failed = buffer_printf(&feed->log, "%s|%s|%s|1.%d|%d|%zu\n",
	    request->method, request->path, request->query,
	    request->version_minor, request->keep_alive,
	    request->header_count) == -1;
	for (i = 0; i < request->header_count && !failed; i++)
		failed = buffer_printf(&feed->log, "%s: %s\n",
		    request->headers[i].name, request->headers[i].value) == -1;
	if (!failed)
		failed = buffer_printf(&feed->log, "body %zu of %zu\n",
		    request->body_length, request->total_length) == -1 ||
		    buffer_append(&feed->log, request->body,
		    request->body_length) == -1;
	FUZZ_CHECK(!failed);
}

/* Parse what the feed holds, as http_server.c's http_process() does. */
static void
feed_process(struct feed *feed)
{
	struct http_request	*request;
	size_t			 skip, used;
	int			 result, status;

	while (feed->status == 0 && feed->length > 0) {
		skip = 0;
		if (feed->parser.scanned == 0 && feed->data[0] == '\n')
			skip = 1;
		else if (feed->parser.scanned == 0 && feed->data[0] == '\r' &&
		    feed->length > 1 && feed->data[1] == '\n')
			skip = 2;
		if (skip > 0) {
			feed_move(feed, feed->data + skip, feed->length - skip,
			    NULL, 0);
			continue;
		}
		if (feed->parser.scanned == 0 && feed->length == 1 &&
		    feed->data[0] == '\r')
			break;
		status = 0;
		result = http_parse(&feed->parser, feed->data, feed->length,
		    feed->limits, &request, &status);
		FUZZ_CHECK(result >= -1 && result <= 1);
		FUZZ_CHECK(feed->parser.scanned <= feed->length);
		if (result == 0)
			break;
		if (result == -1) {
			FUZZ_CHECK(status >= 400 && status <= 505 &&
			    strcmp(http_status_reason(status), "Unknown") != 0);
			feed->status = status;
			break;
		}
		check_request(feed, request);
		log_request(feed, request);
		used = request->total_length;
		feed_move(feed, feed->data + used, feed->length - used, NULL,
		    0);
		http_parser_reset(&feed->parser);
	}
}

/* Start a feed with nothing received. */
static void
feed_init(struct feed *feed, const struct http_limits *limits)
{
	http_parser_reset(&feed->parser);
	feed->limits = limits;
	feed->data = NULL;
	feed->length = 0;
	buffer_init(&feed->log);
	feed->status = 0;
}

/* Receive bytes, then parse, unless the connection was already refused. */
static void
feed_receive(struct feed *feed, const uint8_t *bytes, size_t length)
{
	if (feed->status != 0)
		return;
	feed_move(feed, feed->data, feed->length, (const char *)bytes, length);
	feed_process(feed);
}

/* Free what a feed holds. */
static void
feed_free(struct feed *feed)
{
	free(feed->data);
	buffer_free(&feed->log);
}

/* Check that the whole and the cut feed ended the same way. */
static void
check_same(const struct feed *whole, const struct feed *cut)
{
	FUZZ_CHECK(whole->status == cut->status);
	FUZZ_CHECK(whole->log.length == cut->log.length);
	FUZZ_CHECK(whole->log.length == 0 ||
	    memcmp(whole->log.data, cut->log.data, whole->log.length) == 0);
	if (whole->status != 0)
		return;
	FUZZ_CHECK(whole->length == cut->length);
	FUZZ_CHECK(whole->length == 0 ||
	    memcmp(whole->data, cut->data, whole->length) == 0);
	FUZZ_CHECK(whole->parser.head_length == cut->parser.head_length);
}

/* One input: the same bytes whole and cut must parse the same. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct http_limits	*limits;
	struct feed			 whole, cut;
	uint32_t			 hash = hash_bytes(data, size), state;
	size_t				 at, piece, piece_max;

	limits = &limit_sets[hash % (sizeof(limit_sets) /
	    sizeof(limit_sets[0]))];
	feed_init(&whole, limits);
	feed_receive(&whole, data, size);

	feed_init(&cut, limits);
	state = hash | 1;
	piece_max = (size_t)1 << (hash >> 8) % 7;	/* 1 to 64 bytes */
	for (at = 0; at < size; at += piece) {
		piece = 1 + next_random(&state) % piece_max;
		if (piece > size - at)
			piece = size - at;
		feed_receive(&cut, data + at, piece);
	}
	check_same(&whole, &cut);
	feed_free(&whole);
	feed_free(&cut);
	return 0;
}
