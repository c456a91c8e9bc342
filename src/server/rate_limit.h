/*
 * rate_limit.h: connections per time window, per service and per source.
 *
 * A token bucket: a service allowed COUNT connections per SECONDS starts
 * with COUNT tokens and gains COUNT per SECONDS, never more than COUNT; a
 * connection takes one or is refused.  Refusing one connection is all a
 * limit ever does: the service stays on (OpenBSD inetd closes the port
 * for ten minutes, xinetd deactivates the service, systemd fails the
 * socket; each hands an attacker a way to switch a service off).
 *
 * The per-source table holds a bucket per source key in a fixed number of
 * slots; when a new source finds none free, the bucket idle longest is
 * reused (a full bucket is as good as a fresh one).
 */
#ifndef PFORKD_RATE_LIMIT_H
#define PFORKD_RATE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATE_SOURCE_KEY_SIZE	17
#define RATE_SOURCE_SLOTS	4096

struct rate_bucket {
	double		tokens;
	uint64_t	updated_usec;	/* 0: never used */
};

struct rate_source {
	unsigned char		key[RATE_SOURCE_KEY_SIZE];
	struct rate_bucket	bucket;
};

struct rate_source_table {
	struct rate_source	*slots;		/* RATE_SOURCE_SLOTS of them */
};

/* Take a token from bucket for a connection at now; 1, or 0 refused. */
int	rate_take(struct rate_bucket *, unsigned int count,
	    uint64_t window_usec, uint64_t now_usec);

/* The same for the bucket of one source; allocates the table lazily. */
int	rate_take_source(struct rate_source_table *,
	    const unsigned char key[RATE_SOURCE_KEY_SIZE], unsigned int count,
	    uint64_t window_usec, uint64_t now_usec);

/* Give back the token just taken from key's bucket (a later refusal). */
void	rate_refund_source(struct rate_source_table *,
	    const unsigned char key[RATE_SOURCE_KEY_SIZE], unsigned int count);

void	rate_source_table_free(struct rate_source_table *);

#endif /* PFORKD_RATE_LIMIT_H */
