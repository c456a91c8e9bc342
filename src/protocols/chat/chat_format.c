/*
 * chat_format.c: how a chat message is written out: HTML and JSON.
 *
 * Links are found as tornado.escape.linkify() finds them with the chat
 * demo's defaults, in the escaped text and byte for byte: a URL starts on
 * a word boundary (Python's \b, Unicode-aware) with "scheme:" and one to
 * three slashes, or with "www.", and goes on over characters other than
 * whitespace, '&', '(' and ')', "&amp;" and "&quot;" (so an escaped '<',
 * '>' or '\'' ends it), and balanced parentheses, as long as it can end
 * on a character that is neither whitespace nor ASCII punctuation other
 * than / - _ and \.  Only the schemes http and https, as written, become
 * links; a URL of another scheme stays text, and so does all of it.
 * Every function appends to the buffer; on failure the buffer is left as
 * it was.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "protocols/chat/chat_format.h"
#include "util/buffer.h"
#include "util/unicode.h"

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

/* Whether code may stand in a URL on its own (not '&', '(' or ')'). */
static int
is_url_char(uint32_t code)
{
	return !unicode_is_space(code) && code != '&' && code != '(' &&
	    code != ')';
}

/* Whether code may end a URL: no space, no ASCII punctuation but / - _ \ */
static int
is_url_end(uint32_t code)
{
	static const char	punctuation[] = "!\"#$%&'()*+,.:;<=>?@[]^`{|}~";

	if (unicode_is_space(code))
		return 0;
	return code == 0 || code >= 0x80 ||
	    strchr(punctuation, (int)code) == NULL;
}

/*
 * Scan the run of URL pieces (characters, "&amp;", "&quot;") from at:
 * *end where it stops, *last_end just after its last character that may
 * end a URL, or at when it has none.
 */
static void
url_run(const char *text, size_t length, size_t at, size_t *end,
    size_t *last_end)
{
	uint32_t	code;
	size_t		size;

	*last_end = at;
	while (at < length) {
		if (text[at] == '&') {
			if (length - at >= 5 && memcmp(text + at, "&amp;", 5) ==
			    0)
				at += 5;
			else if (length - at >= 6 &&
			    memcmp(text + at, "&quot;", 6) == 0)
				at += 6;
			else
				break;
			continue;
		}
		code = unicode_next(text + at, length - at, &size);
		if (!is_url_char(code))
			break;
		at += size;
		if (is_url_end(code))
			*last_end = at;
	}
	*end = at;
}

/*
 * The length of the URL's rest from start (after "scheme:/" or "www."),
 * or 0: pieces up to a character that may end a URL, or a balanced
 * "(...)", as many times as they follow each other.
 */
static size_t
url_rest_length(const char *text, size_t length, size_t start)
{
	size_t	at = start, end, last_end;

	for (;;) {
		url_run(text, length, at, &end, &last_end);
		if (last_end > at) {
			at = last_end;
			continue;
		}
		if (at < length && text[at] == '(') {
			url_run(text, length, at + 1, &end, &last_end);
			if (end < length && text[end] == ')') {
				at = end + 1;
				continue;
			}
		}
		return at - start;
	}
}

/* Whether a word starts or ends at text[at] (Python's \b). */
static int
at_word_boundary(const char *text, size_t length, size_t at)
{
	size_t	size;
	int	before = 0, after = 0;

	if (at > 0)
		before = unicode_is_word(unicode_previous(text, at, &size));
	if (at < length)
		after = unicode_is_word(unicode_next(text + at, length - at,
		    &size));
	return before != after;
}

/*
 * The length of a "scheme:/" URL at at (the scheme is letters, digits,
 * '_' or '-', then one to three slashes), or 0.  *run_end is where the
 * scheme's run of characters ends: a URL starting anywhere before it in
 * the run would end the same way.
 */
static size_t
scheme_url_length(const char *text, size_t length, size_t at,
    size_t *run_end)
{
	uint32_t	code;
	size_t		end = at, size, slashes, rest;

	while (end < length) {
		code = unicode_next(text + end, length - end, &size);
		if (!unicode_is_word(code) && code != '-')
			break;
		end += size;
	}
	*run_end = end;
	if (end == at || end == length || text[end] != ':')
		return 0;
	for (slashes = 0; slashes < 3 && end + 1 + slashes < length &&
	    text[end + 1 + slashes] == '/'; slashes++)
		continue;
	/* Fewer slashes leave the others to the rest of the URL. */
	for (; slashes > 0; slashes--) {
		rest = url_rest_length(text, length, end + 1 + slashes);
		if (rest > 0)
			return end + 1 + slashes + rest - at;
	}
	return 0;
}

/*
 * The length of the URL at text[at] (escaped text), or 0; *scheme_length
 * is its scheme's length, 0 for a www. URL.  *failed_run_end remembers a
 * run of scheme characters known to start no URL.
 */
static size_t
url_at(const char *text, size_t length, size_t at, size_t *scheme_length,
    size_t *failed_run_end)
{
	size_t	url, rest;

	if (!at_word_boundary(text, length, at))
		return 0;
	if (at >= *failed_run_end) {
		url = scheme_url_length(text, length, at, failed_run_end);
		if (url > 0) {
			*scheme_length = *failed_run_end - at;
			return url;
		}
	}
	*scheme_length = 0;
	if (length - at < 4 || memcmp(text + at, "www.", 4) != 0)
		return 0;
	rest = url_rest_length(text, length, at + 4);
	return rest == 0 ? 0 : 4 + rest;
}

/* Whether a URL's scheme may become a link: http or https, as written. */
static int
scheme_permitted(const char *scheme, size_t length)
{
	return (length == 4 && memcmp(scheme, "http", 4) == 0) ||
	    (length == 5 && memcmp(scheme, "https", 5) == 0);
}

/* Append one link to the escaped URL url[0..length); 0 or -1. */
static int
append_link(struct buffer *buffer, const char *url, size_t length,
    int needs_scheme)
{
	if (buffer_append_string(buffer, "<a href=\"") == -1 ||
	    (needs_scheme && buffer_append_string(buffer, "http://") == -1) ||
	    buffer_append(buffer, url, length) == -1 ||
	    buffer_append_string(buffer, "\">") == -1 ||
	    buffer_append(buffer, url, length) == -1 ||
	    buffer_append_string(buffer, "</a>") == -1)
		return -1;
	return 0;
}

/* Append escaped text with its URLs made links; 0 or -1. */
static int
link_escaped(struct buffer *buffer, const char *text, size_t length)
{
	size_t	plain = 0, at = 0, failed_run_end = 0, url, scheme, size;

	while (at < length) {
		url = url_at(text, length, at, &scheme, &failed_run_end);
		if (url == 0) {
			(void)unicode_next(text + at, length - at, &size);
			at += size;
			continue;
		}
		if (append_run(buffer, text, plain, at, NULL) == -1)
			return -1;
		if (scheme > 0 && !scheme_permitted(text + at, scheme)) {
			if (append_run(buffer, text, at, at + url, NULL) == -1)
				return -1;
		} else if (append_link(buffer, text + at, url, scheme == 0) ==
		    -1)
			return -1;
		at += url;
		plain = at;
	}
	return append_run(buffer, text, plain, length, NULL);
}

/*
 * Append text escaped, with its URLs as links, as
 * tornado.escape.linkify() does: it escapes first and finds the URLs in
 * the escaped text.
 */
int
chat_linkify(struct buffer *buffer, const char *text, size_t length)
{
	struct buffer	escaped;
	size_t		start = buffer->length;
	int		result = 0;

	buffer_init(&escaped);
	if (chat_html_escape(&escaped, text, length) == -1 ||
	    link_escaped(buffer, escaped.data == NULL ? "" : escaped.data,
	    escaped.length) == -1)
		result = format_failed(buffer, start);
	buffer_free(&escaped);
	return result;
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
