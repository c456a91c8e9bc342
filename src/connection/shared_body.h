/*
 * shared_body.h: immutable bytes that many connections send at once.
 *
 * A protocol renders a reply (or a piece of one) once, wraps it in a
 * shared body and hands references to every connection that sends it:
 * their output queues point into the one copy instead of copying it.
 * A body counts its holders; the last one to let go frees it.  Output
 * queues hold it with shared_body_queue(): while something else (the
 * protocol's own cache) holds it too, it costs the output budget nothing,
 * since the protocol keeps it anyway; once only queues hold it, its
 * bytes are charged to the budget once (connection/output_budget.h),
 * however many queues hold it.
 */
#ifndef PFORKD_SHARED_BODY_H
#define PFORKD_SHARED_BODY_H

#include <stddef.h>

struct buffer;

struct shared_body {
	const char	*data;
	size_t		 length;
	unsigned int	 holders;	/* every reference */
	unsigned int	 queued;	/* references from output queues */
};

struct shared_body *shared_body_adopt(struct buffer *);
struct shared_body *shared_body_hold(struct shared_body *);
void	 shared_body_release(struct shared_body *);
void	 shared_body_queue(struct shared_body *);
void	 shared_body_unqueue(struct shared_body *);

#endif /* PFORKD_SHARED_BODY_H */
