/*
 * http_form_test.c: unit tests of request argument and cookie parsing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_form.h"
#include "test_util.h"
#include "util/unicode.h"

#define FIELD_MAX	64
#define FUZZ_ROUNDS	20000
#define FUZZ_PIECES	24

/* Parse data alone, expecting success, and return the value of name. */
static const char *
value_of(struct http_form *form, const char *data, const char *name)
{
	const struct http_form_field	*field;

	http_form_free(form);
	if (http_form_parse(form, data, strlen(data), FIELD_MAX) != 0)
		fail_msg("'%s' was refused: %s", data, strerror(errno));
	if ((field = http_form_get(form, name)) == NULL)
		fail_msg("'%s' has no field '%s'", data, name);
	assert_int_equal(field->value_length, strlen(field->value));
	return field->value;
}

/* Parse data alone, expecting a refusal with error. */
static void
parse_refused(const char *data, size_t field_max, int error)
{
	struct http_form	form;

	http_form_init(&form);
	errno = 0;
	if (http_form_parse(&form, data, strlen(data), field_max) != -1)
		fail_msg("'%s' was accepted", data);
	if (errno != error)
		fail_msg("'%s': errno %d, expected %d", data, errno, error);
	assert_int_equal(form.count, 0);
	http_form_free(&form);
}

/* '+' and %XX decode, in names and values alike. */
static void
test_decoding(void **state)
{
	struct http_form	form;

	(void)state;
	http_form_init(&form);
	assert_string_equal(value_of(&form, "q=hello+big%20world", "q"),
	    "hello big world");
	assert_string_equal(value_of(&form, "sum=1%2B1%2b2", "sum"), "1+1+2");
	assert_string_equal(value_of(&form, "first+name=x", "first name"),
	    "x");
	assert_string_equal(value_of(&form, "%61%3D=b%3Dc", "a="), "b=c");
	assert_string_equal(value_of(&form, "a=b=c", "a"), "b=c");
	assert_string_equal(value_of(&form, "e=%C3%A9%e2%82%ac", "e"),
	    "\xc3\xa9\xe2\x82\xac");
	http_form_free(&form);
}

/* A malformed escape is kept as written. */
static void
test_malformed_escape(void **state)
{
	struct http_form	form;

	(void)state;
	http_form_init(&form);
	assert_string_equal(value_of(&form, "a=%zz", "a"), "%zz");
	assert_string_equal(value_of(&form, "a=x%4", "a"), "x%4");
	assert_string_equal(value_of(&form, "a=x%", "a"), "x%");
	assert_string_equal(value_of(&form, "a=%%41", "a"), "%A");
	assert_string_equal(value_of(&form, "a=%4g%g4", "a"), "%4g%g4");
	assert_string_equal(value_of(&form, "a=100%25", "a"), "100%");
	assert_string_equal(value_of(&form, "a=%+4", "a"), "% 4");
	http_form_free(&form);
}

/* Invalid UTF-8 anywhere refuses the whole input with EILSEQ. */
static void
test_invalid_utf8(void **state)
{
	(void)state;
	parse_refused("a=%C0%AF", FIELD_MAX, EILSEQ);
	parse_refused("a=%E0%80%AF", FIELD_MAX, EILSEQ);
	parse_refused("a=%F0%82%82%AC", FIELD_MAX, EILSEQ);
	parse_refused("a=%ED%A0%80", FIELD_MAX, EILSEQ);
	parse_refused("a=%ED%BF%BF", FIELD_MAX, EILSEQ);
	parse_refused("a=%F4%90%80%80", FIELD_MAX, EILSEQ);
	parse_refused("a=%F8%88%80%80%80", FIELD_MAX, EILSEQ);
	parse_refused("a=%E2%82", FIELD_MAX, EILSEQ);
	parse_refused("a=%E2%82x", FIELD_MAX, EILSEQ);
	parse_refused("a=%80", FIELD_MAX, EILSEQ);
	parse_refused("a=%FF", FIELD_MAX, EILSEQ);
	parse_refused("a=\xc3", FIELD_MAX, EILSEQ);
	parse_refused("ok=1&%C3=1", FIELD_MAX, EILSEQ);
}

/* The UTF-8 check on its own, at the edges of the valid ranges. */
static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(http_utf8_valid("", 0));
	assert_true(http_utf8_valid("ascii\x7f", 6));
	assert_true(http_utf8_valid("\xc2\x80\xdf\xbf", 4));
	assert_true(http_utf8_valid("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80",
	    9));
	assert_true(http_utf8_valid("\xef\xbf\xbf\xf0\x90\x80\x80", 7));
	assert_true(http_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_true(http_utf8_valid("a\0b", 3));
	assert_false(http_utf8_valid("\xc1\xbf", 2));
	assert_false(http_utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(http_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(http_utf8_valid("\xed\xa0\x80", 3));
	assert_false(http_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(http_utf8_valid("\xf0\x9f\x98", 3));
	assert_false(http_utf8_valid("\xbf", 1));
	assert_false(http_utf8_valid("\xfe", 1));
}

/* Control characters become spaces, then whitespace is stripped. */
static void
test_cleaning(void **state)
{
	struct http_form		 form;
	const struct http_form_field	*field;

	(void)state;
	http_form_init(&form);
	assert_string_equal(value_of(&form, "a=x%01y%08z%0E%1Fw%7F", "a"),
	    "x y z  w\x7f");
	assert_string_equal(value_of(&form, "a=%20%09%0A%0B%0C%0D+x+%0D%0A",
	    "a"), "x");
	assert_string_equal(value_of(&form, "a=x%09y%0Dz%0Aw%0B%0Cv", "a"),
	    "x\ty\rz\nw\v\fv");
	assert_string_equal(value_of(&form, "a=%01x%02", "a"), "x");
	assert_string_equal(value_of(&form, "a=%00x", "a"), "x");
	assert_string_equal(value_of(&form, "a=x%00y", "a"), "x y");
	assert_string_equal(value_of(&form, "a=+%09+", "a"), "");
	field = http_form_get(&form, "a");
	assert_non_null(field);
	assert_int_equal(field->value_length, 0);
	http_form_free(&form);
}

/* Unicode whitespace is stripped as Python's str.strip() strips it. */
static void
test_unicode_strip(void **state)
{
	static const struct {
		const char	*encoded;
		const char	*raw;
	} spaces[] = {
		{ "%C2%A0", "\xc2\xa0" }, { "%E2%80%A8", "\xe2\x80\xa8" },
		{ "%E2%80%A9", "\xe2\x80\xa9" }, { "%C2%85", "\xc2\x85" },
		{ "%E3%80%80", "\xe3\x80\x80" }, { "%E1%9A%80", "\xe1\x9a\x80" },
		{ "%E2%80%80", "\xe2\x80\x80" }, { "%E2%80%85", "\xe2\x80\x85" },
		{ "%E2%80%8A", "\xe2\x80\x8a" }, { "%E2%80%AF", "\xe2\x80\xaf" },
		{ "%E2%81%9F", "\xe2\x81\x9f" }, { "%0B", "\v" }, { "%0C", "\f" },
		{ "+", " " },
	};
	struct http_form	 form;
	char			 data[128], expected[16];
	size_t			 i;

	(void)state;
	http_form_init(&form);
	for (i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		(void)snprintf(data, sizeof(data), "a=%s%sx%sy%s%s",
		    spaces[i].encoded, spaces[i].encoded, spaces[i].encoded,
		    spaces[i].encoded, spaces[i].encoded);
		(void)snprintf(expected, sizeof(expected), "x%sy",
		    spaces[i].raw);
		assert_string_equal(value_of(&form, data, "a"), expected);
	}
	/* 0x1C-0x1F are controls made spaces first, then stripped. */
	assert_string_equal(value_of(&form, "a=%1Cx%1Fy%1E", "a"), "x y");
	assert_string_equal(value_of(&form, "a=%C2%A0hi%C2%A0", "a"), "hi");
	assert_string_equal(value_of(&form, "a=%E3%80%80%E2%80%A8hi+there"
	    "%E2%80%A9%C2%85", "a"), "hi there");
	assert_string_equal(value_of(&form, "a=%C2%A0x%C2%A0y%C2%A0", "a"),
	    "x\xc2\xa0y");
	assert_string_equal(value_of(&form, "a=%C2%A0%C2%A0", "a"), "");
	/* Not whitespace to Python: zero-width space, BOM, letters. */
	assert_string_equal(value_of(&form, "a=%E2%80%8Bx%E2%80%8B", "a"),
	    "\xe2\x80\x8bx\xe2\x80\x8b");
	assert_string_equal(value_of(&form, "a=%EF%BB%BFx", "a"),
	    "\xef\xbb\xbfx");
	assert_string_equal(value_of(&form, "a=x%C2%A1", "a"), "x\xc2\xa1");
	assert_string_equal(value_of(&form, "a=%C3%A0", "a"), "\xc3\xa0");
	assert_string_equal(value_of(&form, "a=%F0%9F%98%80%E3%80%80", "a"),
	    "\xf0\x9f\x98\x80");
	http_form_free(&form);
}

/* An argument given more than once takes its last value. */
static void
test_last_value(void **state)
{
	struct http_form		 form;
	const struct http_form_field	*field;
	size_t				 i, count = 0;

	(void)state;
	http_form_init(&form);
	assert_string_equal(value_of(&form, "body=first&body=second", "body"),
	    "second");
	assert_string_equal(value_of(&form, "x=1&body=a&x=2&body=&y=3",
	    "body"), "");
	assert_string_equal(value_of(&form, "b=1&b&c=2", "b"), "");
	/* The query first, then the body: the body's value wins. */
	http_form_free(&form);
	assert_int_equal(http_form_parse(&form, "body=query", 10, FIELD_MAX),
	    0);
	assert_int_equal(http_form_parse(&form, "body=form", 9, FIELD_MAX), 0);
	field = http_form_get(&form, "body");
	assert_string_equal(field->value, "form");
	/* Every value stays in the form, in order. */
	for (i = 0; i < form.count; i++)
		if (strcmp(form.fields[i].name, "body") == 0)
			count++;
	assert_int_equal(count, 2);
	assert_string_equal(form.fields[0].value, "query");
	http_form_free(&form);
}

/* Fields split on '&' only; empty ones are skipped. */
static void
test_fields(void **state)
{
	struct http_form		 form;
	const struct http_form_field	*field;
	const char			*query = "a=1&&b=2&flag&=v&a=3&";

	(void)state;
	http_form_init(&form);
	assert_int_equal(http_form_parse(&form, query, strlen(query),
	    FIELD_MAX), 0);
	assert_int_equal(form.count, 5);
	assert_string_equal(http_form_get(&form, "a")->value, "3");
	assert_string_equal(http_form_get(&form, "b")->value, "2");
	field = http_form_get(&form, "flag");
	assert_non_null(field);
	assert_string_equal(field->value, "");
	assert_int_equal(field->value_length, 0);
	assert_string_equal(http_form_get(&form, "")->value, "v");
	assert_null(http_form_get(&form, "missing"));
	assert_null(http_form_get(&form, "fla"));
	assert_int_equal(http_form_parse(&form, "a=body&c=4", 10, FIELD_MAX),
	    0);
	assert_string_equal(http_form_get(&form, "a")->value, "body");
	assert_string_equal(http_form_get(&form, "c")->value, "4");
	assert_int_equal(http_form_parse(&form, "", 0, FIELD_MAX), 0);
	assert_int_equal(http_form_parse(&form, "&&&", 3, FIELD_MAX), 0);
	assert_int_equal(form.count, 7);
	assert_string_equal(value_of(&form, "a=1;b=2", "a"), "1;b=2");
	assert_string_equal(value_of(&form, "a%00b=1&a=2", "a"), "2");
	assert_int_equal(form.count, 1);
	http_form_free(&form);
}

/* More fields than allowed refuse the input and add nothing. */
static void
test_field_limit(void **state)
{
	struct http_form	form;
	char			many[1024];
	size_t			length = 0;
	int			i;

	(void)state;
	for (i = 0; i < 100; i++)
		length += (size_t)snprintf(many + length, sizeof(many) - length,
		    "%sf%d=%d", i == 0 ? "" : "&", i, i);
	http_form_init(&form);
	assert_int_equal(http_form_parse(&form, many, length, 100), 0);
	assert_int_equal(form.count, 100);
	assert_string_equal(http_form_get(&form, "f99")->value, "99");
	http_form_free(&form);
	parse_refused(many, 99, E2BIG);
	assert_int_equal(http_form_parse(&form, "a&b&&&c", 7, 3), 0);
	http_form_free(&form);
	parse_refused("a&b&c&d", 3, E2BIG);
	parse_refused("a", 0, E2BIG);
	assert_int_equal(http_form_parse(&form, "a=1&b=2", 7, 3), 0);
	errno = 0;
	assert_int_equal(http_form_parse(&form, "c=3&d=4", 7, 3), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(form.count, 2);
	assert_null(http_form_get(&form, "c"));
	errno = 0;
	assert_int_equal(http_form_parse(&form, "c=3&d=%FF", 9, FIELD_MAX),
	    -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(form.count, 2);
	http_form_free(&form);
}

/* Find a cookie, expecting it to be there with expected value. */
static void
cookie_found(const char *header, const char *name, const char *expected)
{
	char	value[16];

	if (http_cookie_get(header, name, value, sizeof(value)) != 0)
		fail_msg("'%s' has no cookie '%s'", header, name);
	assert_string_equal(value, expected);
}

/* Look for a cookie, expecting a refusal with error. */
static void
cookie_refused(const char *header, const char *name, size_t size, int error)
{
	char	value[16] = "untouched";

	errno = 0;
	if (http_cookie_get(header, name, value, size) != -1)
		fail_msg("'%s' gave cookie '%s' = '%s'",
		    header == NULL ? "(NULL)" : header, name, value);
	assert_int_equal(errno, error);
	assert_string_equal(value, size > 0 ? "" : "untouched");
}

/* The last cookie of exactly that name, unquoted. */
static void
test_cookies(void **state)
{
	(void)state;
	cookie_found("a=1; _xsrf=abc; b=2", "_xsrf", "abc");
	cookie_found("a=1; _xsrf=abc; b=2", "a", "1");
	cookie_found("a=1; _xsrf=abc; b=2", "b", "2");
	cookie_found("x=1; x=2", "x", "2");
	cookie_found("_xsrf=old; a=1; _xsrf=new; b=2", "_xsrf", "new");
	cookie_found("_xsrf=2|0a0b|ff|1", "_xsrf", "2|0a0b|ff|1");
	cookie_found("_xsrf=kept; _xsrf", "_xsrf", "kept");
	cookie_found("a=1;_xsrf=q;b=2", "_xsrf", "q");
	cookie_found("  _xsrf = v ;", "_xsrf", "v");
	cookie_found("_xsrf=\"q v\"", "_xsrf", "q v");
	cookie_found("_xsrf=\"\"", "_xsrf", "");
	cookie_found("_xsrf=\"", "_xsrf", "\"");
	cookie_found("_xsrf=", "_xsrf", "");
	cookie_found("_xsrf=a=b", "_xsrf", "a=b");
	cookie_found("x_xsrf=1; _xsrf=2", "_xsrf", "2");
	cookie_found("_xsrf; _xsrf=3", "_xsrf", "3");
	cookie_found("_xsrf=0123456789abcde", "_xsrf", "0123456789abcde");
	cookie_refused("x_xsrf=1; y=2", "_xsrf", 16, ENOENT);
	cookie_refused("_xsrfx=1; _xsr=2", "_xsrf", 16, ENOENT);
	cookie_refused("", "_xsrf", 16, ENOENT);
	cookie_refused(";;", "_xsrf", 16, ENOENT);
	cookie_refused(NULL, "_xsrf", 16, ENOENT);
	cookie_refused("_xsrf=abc", "_xsrf", 3, ENAMETOOLONG);
	cookie_refused("_xsrf=abc", "_xsrf", 0, ENAMETOOLONG);
	cookie_refused("_xsrf=0123456789abcdef", "_xsrf", 16, ENAMETOOLONG);
}

/* Make a request whose headers are the name/value pairs given. */
static void
request_with(struct http_request *request, const char *const *pairs,
    size_t pair_count)
{
	size_t	i;

	memset(request, 0, sizeof(*request));
	request->method = "POST";
	request->path = "/";
	request->query = "";
	request->body = "";
	for (i = 0; i < pair_count; i++) {
		request->headers[i].name = pairs[2 * i];
		request->headers[i].value = pairs[2 * i + 1];
	}
	request->header_count = pair_count;
}

/* Every Cookie line is read; a cookie sent twice counts with its last. */
static void
test_request_cookies(void **state)
{
	static const char *const	two_lines[] = { "Cookie", "_xsrf=first",
	    "Host", "t", "cookie", "a=1; _xsrf=second; b=2", "Cookie", "c=3" };
	static const char *const	second_only[] = { "Cookie", "a=1",
	    "COOKIE", "_xsrf=\"quoted\"" };
	static const char *const	none[] = { "Cookie", "a=1",
	    "X-Cookie", "_xsrf=no" };
	struct http_request		request;
	char				value[16];

	(void)state;
	request_with(&request, two_lines, 4);
	assert_int_equal(http_request_cookie(&request, "_xsrf", value,
	    sizeof(value)), 0);
	assert_string_equal(value, "second");
	assert_int_equal(http_request_cookie(&request, "c", value,
	    sizeof(value)), 0);
	assert_string_equal(value, "3");
	request_with(&request, second_only, 2);
	assert_int_equal(http_request_cookie(&request, "_xsrf", value,
	    sizeof(value)), 0);
	assert_string_equal(value, "quoted");
	request_with(&request, none, 2);
	errno = 0;
	assert_int_equal(http_request_cookie(&request, "_xsrf", value,
	    sizeof(value)), -1);
	assert_int_equal(errno, ENOENT);
	request_with(&request, none, 0);
	assert_int_equal(http_request_cookie(&request, "_xsrf", value,
	    sizeof(value)), -1);
	request_with(&request, two_lines, 4);
	errno = 0;
	assert_int_equal(http_request_cookie(&request, "_xsrf", value, 4), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/*
 * Parse a multipart body from memory of exactly its size (so a read past
 * its end is caught by the sanitizers); the parser's result.
 */
static int
parse_multipart(struct http_form *form, const char *type, const char *body,
    size_t length, size_t field_max)
{
	char	*copy;
	int	 result, saved_errno;

	if ((copy = malloc(length > 0 ? length : 1)) == NULL)
		fail_msg("out of memory");
	memcpy(copy, body, length);
	result = http_form_parse_multipart(form, type, copy, length,
	    field_max);
	saved_errno = errno;
	free(copy);
	errno = saved_errno;
	return result;
}

/* Parse a multipart body alone, expecting success; the value of name. */
static const char *
multipart_value(struct http_form *form, const char *type, const char *body,
    const char *name)
{
	const struct http_form_field	*field;

	http_form_free(form);
	if (parse_multipart(form, type, body, strlen(body), FIELD_MAX) != 0)
		fail_msg("refused (%s): %s", strerror(errno), body);
	if ((field = http_form_get(form, name)) == NULL)
		fail_msg("no field '%s' in: %s", name, body);
	return field->value;
}

/* Parse a multipart body, expecting a refusal with error. */
static void
multipart_refused(const char *type, const char *body, size_t field_max,
    int error)
{
	struct http_form	form;

	http_form_init(&form);
	assert_int_equal(http_form_parse(&form, "kept=1", 6, FIELD_MAX), 0);
	errno = 0;
	if (parse_multipart(&form, type, body, strlen(body), field_max) != -1)
		fail_msg("accepted (%s): %s", type, body);
	if (errno != error)
		fail_msg("errno %d, expected %d (%s): %s", errno, error, type,
		    body);
	assert_int_equal(form.count, 1);
	assert_string_equal(http_form_get(&form, "kept")->value, "1");
	http_form_free(&form);
}

#define MP_TYPE		"multipart/form-data; boundary=XyZ"
#define MP_FIELD(name)	"--XyZ\r\nContent-Disposition: form-data; " \
			    "name=\"" name "\"\r\n\r\n"

/* What curl -F and browsers send: fields become arguments, files not. */
static void
test_multipart(void **state)
{
	static const char	body[] = MP_FIELD("_xsrf") "tok\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    " hello\r\nworld \r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; "
	    "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	    "file\r\n--XyZ-x is not a delimiter\r\n"
	    MP_FIELD("empty") "\r\n"
	    "--XyZ--\r\n";
	struct http_form	form;

	(void)state;
	http_form_init(&form);
	assert_int_equal(parse_multipart(&form, MP_TYPE, body,
	    sizeof(body) - 1, FIELD_MAX), 0);
	assert_int_equal(form.count, 3);
	assert_string_equal(http_form_get(&form, "_xsrf")->value, "tok");
	assert_string_equal(http_form_get(&form, "body")->value,
	    "hello\r\nworld");
	assert_null(http_form_get(&form, "upload"));
	assert_string_equal(http_form_get(&form, "empty")->value, "");
	assert_int_equal(http_form_get(&form, "empty")->value_length, 0);
	http_form_free(&form);
}

/* The edges of the format that are still well-formed. */
static void
test_multipart_edges(void **state)
{
	static const char	star_file[] = "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"f\"; filename*=UTF-8''x\r\n\r\nv\r\n--XyZ--";
	struct http_form	form;

	(void)state;
	http_form_init(&form);
	/* Preamble, epilogue, padding after a delimiter, quoted boundary. */
	assert_string_equal(multipart_value(&form, "multipart/form-data; "
	    "charset=x; boundary=\"a b:c\"", "preamble\r\n--a b:c \t\r\n"
	    "Content-Disposition: form-data; name=a\r\n\r\n1\r\n"
	    "--a b:c--epilogue", "a"), "1");
	assert_string_equal(multipart_value(&form, "Multipart/Form-Data;"
	    "BOUNDARY=XyZ;", MP_FIELD("a") "x\r\n--XyZ--", "a"), "x");
	/* A boundary look-alike inside the content is content. */
	assert_string_equal(multipart_value(&form, MP_TYPE, MP_FIELD("a")
	    "1--XyZ\r\n--XyZa\r\n--XyZ-\r\n--XyZ--", "a"),
	    "1--XyZ\r\n--XyZa\r\n--XyZ-");
	/* Header names and the disposition type ignore case. */
	assert_string_equal(multipart_value(&form, MP_TYPE, "--XyZ\r\n"
	    "content-disposition:FORM-DATA;NAME=\"a\\\"b\"\r\nX-Other: y\r\n"
	    "\r\nv\r\n--XyZ--", "a\"b"), "v");
	/* An empty filename is a field, as Tornado has it; filename* not. */
	assert_string_equal(multipart_value(&form, MP_TYPE, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
	    "\r\nv\r\n--XyZ--", "f"), "v");
	http_form_free(&form);
	assert_int_equal(parse_multipart(&form, MP_TYPE, star_file,
	    strlen(star_file), FIELD_MAX), 0);
	assert_int_equal(form.count, 0);
	/* A preamble that looks like a delimiter is still a preamble. */
	assert_int_equal(parse_multipart(&form, MP_TYPE, "--XyZx\r\n--XyZ--",
	    15, FIELD_MAX), 0);
	assert_int_equal(form.count, 0);
	/* UTF-8 names, cleaned values, the last value of a name. */
	assert_string_equal(multipart_value(&form, MP_TYPE,
	    MP_FIELD("caf\xc3\xa9") "\xc2\xa0x\x01y\x1f\r\n--XyZ--",
	    "caf\xc3\xa9"), "x y");
	assert_string_equal(multipart_value(&form, MP_TYPE, MP_FIELD("a") "1"
	    "\r\n" MP_FIELD("a") "2\r\n--XyZ--", "a"), "2");
	/* A NUL in the content becomes a space. */
	http_form_free(&form);
	assert_int_equal(parse_multipart(&form, MP_TYPE, MP_FIELD("a")
	    "x\0y\r\n--XyZ--", 63, FIELD_MAX), 0);
	assert_string_equal(http_form_get(&form, "a")->value, "x y");
	/* No parts at all. */
	http_form_free(&form);
	assert_int_equal(parse_multipart(&form, MP_TYPE, "--XyZ--\r\n", 9,
	    FIELD_MAX), 0);
	assert_int_equal(form.count, 0);
	http_form_free(&form);
}

/* Malformed bodies and types are refused with EINVAL, the form kept. */
static void
test_multipart_malformed(void **state)
{
	static const char	*bad_types[] = { "multipart/form-data",
	    "multipart/form-data; boundary=", "multipart/form-data; boundary",
	    "multipart/form-data; boundary=\"\"",
	    "multipart/form-data; boundary=\"XyZ",
	    "multipart/form-data; x=\"; boundary=XyZ",
	    "multipart/form-data; =x; boundary=XyZ",
	    "multipart/form-data; boundary=\"\x01\"",
	    ("multipart/form-data; boundary=0123456789012345678901234567890123"
	    "4567890123456789012345678901234567890") };
	static const char	*bad_bodies[] = { "", "--XyZ", "--XyZ\r\n",
	    "no delimiter at all", "--XyZx\r\n--XyZ-",
	    MP_FIELD("a") "no closing delimiter",
	    MP_FIELD("a") "1\r\n--XyZ",
	    MP_FIELD("a") "1\r\n--XyZ-",
	    "--XyZ\r\nContent-Disposition: form-data; name=a\r\n1\r\n--XyZ--",
	    "--XyZ\r\n\r\n1\r\n--XyZ--",
	    "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--",
	    "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data; nam e=a\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nno colon\r\nContent-Disposition: form-data; name=a\r\n"
	    "\r\n1\r\n--XyZ--",
	    "--XyZ\r\n Content-Disposition: form-data; name=a\r\n\r\n1\r\n"
	    "--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data; name=a\x01\r\n\r\n1"
	    "\r\n--XyZ--",
	    "--XyZ\nContent-Disposition: form-data; name=a\n\n1\n--XyZ--",
	    "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
	    "--XyZ\r\n--XyZ--" };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		multipart_refused(bad_types[i], MP_FIELD("a") "1\r\n--XyZ--",
		    FIELD_MAX, EINVAL);
	for (i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++)
		multipart_refused(MP_TYPE, bad_bodies[i], FIELD_MAX, EINVAL);
	multipart_refused(MP_TYPE, MP_FIELD("a") "\xff\r\n--XyZ--", FIELD_MAX,
	    EILSEQ);
	multipart_refused(MP_TYPE, MP_FIELD("\xc3") "1\r\n--XyZ--", FIELD_MAX,
	    EILSEQ);
	multipart_refused(MP_TYPE, MP_FIELD("a") "1\r\n" MP_FIELD("b")
	    "2\r\n--XyZ--", 2, E2BIG);
}

/* A file part is not a field and does not count against the limit. */
static void
test_multipart_limit(void **state)
{
	static const char	body[] = MP_FIELD("a") "1\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=f; filename=x\r\n\r\n"
	    "data\r\n" MP_FIELD("b") "2\r\n--XyZ--";
	struct http_form	form;

	(void)state;
	http_form_init(&form);
	assert_int_equal(parse_multipart(&form, MP_TYPE, body,
	    sizeof(body) - 1, 2), 0);
	assert_int_equal(form.count, 2);
	http_form_free(&form);
	multipart_refused(MP_TYPE, body, 1, E2BIG);
}

/* The query and the body a request's Content-Type names, or no body. */
static void
test_form_read(void **state)
{
	static const char	multipart_body[] = MP_FIELD("b") "m\r\n--XyZ--";
	static const char *const urlencoded[] = { "Content-Type",
	    "Application/X-WWW-Form-Urlencoded ; charset=UTF-8" };
	static const char *const multipart[] = { "content-type", MP_TYPE };
	static const char *const other[] = { "Content-Type",
	    "application/json" };
	static const char *const bad[] = { "Content-Type",
	    "multipart/form-data" };
	struct http_request	 request;
	struct http_form	 form;

	(void)state;
	http_form_init(&form);
	request_with(&request, urlencoded, 1);
	request.query = "a=q&b=q";
	request.body = "b=u&c=3";
	request.body_length = 7;
	assert_int_equal(http_form_read(&form, &request, FIELD_MAX), 0);
	assert_string_equal(http_form_get(&form, "a")->value, "q");
	assert_string_equal(http_form_get(&form, "b")->value, "u");
	assert_string_equal(http_form_get(&form, "c")->value, "3");
	http_form_free(&form);
	request_with(&request, multipart, 1);
	request.query = "b=q";
	request.body = multipart_body;
	request.body_length = sizeof(multipart_body) - 1;
	assert_int_equal(http_form_read(&form, &request, FIELD_MAX), 0);
	assert_string_equal(http_form_get(&form, "b")->value, "m");
	assert_int_equal(form.count, 2);
	http_form_free(&form);
	request_with(&request, other, 1);
	request.query = "a=1";
	request.body = "{\"b\": 2}";
	request.body_length = 8;
	assert_int_equal(http_form_read(&form, &request, FIELD_MAX), 0);
	assert_int_equal(form.count, 1);
	http_form_free(&form);
	request_with(&request, other, 0);
	request.body = "b=2";
	request.body_length = 3;
	assert_int_equal(http_form_read(&form, &request, FIELD_MAX), 0);
	assert_int_equal(form.count, 0);
	/* A refused body takes the query's fields back out too. */
	request_with(&request, bad, 1);
	request.query = "a=1";
	errno = 0;
	assert_int_equal(http_form_read(&form, &request, FIELD_MAX), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(form.count, 0);
	http_form_free(&form);
}

/* Fill data with random pieces likely to stress the parser; the length. */
static size_t
random_data(uint32_t *seed, char *data)
{
	static const char *const pieces[] = { "&", "=", "+", "%", "%2", "%20",
	    "%00", "%01", "%0D", "%C3", "%A9", "%ED%A0%80", "%C0%AF", "%F4",
	    "%8F", "%BF", "a", "b", " ", "\xc3\xa9", "%zz" };

	return test_random_pieces(seed, data, 0, pieces,
	    sizeof(pieces) / sizeof(pieces[0]), FUZZ_PIECES - 1, 4);
}

/* Check what a successful parse promises about every field. */
static void
check_fields(const struct http_form *form, size_t field_max)
{
	const struct http_form_field	*field;
	size_t				 i, k;
	unsigned char			 c;

	assert_true(form->count <= field_max);
	for (i = 0; i < form->count; i++) {
		field = &form->fields[i];
		assert_true(http_utf8_valid(field->name, strlen(field->name)));
		assert_int_equal(field->value_length, strlen(field->value));
		assert_true(http_utf8_valid(field->value, field->value_length));
		for (k = 0; k < field->value_length; k++) {
			c = (unsigned char)field->value[k];
			assert_false(c <= 0x08 || (c >= 0x0e && c <= 0x1f));
		}
		if (field->value_length > 0) {
			assert_false(unicode_is_space(unicode_next(
			    field->value, field->value_length, &k)));
			assert_false(unicode_is_space(unicode_previous(
			    field->value, field->value_length, &k)));
		}
	}
}

/* Random input never crashes the parser nor breaks its promises. */
static void
test_fuzz(void **state)
{
	char			data[FUZZ_PIECES * 16];
	struct http_form	form;
	uint32_t		seed = 88172645u;
	size_t			length, field_max;
	int			round;

	(void)state;
	http_form_init(&form);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		length = random_data(&seed, data);
		field_max = test_random(&seed) % 8;
		if (http_form_parse(&form, data, length, field_max) == 0)
			check_fields(&form, field_max);
		else
			assert_true(errno == EILSEQ || errno == E2BIG);
		http_form_free(&form);
	}
}

/*
 * Fill data (room for 2048 bytes) with a random multipart body for the
 * boundary "b": random parts, headers and contents, often well-formed,
 * often not; the length.
 */
static size_t
random_multipart(uint32_t *seed, char *data)
{
	static const char *const	headers[] = {
	    "Content-Disposition: form-data; name=\"a\"\r\n",
	    "Content-Disposition: form-data; name=b\r\n",
	    "content-disposition: form-data; name=\"\\\"\"; filename=\"f\"\r\n",
	    "Content-Disposition: form-data; name=\"c\"; filename=\"\"\r\n",
	    "Content-Disposition: form-data; name=\"\xc3\xa9\";\r\n",
	    "Content-Disposition: form-data; name=\"d\r\n",
	    "Content-Type: text/plain\r\n", "Content-Disposition: x\r\n",
	    "X: y\r\n", "bad\r\n", "\r\n", "" };
	static const char *const	contents[] = { "x", "\xc3\xa9",
	    "\xc2\xa0", " ", "\r\n", "--b", "-", "\r", "\n", "\xff", "--b-",
	    "\r\n--b", "y", "z" };
	static const char *const	delimiters[] = { "--b\r\n",
	    "--b \t\r\n", "--b", "--b\n", "\r\n--b\r\n" };
	const char			*headers_chosen;
	size_t				 length = 0, parts;

	if (test_random(seed) % 4 == 0)
		length = test_random_pieces(seed, data, length, contents,
		    sizeof(contents) / sizeof(contents[0]), 8, 6);
	for (parts = test_random(seed) % 5; parts > 0; parts--) {
		if (test_random(seed) % 3 == 0) {
			/* A part of random lines. */
			length = test_random_pieces(seed, data, length,
			    delimiters, sizeof(delimiters) /
			    sizeof(delimiters[0]), 1, 6);
			length = test_random_pieces(seed, data, length, headers,
			    sizeof(headers) / sizeof(headers[0]), 3, 6);
		} else {
			/* A well-formed start, a field or a file. */
			memcpy(data + length, "--b\r\n", 5);
			length += 5;
			headers_chosen = headers[test_random(seed) % 5];
			memcpy(data + length, headers_chosen,
			    strlen(headers_chosen));
			length += strlen(headers_chosen);
		}
		memcpy(data + length, "\r\n", 2);
		length += 2;
		length = test_random_pieces(seed, data, length, contents,
		    sizeof(contents) / sizeof(contents[0]), 6, 6);
		memcpy(data + length, "\r\n", 2);
		length += 2;
	}
	if (test_random(seed) % 8 != 0) {
		memcpy(data + length, "--b--", 5);
		length += 5;
	}
	if (length > 0 && test_random(seed) % 8 == 0)
		data[test_random(seed) % length] =
		    (char)(test_random(seed) & 0xff);
	return length;
}

/* Change a well-formed body at one to four random places; the length. */
static size_t
mutate(uint32_t *seed, char *data, size_t length, size_t capacity)
{
	static const char	*pieces[] = { "\r\n", "--XyZ", "--", "\"",
	    ";", "=", "\xff", "\xc3", " ", "\r\n\r\n", "--XyZ--" };
	const char		*piece;
	size_t			 count, at, span;

	for (count = 1 + test_random(seed) % 4; count > 0; count--) {
		at = test_random(seed) % (length + 1);
		switch (test_random(seed) % 5) {
		case 0:		/* one byte changed */
			if (at < length)
				data[at] = (char)(test_random(seed) & 0xff);
			break;
		case 1:		/* a few bytes gone */
			span = test_random(seed) % 8;
			if (span > length - at)
				span = length - at;
			memmove(data + at, data + at + span,
			    length - at - span);
			length -= span;
			break;
		case 2:		/* a few bytes repeated */
			span = test_random(seed) % 16;
			if (span > length - at)
				span = length - at;
			if (length + span <= capacity) {
				memmove(data + at + span, data + at,
				    length - at);
				length += span;
			}
			break;
		case 3:		/* a piece of syntax put in */
			piece = pieces[test_random(seed) %
			    (sizeof(pieces) / sizeof(pieces[0]))];
			span = strlen(piece);
			if (length + span <= capacity) {
				memmove(data + at + span, data + at,
				    length - at);
				memcpy(data + at, piece, span);
				length += span;
			}
			break;
		default:	/* cut short */
			length = at;
			break;
		}
	}
	return length;
}

/* Parse one fuzzed multipart body and check what the parser promises. */
static void
fuzz_one_multipart(struct http_form *form, const char *type,
    const char *data, size_t length, size_t field_max)
{
	if (parse_multipart(form, type, data, length, field_max) == 0)
		check_fields(form, field_max);
	else {
		if (errno != EINVAL && errno != EILSEQ && errno != E2BIG)
			fail_msg("errno %d", errno);
		assert_int_equal(form->count, 0);
	}
	http_form_free(form);
}

/* Random multipart bodies never crash the parser nor break promises. */
static void
test_multipart_fuzz_random(void **state)
{
	static const char	*types[] = { "multipart/form-data; boundary=b",
	    "multipart/form-data; boundary=\"b\"",
	    "multipart/form-data; boundary=b; x=\"",
	    "multipart/form-data; boundary=--" };
	char			 data[2048];
	struct http_form	 form;
	uint32_t		 seed = 1234567u;
	size_t			 length;
	int			 round;

	(void)state;
	http_form_init(&form);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		length = random_multipart(&seed, data);
		fuzz_one_multipart(&form, types[test_random(&seed) %
		    (sizeof(types) / sizeof(types[0]))], data, length,
		    1 + test_random(&seed) % 4);
	}
}

/* Well-formed bodies, mutated, never crash the parser nor break promises. */
static void
test_multipart_fuzz_mutated(void **state)
{
	static const char	*templates[] = {
	    MP_FIELD("_xsrf") "tok\r\n" MP_FIELD("body") "hi\r\n--XyZ--\r\n",
	    "preamble\r\n--XyZ  \r\nContent-Disposition: form-data; name=\"a"
	    "\\\"b\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	    "x\r\n--XyZ\r\ncontent-disposition: form-data; name=c\r\n\r\n"
	    "\xc3\xa9\xc2\xa0\r\n--XyZ--epilogue",
	    MP_FIELD("a") "\r\n" MP_FIELD("a") "--XyZ-\r\n--XyZ--" };
	char			 data[1024];
	struct http_form	 form;
	uint32_t		 seed = 7654321u;
	size_t			 length, which;
	int			 round;

	(void)state;
	http_form_init(&form);
	for (round = 0; round < FUZZ_ROUNDS; round++) {
		which = test_random(&seed) %
		    (sizeof(templates) / sizeof(templates[0]));
		length = strlen(templates[which]);
		memcpy(data, templates[which], length);
		length = mutate(&seed, data, length, sizeof(data));
		fuzz_one_multipart(&form, MP_TYPE, data, length,
		    1 + test_random(&seed) % 4);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoding),
		cmocka_unit_test(test_malformed_escape),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_cleaning),
		cmocka_unit_test(test_last_value),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_unicode_strip),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_request_cookies),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_multipart_edges),
		cmocka_unit_test(test_multipart_malformed),
		cmocka_unit_test(test_multipart_limit),
		cmocka_unit_test(test_form_read),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_multipart_fuzz_random),
		cmocka_unit_test(test_multipart_fuzz_mutated),
	};

	return cmocka_run_group_tests_name("http_form", tests, NULL, NULL);
}
