/*
 * chat_format.c: how a chat message is written out: HTML and JSON.
 *
 * A URL starts at http://, https:// (any case) or www. on a word boundary
 * (the byte before is not an ASCII letter, digit or underscore), runs over
 * bytes that are not whitespace, control characters or < > " ' `, and
 * loses trailing . , ; : ! ? and any ')' without its '('.  Every function
 * appends to the buffer; on failure the buffer is left as it was.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "protocols/chat/chat_format.h"
#include "util/buffer.h"

/* Put the buffer back to length after a failed append; returns -1. */
static int
format_failed(struct buffer *buffer, size_t length)
{
	buffer->length = length;
	if (buffer->data != NULL)
		buffer->data[length] = '\0';
	return -1;
}

/* Append the run text[from..to) and then replacement; 0 or -1. */
static int
append_run(struct buffer *buffer, const char *text, size_t from, size_t to,
    const char *replacement)
{
	if (to > from && buffer_append(buffer, text + from, to - from) == -1)
		return -1;
	if (replacement != NULL && buffer_append_string(buffer, replacement) ==
	    -1)
		return -1;
	return 0;
}

/* The HTML entity that stands for c, or NULL when c stands for itself. */
static const char *
html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/* Append text with & < > " ' written as entities; 0 or -1. */
int
chat_html_escape(struct buffer *buffer, const char *text, size_t length)
{
	const char	*entity;
	size_t		 start = buffer->length, run = 0, i;

	for (i = 0; i < length; i++) {
		if ((entity = html_entity(text[i])) == NULL)
			continue;
		if (append_run(buffer, text, run, i, entity) == -1)
			return format_failed(buffer, start);
		run = i + 1;
	}
	if (append_run(buffer, text, run, length, NULL) == -1)
		return format_failed(buffer, start);
	return 0;
}

/* Whether c is an ASCII letter, digit or underscore. */
static int
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Whether c can be part of a URL. */
static int
is_url_byte(unsigned char c)
{
	if (c <= ' ' || c == 0x7f)
		return 0;
	return c != '<' && c != '>' && c != '"' && c != '\'' && c != '`';
}

/* Whether c is punctuation trimmed from the end of a URL. */
static int
is_trailing_punctuation(char c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
	    c == '?';
}

/*
 * The length of the URL starting at text[at], or 0 when none starts there.
 * *needs_scheme is set when it is a www. URL whose href lacks "http://".
 */
static size_t
url_length(const char *text, size_t length, size_t at, int *needs_scheme)
{
	size_t	prefix, end, opened = 0, closed = 0, i;

	*needs_scheme = 0;
	if (at > 0 && is_word_byte((unsigned char)text[at - 1]))
		return 0;
	if (length - at >= 7 && strncasecmp(text + at, "http://", 7) == 0)
		prefix = 7;
	else if (length - at >= 8 && strncasecmp(text + at, "https://", 8) ==
	    0)
		prefix = 8;
	else if (length - at >= 4 && memcmp(text + at, "www.", 4) == 0) {
		prefix = 4;
		*needs_scheme = 1;
	} else
		return 0;
	for (end = at + prefix; end < length &&
	    is_url_byte((unsigned char)text[end]); end++)
		continue;
	for (i = at + prefix; i < end; i++) {
		if (text[i] == '(')
			opened++;
		else if (text[i] == ')')
			closed++;
	}
	while (end > at + prefix) {
		if (is_trailing_punctuation(text[end - 1]))
			end--;
		else if (text[end - 1] == ')' && closed > opened) {
			end--;
			closed--;
		} else
			break;
	}
	return end == at + prefix ? 0 : end - at;
}

/* Append one link to the URL text[0..length); 0 or -1. */
static int
append_link(struct buffer *buffer, const char *url, size_t length,
    int needs_scheme)
{
	if (buffer_append_string(buffer, "<a href=\"") == -1 ||
	    (needs_scheme && buffer_append_string(buffer, "http://") == -1) ||
	    chat_html_escape(buffer, url, length) == -1 ||
	    buffer_append_string(buffer, "\">") == -1 ||
	    chat_html_escape(buffer, url, length) == -1 ||
	    buffer_append_string(buffer, "</a>") == -1)
		return -1;
	return 0;
}

/* Append text escaped, with its http, https and www. URLs as links. */
int
chat_linkify(struct buffer *buffer, const char *text, size_t length)
{
	size_t	start = buffer->length, plain = 0, i = 0, url;
	int	needs_scheme;

	while (i < length) {
		if ((url = url_length(text, length, i, &needs_scheme)) == 0) {
			i++;
			continue;
		}
		if (chat_html_escape(buffer, text + plain, i - plain) == -1 ||
		    append_link(buffer, text + i, url, needs_scheme) == -1)
			return format_failed(buffer, start);
		i += url;
		plain = i;
	}
	if (chat_html_escape(buffer, text + plain, length - plain) == -1)
		return format_failed(buffer, start);
	return 0;
}

/* Append the HTML of one message, as the chat demo's message.html. */
int
chat_message_html(struct buffer *buffer, const char *id, const char *body,
    size_t body_length)
{
	size_t	start = buffer->length;

	if (buffer_append_string(buffer, "<div class=\"message\" id=\"m") ==
	    -1 || buffer_append_string(buffer, id) == -1 ||
	    buffer_append_string(buffer, "\">") == -1 ||
	    chat_linkify(buffer, body, body_length) == -1 ||
	    buffer_append_string(buffer, "</div>\n") == -1)
		return format_failed(buffer, start);
	return 0;
}

/* Append text as a quoted JSON string safe inside a <script>; 0 or -1. */
int
chat_json_string(struct buffer *buffer, const char *text, size_t length)
{
	const unsigned char	*s = (const unsigned char *)text;
	const char		*replacement;
	char			 control[8];
	size_t			 start = buffer->length, run = 0, i, skip;

	if (buffer_append(buffer, "\"", 1) == -1)
		return -1;
	for (i = 0; i < length; i += skip) {
		replacement = NULL;
		skip = 1;
		switch (s[i]) {
		case '"':
			replacement = "\\\"";
			break;
		case '\\':
			replacement = "\\\\";
			break;
		case '\n':
			replacement = "\\n";
			break;
		case '\r':
			replacement = "\\r";
			break;
		case '\t':
			replacement = "\\t";
			break;
		case '\b':
			replacement = "\\b";
			break;
		case '\f':
			replacement = "\\f";
			break;
		case '/':
			if (i > 0 && s[i - 1] == '<')
				replacement = "\\/";
			break;
		case 0xe2:
			if (length - i >= 3 && s[i + 1] == 0x80 &&
			    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
				replacement = s[i + 2] == 0xa8 ? "\\u2028" :
				    "\\u2029";
				skip = 3;
			}
			break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f) {
				(void)snprintf(control, sizeof(control),
				    "\\u%04x", s[i]);
				replacement = control;
			}
			break;
		}
		if (replacement == NULL)
			continue;
		if (append_run(buffer, text, run, i, replacement) == -1)
			return format_failed(buffer, start);
		run = i + skip;
	}
	if (append_run(buffer, text, run, length, "\"") == -1)
		return format_failed(buffer, start);
	return 0;
}

/* Append a message as {"id": ..., "body": ..., "html": ...}; 0 or -1. */
int
chat_message_json(struct buffer *buffer, const char *id, const char *body,
    size_t body_length)
{
	struct buffer	html;
	size_t		start = buffer->length;
	int		result = 0, saved_errno;

	buffer_init(&html);
	if (chat_message_html(&html, id, body, body_length) == -1 ||
	    buffer_append_string(buffer, "{\"id\": ") == -1 ||
	    chat_json_string(buffer, id, strlen(id)) == -1 ||
	    buffer_append_string(buffer, ", \"body\": ") == -1 ||
	    chat_json_string(buffer, body, body_length) == -1 ||
	    buffer_append_string(buffer, ", \"html\": ") == -1 ||
	    chat_json_string(buffer, html.data, html.length) == -1 ||
	    buffer_append_string(buffer, "}") == -1)
		result = format_failed(buffer, start);
	saved_errno = errno;
	buffer_free(&html);
	errno = saved_errno;
	return result;
}
