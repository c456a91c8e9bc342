/*
 * chat_format_test.c: unit tests of the chat message HTML and JSON writers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/chat/chat_format.h"
#include "test_util.h"
#include "util/buffer.h"

#define FUZZ_ROUNDS	20000
#define FUZZ_PIECES	24

typedef int	(*formatter)(struct buffer *, const char *, size_t);

/* Run format on the first length bytes of input; compare with expected. */
static void
check_bytes(formatter format, const char *input, size_t length,
    const char *expected)
{
	struct buffer	 buffer;
	const char	*output;

	buffer_init(&buffer);
	assert_int_equal(format(&buffer, input, length), 0);
	output = buffer.data == NULL ? "" : buffer.data;
	if (buffer.length != strlen(expected) ||
	    memcmp(output, expected, buffer.length) != 0)
		fail_msg("'%s' gave '%s', expected '%s'", input, output,
		    expected);
	buffer_free(&buffer);
}

/* Run format on the C string input; compare with expected. */
static void
check(formatter format, const char *input, const char *expected)
{
	check_bytes(format, input, strlen(input), expected);
}

/* The five special characters become entities; the rest is untouched. */
static void
test_html_escape(void **state)
{
	(void)state;
	check(chat_html_escape, "a&b<c>d\"e'f",
	    "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	check(chat_html_escape, "&&<<", "&amp;&amp;&lt;&lt;");
	check(chat_html_escape, "plain caf\xc3\xa9", "plain caf\xc3\xa9");
	check(chat_html_escape, "", "");
}

/* http, https and www. URLs become links. */
static void
test_linkify_urls(void **state)
{
	(void)state;
	check(chat_linkify, "see http://x.org now",
	    "see <a href=\"http://x.org\">http://x.org</a> now");
	check(chat_linkify, "https://x.org/a?b",
	    "<a href=\"https://x.org/a?b\">https://x.org/a?b</a>");
	check(chat_linkify, "https://X.ORG",
	    "<a href=\"https://X.ORG\">https://X.ORG</a>");
	check(chat_linkify, "at www.x.org",
	    "at <a href=\"http://www.x.org\">www.x.org</a>");
	check(chat_linkify, "http://a.org and https://b.org/c",
	    "<a href=\"http://a.org\">http://a.org</a> and "
	    "<a href=\"https://b.org/c\">https://b.org/c</a>");
	check(chat_linkify, "http://x.org/?a=1&b=2",
	    "<a href=\"http://x.org/?a=1&amp;b=2\">"
	    "http://x.org/?a=1&amp;b=2</a>");
	check(chat_linkify, "-http://x.org",
	    "-<a href=\"http://x.org\">http://x.org</a>");
}

/* Trailing punctuation and an unmatched ')' stay out of the link. */
static void
test_linkify_trailing(void **state)
{
	(void)state;
	check(chat_linkify, "go to http://x.org/a.",
	    "go to <a href=\"http://x.org/a\">http://x.org/a</a>.");
	check(chat_linkify, "http://a.org, http://b.org!?",
	    "<a href=\"http://a.org\">http://a.org</a>, "
	    "<a href=\"http://b.org\">http://b.org</a>!?");
	check(chat_linkify, "(see http://x.org/a)",
	    "(see <a href=\"http://x.org/a\">http://x.org/a</a>)");
	check(chat_linkify, "(http://x.org/a).",
	    "(<a href=\"http://x.org/a\">http://x.org/a</a>).");
	check(chat_linkify, "http://w.org/Foo_(bar)",
	    "<a href=\"http://w.org/Foo_(bar)\">http://w.org/Foo_(bar)</a>");
	check(chat_linkify, "http://x.org/a.b",
	    "<a href=\"http://x.org/a.b\">http://x.org/a.b</a>");
}

/*
 * Other schemes (the scheme compared as written), a bare www., and URLs
 * with no word boundary before them (Unicode letters and digits count)
 * stay text; so does a URL inside a URL of another scheme.
 */
static void
test_linkify_not_links(void **state)
{
	(void)state;
	check(chat_linkify, "javascript:alert(1)", "javascript:alert(1)");
	check(chat_linkify, "javascript://x.org", "javascript://x.org");
	check(chat_linkify, "ftp://x.org", "ftp://x.org");
	check(chat_linkify, "mailto:me@x.org", "mailto:me@x.org");
	check(chat_linkify, "HTTP://EXAMPLE.COM/", "HTTP://EXAMPLE.COM/");
	check(chat_linkify, "HTTPS://X.ORG", "HTTPS://X.ORG");
	check(chat_linkify, "Http://x.org", "Http://x.org");
	check(chat_linkify, "www.", "www.");
	check(chat_linkify, "xhttp://a.b", "xhttp://a.b");
	check(chat_linkify, "1http://x.org", "1http://x.org");
	check(chat_linkify, "_www.a.b", "_www.a.b");
	check(chat_linkify, "\xc3\xa9http://example.com",
	    "\xc3\xa9http://example.com");
	check(chat_linkify, "\xe4\xb8\xadhttp://x.org",
	    "\xe4\xb8\xadhttp://x.org");
	check(chat_linkify, "\xc2\xb2http://x.org", "\xc2\xb2http://x.org");
	check(chat_linkify, "\xc7\x85http://x.org", "\xc7\x85http://x.org");
	check(chat_linkify, "a-http://www.x.org", "a-http://www.x.org");
	check(chat_linkify, "ftp://www.x.org", "ftp://www.x.org");
}

/*
 * Where a first version differed from tornado.escape.linkify(), and more
 * of its corners; every expected string is Tornado 6.2's output.
 */
static void
test_linkify_as_tornado(void **state)
{
	(void)state;
	/* The cases the spec lists. */
	check(chat_linkify, "HTTP://EXAMPLE.COM/", "HTTP://EXAMPLE.COM/");
	check(chat_linkify, "http:/one-slash.example",
	    "<a href=\"http:/one-slash.example\">http:/one-slash.example</a>");
	check(chat_linkify, "http://", "<a href=\"http://\">http://</a>");
	check(chat_linkify, "http://example.com/\"q\"",
	    "<a href=\"http://example.com/&quot;q\">"
	    "http://example.com/&quot;q</a>&quot;");
	check(chat_linkify, "http://example.com/?q=",
	    "<a href=\"http://example.com/?q\">http://example.com/?q</a>=");
	check(chat_linkify, "\xc3\xa9http://example.com",
	    "\xc3\xa9http://example.com");
	/* Slashes: one to three belong to the scheme, more to the path. */
	check(chat_linkify, "http:// x", "<a href=\"http://\">http://</a> x");
	check(chat_linkify, "http://.", "<a href=\"http://\">http://</a>.");
	check(chat_linkify, "http:/x.org",
	    "<a href=\"http:/x.org\">http:/x.org</a>");
	check(chat_linkify, "http:///x",
	    "<a href=\"http:///x\">http:///x</a>");
	check(chat_linkify, "http:////x",
	    "<a href=\"http:////x\">http:////x</a>");
	/* '&' goes on as &amp; but an escaped entity ends the URL. */
	check(chat_linkify, "http://a.b&c",
	    "<a href=\"http://a.b&amp;c\">http://a.b&amp;c</a>");
	check(chat_linkify, "www.x.org/?a=1&b=2&c",
	    "<a href=\"http://www.x.org/?a=1&amp;b=2&amp;c\">"
	    "www.x.org/?a=1&amp;b=2&amp;c</a>");
	check(chat_linkify, "http://x.org/&amp;",
	    "<a href=\"http://x.org/&amp;amp\">http://x.org/&amp;amp</a>;");
	check(chat_linkify, "http://x.org/<b>",
	    "<a href=\"http://x.org/\">http://x.org/</a>&lt;b&gt;");
	check(chat_linkify, "http://a.b'c",
	    "<a href=\"http://a.b\">http://a.b</a>&#39;c");
	/* Parentheses, punctuation, and what may end a URL. */
	check(chat_linkify, "see (http://x.org/(a)b).",
	    "see (<a href=\"http://x.org/(a)b\">http://x.org/(a)b</a>).");
	check(chat_linkify, "www.x.org:80/p",
	    "<a href=\"http://www.x.org:80/p\">www.x.org:80/p</a>");
	check(chat_linkify, "https://[::1]:8/",
	    "<a href=\"https://[::1]:8/\">https://[::1]:8/</a>");
	check(chat_linkify, "http://x.org/a_",
	    "<a href=\"http://x.org/a_\">http://x.org/a_</a>");
	check(chat_linkify, "http://x.org/a\\b",
	    "<a href=\"http://x.org/a\\b\">http://x.org/a\\b</a>");
}

/* Markup in a message is never live, in or out of a URL. */
static void
test_linkify_markup(void **state)
{
	(void)state;
	check(chat_linkify, "<img src=x onerror=alert(1)>",
	    "&lt;img src=x onerror=alert(1)&gt;");
	check(chat_linkify, "http://x.org/\"onmouseover=\"alert(1)",
	    "<a href=\"http://x.org/&quot;onmouseover=&quot;alert(1)\">"
	    "http://x.org/&quot;onmouseover=&quot;alert(1)</a>");
	check(chat_linkify, "http://a.b<script>",
	    "<a href=\"http://a.b\">http://a.b</a>&lt;script&gt;");
	check(chat_linkify, "'http://a.b'",
	    "&#39;<a href=\"http://a.b\">http://a.b</a>&#39;");
	check(chat_linkify, "http://a.b`c http://d.e\x7f http://f.g\x01",
	    "<a href=\"http://a.b`c\">http://a.b`c</a> "
	    "<a href=\"http://d.e\x7f\">http://d.e\x7f</a> "
	    "<a href=\"http://f.g\x01\">http://f.g\x01</a>");
}

/* UTF-8 text around and inside URLs passes through. */
static void
test_linkify_utf8(void **state)
{
	(void)state;
	check(chat_linkify, "h\xc3\xa9 http://x.org/\xc3\xbc w\xc3\xb6rld",
	    "h\xc3\xa9 <a href=\"http://x.org/\xc3\xbc\">http://x.org/\xc3\xbc"
	    "</a> w\xc3\xb6rld");
	check(chat_linkify, "\xe2\x86\x92http://x.org \xe2\x82\xac",
	    "\xe2\x86\x92<a href=\"http://x.org\">http://x.org</a> "
	    "\xe2\x82\xac");
	/* Punctuation that is not ASCII may end a URL. */
	check(chat_linkify, "\xc2\xabhttp://x.org\xc2\xbb",
	    "\xc2\xab<a href=\"http://x.org\xc2\xbb\">http://x.org\xc2\xbb"
	    "</a>");
	check(chat_linkify, "\xe8\xa7\x81 http://x.org\xe3\x80\x82",
	    "\xe8\xa7\x81 <a href=\"http://x.org\xe3\x80\x82\">"
	    "http://x.org\xe3\x80\x82</a>");
	/* Unicode whitespace ends a URL; a zero-width space does not. */
	check(chat_linkify, "http://x.org\xc2\xa0y",
	    "<a href=\"http://x.org\">http://x.org</a>\xc2\xa0y");
	check(chat_linkify, "www.x.org\xe3\x80\x80z",
	    "<a href=\"http://www.x.org\">www.x.org</a>\xe3\x80\x80z");
	check(chat_linkify, "\xc2\xa0http://x.org",
	    "\xc2\xa0<a href=\"http://x.org\">http://x.org</a>");
	check(chat_linkify, "http://x\x1cy",
	    "<a href=\"http://x\">http://x</a>\x1cy");
	check(chat_linkify, "http://x.org\xe2\x80\x8bz",
	    "<a href=\"http://x.org\xe2\x80\x8bz\">http://x.org"
	    "\xe2\x80\x8bz</a>");
}

/* A message is a div around the linkified body. */
static void
test_message_html(void **state)
{
	struct buffer	buffer;

	(void)state;
	buffer_init(&buffer);
	assert_int_equal(chat_message_html(&buffer, "abc-1_2",
	    "hi <b> http://x.org", 19), 0);
	assert_string_equal(buffer.data,
	    "<div class=\"message\" id=\"mabc-1_2\">hi &lt;b&gt; "
	    "<a href=\"http://x.org\">http://x.org</a></div>\n");
	buffer_clear(&buffer);
	assert_int_equal(buffer_append_string(&buffer, "before;"), 0);
	assert_int_equal(chat_message_html(&buffer, "1", "", 0), 0);
	assert_string_equal(buffer.data,
	    "before;<div class=\"message\" id=\"m1\"></div>\n");
	buffer_free(&buffer);
}

/* JSON strings escape quotes, backslashes, '</' and control characters. */
static void
test_json_string(void **state)
{
	(void)state;
	check(chat_json_string, "", "\"\"");
	check(chat_json_string, "say \"hi\" \\o/",
	    "\"say \\\"hi\\\" \\\\o/\"");
	check(chat_json_string, "</script>", "\"<\\/script>\"");
	check(chat_json_string, "a/b <</ //", "\"a/b <<\\/ //\"");
	check(chat_json_string, "\n\r\t\b\f\x01\x1f\x7f",
	    "\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"");
	check_bytes(chat_json_string, "a\0b", 3, "\"a\\u0000b\"");
	check(chat_json_string, "x\xe2\x80\xa8y\xe2\x80\xa9z",
	    "\"x\\u2028y\\u2029z\"");
	check(chat_json_string, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	check_bytes(chat_json_string, "\xe2\x80", 2, "\"\xe2\x80\"");
}

/* A message in JSON carries its id, its body and its HTML. */
static void
test_message_json(void **state)
{
	struct buffer	buffer;

	(void)state;
	buffer_init(&buffer);
	assert_int_equal(chat_message_json(&buffer, "m1", "a</b>", 5), 0);
	assert_string_equal(buffer.data, "{\"id\": \"m1\", "
	    "\"body\": \"a<\\/b>\", "
	    "\"html\": \"<div class=\\\"message\\\" id=\\\"mm1\\\">"
	    "a&lt;/b&gt;<\\/div>\\n\"}");
	buffer_clear(&buffer);
	assert_int_equal(chat_message_json(&buffer, "x", "www.a.b", 7), 0);
	assert_string_equal(buffer.data, "{\"id\": \"x\", "
	    "\"body\": \"www.a.b\", "
	    "\"html\": \"<div class=\\\"message\\\" id=\\\"mx\\\">"
	    "<a href=\\\"http://www.a.b\\\">www.a.b<\\/a><\\/div>\\n\"}");
	buffer_free(&buffer);
}

/* Fill text with random pieces likely to make URLs; the length. */
static size_t
random_text(uint32_t *seed, char *text)
{
	static const char *const pieces[] = { "http://", "HTTPS://", "www.",
	    "javascript:", "<", ">", "&", "\"", "'", "`", "(", ")", ".", ",",
	    " ", "\t", "a", "_", "/", "\xc3\xa9", "\xe2\x80\xa8", "<a href=",
	    "http:/", "-", ":", "&amp;", "\xc2\xa0", "\xe4\xb8\xad", "ftp://",
	    "http" };

	return test_random_pieces(seed, text, 0, pieces,
	    sizeof(pieces) / sizeof(pieces[0]), FUZZ_PIECES - 1, 4);
}

/* Whether output[at..length) starts with text. */
static int
starts_with(const char *output, size_t length, size_t at, const char *text)
{
	size_t	text_length = strlen(text);

	return length - at >= text_length &&
	    memcmp(output + at, text, text_length) == 0;
}

/* Whether c is markup: < > " or '. */
static int
is_markup(char c)
{
	return c == '<' || c == '>' || c == '"' || c == '\'';
}

/*
 * Check that the only markup in linkify output (length bytes, which may
 * hold NULs) is our own links to http or https.
 */
static void
check_only_links(const char *output, size_t length)
{
	size_t	i = 0, end;

	while (i < length) {
		if (starts_with(output, length, i, "<a href=\"")) {
			i += 9;
			if (!starts_with(output, length, i, "http:/") &&
			    !starts_with(output, length, i, "https:/"))
				fail_msg("href not http(s): %s", output);
			for (end = i; end < length && !is_markup(output[end]);
			    end++)
				continue;
			if (!starts_with(output, length, end, "\">"))
				fail_msg("bad href: %s", output);
			i = end + 2;
		} else if (starts_with(output, length, i, "</a>"))
			i += 4;
		else if (is_markup(output[i]))
			fail_msg("raw markup at %zu: %s", i, output);
		else
			i++;
	}
}

/* Random input never crashes linkify nor lets markup through. */
static void
test_fuzz(void **state)
{
	char		text[FUZZ_PIECES * 16];
	struct buffer	buffer;
	uint32_t	seed = 2463534242u;
	size_t		length, i;
	int		round;

	(void)state;
	buffer_init(&buffer);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		length = random_text(&seed, text);
		buffer_clear(&buffer);
		assert_int_equal(chat_linkify(&buffer, text, length), 0);
		if (buffer.data != NULL)
			check_only_links(buffer.data, buffer.length);
		buffer_clear(&buffer);
		assert_int_equal(chat_json_string(&buffer, text, length), 0);
		if (strstr(buffer.data, "</") != NULL)
			fail_msg("'</' in JSON: %s", buffer.data);
		for (i = 0; i < buffer.length; i++)
			if ((unsigned char)buffer.data[i] < 0x20 ||
			    buffer.data[i] == 0x7f)
				fail_msg("raw control in JSON: %s",
				    buffer.data);
	}
	buffer_free(&buffer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_linkify_urls),
		cmocka_unit_test(test_linkify_trailing),
		cmocka_unit_test(test_linkify_not_links),
		cmocka_unit_test(test_linkify_as_tornado),
		cmocka_unit_test(test_linkify_markup),
		cmocka_unit_test(test_linkify_utf8),
		cmocka_unit_test(test_message_html),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_message_json),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("chat_format", tests, NULL, NULL);
}
