/*
 * timer_heap.h: a binary min-heap of timers ordered by deadline.
 *
 * Each timer keeps its own index in the heap, so removal of any timer is
 * O(log n) without a search.  Used only by the dispatcher core.
 */
#ifndef PFORKD_TIMER_HEAP_H
#define PFORKD_TIMER_HEAP_H

#include <stddef.h>

struct timer;

struct timer_heap {
	struct timer	**slots;
	size_t		  count;
	size_t		  capacity;
};

void		 timer_heap_init(struct timer_heap *);
void		 timer_heap_release(struct timer_heap *);
int		 timer_heap_insert(struct timer_heap *, struct timer *);
void		 timer_heap_remove(struct timer_heap *, struct timer *);
struct timer	*timer_heap_earliest(const struct timer_heap *);

#endif /* PFORKD_TIMER_HEAP_H */
