/*
 * fuzz_http_form.c: libFuzzer harness of the form and cookie decoding of
 * http_form.c.
 *
 * Every input goes through each decoder of the table below.  The
 * urlencoded one (query strings and form bodies alike) is checked against
 * a plain decoder written here from the rules of http_form.h, and every
 * field against the promises made there; the cookie one looks up each name
 * the header holds, and one too long to be there; the multipart one
 * checks what a parse adds, or that a refused body leaves the form be.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "http/http_form.h"
#include "util/unicode.h"

#include "fuzz.h"

#define FIELD_MAX	64
#define COOKIE_VALUE	32

/* One decoder and the function that checks it on an input. */
struct decoder {
	const char	*name;
	void		(*check)(const uint8_t *, size_t);
};

/* The value of a hexadecimal digit, or -1. */
static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode text[0..length) into out, the plain way; the decoded length. */
static size_t
plain_decode(char *out, const uint8_t *text, size_t length)
{
	size_t	i, n = 0;

	for (i = 0; i < length; i++) {
		if (text[i] == '%' && i + 2 < length &&
		    hex_value(text[i + 1]) != -1 &&
		    hex_value(text[i + 2]) != -1) {
			out[n++] = (char)(hex_value(text[i + 1]) << 4 |
			    hex_value(text[i + 2]));
			i += 2;
		} else
			out[n++] = text[i] == '+' ? ' ' : (char)text[i];
	}
	return n;
}

/* Whether c is ASCII whitespace as http_form.h strips it. */
static int
is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* How many bytes of the raw field text[0..length) its name has. */
static size_t
raw_name_length(const uint8_t *text, size_t length)
{
	const uint8_t	*equals = memchr(text, '=', length);

	return equals == NULL ? length : (size_t)(equals - text);
}

/* Check one decoded field against the raw text it came from. */
static void
check_field(const struct http_form_field *field, const uint8_t *raw,
    size_t length, char *scratch)
{
	size_t	name = raw_name_length(raw, length), name_length;
	size_t	value_length, i, start, end, size;
	uint8_t	c;

	name_length = plain_decode(scratch, raw, name);
	FUZZ_CHECK(strlen(field->name) == name_length &&
	    memcmp(field->name, scratch, name_length) == 0);
	value_length = name == length ? 0 : plain_decode(scratch,
	    raw + name + 1, length - name - 1);
	for (i = 0; i < value_length; i++) {
		c = (uint8_t)scratch[i];
		if (c <= 0x08 || (c >= 0x0e && c <= 0x1f))
			scratch[i] = ' ';
	}
	/* Stripped as Python's str.strip() strips: Unicode white space. */
	start = 0;
	while (start < value_length && unicode_is_space(unicode_next(scratch +
	    start, value_length - start, &size)))
		start += size;
	end = value_length;
	while (end > start && unicode_is_space(unicode_previous(scratch +
	    start, end - start, &size)))
		end -= size;
	FUZZ_CHECK(field->value_length == end - start);
	FUZZ_CHECK(strlen(field->value) == field->value_length);
	FUZZ_CHECK(memcmp(field->value, scratch + start, end - start) == 0);
	FUZZ_CHECK(http_utf8_valid(field->name, name_length));
	FUZZ_CHECK(http_utf8_valid(field->value, field->value_length));
}

/* Whether the field's name and value are both UTF-8 once decoded. */
static int
field_is_utf8(const uint8_t *field, size_t length, char *scratch)
{
	size_t	name = raw_name_length(field, length), decoded;

	decoded = plain_decode(scratch, field, name);
	if (!http_utf8_valid(scratch, decoded))
		return 0;
	if (name == length)
		return 1;
	decoded = plain_decode(scratch, field + name + 1, length - name - 1);
	return http_utf8_valid(scratch, decoded);
}

/*
 * Walk the '&'-separated fields of the input beside the parsed form, whose
 * first field was there before; after a failure for EILSEQ, check only
 * that some field deserved it.
 */
static void
compare_fields(const struct http_form *form, const uint8_t *data,
    size_t size, char *scratch, int failed)
{
	const uint8_t	*field, *end;
	size_t		 i = 1, length, decoded;
	int		 bad_utf8 = 0;

	for (field = data; field < data + size; field = end + 1) {
		end = memchr(field, '&', (size_t)(data + size - field));
		if (end == NULL)
			end = data + size;
		if ((length = (size_t)(end - field)) == 0)
			continue;
		if (failed) {
			bad_utf8 |= !field_is_utf8(field, length, scratch);
			continue;
		}
		decoded = plain_decode(scratch, field,
		    raw_name_length(field, length));
		if (memchr(scratch, '\0', decoded) != NULL)
			continue;	/* a name holding a NUL is dropped */
		FUZZ_CHECK(i < form->count);
		check_field(&form->fields[i], field, length, scratch);
		FUZZ_CHECK(http_form_get(form, form->fields[i].name) != NULL);
		i++;
	}
	if (failed)
		FUZZ_CHECK(bad_utf8);
	else
		FUZZ_CHECK(i == form->count);
}

/* Query strings and urlencoded bodies. */
static void
check_urlencoded(const uint8_t *data, size_t size)
{
	struct http_form	form;
	char			*scratch;
	int			 result;

	if ((scratch = malloc(size + 1)) == NULL)
		return;
	http_form_init(&form);
	FUZZ_CHECK(http_form_parse(&form, "kept=1", 6, FIELD_MAX) == 0);
	errno = 0;
	result = http_form_parse(&form, (const char *)data, size, FIELD_MAX);
	if (result == -1) {
		/* A failed parse leaves the form as it was. */
		FUZZ_CHECK(errno == EILSEQ || errno == E2BIG ||
		    errno == ENOMEM);
		FUZZ_CHECK(form.count == 1);
		FUZZ_CHECK(strcmp(form.fields[0].value, "1") == 0);
		if (errno == EILSEQ)
			compare_fields(&form, data, size, scratch, 1);
	} else {
		FUZZ_CHECK(form.count >= 1 && form.count <= FIELD_MAX);
		/* An argument given twice takes its last value. */
		FUZZ_CHECK(http_form_get(&form, "kept") != NULL);
		compare_fields(&form, data, size, scratch, 0);
	}
	http_form_free(&form);
	free(scratch);
}

/* Look one cookie up and check what came back. */
static void
check_cookie_lookup(const char *header, const char *name, int present)
{
	char	value[COOKIE_VALUE];
	int	result;

	errno = 0;
	result = http_cookie_get(header, name, value, sizeof(value));
	if (!present) {
		FUZZ_CHECK(result == -1 && errno == ENOENT);
		FUZZ_CHECK(value[0] == '\0');
		return;
	}
	FUZZ_CHECK(result == 0 || errno == ENAMETOOLONG);
	if (result == 0) {
		FUZZ_CHECK(strlen(value) < sizeof(value));
		FUZZ_CHECK(strchr(value, ';') == NULL);
		FUZZ_CHECK(strstr(header, value) != NULL);
	}
}

/* Cookie headers: every name in the header is found; a longer one not. */
static void
check_cookies(const uint8_t *data, size_t size)
{
	char	*header, *name, *chunk, *equals, *end;

	if ((header = malloc(size + 1)) == NULL)
		return;
	memcpy(header, data, size);
	header[size] = '\0';
	if ((name = malloc(size + 2)) == NULL) {
		free(header);
		return;
	}
	for (chunk = header; chunk != NULL; chunk = end == NULL ? NULL :
	    end + 1) {
		end = strchr(chunk, ';');
		equals = memchr(chunk, '=', end == NULL ? strlen(chunk) :
		    (size_t)(end - chunk));
		if (equals == NULL)
			continue;
		while (chunk < equals && is_space((uint8_t)*chunk))
			chunk++;
		while (equals > chunk && is_space((uint8_t)equals[-1]))
			equals--;
		memcpy(name, chunk, (size_t)(equals - chunk));
		name[equals - chunk] = '\0';
		check_cookie_lookup(header, name, 1);
	}
	/* No name in the header can be longer than the header. */
	memset(name, 'x', size + 1);
	name[size + 1] = '\0';
	check_cookie_lookup(header, name, 0);
	free(name);
	free(header);
}

/*
 * multipart/form-data bodies: the first byte picks a boundary, the rest
 * is the body, in memory of exactly its size.  A parse either adds
 * fields that are UTF-8 and within the bound, or leaves the form as it
 * was.
 */
static void
check_multipart(const uint8_t *data, size_t size)
{
	static const char *const	types[] = {
		"multipart/form-data; boundary=b",
		"multipart/form-data; boundary=\"b c\"",
		"Multipart/Form-Data;boundary=XyZ; charset=utf-8",
		"multipart/form-data",
		"multipart/form-data; boundary=",
	};
	struct http_form		form;
	char				*body;
	size_t				 i;

	/* Exactly the body's size, so a read past it is caught. */
	if (size == 0 || (body = malloc(size > 1 ? size - 1 : 1)) == NULL)
		return;
	memcpy(body, data + 1, size - 1);
	http_form_init(&form);
	FUZZ_CHECK(http_form_parse(&form, "kept=1", 6, FIELD_MAX) == 0);
	if (http_form_parse_multipart(&form, types[data[0] % (sizeof(types) /
	    sizeof(types[0]))], body, size - 1, FIELD_MAX) == -1) {
		FUZZ_CHECK(form.count == 1);
		FUZZ_CHECK(strcmp(form.fields[0].value, "1") == 0);
	} else {
		FUZZ_CHECK(form.count >= 1 && form.count <= FIELD_MAX);
		for (i = 0; i < form.count; i++) {
			FUZZ_CHECK(http_utf8_valid(form.fields[i].name,
			    strlen(form.fields[i].name)));
			FUZZ_CHECK(http_utf8_valid(form.fields[i].value,
			    form.fields[i].value_length));
		}
	}
	http_form_free(&form);
	free(body);
}

static const struct decoder decoders[] = {
	{ "urlencoded", check_urlencoded },
	{ "cookie", check_cookies },
	{ "multipart", check_multipart },
};

/* One input through every decoder. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	i;

	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		decoders[i].check(data, size);
	return 0;
}
