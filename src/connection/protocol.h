/*
 * protocol.h: what a built-in protocol provides to the server.
 *
 * A protocol serves one accepted connection: open() starts it (watching
 * the fd, arming timers through the dispatcher), and release() frees what
 * open() allocated when the connection ends for any reason.  Protocols know
 * the dispatcher and the connection, never a backend or a listener.
 *
 * A protocol with options of its own (poetry's file, bytes and delay)
 * declares them in an option table (util/option_table.h) whose base is
 * service->protocol_data.  The server allocates that block (the table's
 * base_size bytes, zeroed) at the first of its keywords or at prepare(),
 * gives it the keywords' defaults, sets the keys of the configuration file
 * and of -l through the table alike, and frees it after discard().
 * prepare() checks the options and loads what every connection will share
 * (once at start-up and on each reload, in the master, before the workers
 * fork); discard() frees what prepare() hung from protocol_data.  A
 * protocol that keeps state in shared memory may provide worker_died(),
 * which the master calls after reaping a worker, to undo what that worker
 * left half done.  A protocol that keeps shared state up to date from
 * elsewhere (chat over a Redis stream) may run in the master too:
 * master_start() is called once the master's dispatcher exists, before
 * the workers of that configuration fork, master_stop() before the
 * configuration is let go, and after_fork() in each new worker, to close
 * what the master's part holds.
 */
#ifndef PFORKD_PROTOCOL_H
#define PFORKD_PROTOCOL_H

#include <sys/types.h>
#include <stddef.h>

struct connection;
struct dispatcher;
struct option_table;
struct service;

struct protocol {
	const char	*name;
	/* Start serving; 0, or -1 when the connection must be closed. */
	int		(*open)(struct connection *);
	/* Free protocol state; called once, from connection_finish(). */
	void		(*release)(struct connection *);
	/* The keywords of its options in protocol_data, or NULL. */
	const struct option_table *options;
	/* Check the options and load shared data; 0 or -1 with a message. */
	int		(*prepare)(struct service *, char *error,
			    size_t error_size);
	/* Free what prepare() hung from protocol_data (not the block). */
	void		(*discard)(struct service *);
	/* In the master: a worker with this pid has died. */
	void		(*worker_died)(struct service *, pid_t);
	/* In the master: start and stop its own work; 0 or -1. */
	int		(*master_start)(struct service *, struct dispatcher *);
	void		(*master_stop)(struct service *);
	/* In a new worker: let go of what master_start() holds. */
	void		(*after_fork)(struct service *);
};

#endif /* PFORKD_PROTOCOL_H */
