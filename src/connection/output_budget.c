/*
 * output_budget.c: the worker's budget for output not yet sent.
 *
 * One total per process, the memory queued output holds, against one
 * limit.  Going over it schedules a check on a zero-delay timer; the check
 * closes the longest-stalled holders while the total is still at or over
 * the limit, then calls back the connections that waited for room, oldest
 * first, as long as room lasts.
 */
#include "config.h"

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "event/dispatcher.h"

static uint64_t			 budget_limit;	/* 0: no budget */
static uint64_t			 budget_used;
static struct dispatcher	*budget_dispatcher;
static struct timer		 budget_timer;
static struct connection	*waiting_first;	/* for room, oldest first */
static struct connection	*waiting_last;
static size_t			 waiting_count;

static void	budget_check(struct dispatcher *, struct timer *, void *);

/* Cap the memory of this process's queued output at limit bytes (0: none). */
void
output_budget_setup(struct dispatcher *d, uint64_t limit)
{
	budget_dispatcher = d;
	budget_limit = limit;
	timer_init(&budget_timer, budget_check, NULL);
}

/* The bytes queued output holds now. */
uint64_t
output_budget_used(void)
{
	return budget_used;
}

/* Whether the budget is spent: no new work may start. */
int
output_budget_spent(void)
{
	return budget_limit != 0 && budget_used >= budget_limit;
}

/* Run the check soon, outside whatever call changed the total. */
static void
budget_schedule(void)
{
	if (budget_dispatcher == NULL || timer_is_pending(&budget_timer))
		return;
	/* Without a timer the next change of the total tries again. */
	(void)dispatcher_timer_start(budget_dispatcher, &budget_timer, 0, 0);
}

/* Count bytes of memory that queued output holds. */
void
output_budget_charge(size_t bytes)
{
	budget_used += bytes;
	if (output_budget_spent())
		budget_schedule();
}

/* Count bytes of queued output's memory as given back. */
void
output_budget_refund(size_t bytes)
{
	budget_used = bytes < budget_used ? budget_used - bytes : 0;
	if (waiting_first != NULL && !output_budget_spent())
		budget_schedule();
}

/* The connection now holds queued more bytes to send, own of them its own. */
void
output_budget_add(struct connection *connection, size_t queued, size_t own)
{
	connection->output_queued += queued;
	if (own > 0)
		output_budget_charge(own);
}

/* The connection holds queued fewer bytes to send, own of them its own. */
void
output_budget_remove(struct connection *connection, size_t queued,
    size_t own)
{
	connection->output_queued = queued < connection->output_queued ?
	    connection->output_queued - queued : 0;
	if (own > 0)
		output_budget_refund(own);
}

/* Take a connection off the list of those waiting for room. */
static void
waiting_unlink(struct connection *connection)
{
	if (connection->budget_previous != NULL)
		connection->budget_previous->budget_next =
		    connection->budget_next;
	else
		waiting_first = connection->budget_next;
	if (connection->budget_next != NULL)
		connection->budget_next->budget_previous =
		    connection->budget_previous;
	else
		waiting_last = connection->budget_previous;
	connection->budget_previous = connection->budget_next = NULL;
	connection->budget_resume = NULL;
	waiting_count--;
}

/* Call resume(connection) once when the budget has room again. */
void
output_budget_wait(struct connection *connection,
    void (*resume)(struct connection *))
{
	if (connection->budget_resume != NULL)
		return;
	connection->budget_resume = resume;
	connection->budget_previous = waiting_last;
	connection->budget_next = NULL;
	if (waiting_last != NULL)
		waiting_last->budget_next = connection;
	else
		waiting_first = connection;
	waiting_last = connection;
	waiting_count++;
	budget_schedule();
}

/* A connection ends: it waits no more, and what it still held is free. */
void
output_budget_forget(struct connection *connection)
{
	if (connection->budget_resume != NULL)
		waiting_unlink(connection);
	/* Its protocol refunded its own bytes when it let its queue go. */
	connection->output_queued = 0;
}

/* Close the longest-stalled holders while the budget is spent. */
static void
budget_evict(void)
{
	struct connection	*victim;

	while (output_budget_spent() &&
	    (victim = connection_longest_stalled()) != NULL)
		connection_finish(victim, "output budget spent, peer "
		    "stalled longest");
}

/* Call back those that waited for room, oldest first, while it lasts. */
static void
budget_resume_waiters(void)
{
	struct connection	*connection;
	void			(*resume)(struct connection *);
	size_t			 rounds = waiting_count;

	/* Bounded: a connection that waits again goes to the back. */
	while (rounds-- > 0 && waiting_first != NULL &&
	    !output_budget_spent()) {
		connection = waiting_first;
		resume = connection->budget_resume;
		waiting_unlink(connection);
		resume(connection);
	}
}

/* The timer: bring the total under the budget, then wake who waited. */
static void
budget_check(struct dispatcher *d, struct timer *timer, void *arg)
{
	(void)d;
	(void)timer;
	(void)arg;
	budget_evict();
	budget_resume_waiters();
}
