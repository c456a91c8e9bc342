/*
 * shared_body.c: reference-counted immutable bytes, charged to the
 * output budget while output queues alone hold them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "connection/output_budget.h"
#include "connection/shared_body.h"
#include "util/buffer.h"

/* Whether the body is charged to the budget: only queues hold it. */
static int
body_charged(const struct shared_body *body)
{
	return body->queued > 0 && body->holders == body->queued;
}

/* Charge or refund the body after its holders changed from was_charged. */
static void
body_settle(struct shared_body *body, int was_charged)
{
	int	charged = body_charged(body);

	if (charged && !was_charged)
		output_budget_charge(body->length);
	else if (!charged && was_charged)
		output_budget_refund(body->length);
	if (body->holders == 0) {
		free((char *)(uintptr_t)body->data);
		free(body);
	}
}

/*
 * Make a body of a buffer's bytes, taking them over (the buffer is left
 * empty); the caller holds it.  NULL when out of memory, buffer intact.
 */
struct shared_body *
shared_body_adopt(struct buffer *buffer)
{
	struct shared_body	*body;
	char			*fitted;

	if ((body = calloc(1, sizeof(*body))) == NULL)
		return NULL;
	if (buffer->data == NULL && buffer_reserve(buffer, 0) == -1) {
		free(body);
		return NULL;
	}
	/* Give back the room the buffer grew beyond its bytes. */
	if ((fitted = realloc(buffer->data, buffer->length + 1)) != NULL)
		buffer->data = fitted;
	body->data = buffer->data;
	body->length = buffer->length;
	body->holders = 1;
	buffer_init(buffer);
	return body;
}

/* Take one more reference to a body; returns it. */
struct shared_body *
shared_body_hold(struct shared_body *body)
{
	int	was_charged = body_charged(body);

	body->holders++;
	body_settle(body, was_charged);
	return body;
}

/* Let go of a reference (NULL: none); the last one frees the body. */
void
shared_body_release(struct shared_body *body)
{
	int	was_charged;

	if (body == NULL)
		return;
	was_charged = body_charged(body);
	body->holders--;
	body_settle(body, was_charged);
}

/* An output queue takes a reference. */
void
shared_body_queue(struct shared_body *body)
{
	int	was_charged = body_charged(body);

	body->holders++;
	body->queued++;
	body_settle(body, was_charged);
}

/* An output queue lets go of its reference. */
void
shared_body_unqueue(struct shared_body *body)
{
	int	was_charged = body_charged(body);

	body->holders--;
	body->queued--;
	body_settle(body, was_charged);
}
