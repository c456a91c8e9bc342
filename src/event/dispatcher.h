/*
 * dispatcher.h: the public interface of pforkd's event dispatcher.
 *
 * One dispatcher per process multiplexes three kinds of events:
 *  - fd readiness (read and/or write interest, level-triggered),
 *  - timers on the monotonic clock (one-shot or repeating, microseconds),
 *  - signals, delivered as ordinary callbacks through a self-pipe.
 *
 * The readiness backend (select, poll, epoll, kqueue) is chosen at run time.
 * A process that forks must create its own dispatcher after the fork and
 * release the inherited one with dispatcher_free_after_fork().
 *
 * Contract for fds: call dispatcher_unwatch() before close(2).  Callbacks may
 * watch, unwatch and close any fd at any time; an fd unwatched earlier in the
 * same batch never receives the stale event, even if its number was reused.
 */
#ifndef PFORKD_DISPATCHER_H
#define PFORKD_DISPATCHER_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_READ	0x01
#define EVENT_WRITE	0x02
/*
 * With EVENT_READ: when several processes watch one fd (a listener), wake
 * one of them rather than all.  A hint: a backend that cannot (every one
 * but epoll) ignores it, and it is never reported back.
 */
#define EVENT_EXCLUSIVE	0x04
#define EVENT_INTEREST	(EVENT_READ | EVENT_WRITE | EVENT_EXCLUSIVE)

struct dispatcher;
struct backend_ops;
struct timer;

typedef void io_callback(struct dispatcher *, int fd, int events, void *arg);
typedef void timer_callback(struct dispatcher *, struct timer *, void *arg);
typedef void signal_callback(struct dispatcher *, int signal_number,
    void *arg);
/*
 * Called at the start of every turn of the loop, before the wait: it may
 * watch and unwatch fds, and returns the longest the wait may then last in
 * microseconds, or -1 to leave it to the timers.
 */
typedef int64_t wait_hook(struct dispatcher *, void *arg);

/*
 * A timer is embedded by its owner (no allocation per timer).  Treat the
 * fields as private; use the functions below.
 */
struct timer {
	uint64_t	 deadline;	/* monotonic microseconds */
	uint64_t	 interval;	/* 0 for one-shot */
	size_t		 heap_index;	/* TIMER_NOT_PENDING when idle */
	timer_callback	*callback;
	void		*arg;
};

#define TIMER_NOT_PENDING	((size_t)-1)

/* Creation and teardown. */
struct dispatcher	*dispatcher_create(const char *backend_name);
struct dispatcher	*dispatcher_create_with(const struct backend_ops *);
void			 dispatcher_free(struct dispatcher *);
void			 dispatcher_free_after_fork(struct dispatcher *);
const char		*dispatcher_backend_name(const struct dispatcher *);

/* Backends compiled into this program, best first; NULL-terminated. */
const struct backend_ops *const *dispatcher_backends(void);
const char		*dispatcher_backend_names(void);
const struct backend_ops *dispatcher_find_backend(const char *name);
const char		*backend_ops_name(const struct backend_ops *);
int			 backend_ops_fd_limit(const struct backend_ops *);

/* fd readiness. */
int	 dispatcher_watch(struct dispatcher *, int fd, int events,
	    io_callback *, void *arg);
int	 dispatcher_set_events(struct dispatcher *, int fd, int events);
int	 dispatcher_unwatch(struct dispatcher *, int fd);
/*
 * dispatcher_close() unwatches and closes fd, always telling the backend:
 * with epoll a registration outlives close() while another process or a
 * dup shares fd's open file, and its events would pass for those of any
 * fd that later gets the number (see backends/epoll.c).
 * dispatcher_close_private() skips that system call where the kernel
 * drops interest on close, and is only for fds nobody else holds (a
 * worker's accepted connections).
 */
int	 dispatcher_close(struct dispatcher *, int fd);
int	 dispatcher_close_private(struct dispatcher *, int fd);
int	 dispatcher_events(const struct dispatcher *, int fd);
size_t	 dispatcher_watched_count(const struct dispatcher *);

/* Timers. */
void	 timer_init(struct timer *, timer_callback *, void *arg);
int	 timer_is_pending(const struct timer *);
uint64_t timer_deadline(const struct timer *);
int	 dispatcher_timer_start(struct dispatcher *, struct timer *,
	    uint64_t delay_usec, uint64_t interval_usec);
void	 dispatcher_timer_stop(struct dispatcher *, struct timer *);
size_t	 dispatcher_timer_count(const struct dispatcher *);

/* Signals. */
int	 dispatcher_signal(struct dispatcher *, int signal_number,
	    signal_callback *, void *arg);
int	 dispatcher_signal_ignore(struct dispatcher *, int signal_number);

/* The loop. */
void	 dispatcher_before_wait(struct dispatcher *, wait_hook *, void *arg);
int	 dispatcher_run(struct dispatcher *);
int	 dispatcher_run_once(struct dispatcher *, int64_t max_wait_usec);
void	 dispatcher_stop(struct dispatcher *);
uint64_t dispatcher_now(struct dispatcher *);
uint64_t monotonic_usec(void);

#endif /* PFORKD_DISPATCHER_H */
