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
#include <string.h>
#include <cmocka.h>

#include "http/http_form.h"

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
	assert_string_equal(http_form_get(&form, "a")->value, "1");
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
	assert_string_equal(http_form_get(&form, "a")->value, "1");
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

/* The first cookie of exactly that name, unquoted. */
static void
test_cookies(void **state)
{
	(void)state;
	cookie_found("a=1; _xsrf=abc; b=2", "_xsrf", "abc");
	cookie_found("a=1; _xsrf=abc; b=2", "a", "1");
	cookie_found("a=1; _xsrf=abc; b=2", "b", "2");
	cookie_found("x=1; x=2", "x", "1");
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

/* A small fixed-seed generator, so every run tries the same inputs. */
static uint32_t
next_random(uint32_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

/* Fill data with random pieces likely to stress the parser; the length. */
static size_t
random_data(uint32_t *seed, char *data)
{
	static const char	*pieces[] = { "&", "=", "+", "%", "%2", "%20",
	    "%00", "%01", "%0D", "%C3", "%A9", "%ED%A0%80", "%C0%AF", "%F4",
	    "%8F", "%BF", "a", "b", " ", "\xc3\xa9", "%zz" };
	size_t			 length = 0, count, i;
	const char		*piece;

	count = next_random(seed) % FUZZ_PIECES;
	for (i = 0; i < count; i++) {
		if (next_random(seed) % 4 == 0) {
			data[length++] = (char)(next_random(seed) & 0xff);
			continue;
		}
		piece = pieces[next_random(seed) %
		    (sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(data + length, piece, strlen(piece));
		length += strlen(piece);
	}
	return length;
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
			assert_null(strchr(" \t\n\v\f\r", field->value[0]));
			assert_null(strchr(" \t\n\v\f\r",
			    field->value[field->value_length - 1]));
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
		field_max = next_random(&seed) % 8;
		if (http_form_parse(&form, data, length, field_max) == 0)
			check_fields(&form, field_max);
		else
			assert_true(errno == EILSEQ || errno == E2BIG);
		http_form_free(&form);
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
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("http_form", tests, NULL, NULL);
}
