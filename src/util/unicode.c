/*
 * unicode.c: UTF-8 code points and Python's whitespace and word classes.
 *
 * Decoding never fails: a byte that does not start a valid sequence (a
 * stray continuation byte, an overlong form, a surrogate, a truncated
 * sequence) counts as one character, UNICODE_INVALID, so callers can walk
 * any bytes and still treat valid text exactly.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "util/unicode.h"
#include "util/unicode_word.inc"

#define WORD_RANGE_COUNT	(sizeof(word_ranges) / sizeof(word_ranges[0]))

/* The least code point a sequence with n continuation bytes may hold. */
static const uint32_t	sequence_minimum[] = { 0, 0x80, 0x800, 0x10000 };

/* How many continuation bytes follow lead, or -1 if it leads nothing. */
static int
continuation_count(unsigned char lead)
{
	if (lead < 0x80)
		return 0;
	if ((lead & 0xe0) == 0xc0)
		return 1;
	if ((lead & 0xf0) == 0xe0)
		return 2;
	if ((lead & 0xf8) == 0xf0)
		return 3;
	return -1;
}

/* The character text starts with (length > 0), its byte count in *size. */
uint32_t
unicode_next(const char *text, size_t length, size_t *size)
{
	const unsigned char	*s = (const unsigned char *)text;
	uint32_t		 code;
	int			 more, k;

	*size = 1;
	more = continuation_count(s[0]);
	if (more == 0)
		return s[0];
	if (more < 0 || length - 1 < (size_t)more)
		return UNICODE_INVALID;
	code = s[0] & (0x3f >> more);
	for (k = 1; k <= more; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return UNICODE_INVALID;
		code = code << 6 | (s[k] & 0x3f);
	}
	if (code < sequence_minimum[more] || code > 0x10ffff ||
	    (code >= 0xd800 && code <= 0xdfff))
		return UNICODE_INVALID;
	*size = (size_t)more + 1;
	return code;
}

/* The character text ends with (length > 0), its byte count in *size. */
uint32_t
unicode_previous(const char *text, size_t length, size_t *size)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 start = length - 1, got;
	uint32_t		 code;

	while (start > 0 && length - start < 4 && (s[start] & 0xc0) == 0x80)
		start--;
	code = unicode_next(text + start, length - start, &got);
	if (start + got != length) {
		*size = 1;
		return UNICODE_INVALID;
	}
	*size = got;
	return code;
}

/* Whether code is whitespace to Python (str.isspace()). */
int
unicode_is_space(uint32_t code)
{
	if (code < 0x80)
		return code == ' ' || (code >= '\t' && code <= '\r') ||
		    (code >= 0x1c && code <= 0x1f);
	return code == 0x85 || code == 0xa0 || code == 0x1680 ||
	    (code >= 0x2000 && code <= 0x200a) || code == 0x2028 ||
	    code == 0x2029 || code == 0x202f || code == 0x205f ||
	    code == 0x3000;
}

/* Whether code is a word character to Python (\w: alphanumeric or '_'). */
int
unicode_is_word(uint32_t code)
{
	size_t	low = 0, high = WORD_RANGE_COUNT, middle;

	if (code < 0x80)
		return (code >= 'a' && code <= 'z') ||
		    (code >= 'A' && code <= 'Z') ||
		    (code >= '0' && code <= '9') || code == '_';
	while (low < high) {
		middle = low + (high - low) / 2;
		if (code < word_ranges[middle][0])
			high = middle;
		else if (code > word_ranges[middle][1])
			low = middle + 1;
		else
			return 1;
	}
	return 0;
}

/* The value of a hexadecimal digit, or -1 when c is not one. */
int
ascii_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
