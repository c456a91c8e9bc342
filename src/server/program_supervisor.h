/*
 * program_supervisor.h: the master's side of program services.
 *
 * The master, not a worker, accepts on a program service's listeners and
 * spawns its children, as inetd does: it is the one process that keeps
 * the privileges a service's "user" may need, and it reads no byte from
 * the network (accept() gives it an address, nothing more), so no
 * process that parses network input keeps root.  Workers never watch
 * these listeners.
 *
 * For each connection the supervisor applies the service's caps
 * (max-connections and per-source-max count running children) and rate
 * limits, which refuse one connection and never switch the service off,
 * then forks the child (server/program_spawn.h).  A wait service hands
 * its listener to one child and is not watched until that child exits.
 * Each child is logged at -v when it ends; what it writes to a "stderr
 * log" pipe becomes log lines tagged with the service and its pid.
 */
#ifndef PFORKD_PROGRAM_SUPERVISOR_H
#define PFORKD_PROGRAM_SUPERVISOR_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct configuration;
struct dispatcher;
struct listener_set;
struct program_supervisor;

/* How many connections the workers serve, for the global cap. */
typedef uint32_t program_worker_total(void *context);

struct program_supervisor *program_supervisor_create(struct dispatcher *,
	    program_worker_total *, void *context);
void	program_supervisor_free(struct program_supervisor *);

/*
 * Watch the program services' listeners of configuration (at start and
 * after a reload); children of services that kept their name go on
 * counting against the new caps.  0, or -1 with errno.
 */
int	program_supervisor_configure(struct program_supervisor *,
	    struct configuration *, const struct listener_set *);

/* Stop watching every listener (before a reload closes some of them). */
void	program_supervisor_unwatch(struct program_supervisor *);

/* A child was reaped: 1 if it was one of ours (now logged), else 0. */
int	program_supervisor_reaped(struct program_supervisor *, pid_t,
	    int status);

/*
 * Stop accepting.  A fast stop (graceful 0) sends SIGTERM to the children
 * now; a graceful one lets them run until graceful_usec, then does.
 */
void	program_supervisor_stop(struct program_supervisor *, int graceful,
	    uint64_t graceful_usec);

/* Send signal_number to every running child's process group. */
void	program_supervisor_signal(struct program_supervisor *,
	    int signal_number);

/* In a freshly forked worker: close the fds inherited from the master. */
void	program_supervisor_close_after_fork(struct program_supervisor *);

/* How many children run. */
size_t	program_supervisor_children(const struct program_supervisor *);

#endif /* PFORKD_PROGRAM_SUPERVISOR_H */
