/*
 * chat_xsrf.h: XSRF tokens as Tornado writes and reads them.
 *
 * A value is either version 1, a bare token (its bytes, or the bytes its
 * hexadecimal spells when it is all hex digits of even count), or version
 * 2, "2|<mask hex>|<masked token hex>|<timestamp>", whose token is the
 * masked bytes XOR the 4-byte mask, repeated.  Two values match when they
 * hold the same non-empty token, so a token re-masked for each page still
 * matches the cookie it came from.
 */
#ifndef PFORKD_CHAT_XSRF_H
#define PFORKD_CHAT_XSRF_H

#include <stddef.h>

#define CHAT_XSRF_VALUE_MAX	512	/* longer values never match */

int	chat_xsrf_decode(const char *value, unsigned char *token, size_t size,
	    size_t *token_length);
int	chat_xsrf_match(const char *submitted, const char *cookie);

#endif /* PFORKD_CHAT_XSRF_H */
