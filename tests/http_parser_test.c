/*
 * http_parser_test.c: unit tests of the incremental HTTP/1.x request parser.
 *
 * Every request of the corpus is parsed whole, then fed again one byte at a
 * time through a buffer that moves to a new allocation on every call, as a
 * caller that reallocs would; both parses must agree with the table.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_request.h"

/* Text of length known at compile time, so that it may hold NUL bytes. */
#define TEXT(literal)	.text = (literal), .length = sizeof(literal) - 1

#define TEN_X		"xxxxxxxxxx"
#define HUNDRED_X	TEN_X TEN_X TEN_X TEN_X TEN_X TEN_X TEN_X TEN_X \
			TEN_X TEN_X
#define HEADER		"A: 1\r\n"
#define TEN_HEADERS	HEADER HEADER HEADER HEADER HEADER HEADER HEADER \
			HEADER HEADER HEADER
#define HUNDRED_HEADERS	TEN_HEADERS TEN_HEADERS TEN_HEADERS \
			TEN_HEADERS TEN_HEADERS TEN_HEADERS TEN_HEADERS \
			TEN_HEADERS TEN_HEADERS TEN_HEADERS
#define BODY_16		"0123456789abcdef"
#define BODY_64		BODY_16 BODY_16 BODY_16 BODY_16
#define EXACT_HEAD	"GET / HTTP/1.1\r\nHost: a\r\n\r\n"

static const struct http_limits default_limits = { 512, 10, 64 };
static const struct http_limits wide_limits = { 8192, 1000, 64 };
static const struct http_limits exact_head_limits = {
	sizeof(EXACT_HEAD) - 1, 10, 64
};
static const struct http_limits short_head_limits = {
	sizeof(EXACT_HEAD) - 2, 10, 64
};

/* One request of the corpus and what parsing it should give. */
struct corpus_case {
	const char		*name;
	const char		*text;
	size_t			 length;
	const struct http_limits *limits;	/* NULL: default_limits */
	int			 status;	/* 0: a request */
	const char		*method;
	const char		*path;
	const char		*query;
	int			 version_minor;
	int			 keep_alive;
	const char		*header_name;	/* one to look up */
	const char		*header_value;	/* NULL: absent */
	const char		*body;		/* NULL: empty */
	size_t			 total_length;	/* 0: length */
};

static const struct corpus_case corpus[] = {
	/* Requests that parse. */
	{ "get", TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host",
	    .header_value = "example.com" },
	{ "head with query",
	    TEXT("HEAD /search?q=a%20b&n=2 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "HEAD", .path = "/search", .query = "q=a%20b&n=2",
	    .version_minor = 1, .keep_alive = 1, .header_name = "HOST",
	    .header_value = "h" },
	{ "post with body", TEXT("POST /form HTTP/1.1\r\nHost: h\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\n"
	    "hello world"),
	    .method = "POST", .path = "/form", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "content-type",
	    .header_value = "text/plain", .body = "hello world" },
	{ "http/1.0 closes", TEXT("GET /a HTTP/1.0\r\n\r\n"),
	    .method = "GET", .path = "/a", .query = "", .version_minor = 0,
	    .keep_alive = 0, .header_name = "Host" },
	{ "http/1.0 keep-alive",
	    TEXT("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
	    .method = "GET", .path = "/a", .query = "", .version_minor = 0,
	    .keep_alive = 1, .header_name = "connection",
	    .header_value = "keep-alive" },
	{ "http/1.0 keep-alive in a list",
	    TEXT("GET /a HTTP/1.0\r\nConnection: foo ,\tKeep-Alive \r\n\r\n"),
	    .method = "GET", .path = "/a", .query = "", .version_minor = 0,
	    .keep_alive = 1, .header_name = "Connection",
	    .header_value = "foo ,\tKeep-Alive" },
	{ "http/1.1 close",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 0, .header_name = "Connection",
	    .header_value = "close" },
	{ "close in a second Connection header",
	    TEXT("GET / HTTP/1.1\r\nConnection: upgrade\r\nHost: h\r\n"
	    "Connection: CLOSE\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 0, .header_name = "connection",
	    .header_value = "upgrade" },
	{ "lf only", TEXT("GET /lf?x HTTP/1.1\nHost: h\nAccept: */*\n\n"),
	    .method = "GET", .path = "/lf", .query = "x", .version_minor = 1,
	    .keep_alive = 1, .header_name = "accept", .header_value = "*/*" },
	{ "mixed line endings",
	    TEXT("GET / HTTP/1.1\nHost: h\r\nX-Y: z\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "x-y", .header_value = "z" },
	{ "lf then crlf ending a body request",
	    TEXT("PUT /p HTTP/1.1\nHost: h\nContent-Length: 2\n\r\nok"),
	    .method = "PUT", .path = "/p", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "Host", .header_value = "h",
	    .body = "ok" },
	{ "odd spacing", TEXT("GET / HTTP/1.1\r\nHost:h\r\n"
	    "X-Spaced: \t  two  words \t \r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "X-SPACED",
	    .header_value = "two  words" },
	{ "empty value",
	    TEXT("GET / HTTP/1.1\r\nX-Empty:   \r\nHost: h\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "x-empty", .header_value = "" },
	{ "first of two headers",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "X-A", .header_value = "1" },
	{ "obs-text in a value", TEXT("GET / HTTP/1.1\r\nHost: h\r\n"
	    "X-Name: caf\xc3\xa9\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "x-name",
	    .header_value = "caf\xc3\xa9" },
	{ "options star", TEXT("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "OPTIONS", .path = "*", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host", .header_value = "h" },
	{ "empty query", TEXT("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "GET", .path = "/a", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host", .header_value = "h" },
	{ "second question mark stays in the query",
	    TEXT("GET /a?b?c=/d HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "GET", .path = "/a", .query = "b?c=/d",
	    .version_minor = 1, .keep_alive = 1, .header_name = "host",
	    .header_value = "h" },
	{ "fifteen-character method",
	    TEXT("ABCDEFGHIJKLMNO / HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "ABCDEFGHIJKLMNO", .path = "/", .query = "",
	    .version_minor = 1, .keep_alive = 1, .header_name = "host",
	    .header_value = "h" },
	{ "equal Content-Length headers", TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3\r\ncontent-length: 003\r\n\r\nabc"),
	    .method = "POST", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "Content-Length",
	    .header_value = "3", .body = "abc" },
	{ "equal Content-Length list", TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3 ,3,\t3\r\n\r\nabc"),
	    .method = "POST", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "Content-Length",
	    .header_value = "3 ,3,\t3", .body = "abc" },
	{ "zero Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"),
	    .method = "POST", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "content-length",
	    .header_value = "0" },
	{ "body exactly at the limit", TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 64\r\n\r\n" BODY_64),
	    .method = "POST", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host", .header_value = "h",
	    .body = BODY_64 },
	{ "headers exactly at the limit",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\n" HEADER HEADER HEADER HEADER
	    HEADER HEADER HEADER HEADER HEADER "\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "a", .header_value = "1" },
	{ "head exactly at the limit", TEXT(EXACT_HEAD),
	    .limits = &exact_head_limits, .method = "GET", .path = "/",
	    .query = "", .version_minor = 1, .keep_alive = 1,
	    .header_name = "host", .header_value = "a" },
	{ "pipelined: the first request",
	    TEXT("POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n"
	    "bodyGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .method = "POST", .path = "/1", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host", .header_value = "h",
	    .body = "body", .total_length = 52 },
	{ "HTTP/1.2 served as 1.1 (RFC 9110 2.5)",
	    TEXT("GET / HTTP/1.2\r\nHost: h\r\n\r\n"),
	    .method = "GET", .path = "/", .query = "", .version_minor = 1,
	    .keep_alive = 1, .header_name = "host", .header_value = "h",
	    .body = "", .total_length = 27 },

	/* Request lines that are refused. */
	{ "empty request line", TEXT("\r\n\r\n"), .status = 400 },
	{ "two spaces after the method",
	    TEXT("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "two spaces before the version",
	    TEXT("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "tab as separator",
	    TEXT("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "space inside the target",
	    TEXT("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "no version", TEXT("GET /\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "space after the version",
	    TEXT("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), .status = 400 },
	{ "method with a separator",
	    TEXT("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "sixteen-character method",
	    TEXT("ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .status = 501 },
	{ "relative target",
	    TEXT("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "absolute-form target",
	    TEXT("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "star with another seven-letter method",
	    TEXT("CONNECT * HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "star without OPTIONS",
	    TEXT("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "control character in the target",
	    TEXT("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "DEL in the target",
	    TEXT("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "non-ASCII target",
	    TEXT("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    .status = 400 },
	{ "NUL in the target",
	    TEXT("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "HTTP/2.0",
	    TEXT("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), .status = 505 },
	{ "HTTP/0.9", TEXT("GET / HTTP/0.9\r\n\r\n"), .status = 505 },
	{ "two-digit minor version",
	    TEXT("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "lower-case protocol",
	    TEXT("GET / http/1.1\r\nHost: h\r\n\r\n"), .status = 400 },
	{ "version without minor",
	    TEXT("GET / HTTP/1\r\nHost: h\r\n\r\n"), .status = 400 },

	/* Headers that are refused. */
	{ "no Host in HTTP/1.1",
	    TEXT("GET / HTTP/1.1\r\n\r\n"), .status = 400 },
	{ "two Host headers",
	    TEXT("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n"),
	    .status = 400 },
	{ "obs-fold",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n"),
	    .status = 400 },
	{ "whitespace before the first header",
	    TEXT("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n"), .status = 400 },
	{ "space before the colon",
	    TEXT("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), .status = 400 },
	{ "no colon", TEXT("GET / HTTP/1.1\r\nHost h\r\n\r\n"), .status = 400 },
	{ "empty name", TEXT("GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n"),
	    .status = 400 },
	{ "separator in a name",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n"),
	    .status = 400 },
	{ "NUL in a value",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"),
	    .status = 400 },
	{ "NUL in a name",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX\0A: 1\r\n\r\n"),
	    .status = 400 },
	{ "bare CR in a value",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"),
	    .status = 400 },
	{ "escape in a value",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-A: \x1b[0m\r\n\r\n"),
	    .status = 400 },
	{ "too many headers", TEXT("GET / HTTP/1.1\r\nHost: h\r\n"
	    TEN_HEADERS "\r\n"), .status = 431 },
	{ "more headers than HTTP_HEADERS_MAX",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\n" HUNDRED_HEADERS "\r\n"),
	    .limits = &wide_limits, .status = 431 },
	{ "head over the limit, unfinished",
	    TEXT("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " HUNDRED_X HUNDRED_X
	    HUNDRED_X HUNDRED_X HUNDRED_X HUNDRED_X), .status = 431 },
	{ "head one byte over the limit", TEXT(EXACT_HEAD),
	    .limits = &short_head_limits, .status = 431 },

	/* Bodies that are refused. */
	{ "Content-Length not a number",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"),
	    .status = 400 },
	{ "negative Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
	    .status = 400 },
	{ "signed Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx"),
	    .status = 400 },
	{ "space inside Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n"),
	    .status = 400 },
	{ "empty Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"),
	    .status = 400 },
	{ "overflowing Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999999999\r\n\r\n"),
	    .status = 400 },
	{ "differing Content-Length headers",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	    "Content-Length: 4\r\n\r\nabcd"), .status = 400 },
	{ "differing Content-Length list",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n"),
	    .status = 400 },
	{ "Content-Length items not separated by a comma",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3x3\r\n\r\n"),
	    .status = 400 },
	{ "empty item in a Content-Length list",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3,\r\n\r\n"),
	    .status = 400 },
	{ "chunked",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\n\r\n"), .status = 411 },
	{ "Chunked in capitals",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n"
	    "\r\n"), .status = 411 },
	{ "gzip: chunked is not the final coding (RFC 9112 6.3)",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n"), .status = 400 },
	{ "gzip then chunked", TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n"), .status = 501 },
	{ "chunked then gzip in two headers", TEXT("POST / HTTP/1.1\r\n"
	    "Host: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n"), .status = 400 },
	{ "chunked in two headers", TEXT("POST / HTTP/1.1\r\n"
	    "Host: h\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), .status = 501 },
	{ "Transfer-Encoding and Content-Length",
	    TEXT("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), .status = 400 },
	{ "body over the limit", TEXT("POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 65\r\n\r\n"), .status = 413 },
};

#define CORPUS_SIZE	(sizeof(corpus) / sizeof(corpus[0]))

/* The limits a corpus case is parsed with. */
static const struct http_limits *
case_limits(const struct corpus_case *entry)
{
	return entry->limits != NULL ? entry->limits : &default_limits;
}

/* The number of bytes a corpus case's request should use. */
static size_t
case_total_length(const struct corpus_case *entry)
{
	return entry->total_length != 0 ? entry->total_length : entry->length;
}

/* A copy of length bytes in its own allocation, so ASan sees overruns. */
static char *
copy_bytes(const char *bytes, size_t length)
{
	char	*copy;

	copy = malloc(length != 0 ? length : 1);
	assert_non_null(copy);
	if (length != 0)
		memcpy(copy, bytes, length);
	return copy;
}

/* Check a parsed request against what the corpus case expects. */
static void
check_request(const struct corpus_case *entry,
    const struct http_request *request)
{
	const char	*value;
	size_t		 body_length;

	assert_string_equal(request->method, entry->method);
	assert_string_equal(request->path, entry->path);
	assert_string_equal(request->query, entry->query);
	assert_int_equal(request->version_minor, entry->version_minor);
	assert_int_equal(request->keep_alive, entry->keep_alive);
	value = http_header_find(request, entry->header_name);
	if (entry->header_value == NULL)
		assert_null(value);
	else {
		assert_non_null(value);
		assert_string_equal(value, entry->header_value);
	}
	body_length = entry->body != NULL ? strlen(entry->body) : 0;
	assert_int_equal(request->body_length, body_length);
	assert_memory_equal(request->body, entry->body != NULL ? entry->body :
	    "", body_length);
	assert_int_equal(request->total_length, case_total_length(entry));
}

/* Check that two parses of one request found the same fields. */
static void
check_same_request(const struct http_request *a, const struct http_request *b)
{
	size_t	i;

	assert_string_equal(a->method, b->method);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->query, b->query);
	assert_int_equal(a->version_minor, b->version_minor);
	assert_int_equal(a->keep_alive, b->keep_alive);
	assert_int_equal(a->header_count, b->header_count);
	for (i = 0; i < a->header_count; i++) {
		assert_string_equal(a->headers[i].name, b->headers[i].name);
		assert_string_equal(a->headers[i].value, b->headers[i].value);
	}
	assert_int_equal(a->body_length, b->body_length);
	assert_memory_equal(a->body, b->body, a->body_length);
	assert_int_equal(a->total_length, b->total_length);
}

/*
 * Parse entry whole into parser, check the outcome against the table and
 * return the buffer the request points into (NULL after an error).
 */
static char *
parse_whole(const struct corpus_case *entry, struct http_parser *parser,
    struct http_request **request)
{
	char	*buffer;
	int	 result, status = 0;

	buffer = copy_bytes(entry->text, entry->length);
	http_parser_reset(parser);
	result = http_parse(parser, buffer, entry->length, case_limits(entry),
	    request, &status);
	if (entry->status != 0) {
		if (result != -1 || status != entry->status)
			fail_msg("%s: got %d, status %d, not status %d",
			    entry->name, result, status, entry->status);
		free(buffer);
		return NULL;
	}
	if (result != 1)
		fail_msg("%s: got %d, status %d", entry->name, result, status);
	check_request(entry, *request);
	return buffer;
}

/* Every corpus case parsed from one buffer holding all of it. */
static void
test_corpus_whole(void **state)
{
	struct http_parser	 parser;
	struct http_request	*request;
	size_t			 i;

	(void)state;
	assert_true(CORPUS_SIZE >= 40);
	for (i = 0; i < CORPUS_SIZE; i++)
		free(parse_whole(&corpus[i], &parser, &request));
}

/*
 * Every corpus case fed one byte at a time, the buffer moving on each call:
 * the parser waits until the very byte that completes the request or shows
 * the fault, keeps scanned moving forwards and within two bytes of the end
 * while the head is incomplete, and agrees with the whole parse.
 */
static void
test_corpus_split(void **state)
{
	const struct corpus_case	*entry;
	struct http_parser		 whole, split;
	struct http_request		*whole_request, *request;
	char				*whole_buffer, *buffer, *moved;
	size_t				 i, length, scanned;
	int				 result, status;

	(void)state;
	for (i = 0; i < CORPUS_SIZE; i++) {
		entry = &corpus[i];
		whole_buffer = parse_whole(entry, &whole, &whole_request);
		http_parser_reset(&split);
		buffer = NULL;
		result = 0;
		scanned = 0;
		for (length = 1; length <= entry->length; length++) {
			moved = copy_bytes(buffer, length - 1);
			moved = realloc(moved, length);
			assert_non_null(moved);
			moved[length - 1] = entry->text[length - 1];
			free(buffer);
			buffer = moved;
			status = 0;
			result = http_parse(&split, buffer, length,
			    case_limits(entry), &request, &status);
			if (split.scanned < scanned)
				fail_msg("%s: scanned went back from %zu "
				    "to %zu", entry->name, scanned,
				    split.scanned);
			scanned = split.scanned;
			assert_true(scanned <= length);
			if (split.head_length == 0 && result == 0)
				assert_true(length - scanned <= 2);
			if (result != 0)
				break;
		}
		if (entry->status != 0) {
			if (result != -1 || status != entry->status)
				fail_msg("%s: split feed got %d, status %d",
				    entry->name, result, status);
		} else {
			if (result != 1 || length != case_total_length(entry))
				fail_msg("%s: split feed got %d after %zu "
				    "bytes", entry->name, result, length);
			check_request(entry, request);
			check_same_request(request, whole_request);
		}
		free(buffer);
		free(whole_buffer);
	}
}

/* Two pipelined requests: parse, consume, reset, parse the second. */
static void
test_pipelined(void **state)
{
	static const char	 text[] = "POST /1?a=b HTTP/1.1\r\n"
	    "Host: h\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.0\r\n"
	    "Connection: keep-alive\r\n\r\nGET /3";
	struct http_parser	 parser;
	struct http_request	*request;
	char			 buffer[sizeof(text)];
	size_t			 length = sizeof(text) - 1;
	int			 status = 0;

	(void)state;
	memcpy(buffer, text, sizeof(text));
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 1);
	assert_string_equal(request->method, "POST");
	assert_string_equal(request->path, "/1");
	assert_string_equal(request->query, "a=b");
	assert_memory_equal(request->body, "hello", 5);
	assert_int_equal(request->total_length,
	    strstr(text, "GET /2") - text);

	memmove(buffer, buffer + request->total_length,
	    length - request->total_length);
	length -= request->total_length;
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 1);
	assert_string_equal(request->method, "GET");
	assert_string_equal(request->path, "/2");
	assert_int_equal(request->version_minor, 0);
	assert_int_equal(request->keep_alive, 1);
	assert_int_equal(request->body_length, 0);
	assert_memory_equal(buffer + request->total_length, "GET /3", 6);

	memmove(buffer, buffer + request->total_length,
	    length - request->total_length);
	length -= request->total_length;
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 0);
}

/* The body arrives after the head; the head's fields stay put. */
static void
test_body_later(void **state)
{
	static const char	 head[] = "POST / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3\r\n\r\n";
	struct http_parser	 parser;
	struct http_request	*request;
	char			 buffer[sizeof(head) + 3];
	size_t			 length = sizeof(head) - 1;
	int			 status = 0;

	(void)state;
	memcpy(buffer, head, length);
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 0);
	assert_int_equal(parser.head_length, length);
	assert_int_equal(parser.body_length, 3);
	memcpy(buffer + length, "xy", 2);
	assert_int_equal(http_parse(&parser, buffer, length + 2,
	    &default_limits, &request, &status), 0);
	buffer[length + 2] = 'z';
	assert_int_equal(http_parse(&parser, buffer, length + 3,
	    &default_limits, &request, &status), 1);
	assert_string_equal(request->path, "/");
	assert_string_equal(http_header_find(request, "content-length"), "3");
	assert_ptr_equal(request->body, buffer + length);
	assert_memory_equal(request->body, "xyz", 3);
	assert_int_equal(request->total_length, length + 3);
}

/* Bytes already searched for the head's end are not searched again. */
static void
test_no_second_look(void **state)
{
	static const char	 text[] = "GET / HTTP/1.1\r\nHost: h\r\n";
	struct http_parser	 parser;
	struct http_request	*request;
	char			 buffer[sizeof(text)];
	size_t			 length = sizeof(text) - 1;
	int			 status = 0;

	(void)state;
	memcpy(buffer, text, sizeof(text));
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 0);
	assert_int_equal(parser.scanned, length - 1);
	/* An end of head behind scanned would be found only by a rescan. */
	memcpy(buffer + 14, "\n\n", 2);
	assert_int_equal(http_parse(&parser, buffer, length, &default_limits,
	    &request, &status), 0);
	assert_int_equal(parser.scanned, length - 1);
}

/* http_header_find and http_header_has_token ignore case and whitespace. */
static void
test_header_helpers(void **state)
{
	static const char	 text[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "Accept: a/b\r\nACCEPT: c/d\r\nUpgrade: foo\t, ,\tWebSocket \r\n"
	    "Upgrade: h2c\r\nX-List: keep-alive-ish\r\n\r\n";
	struct http_parser	 parser;
	struct http_request	*request;
	char			 buffer[sizeof(text)];
	int			 status = 0;

	(void)state;
	memcpy(buffer, text, sizeof(text));
	http_parser_reset(&parser);
	assert_int_equal(http_parse(&parser, buffer, sizeof(text) - 1,
	    &default_limits, &request, &status), 1);
	assert_int_equal(request->header_count, 6);
	assert_string_equal(request->headers[1].name, "Accept");
	assert_string_equal(http_header_find(request, "accept"), "a/b");
	assert_null(http_header_find(request, "Accept-Language"));
	assert_null(http_header_find(request, "Accep"));
	assert_true(http_header_has_token(request, "upgrade", "websocket"));
	assert_true(http_header_has_token(request, "Upgrade", "FOO"));
	assert_true(http_header_has_token(request, "Upgrade", "h2c"));
	assert_false(http_header_has_token(request, "Upgrade", "web"));
	assert_false(http_header_has_token(request, "Upgrade", ""));
	assert_false(http_header_has_token(request, "X-List", "keep-alive"));
	assert_false(http_header_has_token(request, "Connection", "close"));
}

/* Known statuses have their reason phrase; others are "Unknown". */
static void
test_status_reasons(void **state)
{
	(void)state;
	assert_string_equal(http_status_reason(200), "OK");
	assert_string_equal(http_status_reason(400), "Bad Request");
	assert_string_equal(http_status_reason(411), "Length Required");
	assert_string_equal(http_status_reason(413), "Content Too Large");
	assert_string_equal(http_status_reason(431),
	    "Request Header Fields Too Large");
	assert_string_equal(http_status_reason(501), "Not Implemented");
	assert_string_equal(http_status_reason(505),
	    "HTTP Version Not Supported");
	assert_string_equal(http_status_reason(418), "Unknown");
	assert_string_equal(http_status_reason(0), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_whole),
		cmocka_unit_test(test_corpus_split),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_body_later),
		cmocka_unit_test(test_no_second_look),
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_status_reasons),
	};

	return cmocka_run_group_tests_name("http_parser", tests, NULL, NULL);
}
