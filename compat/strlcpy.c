/*
 * strlcpy.c: size-bounded string copy for systems without one (glibc
 * before 2.38).  Copies at most size - 1 bytes, always terminates when size
 * is not 0, and returns strlen(source) so callers can detect truncation.
 */
#include "config.h"

#include <string.h>

#include "compat/compat.h"

/* Copy source into destination of size bytes; return strlen(source). */
size_t
strlcpy(char *destination, const char *source, size_t size)
{
	size_t	length = strlen(source);
	size_t	copied;

	if (size > 0) {
		copied = length < size ? length : size - 1;
		memcpy(destination, source, copied);
		destination[copied] = '\0';
	}
	return length;
}
