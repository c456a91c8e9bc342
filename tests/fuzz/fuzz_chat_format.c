/*
 * fuzz_chat_format.c: libFuzzer harness of the chat's HTML and JSON
 * writers (chat_format.c).
 *
 * The input is a message body, or "ID\0BODY" to choose the id too.  Each
 * writer's output is read back here and must give the text it was made
 * from: HTML escaping undone is the text and holds no raw markup; a
 * linkified text with its <a> tags dropped and escaping undone is the
 * text, and every href is an http or https URL; a JSON string is one
 * string literal, safe inside <script>, that decodes to the text.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "protocols/chat/chat_format.h"
#include "util/buffer.h"

#include "fuzz.h"

#define LINK_OPEN	"<a href=\""
#define LINK_CLOSE	"</a>"

/* Undo one entity at s (length bytes left) into *out; the bytes used. */
static size_t
entity_length(const char *s, size_t length, char *out)
{
	static const struct {
		const char	*entity;
		char		 c;
	} entities[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' },
	};
	size_t	i, n;

	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		n = strlen(entities[i].entity);
		if (length >= n && memcmp(s, entities[i].entity, n) == 0) {
			*out = entities[i].c;
			return n;
		}
	}
	FUZZ_CHECK(!"a bare '&' in escaped output");
	return 0;
}

/*
 * Append the unescaped form of s[0..length) to out, which has room; raw
 * markup characters must not appear.  Returns the bytes appended.
 */
static size_t
unescape(char *out, const char *s, size_t length)
{
	size_t	i = 0, n = 0;

	while (i < length) {
		FUZZ_CHECK(s[i] != '<' && s[i] != '>' && s[i] != '"' &&
		    s[i] != '\'');
		if (s[i] == '&')
			i += entity_length(s + i, length - i, &out[n++]);
		else
			out[n++] = s[i++];
	}
	return n;
}

/* Room to read an output back into: never longer than the output. */
static char *
read_back_room(const struct buffer *out)
{
	char	*room = malloc(out->length + 1);

	if (room == NULL)
		abort();
	return room;
}

/* chat_html_escape() undone gives the text back. */
static void
check_escape(const char *text, size_t length)
{
	struct buffer	 out;
	char		*scratch;

	buffer_init(&out);
	FUZZ_CHECK(chat_html_escape(&out, text, length) == 0);
	scratch = read_back_room(&out);
	FUZZ_CHECK(unescape(scratch, out.data, out.length) == length);
	FUZZ_CHECK(memcmp(scratch, text, length) == 0);
	free(scratch);
	buffer_free(&out);
}

/*
 * Read the link at s, whose href must be its text, "http://" before a
 * www. one; append its text undone to out at *n.  The bytes of s it spans.
 */
static size_t
read_link(const char *s, size_t length, char *out, size_t *n)
{
	const char	*href = s + strlen(LINK_OPEN), *href_end, *text, *close;
	size_t		 text_length, href_length;

	href_end = memchr(href, '"', length - strlen(LINK_OPEN));
	FUZZ_CHECK(href_end != NULL && href_end[1] == '>');
	/* As Tornado's linkify: a scheme (one slash will do) or www. */
	FUZZ_CHECK(strncasecmp(href, "http:/", 6) == 0 ||
	    strncasecmp(href, "https:/", 7) == 0);
	text = href_end + 2;
	for (close = text; (size_t)(close - s) + strlen(LINK_CLOSE) <= length;
	    close++)
		if (memcmp(close, LINK_CLOSE, strlen(LINK_CLOSE)) == 0)
			break;
	FUZZ_CHECK((size_t)(close - s) + strlen(LINK_CLOSE) <= length);
	text_length = (size_t)(close - text);
	href_length = (size_t)(href_end - href);
	if (href_length == text_length + 7)
		href += 7;		/* a www. link, given its scheme */
	FUZZ_CHECK((size_t)(href_end - href) == text_length &&
	    memcmp(href, text, text_length) == 0);
	*n += unescape(out + *n, text, text_length);
	return (size_t)(close - s) + strlen(LINK_CLOSE);
}

/* chat_linkify() without its links' tags, undone, gives the text back. */
static void
check_linkify(const char *text, size_t length)
{
	struct buffer	 out;
	char		*scratch;
	size_t		 i = 0, plain, n = 0;

	buffer_init(&out);
	FUZZ_CHECK(chat_linkify(&out, text, length) == 0);
	scratch = read_back_room(&out);
	while (i < out.length) {
		if (out.length - i >= strlen(LINK_OPEN) &&
		    memcmp(out.data + i, LINK_OPEN, strlen(LINK_OPEN)) == 0) {
			i += read_link(out.data + i, out.length - i, scratch,
			    &n);
			continue;
		}
		for (plain = i; plain < out.length && out.data[plain] != '<';
		    plain++)
			continue;
		FUZZ_CHECK(plain > i);
		n += unescape(scratch + n, out.data + i, plain - i);
		i = plain;
	}
	FUZZ_CHECK(n == length && memcmp(scratch, text, length) == 0);
	free(scratch);
	buffer_free(&out);
}

/* The value of four hexadecimal digits at s, or -1. */
static long
hex4(const char *s)
{
	long	value = 0;
	int	i;

	for (i = 0; i < 4; i++) {
		value <<= 4;
		if (s[i] >= '0' && s[i] <= '9')
			value |= s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			value |= s[i] - 'a' + 10;
		else
			return -1;
	}
	return value;
}

/* Decode the escape at s (after the backslash) into out; bytes used. */
static size_t
json_escape(const char *s, size_t length, char *out, size_t *n)
{
	static const char	from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*found;
	long			 code;

	FUZZ_CHECK(length >= 1);
	if (s[0] != 'u') {
		found = memchr(from, s[0], sizeof(from) - 1);
		FUZZ_CHECK(found != NULL);
		out[(*n)++] = to[found - from];
		return 1;
	}
	FUZZ_CHECK(length >= 5 && (code = hex4(s + 1)) != -1);
	if (code == 0x2028 || code == 0x2029) {
		out[(*n)++] = (char)0xe2;
		out[(*n)++] = (char)0x80;
		out[(*n)++] = (char)(code == 0x2028 ? 0xa8 : 0xa9);
	} else {
		FUZZ_CHECK(code < 0x20 || code == 0x7f);
		out[(*n)++] = (char)code;
	}
	return 5;
}

/* chat_json_string() is one safe literal that decodes to the text. */
static void
check_json(const char *text, size_t length)
{
	struct buffer	 out;
	char		*scratch;
	size_t		 i, n = 0;
	unsigned char	 c;

	buffer_init(&out);
	FUZZ_CHECK(chat_json_string(&out, text, length) == 0);
	scratch = read_back_room(&out);
	FUZZ_CHECK(out.length >= 2 && out.data[0] == '"' &&
	    out.data[out.length - 1] == '"');
	FUZZ_CHECK(memmem(out.data, out.length, "</", 2) == NULL);
	FUZZ_CHECK(memmem(out.data, out.length, "\xe2\x80\xa8", 3) == NULL &&
	    memmem(out.data, out.length, "\xe2\x80\xa9", 3) == NULL);
	for (i = 1; i < out.length - 1; ) {
		c = (unsigned char)out.data[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '"');
		if (c == '\\')
			i += 1 + json_escape(out.data + i + 1,
			    out.length - 2 - i, scratch, &n);
		else
			scratch[n++] = out.data[i++];
	}
	FUZZ_CHECK(i == out.length - 1);
	FUZZ_CHECK(n == length && memcmp(scratch, text, length) == 0);
	free(scratch);
	buffer_free(&out);
}

/* The whole message writers: their frame around what was checked above. */
static void
check_message(const char *id, const char *text, size_t length)
{
	struct buffer	html, json;

	buffer_init(&html);
	buffer_init(&json);
	FUZZ_CHECK(chat_message_html(&html, id, text, length) == 0);
	FUZZ_CHECK(strncmp(html.data, "<div class=\"message\" id=\"m", 26) ==
	    0);
	FUZZ_CHECK(html.length >= 7 &&
	    memcmp(html.data + html.length - 7, "</div>\n", 7) == 0);
	FUZZ_CHECK(chat_message_json(&json, id, text, length) == 0);
	FUZZ_CHECK(strncmp(json.data, "{\"id\": \"", 8) == 0);
	FUZZ_CHECK(json.data[json.length - 1] == '}');
	FUZZ_CHECK(memmem(json.data, json.length, "</", 2) == NULL);
	buffer_free(&html);
	buffer_free(&json);
}

/* One input: "BODY" or "ID\0BODY". */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*id = "1", *text = (const char *)data;
	const uint8_t	*nul = memchr(data, '\0', size);
	char		*id_copy = NULL;
	size_t		 length = size;

	if (nul != NULL) {
		if ((id_copy = strdup((const char *)data)) == NULL)
			return 0;
		id = id_copy;
		text = (const char *)nul + 1;
		length = size - (size_t)(nul + 1 - data);
	}
	check_escape(text, length);
	check_linkify(text, length);
	check_json(text, length);
	check_message(id, text, length);
	free(id_copy);
	return 0;
}
