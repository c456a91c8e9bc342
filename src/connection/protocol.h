/*
 * protocol.h: what a built-in protocol provides to the server.
 *
 * A protocol serves one accepted connection: open() starts it (watching
 * the fd, arming timers through the dispatcher), and release() frees what
 * open() allocated when the connection ends for any reason.  Protocols know
 * the dispatcher and the connection, never a backend or a listener.
 *
 * A protocol with options of its own (poetry's file, bytes and delay)
 * provides the three optional hooks: set_option() takes the keys it owns,
 * in the configuration file and in -l alike; prepare() checks them and
 * loads what every connection will share (once at start-up and on each
 * reload, in the master, before the workers fork); discard() frees it.
 * Their state lives in service->protocol_data.  A protocol that keeps
 * state in shared memory may provide worker_died(), which the master calls
 * after reaping a worker, to undo what that worker left half done.
 */
#ifndef PFORKD_PROTOCOL_H
#define PFORKD_PROTOCOL_H

#include <sys/types.h>
#include <stddef.h>

struct connection;
struct service;

struct protocol {
	const char	*name;
	/* Start serving; 0, or -1 when the connection must be closed. */
	int		(*open)(struct connection *);
	/* Free protocol state; called once, from connection_finish(). */
	void		(*release)(struct connection *);
	/* Take an option: 1 taken, 0 not this protocol's key, -1 bad value. */
	int		(*set_option)(struct service *, const char *key,
			    const char *value, char *error, size_t error_size);
	/* Check the options and load shared data; 0 or -1 with a message. */
	int		(*prepare)(struct service *, char *error,
			    size_t error_size);
	/* Free what set_option() and prepare() allocated. */
	void		(*discard)(struct service *);
	/* In the master: a worker with this pid has died. */
	void		(*worker_died)(struct service *, pid_t);
};

#endif /* PFORKD_PROTOCOL_H */
