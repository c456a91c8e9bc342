/*
 * http_form.c: request arguments and cookies.
 *
 * A field whose decoded name holds a NUL could never be asked for by a C
 * string name, so it is dropped.  A failed parse leaves the form as it was,
 * with errno EILSEQ (not UTF-8), E2BIG (too many fields), EINVAL (a
 * malformed multipart body) or ENOMEM.
 *
 * A multipart body is parsed whole, as it sits in memory (RFC 2046 and
 * 7578): an optional preamble, then parts each opened by a delimiter line
 * "--boundary" (trailing blanks allowed), then "--boundary--" and an
 * epilogue that is ignored.  A "--boundary" that is not followed by "--"
 * or by the end of its line is part of the content.  Each part has header
 * lines, an empty line and its content; its Content-Disposition must be
 * form-data with a name.  A part with a non-empty filename is a file, not
 * an argument, and is skipped (Tornado's rule).  Anything else is
 * malformed: no delimiter, no closing one, a part without an empty line
 * after its headers, a header line without a name and a colon.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_form.h"
#include "http/http_request.h"
#include "util/array.h"
#include "util/unicode.h"

#define FORM_FIRST_CAPACITY	8
#define URLENCODED_TYPE		"application/x-www-form-urlencoded"
#define MULTIPART_TYPE		"multipart/form-data"

/* A run of bytes inside a larger text. */
struct span {
	const char	*data;
	size_t		 length;
};

/* A multipart body being parsed. */
struct multipart {
	const char	*body;
	size_t		 length;
	char		 boundary[HTTP_BOUNDARY_MAX + 1];
	size_t		 boundary_length;
};

/* The least code point a UTF-8 sequence with n continuation bytes holds. */
static const unsigned long	utf8_minimum[] = { 0, 0x80, 0x800, 0x10000 };

/* Decode '+' and %XX from text into out (room for length); the length. */
static size_t
url_decode(char *out, const char *text, size_t length)
{
	size_t	i, out_length = 0;
	int	high, low;

	for (i = 0; i < length; i++) {
		high = low = -1;
		if (text[i] == '%' && length - i > 2) {
			high = ascii_hex_value(text[i + 1]);
			low = ascii_hex_value(text[i + 2]);
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

/* Whether c is a blank: a space or a horizontal tab. */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Turn control characters into spaces, then strip what Python's
 * str.strip() strips from both ends; the new length.  value is UTF-8.
 */
static size_t
clean_value(char *value, size_t length)
{
	unsigned char	 c;
	size_t		 i, start, end, size;

	for (i = 0; i < length; i++) {
		c = (unsigned char)value[i];
		if (c <= 0x08 || (c >= 0x0e && c <= 0x1f))
			value[i] = ' ';
	}
	for (start = 0; start < length; start += size)
		if (!unicode_is_space(unicode_next(value + start,
		    length - start, &size)))
			break;
	for (end = length; end > start; end -= size)
		if (!unicode_is_space(unicode_previous(value + start,
		    end - start, &size)))
			break;
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

	if ((fields = array_grow(form->fields, &form->capacity, form->count + 1,
	    sizeof(*fields), FORM_FIRST_CAPACITY, SIZE_MAX / 2)) == NULL)
		return -1;
	form->fields = fields;
	return 0;
}

/*
 * Take the decoded name and value (malloc'd, NUL-terminated, always
 * freed or kept) as a field: checked, cleaned and added; 0 or -1.
 */
static int
form_store(struct http_form *form, char *name, size_t name_length,
    char *value, size_t value_length, size_t field_max)
{
	if (form->count >= field_max) {
		errno = E2BIG;
		goto fail;
	}
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
	if (form_grow(form) == -1)
		goto fail;
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

/* Decode one non-empty urlencoded "name=value" field and add it; 0 or -1. */
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
	equals = memchr(field, '=', length);
	raw_name_length = equals == NULL ? length : (size_t)(equals - field);
	if ((name = malloc(raw_name_length + 1)) == NULL ||
	    (value = malloc(length - raw_name_length + 1)) == NULL) {
		free(name);
		return -1;
	}
	name_length = url_decode(name, field, raw_name_length);
	value_length = equals == NULL ? url_decode(value, "", 0) :
	    url_decode(value, equals + 1, length - raw_name_length - 1);
	return form_store(form, name, name_length, value, value_length,
	    field_max);
}

/* Remove the fields a failed parse added; always -1, errno kept. */
static int
form_undo(struct http_form *form, size_t count_before)
{
	int	saved_errno = errno;

	form_truncate(form, count_before);
	errno = saved_errno;
	return -1;
}

/* Append the fields of a urlencoded string to the form; 0 or -1. */
int
http_form_parse(struct http_form *form, const char *data, size_t length,
    size_t field_max)
{
	size_t	start, end, count_before = form->count;

	for (start = 0; start < length; start = end + 1) {
		for (end = start; end < length && data[end] != '&'; end++)
			continue;
		if (end == start)
			continue;
		if (form_add(form, data + start, end - start, field_max) ==
		    -1)
			return form_undo(form, count_before);
	}
	return 0;
}

/* Move *at past the blanks of text (length bytes). */
static void
skip_blanks(const char *text, size_t length, size_t *at)
{
	while (*at < length && is_blank(text[*at]))
		(*at)++;
}

/* The type of a header value with parameters: before ';', trimmed. */
static struct span
header_type(const char *text, size_t length, size_t *at)
{
	struct span	type;
	size_t		start = 0, end;

	skip_blanks(text, length, &start);
	for (end = start; end < length && text[end] != ';'; end++)
		continue;
	*at = end;
	while (end > start && is_blank(text[end - 1]))
		end--;
	type.data = text + start;
	type.length = end - start;
	return type;
}

/* Whether the span holds exactly the text word, ignoring ASCII case. */
static int
span_is(const struct span *span, const char *word)
{
	return span->length == strlen(word) &&
	    strncasecmp(span->data, word, span->length) == 0;
}

/* Move *at past the quoted string that starts there; 0 or -1 unclosed. */
static int
skip_quoted(const char *text, size_t length, size_t *at)
{
	for ((*at)++; *at < length && text[*at] != '"'; (*at)++)
		if (text[*at] == '\\' && ++(*at) == length)
			return -1;
	if (*at == length)
		return -1;
	(*at)++;
	return 0;
}

/*
 * Read the next "; name=value" parameter from *at: 1 with its name and
 * value (a quoted value keeps its quotes), 0 at the end, -1 malformed.
 * Empty parameters (";;", a last ';') are skipped.
 */
static int
next_parameter(const char *text, size_t length, size_t *at,
    struct span *name, struct span *value)
{
	size_t	start;

	for (;;) {
		skip_blanks(text, length, at);
		if (*at == length)
			return 0;
		if (text[*at] != ';')
			return -1;
		(*at)++;
		skip_blanks(text, length, at);
		if (*at < length && text[*at] != ';')
			break;
	}
	for (start = *at; *at < length &&
	    http_is_token_char(text[*at]); (*at)++)
		continue;
	name->data = text + start;
	name->length = *at - start;
	skip_blanks(text, length, at);
	if (name->length == 0 || *at == length || text[*at] != '=')
		return -1;
	(*at)++;
	skip_blanks(text, length, at);
	start = *at;
	if (*at < length && text[*at] == '"') {
		if (skip_quoted(text, length, at) == -1)
			return -1;
	} else {
		while (*at < length && text[*at] != ';')
			(*at)++;
		while (*at > start && is_blank(text[*at - 1]))
			(*at)--;
	}
	value->data = text + start;
	value->length = *at - start;
	return 1;
}

/* Copy a parameter value, unquoted, into out (room for its length). */
static size_t
parameter_copy(char *out, const struct span *value)
{
	size_t	i, length = 0;

	if (value->length < 2 || value->data[0] != '"') {
		memcpy(out, value->data, value->length);
		out[value->length] = '\0';
		return value->length;
	}
	for (i = 1; i < value->length - 1; i++) {
		if (value->data[i] == '\\')
			i++;
		out[length++] = value->data[i];
	}
	out[length] = '\0';
	return length;
}

/* Take the boundary parameter of a multipart Content-Type; 0 or -1. */
static int
multipart_boundary(struct multipart *multipart, const char *content_type)
{
	struct span	name, value;
	char		boundary[HTTP_BOUNDARY_MAX + 3];
	size_t		at, length = strlen(content_type), i;
	int		found;

	(void)header_type(content_type, length, &at);
	while ((found = next_parameter(content_type, length, &at, &name,
	    &value)) == 1)
		if (span_is(&name, "boundary"))
			break;
	if (found != 1 || value.length > HTTP_BOUNDARY_MAX + 2)
		goto malformed;
	multipart->boundary_length = parameter_copy(boundary, &value);
	if (multipart->boundary_length == 0 ||
	    multipart->boundary_length > HTTP_BOUNDARY_MAX)
		goto malformed;
	for (i = 0; i < multipart->boundary_length; i++)
		if (boundary[i] < ' ' || boundary[i] > '~')
			goto malformed;
	memcpy(multipart->boundary, boundary, multipart->boundary_length + 1);
	return 0;

malformed:
	errno = EINVAL;
	return -1;
}

/*
 * What follows the "--boundary" at at: 1 with *content at the start of
 * the next line (a part follows), 0 for "--" (the end), -1 neither.
 */
static int
delimiter_kind(const struct multipart *multipart, size_t at,
    size_t *content)
{
	const char	*body = multipart->body;
	size_t		 length = multipart->length;

	at += 2 + multipart->boundary_length;
	if (length - at >= 2 && body[at] == '-' && body[at + 1] == '-')
		return 0;
	skip_blanks(body, length, &at);
	if (length - at < 2 || body[at] != '\r' || body[at + 1] != '\n')
		return -1;
	*content = at + 2;
	return 1;
}

/* Whether a delimiter "--boundary", ended well, starts at at. */
static int
is_delimiter(const struct multipart *multipart, size_t at)
{
	size_t	content;

	return multipart->length - at >= 2 + multipart->boundary_length &&
	    multipart->body[at] == '-' && multipart->body[at + 1] == '-' &&
	    memcmp(multipart->body + at + 2, multipart->boundary,
	    multipart->boundary_length) == 0 &&
	    delimiter_kind(multipart, at, &content) != -1;
}

/* Where the next "\r\n--boundary" at or after from starts, or -1 (none). */
static int
next_delimiter(const struct multipart *multipart, size_t from, size_t *at)
{
	const char	*body = multipart->body, *cr;
	size_t		 i;

	for (i = from; i < multipart->length; i = (size_t)(cr - body) + 1) {
		cr = memchr(body + i, '\r', multipart->length - i);
		if (cr == NULL)
			return -1;
		if (multipart->length - (size_t)(cr - body) >= 2 &&
		    cr[1] == '\n' && is_delimiter(multipart,
		    (size_t)(cr - body) + 2)) {
			*at = (size_t)(cr - body);
			return 0;
		}
	}
	return -1;
}

/* Where the line of part starting at *at ends (at its CR), or -1. */
static int
line_end(const struct span *part, size_t at, size_t *end)
{
	const char	*cr;

	cr = memchr(part->data + at, '\r', part->length - at);
	if (cr == NULL || (size_t)(cr - part->data) + 1 >= part->length ||
	    cr[1] != '\n')
		return -1;
	*end = (size_t)(cr - part->data);
	return 0;
}

/*
 * Read the header lines of a part up to its empty line: the
 * Content-Disposition value (or none: length 0) and where the content
 * starts; 0 or -1 malformed.
 */
static int
part_headers(const struct span *part, struct span *disposition,
    size_t *content)
{
	size_t	at = 0, end, name_end, i;

	disposition->data = NULL;
	disposition->length = 0;
	for (;;) {
		if (line_end(part, at, &end) == -1)
			return -1;
		if (end == at)
			break;
		for (name_end = at; name_end < end &&
		    http_is_token_char(part->data[name_end]); name_end++)
			continue;
		if (name_end == at || part->data[name_end] != ':')
			return -1;
		for (i = name_end + 1; i < end; i++)
			if ((unsigned char)part->data[i] < ' ' &&
			    part->data[i] != '\t')
				return -1;
		if (name_end - at == 19 && disposition->data == NULL &&
		    strncasecmp(part->data + at, "Content-Disposition",
		    19) == 0) {
			i = name_end + 1;
			skip_blanks(part->data, end, &i);
			disposition->data = part->data + i;
			disposition->length = end - i;
		}
		at = end + 2;
	}
	*content = end + 2;
	return 0;
}

/*
 * Read a form-data Content-Disposition: its name parameter (a new string
 * in *name) and whether it names a file; 0 or -1 malformed (errno set).
 */
static int
part_disposition(const struct span *disposition, char **name,
    size_t *name_length, int *is_file)
{
	struct span	type, key, value, name_value = { NULL, 0 };
	size_t		at;
	int		found;

	*is_file = 0;
	type = header_type(disposition->data, disposition->length, &at);
	if (!span_is(&type, "form-data"))
		goto malformed;
	while ((found = next_parameter(disposition->data, disposition->length,
	    &at, &key, &value)) == 1) {
		if (span_is(&key, "name"))
			name_value = value;
		else if ((span_is(&key, "filename") ||
		    span_is(&key, "filename*")) && value.length > 0 &&
		    !(value.length == 2 && value.data[0] == '"'))
			*is_file = 1;
	}
	if (found == -1 || name_value.data == NULL)
		goto malformed;
	if ((*name = malloc(name_value.length + 1)) == NULL)
		return -1;
	*name_length = parameter_copy(*name, &name_value);
	if (*name_length > 0)
		return 0;
	free(*name);

malformed:
	errno = EINVAL;
	return -1;
}

/* Add the field of one part (between its delimiters); 0 or -1. */
static int
part_add(struct http_form *form, const struct span *part, size_t field_max)
{
	struct span	disposition;
	char		*name, *value;
	size_t		 content, name_length, value_length;
	int		 is_file;

	if (part_headers(part, &disposition, &content) == -1 ||
	    disposition.data == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (part_disposition(&disposition, &name, &name_length, &is_file) ==
	    -1)
		return -1;
	if (is_file) {
		free(name);
		return 0;
	}
	value_length = part->length - content;
	if ((value = malloc(value_length + 1)) == NULL) {
		free(name);
		return -1;
	}
	memcpy(value, part->data + content, value_length);
	value[value_length] = '\0';
	return form_store(form, name, name_length, value, value_length,
	    field_max);
}

/* Add the fields of every part of a whole multipart body; 0 or -1. */
static int
multipart_parse(struct http_form *form, const struct multipart *multipart,
    size_t field_max)
{
	struct span	part;
	size_t		at, content, next;

	if (is_delimiter(multipart, 0))
		at = 0;
	else if (next_delimiter(multipart, 0, &at) == 0)
		at += 2;
	else
		goto malformed;
	while (delimiter_kind(multipart, at, &content) == 1) {
		if (next_delimiter(multipart, content, &next) == -1)
			goto malformed;
		part.data = multipart->body + content;
		part.length = next - content;
		if (part_add(form, &part, field_max) == -1)
			return -1;
		at = next + 2;
	}
	return 0;

malformed:
	errno = EINVAL;
	return -1;
}

/* Append the fields of a multipart/form-data body to the form; 0 or -1. */
int
http_form_parse_multipart(struct http_form *form, const char *content_type,
    const char *body, size_t length, size_t field_max)
{
	struct multipart	multipart;
	size_t			count_before = form->count;

	if (multipart_boundary(&multipart, content_type) == -1)
		return -1;
	multipart.body = body;
	multipart.length = length;
	if (multipart_parse(form, &multipart, field_max) == -1)
		return form_undo(form, count_before);
	return 0;
}

/* Whether the Content-Type value names that media type. */
static int
type_is(const char *content_type, const char *media_type)
{
	struct span	type;
	size_t		at;

	type = header_type(content_type, strlen(content_type), &at);
	return span_is(&type, media_type);
}

/* Append the arguments of the query and of a form body; 0 or -1. */
int
http_form_read(struct http_form *form, const struct http_request *request,
    size_t field_max)
{
	const char	*type = http_header_find(request, "Content-Type");
	size_t		 count_before = form->count;
	int		 result = 0;

	if (http_form_parse(form, request->query, strlen(request->query),
	    field_max) == -1)
		return -1;
	if (type != NULL && type_is(type, URLENCODED_TYPE))
		result = http_form_parse(form, request->body,
		    request->body_length, field_max);
	else if (type != NULL && type_is(type, MULTIPART_TYPE))
		result = http_form_parse_multipart(form, type, request->body,
		    request->body_length, field_max);
	return result == 0 ? 0 : form_undo(form, count_before);
}

/* The last field called name (the last value given), or NULL. */
const struct http_form_field *
http_form_get(const struct http_form *form, const char *name)
{
	size_t	i;

	for (i = form->count; i > 0; i--)
		if (strcmp(form->fields[i - 1].name, name) == 0)
			return &form->fields[i - 1];
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

/*
 * Find the last cookie called name in one Cookie header: 1 with its raw
 * value in *value, or 0.
 */
static int
cookie_find_last(const char *cookie_header, const char *name,
    struct span *value)
{
	const char	*chunk, *end, *equals, *key_end;
	size_t		 name_length = strlen(name);
	int		 found = 0;

	for (chunk = cookie_header; chunk != NULL;
	    chunk = *end == ';' ? end + 1 : NULL) {
		end = chunk + strcspn(chunk, ";");
		equals = memchr(chunk, '=', (size_t)(end - chunk));
		if (equals == NULL)
			continue;
		key_end = equals;
		trim_spaces(&chunk, &key_end);
		if ((size_t)(key_end - chunk) == name_length &&
		    memcmp(chunk, name, name_length) == 0) {
			value->data = equals + 1;
			value->length = (size_t)(end - equals - 1);
			found = 1;
		}
	}
	return found;
}

/* Copy a raw cookie value, trimmed and unquoted; 0 or -1. */
static int
cookie_value_copy(const struct span *raw, char *value, size_t value_size)
{
	const char	*text = raw->data, *end = raw->data + raw->length;
	size_t		 length;

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

/* Copy the value of the last cookie called name; 0 or -1 with errno. */
int
http_cookie_get(const char *cookie_header, const char *name, char *value,
    size_t value_size)
{
	struct span	raw;

	if (value_size > 0)
		value[0] = '\0';
	if (cookie_header == NULL ||
	    !cookie_find_last(cookie_header, name, &raw)) {
		errno = ENOENT;
		return -1;
	}
	return cookie_value_copy(&raw, value, value_size);
}

/* The last cookie called name in every Cookie line; 0 or -1 with errno. */
int
http_request_cookie(const struct http_request *request, const char *name,
    char *value, size_t value_size)
{
	struct span	raw;
	size_t		i;
	int		found = 0;

	if (value_size > 0)
		value[0] = '\0';
	for (i = 0; i < request->header_count; i++)
		if (strcasecmp(request->headers[i].name, "Cookie") == 0 &&
		    cookie_find_last(request->headers[i].value, name, &raw))
			found = 1;
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return cookie_value_copy(&raw, value, value_size);
}
