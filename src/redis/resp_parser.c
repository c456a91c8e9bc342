/*
 * resp_parser.c: an incremental parser of Redis replies (RESP2).
 *
 * resp_parse() checks a reply as its bytes arrive: each line (a type
 * byte, its text, CRLF) once it is whole, and each bulk string once all
 * its bytes are there, keeping a stack of the elements each open array
 * still expects.  Only a complete, checked reply is turned into values,
 * by resp_reply_build(), which can then trust the bytes it walks.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis/resp_parser.h"

/* Start parsing replies under limits. */
void
resp_parser_init(struct resp_parser *parser, const struct resp_limits *limits)
{
	memset(parser, 0, sizeof(*parser));
	parser->limits = *limits;
	if (parser->limits.depth_max > RESP_DEPTH_LIMIT)
		parser->limits.depth_max = RESP_DEPTH_LIMIT;
}

/* Forget the reply just parsed: the next starts at the next byte. */
void
resp_parser_reset(struct resp_parser *parser)
{
	parser->scan = 0;
	parser->bulk_end = 0;
	parser->depth = 0;
	parser->error[0] = '\0';
}

/* Why the last reply was refused. */
const char *
resp_parser_error(const struct resp_parser *parser)
{
	return parser->error;
}

/* Record why the reply is refused; always RESP_MALFORMED. */
static enum resp_status
refuse(struct resp_parser *parser, const char *what)
{
	(void)snprintf(parser->error, sizeof(parser->error), "%s", what);
	return RESP_MALFORMED;
}

/* Parse a whole line's text as a signed 64-bit integer; 0 or -1. */
static int
parse_integer(const char *text, size_t length, int64_t *value)
{
	uint64_t	magnitude = 0, limit = INT64_MAX;
	size_t		i = 0;
	int		negative = 0;

	if (length > 0 && text[0] == '-') {
		negative = 1;
		limit = (uint64_t)INT64_MAX + 1;
		i++;
	}
	if (i == length)
		return -1;
	for (; i < length; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		if (magnitude > (limit - (uint64_t)(text[i] - '0')) / 10)
			return -1;
		magnitude = magnitude * 10 + (uint64_t)(text[i] - '0');
	}
	if (negative)
		*value = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)magnitude;
	else
		*value = (int64_t)magnitude;
	return 0;
}

/* One value ended: close the arrays it completes; 1 if the reply did. */
static int
value_done(struct resp_parser *parser)
{
	while (parser->depth > 0) {
		if (--parser->left[parser->depth - 1] > 0)
			return 0;
		parser->depth--;
	}
	return 1;
}

/*
 * Check the line at parser->scan: its type byte and what its text says.
 * 1 when the reply is complete, 0 to go on, RESP_MALFORMED.
 */
static int
scan_line(struct resp_parser *parser, const char *line, size_t end)
{
	const char	*text = line + 1;
	size_t		 text_length = end - 2, next;
	int64_t		 number = 0;

	next = parser->scan + end + 1;
	if (memchr(text, '\r', text_length) != NULL)
		return refuse(parser, "a CR inside a line");
	if (line[0] == ':' || line[0] == '$' || line[0] == '*') {
		if (parse_integer(text, text_length, &number) == -1)
			return refuse(parser, "a malformed number");
	}
	switch (line[0]) {
	case '+':
	case '-':
	case ':':
		break;
	case '$':
		if (number == -1)
			break;
		if (number < 0)
			return refuse(parser, "a negative bulk length");
		if ((uint64_t)number > parser->limits.bulk_max)
			return refuse(parser, "a bulk string over the limit");
		if (next > parser->limits.reply_max || (uint64_t)number + 2 >
		    parser->limits.reply_max - next)
			return refuse(parser, "a reply over the size limit");
		parser->bulk_end = next + (size_t)number + 2;
		parser->scan = next;
		return 0;
	case '*':
		if (number == -1 || number == 0)
			break;
		if (number < 0)
			return refuse(parser, "a negative array length");
		if ((uint64_t)number > parser->limits.elements_max)
			return refuse(parser, "an array over the element "
			    "limit");
		if (parser->depth >= parser->limits.depth_max)
			return refuse(parser, "arrays nested too deep");
		parser->left[parser->depth++] = number;
		parser->scan = next;
		return 0;
	default:
		return refuse(parser, "an unknown type byte");
	}
	parser->scan = next;
	return value_done(parser);
}

/*
 * Check more of the reply that starts at data; length bytes are there.
 * RESP_COMPLETE with its size in *used, RESP_INCOMPLETE, RESP_MALFORMED.
 */
enum resp_status
resp_parse(struct resp_parser *parser, const char *data, size_t length,
    size_t *used)
{
	const char	*line, *newline;
	size_t		 available, window, end;
	int		 done;

	for (;;) {
		if (parser->bulk_end != 0) {
			if (length < parser->bulk_end)
				break;
			if (data[parser->bulk_end - 2] != '\r' ||
			    data[parser->bulk_end - 1] != '\n')
				return refuse(parser, "a bulk string not "
				    "ended by CRLF");
			parser->scan = parser->bulk_end;
			parser->bulk_end = 0;
			done = value_done(parser);
		} else {
			if (length <= parser->scan)
				break;
			line = data + parser->scan;
			available = length - parser->scan;
			window = available < RESP_LINE_MAX ? available :
			    RESP_LINE_MAX;
			if ((newline = memchr(line, '\n', window)) == NULL) {
				if (available >= RESP_LINE_MAX)
					return refuse(parser, "a line over "
					    "the length limit");
				break;
			}
			end = (size_t)(newline - line);
			if (end < 2 || line[end - 1] != '\r')
				return refuse(parser, "a line not ended by "
				    "CRLF");
			if ((done = scan_line(parser, line, end)) ==
			    RESP_MALFORMED)
				return RESP_MALFORMED;
		}
		if (parser->scan > parser->limits.reply_max)
			return refuse(parser, "a reply over the size limit");
		if (done) {
			*used = parser->scan;
			return RESP_COMPLETE;
		}
	}
	if (length > parser->limits.reply_max)
		return refuse(parser, "a reply over the size limit");
	return RESP_INCOMPLETE;
}

/* Free the elements under value. */
static void
value_free(struct resp_value *value)
{
	size_t	i;

	if (value->type != RESP_ARRAY || value->elements == NULL)
		return;
	for (i = 0; i < value->length; i++)
		value_free(&value->elements[i]);
	free(value->elements);
	value->elements = NULL;
}

/*
 * Build the value at *at of a checked reply of size bytes in raw
 * (NUL-terminating its strings in place) and move *at past it; 0 or -1
 * (out of memory).
 */
static int
value_build(char *raw, size_t size, size_t *at, struct resp_value *value)
{
	char	*line = raw + *at, *cr;
	int64_t	 number = 0;
	size_t	 i;

	cr = memchr(line, '\r', size - *at);	/* checked: it is there */
	*cr = '\0';
	*at += (size_t)(cr - line) + 2;
	memset(value, 0, sizeof(*value));
	if (line[0] == ':' || line[0] == '$' || line[0] == '*')
		(void)parse_integer(line + 1, (size_t)(cr - line - 1),
		    &number);
	switch (line[0]) {
	case '+':
	case '-':
		value->type = line[0] == '+' ? RESP_SIMPLE : RESP_ERROR;
		value->string = line + 1;
		value->length = (size_t)(cr - line - 1);
		return 0;
	case ':':
		value->type = RESP_INTEGER;
		value->integer = number;
		return 0;
	case '$':
		if (number == -1) {
			value->type = RESP_NULL;
			return 0;
		}
		value->type = RESP_BULK;
		value->string = raw + *at;
		value->length = (size_t)number;
		raw[*at + (size_t)number] = '\0';
		*at += (size_t)number + 2;
		return 0;
	default:
		break;
	}
	if (number == -1) {
		value->type = RESP_NULL;
		return 0;
	}
	value->type = RESP_ARRAY;
	if (number == 0)
		return 0;
	if ((value->elements = calloc((size_t)number,
	    sizeof(*value->elements))) == NULL)
		return -1;
	value->length = (size_t)number;
	for (i = 0; i < value->length; i++) {
		if (value_build(raw, size, at, &value->elements[i]) == -1) {
			value->length = i + 1;
			value_free(value);
			value->length = 0;
			return -1;
		}
	}
	return 0;
}

/*
 * Turn the complete reply resp_parse() checked (its used bytes at data)
 * into values that own their memory; 0 or -1 (out of memory).
 */
int
resp_reply_build(struct resp_reply *reply, const char *data, size_t used)
{
	size_t	at = 0;

	memset(reply, 0, sizeof(*reply));
	if ((reply->raw = malloc(used + 1)) == NULL)
		return -1;
	memcpy(reply->raw, data, used);
	reply->raw[used] = '\0';
	if (value_build(reply->raw, used, &at, &reply->root) == -1) {
		free(reply->raw);
		reply->raw = NULL;
		return -1;
	}
	return 0;
}

/* Free a reply's values. */
void
resp_reply_free(struct resp_reply *reply)
{
	value_free(&reply->root);
	free(reply->raw);
	memset(reply, 0, sizeof(*reply));
}
