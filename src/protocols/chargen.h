/*
 * chargen.h: the character generator stream of RFC 864, as a pure function
 * the chargen protocol and its unit test share.
 */
#ifndef PFORKD_CHARGEN_H
#define PFORKD_CHARGEN_H

#include <stddef.h>
#include <stdint.h>

#define CHARGEN_RING		95	/* printable ASCII, 0x20..0x7E */
#define CHARGEN_LINE_CHARS	72
#define CHARGEN_LINE_BYTES	(CHARGEN_LINE_CHARS + 2)	/* CR LF */
/* The stream repeats after every character has started a line once. */
#define CHARGEN_PERIOD		(CHARGEN_RING * CHARGEN_LINE_BYTES)

size_t	chargen_fill(uint64_t offset, char *buffer, size_t length);

#endif /* PFORKD_CHARGEN_H */
