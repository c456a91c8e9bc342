/*
 * select.c: the select(2) readiness backend.
 *
 * The most portable backend and the slowest: every wait copies two fd_sets
 * and scans them up to the highest registered fd.  It can only watch fds
 * below FD_SETSIZE; anything else is refused rather than written past the
 * end of an fd_set.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/select.h>
#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "event/backend.h"
#include "event/dispatcher.h"

/*
 * POSIX only promises timeouts of up to 31 days.  macOS rejects a tv_sec
 * above 100,000,000 with EINVAL instead of clamping, so clamp here; a
 * longer wait just ends early and the core waits again.
 */
#define SELECT_MAX_TIMEOUT_SEC	(31 * 24 * 60 * 60)

struct select_state {
	fd_set	read_set;	/* master copies, never passed to select */
	fd_set	write_set;
	int	max_fd;		/* highest registered fd, -1 for none */
};

/* Allocate an empty interest set. */
static int
select_create(void **state)
{
	struct select_state	*select_state;

	select_state = malloc(sizeof(*select_state));
	if (select_state == NULL)
		return -1;
	FD_ZERO(&select_state->read_set);
	FD_ZERO(&select_state->write_set);
	select_state->max_fd = -1;
	*state = select_state;
	return 0;
}

/* Free the interest set; select has no kernel object to release. */
static void
select_destroy(void *state)
{
	free(state);
}

/* Find the highest fd still in either set, scanning down from start. */
static int
highest_registered_fd(const struct select_state *select_state, int start)
{
	int	 fd;

	for (fd = start; fd >= 0; fd--) {
		if (FD_ISSET(fd, &select_state->read_set) ||
		    FD_ISSET(fd, &select_state->write_set))
			return fd;
	}
	return -1;
}

/* Change fd's interest from old_events to new_events. */
static int
select_modify(void *state, int fd, int old_events, int new_events)
{
	struct select_state	*select_state = state;

	(void)old_events;
	/*
	 * FD_SET with an fd outside [0, FD_SETSIZE) writes past the fd_set:
	 * undefined behaviour everywhere, and an abort under glibc's
	 * _FORTIFY_SOURCE on Linux.  FD_SETSIZE is fixed at 1024 on Linux
	 * and cannot be raised without rebuilding libc, so refuse.
	 */
	if (fd < 0 || fd >= FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	if (new_events & EVENT_READ)
		FD_SET(fd, &select_state->read_set);
	else
		FD_CLR(fd, &select_state->read_set);
	if (new_events & EVENT_WRITE)
		FD_SET(fd, &select_state->write_set);
	else
		FD_CLR(fd, &select_state->write_set);

	if (new_events != 0 && fd > select_state->max_fd)
		select_state->max_fd = fd;
	else if (new_events == 0 && fd == select_state->max_fd)
		select_state->max_fd = highest_registered_fd(select_state,
		    fd - 1);
	return 0;
}

/* Convert a wait in microseconds (-1: forever) to select's timeval. */
static struct timeval *
usec_to_timeval(int64_t timeout_usec, struct timeval *timeval)
{
	if (timeout_usec < 0)
		return NULL;
	if (timeout_usec / 1000000 >= SELECT_MAX_TIMEOUT_SEC) {
		timeval->tv_sec = SELECT_MAX_TIMEOUT_SEC;
		timeval->tv_usec = 0;
	} else {
		timeval->tv_sec = (time_t)(timeout_usec / 1000000);
		timeval->tv_usec = (suseconds_t)(timeout_usec % 1000000);
	}
	return timeval;
}

/* Wait for readiness and report up to capacity ready fds. */
static int
select_poll(void *state, struct fired_event *fired, int capacity,
    int64_t timeout_usec)
{
	struct select_state	*select_state = state;
	struct timeval		 timeval, *timeout;
	fd_set			 readable, writable;
	int			 fd, events, ready, count = 0;

	if (capacity <= 0) {
		errno = EINVAL;
		return -1;
	}
	readable = select_state->read_set;
	writable = select_state->write_set;
	timeout = usec_to_timeval(timeout_usec, &timeval);

	/*
	 * EBADF means a registered fd was closed without modify(fd, old, 0):
	 * a caller bug that would recur on every call, so report it rather
	 * than loop.  A signal (EINTR) is simply an empty wait.
	 */
	ready = select(select_state->max_fd + 1, &readable, &writable, NULL,
	    timeout);
	if (ready == -1)
		return errno == EINTR ? 0 : -1;

	for (fd = 0; fd <= select_state->max_fd && ready > 0 &&
	    count < capacity; fd++) {
		events = 0;
		if (FD_ISSET(fd, &readable)) {
			events |= EVENT_READ;
			ready--;
		}
		if (FD_ISSET(fd, &writable)) {
			events |= EVENT_WRITE;
			ready--;
		}
		if (events == 0)
			continue;
		fired[count].fd = fd;
		fired[count].events = events;
		count++;
	}
	return count;
}

const struct backend_ops backend_select = {
	"select",
	select_create,
	select_destroy,
	select_modify,
	select_poll,
	0,		/* the fd sets must be told */
	FD_SETSIZE	/* FD_SET past it writes outside the fd_set */
};
