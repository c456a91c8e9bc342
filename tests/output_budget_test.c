/*
 * output_budget_test.c: the worker's output budget and shared bodies, in
 * process: what is charged and when, and the wake-up of connections that
 * waited for room.  The evictions are tested against the real daemon by
 * slow_readers_test.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/shared_body.h"
#include "event/dispatcher.h"
#include "util/buffer.h"

static int	resumed;

/* A body of length bytes of 'x'; the caller holds it. */
static struct shared_body *
must_make_body(size_t length)
{
	struct shared_body	*body;
	struct buffer		 text;

	buffer_init(&text);
	while (text.length < length)
		assert_int_equal(buffer_append(&text, "x", 1), 0);
	body = shared_body_adopt(&text);
	assert_non_null(body);
	assert_null(text.data);
	assert_int_equal(body->length, length);
	return body;
}

/* A body costs the budget nothing while its maker holds it, once after. */
static void
test_body_charged_once_orphaned(void **state)
{
	struct shared_body	*body;

	(void)state;
	output_budget_setup(NULL, 0);
	body = must_make_body(1000);
	shared_body_queue(body);
	shared_body_queue(body);
	assert_int_equal(output_budget_used(), 0);
	shared_body_release(body);	/* the maker lets go: queues alone */
	assert_int_equal(output_budget_used(), 1000);
	shared_body_unqueue(body);
	assert_int_equal(output_budget_used(), 1000);
	shared_body_hold(body);		/* held again: free of charge */
	assert_int_equal(output_budget_used(), 0);
	shared_body_release(body);
	assert_int_equal(output_budget_used(), 1000);
	shared_body_unqueue(body);	/* the last reference: freed */
	assert_int_equal(output_budget_used(), 0);
}

/* A body nobody queued is never charged. */
static void
test_body_unqueued_free(void **state)
{
	struct shared_body	*body;

	(void)state;
	output_budget_setup(NULL, 0);
	body = must_make_body(0);
	assert_non_null(body->data);
	shared_body_hold(body);
	shared_body_release(body);
	shared_body_release(body);
	assert_int_equal(output_budget_used(), 0);
}

/* A connection's own bytes are charged; all it queues is its count. */
static void
test_connection_counts(void **state)
{
	struct connection	connection;

	(void)state;
	memset(&connection, 0, sizeof(connection));
	output_budget_setup(NULL, 0);
	output_budget_add(&connection, 300, 100);
	assert_int_equal(connection.output_queued, 300);
	assert_int_equal(output_budget_used(), 100);
	assert_false(output_budget_spent());	/* 0: no budget */
	output_budget_remove(&connection, 300, 100);
	assert_int_equal(connection.output_queued, 0);
	assert_int_equal(output_budget_used(), 0);
}

/* Called back when the budget had room again. */
static void
note_resume(struct connection *connection)
{
	(void)connection;
	resumed++;
}

/* Spent: a waiter waits; room again: it is called back, once. */
static void
test_waiter_resumed(void **state)
{
	struct dispatcher	*d = dispatcher_create(NULL);
	struct connection	 first, second;
	int			 round;

	(void)state;
	assert_non_null(d);
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	output_budget_setup(d, 1000);
	resumed = 0;
	output_budget_charge(1500);
	assert_true(output_budget_spent());
	output_budget_wait(&first, note_resume);
	output_budget_wait(&first, note_resume);	/* once is enough */
	output_budget_wait(&second, note_resume);
	output_budget_forget(&second);		/* it closed meanwhile */
	for (round = 0; round < 3; round++)
		assert_true(dispatcher_run_once(d, 0) >= 0);
	assert_int_equal(resumed, 0);		/* no room, no victim */
	output_budget_refund(600);
	assert_false(output_budget_spent());
	for (round = 0; round < 3; round++)
		assert_true(dispatcher_run_once(d, 0) >= 0);
	assert_int_equal(resumed, 1);
	assert_null(first.budget_resume);
	output_budget_refund(900);
	output_budget_setup(NULL, 0);
	dispatcher_free(d);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_body_charged_once_orphaned),
		cmocka_unit_test(test_body_unqueued_free),
		cmocka_unit_test(test_connection_counts),
		cmocka_unit_test(test_waiter_resumed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
