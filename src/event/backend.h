/*
 * backend.h: the interface every readiness backend in backends/ implements.
 *
 * A backend knows nothing of callbacks, timers or protocols: it keeps the
 * kernel's (or its own) interest set and reports which fds are ready.  The
 * dispatcher core owns the per-fd table and tells the backend the old and
 * the new interest of an fd on every change, so the backend never has to
 * remember what it registered (libev's modify idea).
 */
#ifndef PFORKD_BACKEND_H
#define PFORKD_BACKEND_H

#include <stdint.h>

/* One ready fd, as reported by a backend's poll. */
struct fired_event {
	int		fd;
	int		events;		/* EVENT_READ | EVENT_WRITE */
	unsigned int	generation;	/* stamped by the core, not the backend */
};

struct backend_ops {
	const char	*name;
	/* Allocate private state; 0 on success, -1 with errno. */
	int		(*create)(void **state);
	/* Release private state without touching registrations. */
	void		(*destroy)(void *state);
	/* Change fd's interest from old_events to new_events (0 drops it). */
	int		(*modify)(void *state, int fd, int old_events,
			    int new_events);
	/*
	 * Wait at most timeout_usec microseconds (-1: forever), rounding the
	 * wait up to the backend's resolution, and fill at most capacity
	 * entries of fired.  Returns the count (0 on timeout or EINTR), or -1
	 * with errno on failure.  Errors and hang-ups are reported as readiness
	 * of the interest the fd has, so the handler finds them in read/write.
	 */
	int		(*poll)(void *state, struct fired_event *fired,
			    int capacity, int64_t timeout_usec);
	/*
	 * 1 when closing an fd drops its registration by itself (epoll), so
	 * dispatcher_close() can skip the modify() call.  epoll drops it only
	 * when the last descriptor of the open file closes: an fd that a
	 * child or a dup still shares must be unwatched before it is closed.
	 */
	int		close_drops_interest;
	/*
	 * The first fd number the backend cannot watch (select: FD_SETSIZE),
	 * or 0 when any fd will do.  Callers ask for the capability, never
	 * for a backend's name (nginx's event modules carry flags likewise).
	 */
	int		fd_limit;
};

/* A wait in microseconds rounded up to milliseconds (-1: forever). */
int	backend_timeout_msec(int64_t timeout_usec);

/* Defined in backends/: present only when configure found the API. */
extern const struct backend_ops backend_select;
extern const struct backend_ops backend_poll;
extern const struct backend_ops backend_epoll;
extern const struct backend_ops backend_kqueue;

#endif /* PFORKD_BACKEND_H */
