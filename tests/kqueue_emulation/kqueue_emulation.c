/*
 * kqueue_emulation.c: a user-space kqueue(2) over poll(2), so the kqueue
 * backend (backends/kqueue.c) can be built and tested on Linux.  Test code
 * only: it is never installed and never linked into the daemon.
 *
 * WHAT RUNNING THE BACKEND SUITE OVER THIS PROVES
 *   The backend's own logic runs for real, unchanged: the change list it
 *   builds from (old_events, new_events) (EV_ADD/EV_DELETE per filter),
 *   its EV_RECEIPT handling (every change answered by an EV_ERROR entry,
 *   data 0 on success, ENOENT/EBADF on delete ignored, rollback of a half
 *   failed modify), the broken-kqueue probe at create, the merging of one
 *   fd's EVFILT_READ and EVFILT_WRITE entries into one fired entry, the
 *   handling of EV_EOF while data is still buffered (reported with
 *   EV_EOF exactly as FreeBSD does), EV_EOF on the write filter when the
 *   peer is gone, EINTR, the growth of its private buffers, and the
 *   conversion of microseconds to a struct timespec (a positive wait
 *   never becomes 0; this emulation rounds it up to whole milliseconds).
 *   kevent()'s documented contract is followed: changes are applied in
 *   order; EV_ADD adds or modifies, EV_DELETE removes or fails ENOENT,
 *   EV_ENABLE/EV_DISABLE/EV_ONESHOT/EV_DISPATCH work; an invalid ident
 *   gives EBADF and an unsupported filter EINVAL; an error goes into the
 *   eventlist as EV_ERROR when there is room, else kevent() fails with it;
 *   once any EV_ERROR entry (receipt or error) is returned, kevent()
 *   returns without waiting; a zero nevents never waits.
 *
 * WHAT ONLY A REAL BSD KERNEL CAN PROVE
 *   - Knote lifetime: close(2) removes a real kernel's knotes at once.
 *     Here they stay until poll(2) reports POLLNVAL for the number (then
 *     they are dropped silently), and a number reused before that inherits
 *     them.  pforkd deregisters before close, so this should not matter.
 *   - EV_CLEAR: accepted but not emulated; delivery stays level-triggered.
 *     NOTE_LOWAT and other fflags are ignored.
 *   - Real EV_EOF timing and the exact data values: EV_EOF comes from
 *     Linux's POLLRDHUP/POLLHUP/POLLERR; EVFILT_READ's data is FIONREAD
 *     (0 for a listening socket, where FreeBSD gives the backlog);
 *     EVFILT_WRITE's data is always 0 (FreeBSD: free space).  fflags is
 *     always 0: Linux's getsockopt(SO_ERROR) clears the pending error,
 *     which would steal ECONNRESET from the handler's read or write, while
 *     a real kqueue reports so_error without clearing it.
 *   - Scalability: every wait rebuilds a pollfd array, O(registered fds).
 *   - fork semantics: a kqueue is not inherited by a child.  This is
 *     imitated with a pthread_atfork() handler that closes every emulated
 *     queue in the child, but the kernel's behaviour is only approximated.
 *   - Ordering: events come out in fd order, starting from a rotating
 *     point, not in the kernel's activation order.
 *   - The queue's own descriptor is a pipe's read end: it is not pollable
 *     like a real kqueue, so queues cannot be nested.
 *   Not thread-safe: one thread at a time, like the daemon's processes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* Linux: POLLRDHUP is a GNU extension. */
#endif

#include <sys/types.h>
#include <sys/event.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Without POLLRDHUP (not Linux), EOF with buffered data goes unseen. */
#ifndef POLLRDHUP
#define POLLRDHUP	0
#endif

/* kqueue(2), BUGS: FreeBSD silently shortens waits beyond 24 hours. */
#define EMULATION_MAX_WAIT_SEC	86400

/* flags a knote keeps and returns, as FreeBSD's kn_kevent.flags does. */
#define EMULATION_KEPT_FLAGS	\
	(EV_ONESHOT | EV_CLEAR | EV_RECEIPT | EV_DISPATCH)

struct emulated_knote {
	int		 active;
	int		 enabled;
	unsigned short	 flags;
	unsigned int	 fflags;
	int64_t		 data;
	void		*udata;
};

struct emulated_fd {
	struct emulated_knote	read;
	struct emulated_knote	write;
};

struct emulated_queue {
	int			 handle;	/* the fd kqueue() returned */
	dev_t			 handle_dev;	/* tell a reused number */
	ino_t			 handle_ino;
	struct emulated_fd	*fds;		/* indexed by fd */
	int			 nfds;
	struct pollfd		*pollfds;
	int			 pollfds_capacity;
	int			 scan_start;	/* rotating first pollfd */
	struct emulated_queue	*next;
};

static struct emulated_queue	*emulated_queues;
static int			 atfork_registered;

/* Unlink and free the state of handle, if any; the fd is not closed. */
static void
emulation_forget(int handle)
{
	struct emulated_queue	**link, *queue;

	for (link = &emulated_queues; *link != NULL; link = &(*link)->next) {
		queue = *link;
		if (queue->handle == handle) {
			*link = queue->next;
			free(queue->fds);
			free(queue->pollfds);
			free(queue);
			return;
		}
	}
}

/* In a fork(2) child, close every queue: kqueues are not inherited. */
static void
emulation_after_fork_in_child(void)
{
	while (emulated_queues != NULL) {
		(void)close(emulated_queues->handle);
		emulation_forget(emulated_queues->handle);
	}
}

/* Return the live queue behind kq, or NULL with errno EBADF. */
static struct emulated_queue *
emulation_find_queue(int kq)
{
	struct emulated_queue	*queue;
	struct stat		 st;

	for (queue = emulated_queues; queue != NULL; queue = queue->next)
		if (queue->handle == kq)
			break;
	if (queue != NULL && (fstat(kq, &st) == -1 ||
	    st.st_dev != queue->handle_dev || st.st_ino != queue->handle_ino)) {
		/* Closed by the caller, maybe reused: the queue is gone. */
		emulation_forget(kq);
		queue = NULL;
	}
	if (queue == NULL)
		errno = EBADF;
	return queue;
}

/* Create a queue; its handle is a pipe's read end (write end closed). */
int
kqueue(void)
{
	struct emulated_queue	*queue;
	struct stat		 st;
	int			 ends[2], error;

	if (!atfork_registered) {
		if ((error = pthread_atfork(NULL, NULL,
		    emulation_after_fork_in_child)) != 0) {
			errno = error;
			return -1;
		}
		atfork_registered = 1;
	}
	if ((queue = calloc(1, sizeof(*queue))) == NULL)
		return -1;
	if (pipe(ends) == -1) {
		free(queue);
		return -1;
	}
	(void)close(ends[1]);
	if (fstat(ends[0], &st) == -1) {
		error = errno;
		(void)close(ends[0]);
		free(queue);
		errno = error;
		return -1;
	}
	emulation_forget(ends[0]);	/* state left by a closed queue */
	queue->handle = ends[0];
	queue->handle_dev = st.st_dev;
	queue->handle_ino = st.st_ino;
	queue->next = emulated_queues;
	emulated_queues = queue;
	return queue->handle;
}

/* Return fd's knote for filter, or NULL when fd has never had one. */
static struct emulated_knote *
emulation_knote(struct emulated_queue *queue, int fd, short filter)
{
	if (fd >= queue->nfds)
		return NULL;
	if (filter == EVFILT_READ)
		return &queue->fds[fd].read;
	return &queue->fds[fd].write;
}

/* Make queue->fds cover fd; 0 or -1 (out of memory). */
static int
emulation_reserve_fd(struct emulated_queue *queue, int fd)
{
	struct emulated_fd	*grown;
	int			 size;

	if (fd < queue->nfds)
		return 0;
	size = queue->nfds > 0 ? queue->nfds : 64;
	while (size <= fd)
		size = size <= INT_MAX / 2 ? size * 2 : INT_MAX;
	if ((grown = realloc(queue->fds, sizeof(*grown) * (size_t)size)) ==
	    NULL)
		return -1;
	memset(grown + queue->nfds, 0, sizeof(*grown) *
	    (size_t)(size - queue->nfds));
	queue->fds = grown;
	queue->nfds = size;
	return 0;
}

/* Apply one change to queue; return 0 or the errno kqueue(2) gives. */
static int
emulation_apply(struct emulated_queue *queue, const struct kevent *change)
{
	struct emulated_knote	*knote;
	int			 fd;

	if (change->filter != EVFILT_READ && change->filter != EVFILT_WRITE)
		return EINVAL;
	if (change->ident > (uintptr_t)INT_MAX ||
	    fcntl((int)change->ident, F_GETFD) == -1)
		return EBADF;
	fd = (int)change->ident;
	knote = emulation_knote(queue, fd, change->filter);
	if (change->flags & EV_DELETE) {
		if (knote == NULL || !knote->active)
			return ENOENT;
		memset(knote, 0, sizeof(*knote));
		return 0;
	}
	if (knote == NULL || !knote->active) {
		if ((change->flags & EV_ADD) == 0)
			return ENOENT;
		if (emulation_reserve_fd(queue, fd) == -1)
			return ENOMEM;
		knote = emulation_knote(queue, fd, change->filter);
		knote->active = 1;
	}
	if (change->flags & EV_ADD) {
		/* kqueue(2): adding enables, unless EV_DISABLE says not. */
		knote->enabled = 1;
		knote->flags = change->flags & EMULATION_KEPT_FLAGS;
		knote->fflags = change->fflags;
		knote->data = change->data;
		knote->udata = change->udata;
	}
	if (change->flags & EV_DISABLE)
		knote->enabled = 0;
	else if (change->flags & EV_ENABLE)
		knote->enabled = 1;
	return 0;
}

/* Fill queue->pollfds from the enabled knotes; the count, or -1. */
static int
emulation_build_pollfds(struct emulated_queue *queue)
{
	struct pollfd	*grown;
	int		 fd, n = 0;
	short		 events;

	for (fd = 0; fd < queue->nfds; fd++) {
		events = 0;
		if (queue->fds[fd].read.active && queue->fds[fd].read.enabled)
			events |= POLLIN | POLLRDHUP;
		if (queue->fds[fd].write.active &&
		    queue->fds[fd].write.enabled)
			events |= POLLOUT;
		if (events == 0)
			continue;
		if (n == queue->pollfds_capacity) {
			if ((grown = realloc(queue->pollfds, sizeof(*grown) *
			    (size_t)(n > 0 ? 2 * n : 64))) == NULL)
				return -1;
			queue->pollfds = grown;
			queue->pollfds_capacity = n > 0 ? 2 * n : 64;
		}
		queue->pollfds[n].fd = fd;
		queue->pollfds[n].events = events;
		queue->pollfds[n].revents = 0;
		n++;
	}
	return n;
}

/* Whether fd is a stream socket whose peer shut down its write side. */
static int
emulation_stream_at_eof(int fd)
{
	socklen_t	length = sizeof(int);
	int		type;
	char		byte;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Fill out with fd's EVFILT_READ event for revents; 0 if not ready. */
static int
emulation_read_event(int fd, short revents, struct kevent *out)
{
	int	readable = 0;

	if ((revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) == 0)
		return 0;
	if (ioctl(fd, FIONREAD, &readable) == -1 || readable < 0)
		readable = 0;
	EV_SET(out, (uintptr_t)fd, EVFILT_READ, 0, 0, readable, NULL);
	/* FreeBSD: EOF may be set while data is still buffered. */
	if ((revents & (POLLRDHUP | POLLHUP)) ||
	    (readable == 0 && (revents & POLLIN) &&
	    emulation_stream_at_eof(fd)))
		out->flags |= EV_EOF;
	return 1;
}

/* Fill out with fd's EVFILT_WRITE event for revents; 0 if not ready. */
static int
emulation_write_event(int fd, short revents, struct kevent *out)
{
	if ((revents & (POLLOUT | POLLHUP | POLLERR)) == 0)
		return 0;
	EV_SET(out, (uintptr_t)fd, EVFILT_WRITE, 0, 0, 0, NULL);
	/* The peer is gone (or the socket failed): writes will fail. */
	if (revents & (POLLHUP | POLLERR))
		out->flags |= EV_EOF;
	return 1;
}

/* Finish a delivery from knote into out: flags, udata, one-shot rules. */
static void
emulation_deliver(struct emulated_knote *knote, struct kevent *out)
{
	out->flags |= knote->flags;
	out->udata = knote->udata;
	if (knote->flags & EV_ONESHOT)
		memset(knote, 0, sizeof(*knote));
	else if (knote->flags & EV_DISPATCH)
		knote->enabled = 0;
}

/* Turn one polled fd into at most room events; return how many. */
static int
emulation_collect_fd(struct emulated_queue *queue, const struct pollfd *p,
    struct kevent *out, int room)
{
	struct emulated_fd	*slot = &queue->fds[p->fd];
	int			 n = 0;

	if (p->revents & POLLNVAL) {
		/* Closed without EV_DELETE: a kernel drops knotes on close. */
		memset(slot, 0, sizeof(*slot));
		return 0;
	}
	if (n < room && slot->read.active && slot->read.enabled &&
	    emulation_read_event(p->fd, p->revents, &out[n]))
		emulation_deliver(&slot->read, &out[n++]);
	if (n < room && slot->write.active && slot->write.enabled &&
	    emulation_write_event(p->fd, p->revents, &out[n]))
		emulation_deliver(&slot->write, &out[n++]);
	return n;
}

/* Turn the polled fds into events, starting at a rotating point. */
static int
emulation_collect(struct emulated_queue *queue, int npollfds,
    struct kevent *eventlist, int nevents)
{
	int	i, k, start, n = 0;

	start = queue->scan_start < npollfds ? queue->scan_start : 0;
	queue->scan_start = start + 1;
	for (k = 0; k < npollfds; k++) {
		i = (start + k) % npollfds;
		if (n == nevents) {
			queue->scan_start = i;	/* first next time */
			break;
		}
		if (queue->pollfds[i].revents != 0)
			n += emulation_collect_fd(queue, &queue->pollfds[i],
			    eventlist + n, nevents - n);
	}
	return n;
}

/* Return the poll(2) timeout left until deadline, rounded up to ms. */
static int
emulation_remaining_ms(const struct timespec *deadline)
{
	struct timespec	now;
	int64_t		left_ns;

	if (deadline == NULL)
		return -1;
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return 0;
	left_ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	    (deadline->tv_nsec - now.tv_nsec);
	if (left_ns <= 0)
		return 0;
	/* Round up: a positive wait never becomes a poll of 0 ms. */
	return (int)((left_ns + 999999) / 1000000);
}

/* Set deadline to now + timeout (checked, at most 24 hours); 0 or -1. */
static int
emulation_deadline(const struct timespec *timeout, struct timespec *deadline)
{
	if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	    timeout->tv_nsec >= 1000000000L) {
		errno = EINVAL;
		return -1;
	}
	if (clock_gettime(CLOCK_MONOTONIC, deadline) == -1)
		return -1;
	if (timeout->tv_sec >= EMULATION_MAX_WAIT_SEC) {
		deadline->tv_sec += EMULATION_MAX_WAIT_SEC;
		return 0;
	}
	deadline->tv_sec += timeout->tv_sec;
	deadline->tv_nsec += timeout->tv_nsec;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
	return 0;
}

/* Wait for events as kevent(2) does; the count, 0 on timeout, or -1. */
static int
emulation_scan(struct emulated_queue *queue, struct kevent *eventlist,
    int nevents, const struct timespec *timeout)
{
	struct timespec	 deadline_storage, *deadline = NULL;
	int		 npollfds, ready, wait_ms, n;

	if (timeout != NULL) {
		if (emulation_deadline(timeout, &deadline_storage) == -1)
			return -1;
		deadline = &deadline_storage;
	}
	for (;;) {
		if ((npollfds = emulation_build_pollfds(queue)) == -1) {
			errno = ENOMEM;
			return -1;
		}
		wait_ms = emulation_remaining_ms(deadline);
		/* EINTR comes back as -1 EINTR, like the real call. */
		ready = poll(queue->pollfds, (nfds_t)npollfds, wait_ms);
		if (ready <= 0)
			return ready;
		if ((n = emulation_collect(queue, npollfds, eventlist,
		    nevents)) > 0)
			return n;
		/* Only closed fds were ready: their knotes are gone; wait on. */
	}
}

/* Apply changelist in order, then wait for events into eventlist. */
int
kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
	struct emulated_queue	*queue;
	struct kevent		 change;
	int			 i, error, nplaced = 0;

	if ((queue = emulation_find_queue(kq)) == NULL)
		return -1;
	if (nchanges < 0 || nevents < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((nchanges > 0 && changelist == NULL) ||
	    (nevents > 0 && eventlist == NULL)) {
		errno = EFAULT;
		return -1;
	}
	for (i = 0; i < nchanges; i++) {
		/* A copy: eventlist may be the changelist itself. */
		change = changelist[i];
		/* FreeBSD skips a change whose filter is 0. */
		if (change.filter == 0)
			continue;
		change.flags &= ~EV_SYSFLAGS;
		error = emulation_apply(queue, &change);
		if (error == 0 && (change.flags & EV_RECEIPT) == 0)
			continue;
		if (nplaced == nevents) {
			/* No room: later changes are not processed. */
			if (error == 0)
				return nplaced;
			errno = error;
			return -1;
		}
		change.flags = EV_ERROR;
		change.data = error;
		eventlist[nplaced++] = change;
	}
	/* FreeBSD returns errors and receipts without waiting. */
	if (nplaced > 0 || nevents == 0)
		return nplaced;
	return emulation_scan(queue, eventlist, nevents, timeout);
}
