/*
 * epoll.c: the Linux epoll(7) readiness backend.
 *
 * The kernel keeps the interest set, so the only private state is the
 * epoll fd and a buffer for epoll_wait.  Each registration carries its fd
 * and its EVENT_* interest in epoll_event.data, so a wait can report
 * errors and hang-ups as exactly the interest the fd has.  Level-triggered
 * throughout, like the other backends.
 */
#include "config.h"

#ifdef HAVE_EPOLL

#include <sys/epoll.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "event/backend.h"
#include "event/dispatcher.h"
#include "util/array.h"

struct epoll_state {
	int			 epoll_fd;
	struct epoll_event	*events;	/* epoll_wait's output buffer */
	int			 events_allocated;
};

/* Open an epoll instance, close-on-exec, with no buffer yet. */
static int
epoll_create_state(void **state)
{
	struct epoll_state	*epoll_state;

	epoll_state = calloc(1, sizeof(*epoll_state));
	if (epoll_state == NULL)
		return -1;
	epoll_state->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_state->epoll_fd == -1) {
		free(epoll_state);
		return -1;
	}
	*state = epoll_state;
	return 0;
}

/*
 * Close the epoll fd and free memory, deregistering nothing.  Linux: after
 * fork the child's epoll fd refers to the parent's epoll instance, so an
 * EPOLL_CTL_DEL here would silently remove the parent's registrations.
 */
static void
epoll_destroy_state(void *state)
{
	struct epoll_state	*epoll_state = state;

	close(epoll_state->epoll_fd);
	free(epoll_state->events);
	free(epoll_state);
}

/* Build the epoll_event registering fd with EVENT_* interest events. */
static struct epoll_event
interest_to_epoll(int fd, int events)
{
	struct epoll_event	 epoll_event;

	epoll_event.events = 0;
#if HAVE_DECL_EPOLLEXCLUSIVE
	/*
	 * Linux 4.5: EPOLLEXCLUSIVE wakes one epoll set waiting on the fd
	 * instead of all.  It takes no EPOLLRDHUP (EINVAL), and a listener
	 * has no use for it.
	 */
	if ((events & (EVENT_EXCLUSIVE | EVENT_READ)) ==
	    (EVENT_EXCLUSIVE | EVENT_READ)) {
		epoll_event.events = EPOLLIN | EPOLLEXCLUSIVE;
		if (events & EVENT_WRITE)
			epoll_event.events |= EPOLLOUT;
		epoll_event.data.u64 = (uint64_t)(uint32_t)events << 32 |
		    (uint32_t)fd;
		return epoll_event;
	}
#endif
	/*
	 * Linux: EPOLLRDHUP (since 2.6.17) reports a peer's shutdown(SHUT_WR)
	 * or close even when no data is pending; ask for it with EPOLLIN so
	 * the handler reads and finds EOF.
	 */
	if (events & EVENT_READ)
		epoll_event.events |= EPOLLIN | EPOLLRDHUP;
	if (events & EVENT_WRITE)
		epoll_event.events |= EPOLLOUT;
	epoll_event.data.u64 = (uint64_t)(uint32_t)events << 32 |
	    (uint32_t)fd;
	return epoll_event;
}

/* Run one epoll_ctl operation; 0 or -1 with errno. */
static int
control(struct epoll_state *epoll_state, int operation, int fd, int events)
{
	struct epoll_event	 epoll_event;

	/* Linux before 2.6.9 wanted a non-NULL event even for DEL. */
	epoll_event = interest_to_epoll(fd, events);
	return epoll_ctl(epoll_state->epoll_fd, operation, fd, &epoll_event);
}

/* Change fd's interest from old_events to new_events. */
static int
epoll_modify(void *state, int fd, int old_events, int new_events)
{
	struct epoll_state	*epoll_state = state;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	/*
	 * Linux drops an fd from every epoll set when its last descriptor
	 * is closed, so the kernel's view can lag the core's: a number
	 * closed and reopened behind our back is gone (ENOENT), and one
	 * the core forgot may still be present (EEXIST).  Fall over to the
	 * operation that matches the kernel.  EBADF on DEL stays an error:
	 * it means the fd was closed before modify(fd, old, 0), and if a
	 * dup of it survives, the kernel keeps reporting it.  ADD fails
	 * with EPERM for regular files and directories, which epoll cannot
	 * wait on (select and poll call them always ready).
	 */
	if (new_events == 0) {
		if (control(epoll_state, EPOLL_CTL_DEL, fd, 0) == -1 &&
		    errno != ENOENT)
			return -1;
		return 0;
	}
	/*
	 * Linux: EPOLL_CTL_MOD refuses EPOLLEXCLUSIVE (EINVAL), on either
	 * side of the change: remove and add again.
	 */
	if (old_events != 0 && ((old_events | new_events) & EVENT_EXCLUSIVE)) {
		if (control(epoll_state, EPOLL_CTL_DEL, fd, 0) == -1 &&
		    errno != ENOENT)
			return -1;
		old_events = 0;
	}
	if (old_events == 0) {
		if (control(epoll_state, EPOLL_CTL_ADD, fd, new_events) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		return control(epoll_state, EPOLL_CTL_MOD, fd, new_events);
	}
	if (control(epoll_state, EPOLL_CTL_MOD, fd, new_events) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	return control(epoll_state, EPOLL_CTL_ADD, fd, new_events);
}

/* Make the epoll_wait buffer hold at least capacity events. */
static int
reserve_events(struct epoll_state *epoll_state, int capacity)
{
	struct epoll_event	*events;
	size_t			 allocated = (size_t)epoll_state->events_allocated;

	if ((events = array_grow(epoll_state->events, &allocated,
	    (size_t)capacity, sizeof(*events), 1, INT_MAX)) == NULL)
		return -1;
	epoll_state->events = events;
	epoll_state->events_allocated = (int)allocated;
	return 0;
}

/* Map returned epoll bits to EVENT_* within the registered interest. */
static int
epoll_to_events(uint32_t returned, int interest)
{
	int	 events = 0;

	if (returned & (EPOLLIN | EPOLLRDHUP))
		events |= EVENT_READ;
	if (returned & EPOLLOUT)
		events |= EVENT_WRITE;
	/*
	 * Linux reports EPOLLERR and EPOLLHUP whether requested or not;
	 * surface them as the interest the fd has so the handler finds
	 * the error or EOF in read/write.
	 */
	if (returned & (EPOLLERR | EPOLLHUP))
		events |= EVENT_READ | EVENT_WRITE;
	return events & interest;
}

/* Wait for readiness and report up to capacity ready fds. */
static int
epoll_poll(void *state, struct fired_event *fired, int capacity,
    int64_t timeout_usec)
{
	struct epoll_state	*epoll_state = state;
	uint64_t		 data;
	int			 ready, index, events, count = 0;

	/* Linux: epoll_wait fails with EINVAL if maxevents is not positive. */
	if (capacity <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (reserve_events(epoll_state, capacity) == -1)
		return -1;
	ready = epoll_wait(epoll_state->epoll_fd, epoll_state->events,
	    capacity, backend_timeout_msec(timeout_usec));
	if (ready == -1)
		return errno == EINTR ? 0 : -1;

	for (index = 0; index < ready; index++) {
		data = epoll_state->events[index].data.u64;
		events = epoll_to_events(epoll_state->events[index].events,
		    (int)(data >> 32));
		if (events == 0)
			continue;
		fired[count].fd = (int)(uint32_t)data;
		fired[count].events = events;
		count++;
	}
	return count;
}

/* epoll_create is taken by libc, hence the _state suffixes. */
/*
 * close_drops_interest: Linux removes a registration once the open file
 * description it was made on is closed everywhere, so dispatcher_close()
 * skips EPOLL_CTL_DEL.  The registration belongs to the open file, not to
 * the fd number: while a dup, or a child that inherited the fd, keeps the
 * file open, it stays in the set and goes on firing with the old number
 * and interest in its data, and no DEL by that number reaches it any more.
 * If the number is reused meanwhile, ADD registers the new file beside the
 * stale one (no EEXIST, so nothing falls over to MOD), and the stale
 * file's events are reported as the new fd's.  Only an fd whose file
 * nothing else shares may be closed without DEL; see dispatcher.h.
 */
const struct backend_ops backend_epoll = {
	"epoll",
	epoll_create_state,
	epoll_destroy_state,
	epoll_modify,
	epoll_poll,
	1,	/* close_drops_interest */
	0	/* any fd */
};

#else /* !HAVE_EPOLL */

/* ISO C forbids an empty translation unit; -pedantic would warn. */
typedef int epoll_unavailable;

#endif /* HAVE_EPOLL */
