/*
 * timer_heap.c: the binary min-heap behind the dispatcher's timers.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "event/dispatcher.h"
#include "event/timer_heap.h"
#include "util/array.h"

#define TIMER_HEAP_INITIAL_CAPACITY	64

/* Place timer at index and record the index inside the timer. */
static void
heap_place(struct timer_heap *heap, size_t index, struct timer *timer)
{
	heap->slots[index] = timer;
	timer->heap_index = index;
}

/* Move the timer at index up until its parent is not later. */
static void
heap_sift_up(struct timer_heap *heap, size_t index)
{
	struct timer	*timer = heap->slots[index];
	size_t		 parent;

	while (index > 0) {
		parent = (index - 1) / 2;
		if (heap->slots[parent]->deadline <= timer->deadline)
			break;
		heap_place(heap, index, heap->slots[parent]);
		index = parent;
	}
	heap_place(heap, index, timer);
}

/* Move the timer at index down until no child is earlier. */
static void
heap_sift_down(struct timer_heap *heap, size_t index)
{
	struct timer	*timer = heap->slots[index];
	size_t		 child;

	for (;;) {
		child = 2 * index + 1;
		if (child >= heap->count)
			break;
		if (child + 1 < heap->count &&
		    heap->slots[child + 1]->deadline <
		    heap->slots[child]->deadline)
			child++;
		if (heap->slots[child]->deadline >= timer->deadline)
			break;
		heap_place(heap, index, heap->slots[child]);
		index = child;
	}
	heap_place(heap, index, timer);
}

/* Prepare an empty heap. */
void
timer_heap_init(struct timer_heap *heap)
{
	heap->slots = NULL;
	heap->count = 0;
	heap->capacity = 0;
}

/* Free the heap's storage; the timers themselves belong to their owners. */
void
timer_heap_release(struct timer_heap *heap)
{
	size_t	i;

	for (i = 0; i < heap->count; i++)
		heap->slots[i]->heap_index = TIMER_NOT_PENDING;
	free(heap->slots);
	timer_heap_init(heap);
}

/* Make room for one more timer; 0 or -1 with errno. */
static int
heap_reserve(struct timer_heap *heap)
{
	struct timer	**slots;

	if ((slots = array_grow(heap->slots, &heap->capacity, heap->count + 1,
	    sizeof(*slots), TIMER_HEAP_INITIAL_CAPACITY, SIZE_MAX)) == NULL)
		return -1;
	heap->slots = slots;
	return 0;
}

/* Add a timer that is not in the heap; 0 or -1 with errno. */
int
timer_heap_insert(struct timer_heap *heap, struct timer *timer)
{
	if (heap_reserve(heap) == -1)
		return -1;
	heap->slots[heap->count] = timer;
	heap_sift_up(heap, heap->count++);
	return 0;
}

/* Remove a timer that is in the heap. */
void
timer_heap_remove(struct timer_heap *heap, struct timer *timer)
{
	size_t		 index = timer->heap_index;
	struct timer	*last;

	timer->heap_index = TIMER_NOT_PENDING;
	last = heap->slots[--heap->count];
	if (index == heap->count)
		return;
	heap_place(heap, index, last);
	if (index > 0 &&
	    heap->slots[(index - 1) / 2]->deadline > last->deadline)
		heap_sift_up(heap, index);
	else
		heap_sift_down(heap, index);
}

/* The timer with the earliest deadline, or NULL when the heap is empty. */
struct timer *
timer_heap_earliest(const struct timer_heap *heap)
{
	return heap->count > 0 ? heap->slots[0] : NULL;
}
