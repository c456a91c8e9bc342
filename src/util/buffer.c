/*
 * buffer.c: a growable byte buffer.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/buffer.h"

#define BUFFER_FIRST_CAPACITY	256

/* Start with an empty buffer that owns no memory. */
void
buffer_init(struct buffer *buffer)
{
	buffer->data = NULL;
	buffer->length = 0;
	buffer->capacity = 0;
}

/* Free the memory and leave an empty buffer. */
void
buffer_free(struct buffer *buffer)
{
	free(buffer->data);
	buffer_init(buffer);
}

/* Forget the contents, keeping the memory for reuse. */
void
buffer_clear(struct buffer *buffer)
{
	buffer->length = 0;
}

/* Make room for more bytes (and a NUL after them); 0 or -1. */
int
buffer_reserve(struct buffer *buffer, size_t more)
{
	char	*data;

	if (more > SIZE_MAX / 2 - buffer->length - 1) {
		errno = ENOMEM;
		return -1;
	}
	if ((data = array_grow(buffer->data, &buffer->capacity,
	    buffer->length + more + 1, 1, BUFFER_FIRST_CAPACITY,
	    SIZE_MAX / 2)) == NULL)
		return -1;
	buffer->data = data;
	return 0;
}

/* Append bytes; the contents stay NUL-terminated.  0 or -1. */
int
buffer_append(struct buffer *buffer, const void *bytes, size_t length)
{
	if (buffer_reserve(buffer, length) == -1)
		return -1;
	if (length > 0)
		memcpy(buffer->data + buffer->length, bytes, length);
	buffer->length += length;
	buffer->data[buffer->length] = '\0';
	return 0;
}

/* Append a C string; 0 or -1. */
int
buffer_append_string(struct buffer *buffer, const char *string)
{
	return buffer_append(buffer, string, strlen(string));
}

/* Append formatted text; 0 or -1.  Formats once when it fits. */
int
buffer_printf(struct buffer *buffer, const char *format, ...)
{
	va_list	arguments;
	size_t	room;
	int	length;

	if (buffer_reserve(buffer, 64) == -1)
		return -1;
	room = buffer->capacity - buffer->length;
	va_start(arguments, format);
	length = vsnprintf(buffer->data + buffer->length, room, format,
	    arguments);
	va_end(arguments);
	if (length < 0)
		return -1;
	if ((size_t)length >= room) {
		if (buffer_reserve(buffer, (size_t)length) == -1) {
			buffer->data[buffer->length] = '\0';
			return -1;
		}
		va_start(arguments, format);
		(void)vsnprintf(buffer->data + buffer->length,
		    (size_t)length + 1, format, arguments);
		va_end(arguments);
	}
	buffer->length += (size_t)length;
	return 0;
}

/* Drop the first count bytes (already sent or parsed). */
void
buffer_consume(struct buffer *buffer, size_t count)
{
	if (count >= buffer->length) {
		buffer->length = 0;
		return;
	}
	memmove(buffer->data, buffer->data + count, buffer->length - count);
	buffer->length -= count;
	buffer->data[buffer->length] = '\0';
}
