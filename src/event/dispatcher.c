/*
 * dispatcher.c: the event loop core shared by every pforkd process.
 *
 * The core owns the per-fd table (callback, argument, interest, generation)
 * and the timer heap; a backend from backends/ only keeps the interest set
 * and reports ready fds into the fired array.  Before each callback the
 * core checks that the fd is still registered, with the same generation
 * and with that interest: a callback earlier in the batch may have closed
 * the fd, and its number may already belong to a new fd.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/backend.h"
#include "event/dispatcher.h"
#include "event/signal_pipe.h"
#include "event/timer_heap.h"
#include "util/array.h"

#define FD_TABLE_MINIMUM	64
#define FIRED_MINIMUM		64

struct fd_slot {
	io_callback	*callback;
	void		*arg;
	unsigned int	 generation;	/* bumped on every unwatch */
	unsigned char	 events;	/* current interest */
	unsigned char	 watched;
};

struct signal_slot {
	signal_callback	*callback;
	void		*arg;
};

struct dispatcher {
	const struct backend_ops *ops;
	void			*backend_state;
	struct fd_slot		*fds;
	int			 fd_table_size;
	int			 watched_count;	/* user fds with interest */
	struct fired_event	*fired;
	int			 fired_capacity;
	struct timer_heap	 timers;
	struct signal_slot	 signals[SIGNAL_LIMIT];
	int			 signal_count;
	int			 signal_read_fd;
	uint64_t		 now;
	int			 dispatching;
	int			 stop_requested;
	int			 callbacks_run;
	wait_hook		*before_wait;
	void			*before_wait_arg;
};

/* The current monotonic time in microseconds. */
uint64_t
monotonic_usec(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();	/* POSIX guarantees CLOCK_MONOTONIC here */
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The name of a backend, for -V and error messages. */
const char *
backend_ops_name(const struct backend_ops *ops)
{
	return ops->name;
}

/* The first fd the backend cannot watch, or 0 when any fd will do. */
int
backend_ops_fd_limit(const struct backend_ops *ops)
{
	return ops->fd_limit;
}

/* Find a compiled backend by name, or NULL with errno ENOENT. */
const struct backend_ops *
dispatcher_find_backend(const char *name)
{
	const struct backend_ops *const *list;

	for (list = dispatcher_backends(); *list != NULL; list++)
		if (strcmp((*list)->name, name) == 0)
			return *list;
	errno = ENOENT;
	return NULL;
}

/* Create a dispatcher on the named backend, or the best one for NULL. */
struct dispatcher *
dispatcher_create(const char *backend_name)
{
	const struct backend_ops *ops;

	if (backend_name == NULL)
		ops = dispatcher_backends()[0];
	else
		ops = dispatcher_find_backend(backend_name);
	if (ops == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return dispatcher_create_with(ops);
}

/* Create a dispatcher on the given backend; NULL with errno on failure. */
struct dispatcher *
dispatcher_create_with(const struct backend_ops *ops)
{
	struct dispatcher	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->ops = ops;
	d->signal_read_fd = -1;
	timer_heap_init(&d->timers);
	if (ops->create(&d->backend_state) == -1) {
		free(d);
		return NULL;
	}
	d->now = monotonic_usec();
	return d;
}

/* Release everything; with restore_signals, give caught signals back. */
static void
dispatcher_release(struct dispatcher *d, int restore_signals)
{
	int	signal_number;

	if (d == NULL)
		return;
	for (signal_number = 1; restore_signals &&
	    signal_number < SIGNAL_LIMIT; signal_number++)
		if (d->signals[signal_number].callback != NULL)
			(void)signal_pipe_restore(signal_number, 0);
	d->ops->destroy(d->backend_state);
	timer_heap_release(&d->timers);
	free(d->fds);
	free(d->fired);
	free(d);
}

/* Free a dispatcher in the process that created it. */
void
dispatcher_free(struct dispatcher *d)
{
	dispatcher_release(d, 1);
}

/*
 * Free a dispatcher inherited across fork() without touching the parent's
 * registrations: an epoll set is shared with the parent (deleting from it
 * here would delete there), and a kqueue is not inherited at all.
 */
void
dispatcher_free_after_fork(struct dispatcher *d)
{
	dispatcher_release(d, 0);
	signal_pipe_forget_inherited();
}

/* The name of the backend this dispatcher runs on. */
const char *
dispatcher_backend_name(const struct dispatcher *d)
{
	return d->ops->name;
}

/* Grow the fd table so that fd is a valid index; 0 or -1 with errno. */
static int
fd_table_reserve(struct dispatcher *d, int fd)
{
	struct fd_slot	*fds;
	size_t		 size = (size_t)d->fd_table_size;

	if (fd < d->fd_table_size)
		return 0;
	if ((fds = array_grow(d->fds, &size, (size_t)fd + 1, sizeof(*fds),
	    FD_TABLE_MINIMUM, INT32_MAX)) == NULL)
		return -1;
	memset(fds + d->fd_table_size, 0,
	    (size - (size_t)d->fd_table_size) * sizeof(*fds));
	d->fds = fds;
	d->fd_table_size = (int)size;
	return 0;
}

/* Make the fired array hold one entry per watched fd, outside dispatch. */
static int
fired_reserve(struct dispatcher *d)
{
	struct fired_event	*fired;
	size_t			 capacity = (size_t)d->fired_capacity;

	if (d->watched_count + 1 <= d->fired_capacity)
		return 0;
	if ((fired = array_grow(d->fired, &capacity,
	    (size_t)d->watched_count + 1, sizeof(*fired), FIRED_MINIMUM,
	    INT32_MAX)) == NULL)
		return -1;
	d->fired = fired;
	d->fired_capacity = (int)capacity;
	return 0;
}

/* Tell the backend about a change of interest and count active fds. */
static int
fd_change_events(struct dispatcher *d, int fd, int events)
{
	struct fd_slot	*slot = &d->fds[fd];

	if (slot->events == events)
		return 0;
	if (d->ops->modify(d->backend_state, fd, slot->events, events) == -1)
		return -1;
	if (fd != d->signal_read_fd) {
		if (slot->events == 0)
			d->watched_count++;
		else if (events == 0)
			d->watched_count--;
	}
	slot->events = (unsigned char)events;
	return 0;
}

/* Watch fd for events with callback; replaces an earlier registration. */
int
dispatcher_watch(struct dispatcher *d, int fd, int events,
    io_callback *callback, void *arg)
{
	struct fd_slot	*slot;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((events & ~EVENT_INTEREST) != 0 || callback == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (fd_table_reserve(d, fd) == -1)
		return -1;
	slot = &d->fds[fd];
	if (fd_change_events(d, fd, events) == -1)
		return -1;
	slot->callback = callback;
	slot->arg = arg;
	slot->watched = 1;
	return 0;
}

/* Change the interest of a watched fd (0 keeps it registered but quiet). */
int
dispatcher_set_events(struct dispatcher *d, int fd, int events)
{
	if (fd < 0 || fd >= d->fd_table_size || !d->fds[fd].watched) {
		errno = ENOENT;
		return -1;
	}
	if ((events & ~EVENT_INTEREST) != 0) {
		errno = EINVAL;
		return -1;
	}
	return fd_change_events(d, fd, events);
}

/* Forget fd; call before close(2).  Pending events for it are dropped. */
int
dispatcher_unwatch(struct dispatcher *d, int fd)
{
	struct fd_slot	*slot;

	if (fd < 0 || fd >= d->fd_table_size || !d->fds[fd].watched) {
		errno = ENOENT;
		return -1;
	}
	slot = &d->fds[fd];
	if (fd_change_events(d, fd, 0) == -1)
		return -1;
	slot->watched = 0;
	slot->callback = NULL;
	slot->arg = NULL;
	slot->generation++;
	return 0;
}

/*
 * Stop watching fd and close it; 0 or -1 with errno (the fd is closed in
 * any case).  The backend is always told: with epoll a registration
 * outlives close() while another process (a child given the socket, a
 * worker that inherited a listener) still holds the open file, and would
 * go on firing under whatever fd reuses the number.
 */
int
dispatcher_close(struct dispatcher *d, int fd)
{
	int	result = 0;

	if (fd >= 0 && fd < d->fd_table_size && d->fds[fd].watched)
		result = dispatcher_unwatch(d, fd);
	if (close(fd) == -1)
		result = -1;
	return result;
}

/*
 * dispatcher_close() for an fd no other process or dup shares (a worker's
 * accepted connection): where the kernel forgets a closed fd by itself,
 * the backend is not told, one system call less per connection.
 */
int
dispatcher_close_private(struct dispatcher *d, int fd)
{
	struct fd_slot	*slot;
	int		 result = 0;

	if (fd >= 0 && fd < d->fd_table_size && d->fds[fd].watched) {
		slot = &d->fds[fd];
		if (d->ops->close_drops_interest && slot->events != 0) {
			d->watched_count--;
			slot->events = 0;
		}
		result = dispatcher_unwatch(d, fd);
	}
	if (close(fd) == -1)
		result = -1;
	return result;
}

/* How many fds are watched with some interest. */
size_t
dispatcher_watched_count(const struct dispatcher *d)
{
	return (size_t)d->watched_count;
}

/* The interest fd is watched with, or 0. */
int
dispatcher_events(const struct dispatcher *d, int fd)
{
	if (fd < 0 || fd >= d->fd_table_size || !d->fds[fd].watched)
		return 0;
	return d->fds[fd].events;
}

/* Prepare an idle timer. */
void
timer_init(struct timer *timer, timer_callback *callback, void *arg)
{
	timer->deadline = 0;
	timer->interval = 0;
	timer->heap_index = TIMER_NOT_PENDING;
	timer->callback = callback;
	timer->arg = arg;
}

/* When a pending timer is due (monotonic microseconds); 0 when idle. */
uint64_t
timer_deadline(const struct timer *timer)
{
	return timer->heap_index == TIMER_NOT_PENDING ? 0 : timer->deadline;
}

/* Whether the timer will fire. */
int
timer_is_pending(const struct timer *timer)
{
	return timer->heap_index != TIMER_NOT_PENDING;
}

/*
 * (Re)arm a timer delay_usec from now, repeating every interval_usec when
 * that is not 0.  A delay of 0 means "next iteration": deadlines are at
 * least one microsecond after the loop's cached now, so a timer re-armed by
 * its own callback can never keep the loop in one batch forever.
 */
int
dispatcher_timer_start(struct dispatcher *d, struct timer *timer,
    uint64_t delay_usec, uint64_t interval_usec)
{
	if (timer_is_pending(timer))
		timer_heap_remove(&d->timers, timer);
	if (!d->dispatching)
		d->now = monotonic_usec();
	if (delay_usec == 0)
		delay_usec = 1;
	if (delay_usec > UINT64_MAX - d->now)
		delay_usec = UINT64_MAX - d->now;
	timer->deadline = d->now + delay_usec;
	timer->interval = interval_usec;
	return timer_heap_insert(&d->timers, timer);
}

/* Cancel a timer; harmless when it is not pending. */
void
dispatcher_timer_stop(struct dispatcher *d, struct timer *timer)
{
	if (timer_is_pending(timer))
		timer_heap_remove(&d->timers, timer);
}

/* The number of pending timers. */
size_t
dispatcher_timer_count(const struct dispatcher *d)
{
	return d->timers.count;
}

/* Run the callbacks of signals that arrived; the pipe woke us. */
static void
signal_pipe_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	int	signal_number;

	(void)fd;
	(void)events;
	(void)arg;
	signal_pipe_drain();
	for (signal_number = 1; signal_number < SIGNAL_LIMIT; signal_number++) {
		if (d->signals[signal_number].callback == NULL ||
		    !signal_pipe_take(signal_number))
			continue;
		d->callbacks_run++;
		d->signals[signal_number].callback(d, signal_number,
		    d->signals[signal_number].arg);
	}
}

/* Deliver signal_number to callback from the loop. */
int
dispatcher_signal(struct dispatcher *d, int signal_number,
    signal_callback *callback, void *arg)
{
	int	fd;

	if (signal_number <= 0 || signal_number >= SIGNAL_LIMIT ||
	    callback == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (d->signal_read_fd == -1) {
		if ((fd = signal_pipe_open()) == -1)
			return -1;
		d->signal_read_fd = fd;
		if (dispatcher_watch(d, fd, EVENT_READ, signal_pipe_ready,
		    NULL) == -1) {
			d->signal_read_fd = -1;
			return -1;
		}
	}
	if (signal_pipe_catch(signal_number) == -1)
		return -1;
	if (d->signals[signal_number].callback == NULL)
		d->signal_count++;
	d->signals[signal_number].callback = callback;
	d->signals[signal_number].arg = arg;
	return 0;
}

/* Ignore signal_number from now on and drop its callback. */
int
dispatcher_signal_ignore(struct dispatcher *d, int signal_number)
{
	if (signal_pipe_restore(signal_number, 1) == -1)
		return -1;
	if (d->signals[signal_number].callback != NULL)
		d->signal_count--;
	d->signals[signal_number].callback = NULL;
	d->signals[signal_number].arg = NULL;
	return 0;
}

/* Microseconds to wait for the earliest timer, capped by max_wait_usec. */
static int64_t
wait_budget(struct dispatcher *d, int64_t max_wait_usec)
{
	struct timer	*earliest;
	uint64_t	 until_timer;

	if ((earliest = timer_heap_earliest(&d->timers)) == NULL)
		return max_wait_usec;
	if (earliest->deadline <= d->now)
		return 0;
	until_timer = earliest->deadline - d->now;
	if (until_timer > INT64_MAX)
		until_timer = INT64_MAX;
	if (max_wait_usec >= 0 && (uint64_t)max_wait_usec < until_timer)
		return max_wait_usec;
	return (int64_t)until_timer;
}

/* Run the callbacks of ready fds that are still watched as reported. */
static void
dispatch_fired(struct dispatcher *d, int count)
{
	struct fired_event	*event;
	struct fd_slot		*slot;
	int			 i, events;

	for (i = 0; i < count; i++) {
		event = &d->fired[i];
		slot = &d->fds[event->fd];
		if (!slot->watched || slot->generation != event->generation)
			continue;	/* closed, perhaps reused, this batch */
		events = event->events & slot->events;
		if (events == 0)
			continue;
		if (event->fd != d->signal_read_fd)
			d->callbacks_run++;
		slot->callback(d, event->fd, events, slot->arg);
	}
}

/* Run every timer whose deadline is not after the cached now. */
static void
dispatch_timers(struct dispatcher *d)
{
	struct timer	*timer;

	while ((timer = timer_heap_earliest(&d->timers)) != NULL &&
	    timer->deadline <= d->now) {
		timer_heap_remove(&d->timers, timer);
		if (timer->interval != 0) {
			/* Keep the schedule; skip ahead if far behind. */
			timer->deadline += timer->interval;
			if (timer->deadline <= d->now)
				timer->deadline = d->now + timer->interval;
			if (timer_heap_insert(&d->timers, timer) == -1)
				timer->interval = 0;
		}
		d->callbacks_run++;
		timer->callback(d, timer, timer->arg);
	}
}

/* Call hook (NULL: none) before every wait, with arg. */
void
dispatcher_before_wait(struct dispatcher *d, wait_hook *hook, void *arg)
{
	d->before_wait = hook;
	d->before_wait_arg = arg;
}

/*
 * One iteration: ask the wait hook, wait, run fd callbacks, run due
 * timers.
 */
int
dispatcher_run_once(struct dispatcher *d, int64_t max_wait_usec)
{
	int64_t	hook_wait;
	int	count, i;

	if (d->before_wait != NULL &&
	    (hook_wait = d->before_wait(d, d->before_wait_arg)) >= 0 &&
	    (max_wait_usec < 0 || hook_wait < max_wait_usec))
		max_wait_usec = hook_wait;
	if (fired_reserve(d) == -1)
		return -1;
	d->now = monotonic_usec();
	count = d->ops->poll(d->backend_state, d->fired, d->fired_capacity,
	    wait_budget(d, max_wait_usec));
	if (count == -1)
		return -1;
	for (i = 0; i < count; i++)
		d->fired[i].generation = d->fds[d->fired[i].fd].generation;
	d->now = monotonic_usec();
	d->callbacks_run = 0;
	d->dispatching = 1;
	dispatch_fired(d, count);
	dispatch_timers(d);
	d->dispatching = 0;
	return d->callbacks_run;
}

/* Whether anything is left that could ever call back. */
static int
has_work(const struct dispatcher *d)
{
	return d->watched_count > 0 || d->timers.count > 0 ||
	    d->signal_count > 0;
}

/* Loop until dispatcher_stop() or until nothing is left to wait for. */
int
dispatcher_run(struct dispatcher *d)
{
	d->stop_requested = 0;
	while (!d->stop_requested && has_work(d))
		if (dispatcher_run_once(d, -1) == -1)
			return -1;
	d->stop_requested = 0;
	return 0;
}

/* End dispatcher_run() after the current batch. */
void
dispatcher_stop(struct dispatcher *d)
{
	d->stop_requested = 1;
}

/* The loop's cached monotonic time in microseconds. */
uint64_t
dispatcher_now(struct dispatcher *d)
{
	if (!d->dispatching)
		d->now = monotonic_usec();
	return d->now;
}
