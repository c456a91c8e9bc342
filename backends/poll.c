/*
 * poll.c: the poll(2) readiness backend.
 *
 * Keeps a dense array of struct pollfd, one entry per watched fd, and a map
 * from fd to index in it, so every modify is O(1).  A deletion moves the
 * last entry into the hole.  Both arrays grow by doubling.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>

#include "event/backend.h"
#include "event/dispatcher.h"
#include "util/array.h"

#define POLL_INITIAL_SLOTS	64

struct poll_state {
	struct pollfd	*pollfds;	/* dense, pollfd_count in use */
	size_t		 pollfd_count;
	size_t		 pollfd_allocated;
	int		*index_of_fd;	/* fd -> index in pollfds, -1 if none */
	size_t		 index_allocated;
};

/* Allocate empty arrays; they grow on first use. */
static int
poll_create(void **state)
{
	*state = calloc(1, sizeof(struct poll_state));
	return *state == NULL ? -1 : 0;
}

/* Free both arrays; poll has no kernel object to release. */
static void
poll_destroy(void *state)
{
	struct poll_state	*poll_state = state;

	free(poll_state->pollfds);
	free(poll_state->index_of_fd);
	free(poll_state);
}

/* Make the fd -> index map cover fd, marking new slots as unused. */
static int
reserve_index(struct poll_state *poll_state, int fd)
{
	size_t	 old_allocated = poll_state->index_allocated, slot;
	int	*index_of_fd;

	index_of_fd = array_grow(poll_state->index_of_fd,
	    &poll_state->index_allocated, (size_t)fd + 1, sizeof(int),
	    POLL_INITIAL_SLOTS, SIZE_MAX);
	if (index_of_fd == NULL)
		return -1;
	for (slot = old_allocated; slot < poll_state->index_allocated; slot++)
		index_of_fd[slot] = -1;
	poll_state->index_of_fd = index_of_fd;
	return 0;
}

/* Translate EVENT_* interest into poll(2) request bits. */
static short
interest_to_poll(int events)
{
	return (short)((events & EVENT_READ ? POLLIN : 0) |
	    (events & EVENT_WRITE ? POLLOUT : 0));
}

/* Append a new entry for fd. */
static int
add_entry(struct poll_state *poll_state, int fd, int events)
{
	struct pollfd	*pollfds;

	/* The map holds indexes as int, so the array cannot outgrow INT_MAX. */
	if (poll_state->pollfd_count >= INT_MAX) {
		errno = ENOMEM;
		return -1;
	}
	if (reserve_index(poll_state, fd) == -1)
		return -1;
	pollfds = array_grow(poll_state->pollfds, &poll_state->pollfd_allocated,
	    poll_state->pollfd_count + 1, sizeof(*pollfds), POLL_INITIAL_SLOTS,
	    SIZE_MAX);
	if (pollfds == NULL)
		return -1;
	poll_state->pollfds = pollfds;
	pollfds[poll_state->pollfd_count].fd = fd;
	pollfds[poll_state->pollfd_count].events = interest_to_poll(events);
	pollfds[poll_state->pollfd_count].revents = 0;
	poll_state->index_of_fd[fd] = (int)poll_state->pollfd_count;
	poll_state->pollfd_count++;
	return 0;
}

/* Remove the entry at index by moving the last entry into its place. */
static void
delete_entry(struct poll_state *poll_state, int index)
{
	struct pollfd	*pollfds = poll_state->pollfds;
	size_t		 last = poll_state->pollfd_count - 1;

	poll_state->index_of_fd[pollfds[index].fd] = -1;
	if ((size_t)index != last) {
		pollfds[index] = pollfds[last];
		poll_state->index_of_fd[pollfds[index].fd] = index;
	}
	poll_state->pollfd_count--;
}

/* Change fd's interest from old_events to new_events. */
static int
poll_modify(void *state, int fd, int old_events, int new_events)
{
	struct poll_state	*poll_state = state;
	int			 index = -1;

	(void)old_events;
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((size_t)fd < poll_state->index_allocated)
		index = poll_state->index_of_fd[fd];

	if (index == -1)
		return new_events == 0 ? 0 :
		    add_entry(poll_state, fd, new_events);
	if (new_events == 0)
		delete_entry(poll_state, index);
	else
		poll_state->pollfds[index].events =
		    interest_to_poll(new_events);
	return 0;
}

/* Map an entry's returned bits to the EVENT_* interest it reports. */
static int
revents_to_events(const struct pollfd *pollfd)
{
	int	 events = 0;

	if (pollfd->revents & POLLIN)
		events |= EVENT_READ;
	if (pollfd->revents & POLLOUT)
		events |= EVENT_WRITE;
	/*
	 * POLLHUP, POLLERR and POLLNVAL come back unrequested; report them
	 * as the fd's whole interest so the handler meets EOF or the error
	 * in read/write.  POLLNVAL (fd not open) breaks the contract, but
	 * macOS also returns it for ttys and other character devices, which
	 * its poll does not support: reporting beats waiting forever.
	 */
	if (pollfd->revents & (POLLHUP | POLLERR | POLLNVAL)) {
		if (pollfd->events & POLLIN)
			events |= EVENT_READ;
		if (pollfd->events & POLLOUT)
			events |= EVENT_WRITE;
	}
	return events;
}

/* Wait for readiness and report up to capacity ready fds. */
static int
poll_poll(void *state, struct fired_event *fired, int capacity,
    int64_t timeout_usec)
{
	struct poll_state	*poll_state = state;
	size_t			 index;
	int			 ready, events, count = 0;

	if (capacity <= 0) {
		errno = EINVAL;
		return -1;
	}
	ready = poll(poll_state->pollfds, (nfds_t)poll_state->pollfd_count,
	    backend_timeout_msec(timeout_usec));
	if (ready == -1)
		return errno == EINTR ? 0 : -1;

	for (index = 0; index < poll_state->pollfd_count && ready > 0 &&
	    count < capacity; index++) {
		if (poll_state->pollfds[index].revents == 0)
			continue;
		ready--;
		events = revents_to_events(&poll_state->pollfds[index]);
		if (events == 0)
			continue;
		fired[count].fd = poll_state->pollfds[index].fd;
		fired[count].events = events;
		count++;
	}
	return count;
}

const struct backend_ops backend_poll = {
	"poll",
	poll_create,
	poll_destroy,
	poll_modify,
	poll_poll,
	0,	/* the fd array must be told */
	0	/* any fd */
};
