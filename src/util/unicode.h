/*
 * unicode.h: UTF-8 code points and the two character classes pforkd needs
 * to treat text as Python does: whitespace (str.isspace(), what
 * str.strip() removes and what regular expressions call \s) and word
 * characters (str.isalnum() or '_', what they call \w).
 */
#ifndef PFORKD_UNICODE_H
#define PFORKD_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#define UNICODE_INVALID	0xFFFD	/* what a byte that starts no character is */

uint32_t unicode_next(const char *text, size_t length, size_t *size);
uint32_t unicode_previous(const char *text, size_t length, size_t *size);
int	 unicode_is_space(uint32_t);
int	 unicode_is_word(uint32_t);
int	 ascii_hex_value(char);

#endif /* PFORKD_UNICODE_H */
