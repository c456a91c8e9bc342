/*
 * http_form.c: request arguments and cookies.
 *
 * A field whose decoded name holds a NUL could never be asked for by a C
 * string name, so it is dropped.  A failed parse leaves the form as it was.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_form.h"

#define FORM_FIRST_CAPACITY	8

/* The least code point a UTF-8 sequence with n continuation bytes holds. */
static const unsigned long	utf8_minimum[] = { 0, 0x80, 0x800, 0x10000 };

/* The value of a hexadecimal digit, or -1 when c is not one. */
static int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode '+' and %XX from text into out (room for length); the length. */
static size_t
url_decode(char *out, const char *text, size_t length)
{
	size_t	i, out_length = 0;
	int	high, low;

	for (i = 0; i < length; i++) {
		high = low = -1;
		if (text[i] == '%' && length - i > 2) {
			high = hex_digit_value(text[i + 1]);
			low = hex_digit_value(text[i + 2]);
		}
		if (high != -1 && low != -1) {
			out[out_length++] = (char)(high << 4 | low);
			i += 2;
		} else
			out[out_length++] = text[i] == '+' ? ' ' : text[i];
	}
	out[out_length] = '\0';
	return out_length;
}

/* Whether c is ASCII whitespace: space, tab, LF, VT, FF or CR. */
static int
is_ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Turn control characters into spaces and strip; the new length. */
static size_t
clean_value(char *value, size_t length)
{
	unsigned char	 c;
	size_t		 i, start, end;

	for (i = 0; i < length; i++) {
		c = (unsigned char)value[i];
		if (c <= 0x08 || (c >= 0x0e && c <= 0x1f))
			value[i] = ' ';
	}
	for (start = 0; start < length &&
	    is_ascii_space((unsigned char)value[start]); start++)
		continue;
	for (end = length; end > start &&
	    is_ascii_space((unsigned char)value[end - 1]); end--)
		continue;
	memmove(value, value + start, end - start);
	value[end - start] = '\0';
	return end - start;
}

/* 1 if bytes are valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int
http_utf8_valid(const char *bytes, size_t length)
{
	const unsigned char	*s = (const unsigned char *)bytes;
	unsigned long		 code;
	size_t			 i, more, k;

	for (i = 0; i < length; i += more + 1) {
		if (s[i] < 0x80) {
			more = 0;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			more = 1;
		else if ((s[i] & 0xf0) == 0xe0)
			more = 2;
		else if ((s[i] & 0xf8) == 0xf0)
			more = 3;
		else
			return 0;
		if (length - i - 1 < more)
			return 0;
		code = s[i] & (0x3f >> more);
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			code = code << 6 | (s[i + k] & 0x3f);
		}
		if (code < utf8_minimum[more] || code > 0x10ffff ||
		    (code >= 0xd800 && code <= 0xdfff))
			return 0;
	}
	return 1;
}

/* Start with an empty form that owns no memory. */
void
http_form_init(struct http_form *form)
{
	form->fields = NULL;
	form->count = 0;
	form->capacity = 0;
}

/* Free the fields after the first keep of them. */
static void
form_truncate(struct http_form *form, size_t keep)
{
	while (form->count > keep) {
		form->count--;
		free(form->fields[form->count].name);
		free(form->fields[form->count].value);
	}
}

/* Free every field and leave an empty form. */
void
http_form_free(struct http_form *form)
{
	form_truncate(form, 0);
	free(form->fields);
	http_form_init(form);
}

/* Make room for one more field; 0 or -1 (ENOMEM). */
static int
form_grow(struct http_form *form)
{
	struct http_form_field	*fields;
	size_t			 capacity;

	if (form->count < form->capacity)
		return 0;
	if (form->capacity > SIZE_MAX / 2 / sizeof(*fields)) {
		errno = ENOMEM;
		return -1;
	}
	capacity = form->capacity == 0 ? FORM_FIRST_CAPACITY :
	    form->capacity * 2;
	if ((fields = realloc(form->fields, capacity * sizeof(*fields))) ==
	    NULL)
		return -1;
	form->fields = fields;
	form->capacity = capacity;
	return 0;
}

/* Decode one non-empty "name=value" field and add it; 0 or -1. */
static int
form_add(struct http_form *form, const char *field, size_t length,
    size_t field_max)
{
	const char	*equals;
	char		*name = NULL, *value = NULL;
	size_t		 name_length, value_length, raw_name_length;

	if (form->count >= field_max) {
		errno = E2BIG;
		return -1;
	}
	if (form_grow(form) == -1)
		return -1;
	equals = memchr(field, '=', length);
	raw_name_length = equals == NULL ? length : (size_t)(equals - field);
	if ((name = malloc(raw_name_length + 1)) == NULL ||
	    (value = malloc(length - raw_name_length + 1)) == NULL)
		goto fail;
	name_length = url_decode(name, field, raw_name_length);
	value_length = equals == NULL ? url_decode(value, "", 0) :
	    url_decode(value, equals + 1, length - raw_name_length - 1);
	if (!http_utf8_valid(name, name_length) ||
	    !http_utf8_valid(value, value_length)) {
		errno = EILSEQ;
		goto fail;
	}
	if (memchr(name, '\0', name_length) != NULL) {
		free(name);
		free(value);
		return 0;
	}
	form->fields[form->count].name = name;
	form->fields[form->count].value = value;
	form->fields[form->count].value_length = clean_value(value,
	    value_length);
	form->count++;
	return 0;

fail:
	free(name);
	free(value);
	return -1;
}

/* Append the fields of a urlencoded string to the form; 0 or -1. */
int
http_form_parse(struct http_form *form, const char *data, size_t length,
    size_t field_max)
{
	size_t	start, end, count_before = form->count;
	int	saved_errno;

	for (start = 0; start < length; start = end + 1) {
		for (end = start; end < length && data[end] != '&'; end++)
			continue;
		if (end == start)
			continue;
		if (form_add(form, data + start, end - start, field_max) ==
		    -1) {
			saved_errno = errno;
			form_truncate(form, count_before);
			errno = saved_errno;
			return -1;
		}
	}
	return 0;
}

/* The first field called name, or NULL. */
const struct http_form_field *
http_form_get(const struct http_form *form, const char *name)
{
	size_t	i;

	for (i = 0; i < form->count; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return &form->fields[i];
	return NULL;
}

/* Move start and end inwards past ASCII whitespace. */
static void
trim_spaces(const char **start, const char **end)
{
	while (*start < *end && is_ascii_space((unsigned char)**start))
		(*start)++;
	while (*end > *start && is_ascii_space((unsigned char)(*end)[-1]))
		(*end)--;
}

/* Copy the cookie value text[0..end), trimmed and unquoted; 0 or -1. */
static int
cookie_value_copy(const char *text, const char *end, char *value,
    size_t value_size)
{
	size_t	length;

	trim_spaces(&text, &end);
	if (end - text >= 2 && text[0] == '"' && end[-1] == '"') {
		text++;
		end--;
	}
	length = (size_t)(end - text);
	if (length >= value_size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(value, text, length);
	value[length] = '\0';
	return 0;
}

/* Copy the value of the first cookie called name; 0 or -1 with errno. */
int
http_cookie_get(const char *cookie_header, const char *name, char *value,
    size_t value_size)
{
	const char	*chunk, *end, *equals, *key_end;
	size_t		 name_length = strlen(name);

	if (value_size > 0)
		value[0] = '\0';
	for (chunk = cookie_header; chunk != NULL;
	    chunk = *end == ';' ? end + 1 : NULL) {
		end = chunk + strcspn(chunk, ";");
		equals = memchr(chunk, '=', (size_t)(end - chunk));
		if (equals == NULL)
			continue;
		key_end = equals;
		trim_spaces(&chunk, &key_end);
		if ((size_t)(key_end - chunk) == name_length &&
		    memcmp(chunk, name, name_length) == 0)
			return cookie_value_copy(equals + 1, end, value,
			    value_size);
	}
	errno = ENOENT;
	return -1;
}
