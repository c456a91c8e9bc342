/*
 * array.h: growing a heap array, with every size checked for overflow.
 */
#ifndef PFORKD_ARRAY_H
#define PFORKD_ARRAY_H

#include <stddef.h>

void	*array_grow(void *array, size_t *capacity, size_t needed,
	    size_t element_size, size_t minimum, size_t limit);

#endif /* PFORKD_ARRAY_H */
