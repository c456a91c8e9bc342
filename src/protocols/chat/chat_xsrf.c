/*
 * chat_xsrf.c: XSRF tokens as Tornado writes and reads them.
 *
 * Decoding follows Tornado's _decode_xsrf_token(): a value that starts
 * with a version number and '|' is versioned, and only version 2 is
 * known; anything else is version 1.  A version-2 value needs exactly
 * four fields, a mask of 4 bytes in hex, the masked token in hex and a
 * whole-number timestamp; otherwise it holds no token and matches
 * nothing.  Tokens are compared in constant time.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "protocols/chat/chat_xsrf.h"
#include "util/unicode.h"

#define MASK_LENGTH	4

/* Whether c is an ASCII digit. */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decode length hex digits into bytes (room for size); the byte count, or
 * -1 when they are not an even number of hex digits or do not fit.
 */
static int
hex_decode(const char *hex, size_t length, unsigned char *bytes, size_t size)
{
	size_t	i;
	int	high, low;

	if (length % 2 != 0 || length / 2 > size)
		return -1;
	for (i = 0; i < length; i += 2) {
		high = ascii_hex_value(hex[i]);
		low = ascii_hex_value(hex[i + 1]);
		if (high == -1 || low == -1)
			return -1;
		bytes[i / 2] = (unsigned char)(high << 4 | low);
	}
	return (int)(length / 2);
}

/* Whether text (length bytes) is an optionally signed whole number. */
static int
is_whole_number(const char *text, size_t length)
{
	size_t	i = 0;

	if (length > 0 && (text[0] == '+' || text[0] == '-'))
		i++;
	if (i == length)
		return 0;
	for (; i < length; i++)
		if (!is_digit(text[i]))
			return 0;
	return 1;
}

/* Decode "mask|masked|timestamp" of a version-2 value; 0 or -1. */
static int
decode_version_2(const char *fields, unsigned char *token, size_t size,
    size_t *token_length)
{
	unsigned char	 mask[MASK_LENGTH];
	const char	*masked, *timestamp;
	size_t		 i;
	int		 count;

	if ((masked = strchr(fields, '|')) == NULL ||
	    (timestamp = strchr(masked + 1, '|')) == NULL ||
	    strchr(timestamp + 1, '|') != NULL)
		return -1;
	if (hex_decode(fields, (size_t)(masked - fields), mask,
	    sizeof(mask)) != MASK_LENGTH ||
	    !is_whole_number(timestamp + 1, strlen(timestamp + 1)))
		return -1;
	masked++;
	if ((count = hex_decode(masked, (size_t)(timestamp - masked), token,
	    size)) == -1)
		return -1;
	for (i = 0; i < (size_t)count; i++)
		token[i] ^= mask[i % MASK_LENGTH];
	*token_length = (size_t)count;
	return 0;
}

/*
 * Decode an _xsrf value into its token's bytes (room for size); 0 with
 * *token_length set, or -1 when it holds no token Tornado would accept.
 */
int
chat_xsrf_decode(const char *value, unsigned char *token, size_t size,
    size_t *token_length)
{
	size_t	length = strlen(value), digits;
	int	count;

	for (digits = 0; is_digit(value[digits]); digits++)
		continue;
	if (digits > 0 && value[0] != '0' && value[digits] == '|') {
		if (digits != 1 || value[0] != '2')
			return -1;	/* a version Tornado does not know */
		return decode_version_2(value + 2, token, size, token_length);
	}
	if ((count = hex_decode(value, length, token, size)) != -1) {
		*token_length = (size_t)count;
		return 0;
	}
	if (length > size)
		return -1;
	memcpy(token, value, length);
	*token_length = length;
	return 0;
}

/* Whether a and b (a_length, b_length bytes) are equal, in constant time. */
static int
tokens_equal(const unsigned char *a, size_t a_length, const unsigned char *b,
    size_t b_length)
{
	unsigned int	difference = a_length != b_length;
	size_t		i;

	/* The time depends on the lengths only, never on the bytes. */
	for (i = 0; i < b_length; i++)
		difference |= (unsigned int)((i < a_length ? a[i] : 0) ^ b[i]);
	return difference == 0;
}

/* Whether the submitted value holds the cookie value's token. */
int
chat_xsrf_match(const char *submitted, const char *cookie)
{
	unsigned char	submitted_token[CHAT_XSRF_VALUE_MAX];
	unsigned char	cookie_token[CHAT_XSRF_VALUE_MAX];
	size_t		submitted_length, cookie_length;

	if (chat_xsrf_decode(submitted, submitted_token,
	    sizeof(submitted_token), &submitted_length) == -1 ||
	    chat_xsrf_decode(cookie, cookie_token, sizeof(cookie_token),
	    &cookie_length) == -1 || submitted_length == 0 ||
	    cookie_length == 0)
		return 0;
	return tokens_equal(submitted_token, submitted_length, cookie_token,
	    cookie_length);
}
