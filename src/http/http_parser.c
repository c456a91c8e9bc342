/*
 * http_parser.c: an incremental HTTP/1.x request parser.
 *
 * The head's end is searched for from where the last call stopped, then
 * the head is validated once, which packs the method, path, query and each
 * header name and value, NUL-terminated and in that order, towards its
 * start.  The call that finds the body complete rebuilds every pointer by
 * walking those strings in the buffer it was given, so the buffer may move
 * between calls.  After -1 the caller answers and closes the connection.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "http/http_request.h"

#define METHOD_LENGTH_MAX	15

/* Set *status to code; always -1. */
static int
fail(int *status, int code)
{
	*status = code;
	return -1;
}

/* Whether c may appear in a token (RFC 9110 tchar). */
int
http_is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* How many of the first length bytes of text are token characters. */
static size_t
token_span(const char *text, size_t length)
{
	size_t	i = 0;

	while (i < length && http_is_token_char(text[i]))
		i++;
	return i;
}

/* Whether c is optional whitespace: a space or a horizontal tab. */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether c is an ASCII digit, whatever the locale. */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether the first length bytes of a and b are equal, ignoring case. */
static int
equal_ignoring_case(const char *a, const char *b, size_t length)
{
	size_t	i;
	char	x, y;

	for (i = 0; i < length; i++) {
		x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] - 'A' + 'a' : a[i];
		y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] - 'A' + 'a' : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

/* Whether the strings a and b are equal, ignoring ASCII case. */
static int
names_equal(const char *a, const char *b)
{
	size_t	length = strlen(a);

	return strlen(b) == length && equal_ignoring_case(a, b, length);
}

/* Forget everything, ready for the first byte of a new request. */
void
http_parser_reset(struct http_parser *parser)
{
	memset(parser, 0, sizeof(*parser));
}

/* Search on from parser->scanned for the head's end: its length, or 0. */
static size_t
find_head_end(struct http_parser *parser, const char *buffer, size_t length)
{
	size_t	i, next;

	for (i = parser->scanned; i < length; i++) {
		if (buffer[i] != '\n')
			continue;
		next = i + 1;
		if (next < length && buffer[next] == '\r')
			next++;
		if (next == length)
			break;		/* look at this newline again */
		if (buffer[next] == '\n') {
			parser->scanned = next + 1;
			return next + 1;
		}
	}
	parser->scanned = i;
	return 0;
}

/* Check "HTTP/1.x" of length bytes: 0 and *minor set, or a status. */
static int
parse_version(const char *text, size_t length, int *minor)
{
	if (length != 8 || memcmp(text, "HTTP/", 5) != 0 ||
	    !is_digit(text[5]) || text[6] != '.' || !is_digit(text[7]))
		return 400;
	if (text[5] != '1')
		return 505;
	/* RFC 9110 2.5: a later 1.x is served as 1.1, the latest known. */
	*minor = text[7] == '0' ? 0 : 1;
	return 0;
}

/* Check the request line and NUL-terminate its strings in place; 0 or -1. */
static int
parse_request_line(struct http_request *request, char *buffer, size_t length,
    size_t *packed, int *status)
{
	size_t		 method_length, target, target_end, version;
	char		*question;
	int		 code;

	method_length = token_span(buffer, length);
	if (method_length == 0 || method_length == length ||
	    buffer[method_length] != ' ')
		return fail(status, 400);
	if (method_length > METHOD_LENGTH_MAX)
		return fail(status, 501);
	target = method_length + 1;
	target_end = target;
	while (target_end < length && buffer[target_end] > ' ' &&
	    buffer[target_end] < 0x7f)
		target_end++;
	if (target_end == target || target_end == length ||
	    buffer[target_end] != ' ')
		return fail(status, 400);
	if (buffer[target] != '/' && !(target_end - target == 1 &&
	    buffer[target] == '*' && method_length == 7 &&
	    memcmp(buffer, "OPTIONS", 7) == 0))
		return fail(status, 400);
	version = target_end + 1;
	code = parse_version(buffer + version, length - version,
	    &request->version_minor);
	if (code != 0)
		return fail(status, code);

	/* Valid: the version's bytes are free for the empty query's NUL. */
	buffer[method_length] = '\0';
	buffer[target_end] = '\0';
	question = memchr(buffer + target, '?', target_end - target);
	if (question != NULL) {
		*question = '\0';
		*packed = target_end + 1;
	} else {
		buffer[target_end + 1] = '\0';
		*packed = target_end + 2;
	}
	return 0;
}

/* Copy length bytes from source to *packed, NUL-terminated; return them. */
static const char *
pack(char *buffer, size_t *packed, const char *source, size_t length)
{
	char	*string = buffer + *packed;

	memmove(string, source, length);
	string[length] = '\0';
	*packed += length + 1;
	return string;
}

/* Check a header line, then pack its name and value (never past it). */
static int
parse_header_line(struct http_request *request, char *buffer, size_t start,
    size_t length, size_t *packed, size_t header_max, int *status)
{
	struct http_header	*header;
	const char		*line = buffer + start;
	size_t			 name_length, value, value_end, i;
	unsigned char		 c;

	/* A folded line (leading blank) fails here as an empty name. */
	name_length = token_span(line, length);
	if (name_length == 0 || name_length == length ||
	    line[name_length] != ':')
		return fail(status, 400);
	value = name_length + 1;
	while (value < length && is_blank(line[value]))
		value++;
	value_end = length;
	while (value_end > value && is_blank(line[value_end - 1]))
		value_end--;
	for (i = value; i < value_end; i++) {
		c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(status, 400);
	}
	if (request->header_count == header_max)
		return fail(status, 431);
	header = &request->headers[request->header_count++];
	header->name = pack(buffer, packed, line, name_length);
	header->value = pack(buffer, packed, line + value, value_end - value);
	return 0;
}

/* How many headers are called name. */
static size_t
count_headers(const struct http_request *request, const char *name)
{
	size_t	i, count = 0;

	for (i = 0; i < request->header_count; i++)
		if (names_equal(request->headers[i].name, name))
			count++;
	return count;
}

/*
 * The status Transfer-Encoding earns (RFC 9112 6.1, 6.3): 400 unless
 * chunked is the final coding, since the body's end cannot be known;
 * 411 for chunked alone (bodies are read by Content-Length only); 501
 * for chunked after codings pforkd does not decode.
 */
static int
transfer_encoding_status(const struct http_request *request)
{
	const char	*last = NULL, *coding;
	size_t		 i, length, codings = 0;

	for (i = 0; i < request->header_count; i++) {
		if (!names_equal(request->headers[i].name,
		    "Transfer-Encoding"))
			continue;
		for (coding = request->headers[i].value; *coding != '\0';
		    coding += length) {
			coding += strspn(coding, " \t,");
			if ((length = strcspn(coding, ",")) == 0)
				continue;
			last = coding;
			codings++;
		}
	}
	if (last == NULL)
		return 400;
	length = strcspn(last, ",");
	while (length > 0 && (last[length - 1] == ' ' ||
	    last[length - 1] == '\t'))
		length--;
	if (length != 7 || !equal_ignoring_case(last, "chunked", 7))
		return 400;
	return codings == 1 ? 411 : 501;
}

/* Set *length from every Content-Length list item, all equal; 0 or -1. */
static int
parse_content_length(const struct http_request *request, size_t *length)
{
	const char	*text;
	size_t		 i, number, digit;
	int		 found = 0;

	*length = 0;
	for (i = 0; i < request->header_count; i++) {
		if (!names_equal(request->headers[i].name, "Content-Length"))
			continue;
		for (text = request->headers[i].value; ; text++) {
			while (is_blank(*text))
				text++;
			if (!is_digit(*text))
				return -1;
			for (number = 0; is_digit(*text); text++) {
				digit = (size_t)(*text - '0');
				if (number > (SIZE_MAX - digit) / 10)
					return -1;
				number = number * 10 + digit;
			}
			while (is_blank(*text))
				text++;
			if (found && number != *length)
				return -1;
			*length = number;
			found = 1;
			if (*text == '\0')
				break;
			if (*text != ',')
				return -1;
		}
	}
	return 0;
}

/* Check Host and the body's framing, and set keep_alive; 0 or -1. */
static int
check_headers(struct http_parser *parser, const struct http_limits *limits,
    int *status)
{
	struct http_request	*request = &parser->request;
	const char		*transfer_encoding;
	size_t			 hosts, length;

	hosts = count_headers(request, "Host");
	if (hosts > 1 || (hosts == 0 && request->version_minor == 1))
		return fail(status, 400);
	transfer_encoding = http_header_find(request, "Transfer-Encoding");
	if (transfer_encoding != NULL) {
		if (http_header_find(request, "Content-Length") != NULL)
			return fail(status, 400);
		return fail(status, transfer_encoding_status(request));
	}
	if (parse_content_length(request, &length) == -1)
		return fail(status, 400);
	if (length > limits->body_max)
		return fail(status, 413);
	parser->body_length = length;
	request->keep_alive = request->version_minor == 1 ?
	    !http_header_has_token(request, "Connection", "close") :
	    http_header_has_token(request, "Connection", "keep-alive");
	return 0;
}

/* Validate the complete head once, packing its strings; 0 or -1. */
static int
parse_head(struct http_parser *parser, char *buffer, size_t head_length,
    const struct http_limits *limits, int *status)
{
	struct http_request	*request = &parser->request;
	const char		*newline;
	size_t			 start, end, length, header_max;
	size_t			 packed = 0;

	header_max = limits->header_count_max < HTTP_HEADERS_MAX ?
	    limits->header_count_max : HTTP_HEADERS_MAX;
	request->header_count = 0;
	for (start = 0; ; start = end + 1) {
		/* Every line of the head ends in a newline. */
		newline = memchr(buffer + start, '\n', head_length - start);
		end = (size_t)(newline - buffer);
		length = end - start;
		if (length > 0 && buffer[end - 1] == '\r')
			length--;
		if (start == 0) {
			if (parse_request_line(request, buffer, length,
			    &packed, status) == -1)
				return -1;
		} else if (length == 0) {
			break;
		} else if (parse_header_line(request, buffer, start, length,
		    &packed, header_max, status) == -1)
			return -1;
	}
	return check_headers(parser, limits, status);
}

/* Step over the NUL-terminated string at *cursor and return where it was. */
static const char *
next_string(const char **cursor)
{
	const char	*string = *cursor;

	*cursor += strlen(string) + 1;
	return string;
}

/* Point the request's fields at the packed strings and body of buffer. */
static void
point_into(struct http_parser *parser, const char *buffer)
{
	struct http_request	*request = &parser->request;
	const char		*cursor = buffer;
	size_t			 i;

	request->method = next_string(&cursor);
	request->path = next_string(&cursor);
	request->query = next_string(&cursor);
	for (i = 0; i < request->header_count; i++) {
		request->headers[i].name = next_string(&cursor);
		request->headers[i].value = next_string(&cursor);
	}
	request->body = buffer + parser->head_length;
	request->body_length = parser->body_length;
	request->total_length = parser->head_length + parser->body_length;
}

/*
 * Whether the first line alone fills the head_max + 1 bytes a head may
 * not reach: then the target is what is too long, 414 rather than 431
 * (RFC 9112 3).  Only those first bytes decide, which every caller has,
 * so a request refused as it trickles in gets the same answer as one
 * that arrived whole.
 */
static int
request_line_too_long(const char *buffer, size_t head_max)
{
	return memchr(buffer, '\n', head_max + 1) == NULL;
}

/* Parse the request that buffer starts with: 1 complete, 0 more, -1 bad. */
int
http_parse(struct http_parser *parser, char *buffer, size_t length,
    const struct http_limits *limits, struct http_request **request,
    int *status)
{
	size_t	head_length;

	if (parser->head_length == 0) {
		head_length = find_head_end(parser, buffer, length);
		if (head_length > limits->head_max ||
		    (head_length == 0 && length > limits->head_max))
			return fail(status, request_line_too_long(buffer,
			    limits->head_max) ? 414 : 431);
		if (head_length == 0)
			return 0;
		if (parse_head(parser, buffer, head_length, limits,
		    status) == -1)
			return -1;
		parser->head_length = head_length;
	}
	if (length < parser->head_length ||
	    length - parser->head_length < parser->body_length)
		return 0;
	point_into(parser, buffer);
	*request = &parser->request;
	return 1;
}

/* The value of the first header called name, or NULL. */
const char *
http_header_find(const struct http_request *request, const char *name)
{
	size_t	i;

	for (i = 0; i < request->header_count; i++)
		if (names_equal(request->headers[i].name, name))
			return request->headers[i].value;
	return NULL;
}

/* Whether a header called name has token in its comma-separated list. */
int
http_header_has_token(const struct http_request *request, const char *name,
    const char *token)
{
	const char	*text, *item, *item_end;
	size_t		 i, token_length = strlen(token);

	for (i = 0; i < request->header_count; i++) {
		if (!names_equal(request->headers[i].name, name))
			continue;
		text = request->headers[i].value;
		while (*text != '\0') {
			while (is_blank(*text) || *text == ',')
				text++;
			item = text;
			while (*text != '\0' && *text != ',')
				text++;
			item_end = text;
			while (item_end > item && is_blank(item_end[-1]))
				item_end--;
			if ((size_t)(item_end - item) == token_length &&
			    equal_ignoring_case(item, token, token_length))
				return 1;
		}
	}
	return 0;
}

/* The reason phrase of status, or "Unknown". */
const char *
http_status_reason(int status)
{
	static const struct {
		int		 status;
		const char	*reason;
	} reasons[] = {
		{ 200, "OK" }, { 204, "No Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 304, "Not Modified" }, { 400, "Bad Request" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}
