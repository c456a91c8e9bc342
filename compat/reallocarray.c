/*
 * reallocarray.c: realloc(3) for an array, failing on overflow, for
 * systems without it (glibc before 2.26, older macOS).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "compat/compat.h"

/* Resize array to count elements of size bytes; NULL with ENOMEM on overflow. */
void *
reallocarray(void *array, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(array, count * size);
}
