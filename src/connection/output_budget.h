/*
 * output_budget.h: a cap on the memory a worker holds for output its
 * peers have not taken yet, all connections together.
 *
 * Protocols count what they queue: output_budget_add() with the bytes a
 * connection now holds to send, and of those the bytes that are memory of
 * its own (a shared body is counted once, by connection/shared_body.h,
 * and only once nothing but output queues holds it).  While the total is
 * at or over the budget, no connection should start new work (parse a
 * request, read more to echo): output_budget_spent() says so, and
 * output_budget_wait() calls the connection back when there is room.
 * Meanwhile the connections that have waited longest for their peers to
 * read (see connection_longest_stalled()) are closed, one after another,
 * until the total is under the budget again: a flood of clients that never
 * read cannot take the worker past it, and readers go on being served.
 * Evictions and wake-ups run from a timer, never inside a protocol's own
 * call.  A budget of 0, the default of a lone process, means none.
 */
#ifndef PFORKD_OUTPUT_BUDGET_H
#define PFORKD_OUTPUT_BUDGET_H

#include <stddef.h>
#include <stdint.h>

struct connection;
struct dispatcher;

void	 output_budget_setup(struct dispatcher *, uint64_t limit);
void	 output_budget_add(struct connection *, size_t queued, size_t own);
void	 output_budget_remove(struct connection *, size_t queued, size_t own);
void	 output_budget_charge(size_t);
void	 output_budget_refund(size_t);
int	 output_budget_spent(void);
void	 output_budget_wait(struct connection *,
	    void (*resume)(struct connection *));
void	 output_budget_forget(struct connection *);
uint64_t output_budget_used(void);

#endif /* PFORKD_OUTPUT_BUDGET_H */
