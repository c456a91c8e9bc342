/*
 * redis_client.h: one connection to a Redis server on the dispatcher.
 *
 * The client connects without blocking to the address redis_resolve()
 * found when the configuration was read (a name lookup may block for
 * seconds, which the event loop must never do), sends AUTH first when it has a password, and then the
 * commands it was given, pipelined: each command's callback gets its
 * reply, in order, or NULL when the connection failed before the reply
 * came (refused, closed, timed out, a malformed reply).  Commands given
 * while it is connecting wait for the connection; commands given while
 * it waits to reconnect fail at once, so a caller never waits longer than
 * a connection attempt to learn that Redis is unreachable.  After a
 * failure it reconnects after 100 ms, doubling up to 5 s, and says so to
 * its state callback.  Callbacks may give new commands; they must not
 * free the client.
 */
#ifndef PFORKD_REDIS_CLIENT_H
#define PFORKD_REDIS_CLIENT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "redis/resp_command.h"
#include "redis/resp_parser.h"

#define REDIS_BACKOFF_FIRST_USEC	(100 * (uint64_t)1000)
#define REDIS_BACKOFF_MAX_USEC		(5 * (uint64_t)1000000)
#define REDIS_ADDRESS_MAX		300

struct dispatcher;
struct redis_client;

/* A command's reply (an error reply is a reply), or NULL: no reply. */
typedef void redis_reply_callback(struct redis_client *,
    const struct resp_value *, void *arg);
/* The client is now ready (1) or has lost its connection (0). */
typedef void redis_state_callback(struct redis_client *, int ready,
    void *arg);

struct redis_settings {
	char			 host[REDIS_ADDRESS_MAX];
	char			 port[8];
	struct sockaddr_storage	 address;	/* by redis_resolve() */
	socklen_t		 address_length;	/* 0: not resolved */
	const char		*password;	/* NULL: no AUTH */
	uint64_t		 connect_timeout_usec;
	struct resp_limits	 limits;
};

int	redis_parse_address(const char *text, struct redis_settings *,
	    char *error, size_t error_size);
int	redis_resolve(struct redis_settings *, char *error,
	    size_t error_size);
struct redis_client *redis_client_create(struct dispatcher *,
	    const struct redis_settings *, redis_state_callback *, void *arg);
int	redis_client_command(struct redis_client *,
	    const struct resp_argument *, size_t count, uint64_t timeout_usec,
	    redis_reply_callback *, void *arg);
int	redis_client_ready(const struct redis_client *);
const char *redis_client_name(const struct redis_client *);
void	redis_client_free(struct redis_client *);
void	redis_client_forget(struct redis_client *);

#endif /* PFORKD_REDIS_CLIENT_H */
