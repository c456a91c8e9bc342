/*
 * buffer.h: a growable byte buffer, the one way replies are assembled.
 *
 * Appending never truncates: a failed allocation leaves the buffer as it
 * was and returns -1 (errno ENOMEM), so callers test once per append.
 */
#ifndef PFORKD_BUFFER_H
#define PFORKD_BUFFER_H

#include <stddef.h>

struct buffer {
	char	*data;
	size_t	 length;
	size_t	 capacity;
};

void	buffer_init(struct buffer *);
void	buffer_free(struct buffer *);
void	buffer_clear(struct buffer *);
int	buffer_reserve(struct buffer *, size_t more);
int	buffer_append(struct buffer *, const void *, size_t);
int	buffer_append_string(struct buffer *, const char *);
int	buffer_printf(struct buffer *, const char *, ...)
	    __attribute__((__format__(__printf__, 2, 3)));
void	buffer_consume(struct buffer *, size_t);

#endif /* PFORKD_BUFFER_H */
