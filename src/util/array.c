/*
 * array.c: growing a heap array, with every size checked for overflow.
 *
 * Every growable table of pforkd (the dispatcher's fd table, the timer
 * heap, the backends' interest sets, the buffer) grows here: doubling
 * from a minimum, never past a limit, never wrapping a size_t.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "compat/compat.h"
#include "util/array.h"

/*
 * Return array grown to hold at least needed elements of element_size
 * bytes: the capacity doubles from minimum, capped at limit elements.
 * *capacity is updated; the new elements are not initialised.  NULL with
 * errno ENOMEM (needed over limit, or out of memory) leaves array and
 * *capacity as they were.
 */
void *
array_grow(void *array, size_t *capacity, size_t needed, size_t element_size,
    size_t minimum, size_t limit)
{
	size_t	 grown;
	void	*resized;

	if (needed <= *capacity)
		return array;
	if (needed > limit) {
		errno = ENOMEM;
		return NULL;
	}
	grown = *capacity < minimum ? minimum : *capacity;
	while (grown < needed)
		grown = grown <= limit / 2 ? grown * 2 : limit;
	if ((resized = reallocarray(array, grown, element_size)) == NULL)
		return NULL;
	*capacity = grown;
	return resized;
}
