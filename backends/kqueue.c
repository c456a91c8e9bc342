/*
 * kqueue.c: the kqueue(2) readiness backend (FreeBSD, OpenBSD, NetBSD,
 * DragonFly BSD, macOS).  One level-triggered knote per (fd, filter):
 * EVFILT_READ for EVENT_READ, EVFILT_WRITE for EVENT_WRITE.  Changes go in
 * with EV_RECEIPT, so each gets its own error and no event is drained.
 */
#include "config.h"

/* TEST_KQUEUE_EMULATION: Linux test builds over tests/kqueue_emulation. */
#if defined(HAVE_KQUEUE) || defined(TEST_KQUEUE_EMULATION)

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/backend.h"
#include "event/dispatcher.h"
#include "util/array.h"
#include "util/descriptor.h"

/*
 * FreeBSD silently shortens waits beyond 24 hours (kqueue(2), BUGS); do it
 * here so every BSD, even with a 32-bit time_t, gets the same valid
 * timespec.  The core simply waits again.
 */
#define KQUEUE_MAX_WAIT_USEC	(INT64_C(86400) * 1000000)

struct kqueue_backend {
	int		 kq;
	pid_t		 creator;		/* the process that owns kq */
	struct kevent	*eventlist;
	int		 eventlist_capacity;
	int		*slot_by_fd;		/* fd -> index in fired */
	int		 slot_by_fd_size;
};

/* Check that kq reports a bad fd as an EV_ERROR receipt; 0 or -1. */
static int
kqueue_backend_probe(int kq)
{
	struct kevent	change, receipt;
	struct timespec	no_wait = { 0, 0 };

	/* macOS once got this wrong (libevent checks it the same way). */
	EV_SET(&change, (uintptr_t)-1, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    0);
	if (kevent(kq, &change, 1, &receipt, 1, &no_wait) == 1 &&
	    receipt.ident == (uintptr_t)-1 && (receipt.flags & EV_ERROR) &&
	    receipt.data == EBADF)
		return 0;
	errno = ENOSYS;
	return -1;
}

/* Open a close-on-exec kqueue and check it works. */
static int
kqueue_backend_create(void **state)
{
	struct kqueue_backend	*kb;
	int			 saved_errno;

	if ((kb = calloc(1, sizeof(*kb))) == NULL)
		return -1;
	/* kqueue1(O_CLOEXEC) is not everywhere (macOS, older FreeBSD). */
	if ((kb->kq = kqueue()) == -1)
		goto fail;
	if (descriptor_set_cloexec(kb->kq) == -1)
		goto fail;
	if (kqueue_backend_probe(kb->kq) == -1)
		goto fail;
	kb->creator = getpid();
	*state = kb;
	return 0;
fail:
	saved_errno = errno;
	if (kb->kq != -1)
		(void)close(kb->kq);
	free(kb);
	errno = saved_errno;
	return -1;
}

/* Close the queue and free the state, without deregistering anything. */
static void
kqueue_backend_destroy(void *state)
{
	struct kqueue_backend	*kb = state;

	if (kb == NULL)
		return;
	/*
	 * FreeBSD, OpenBSD, NetBSD, macOS: a kqueue is not inherited by
	 * fork(2).  In a child the number is not ours and may already name a
	 * file the child opened since, so only the creator closes it.
	 */
	if (kb->creator == getpid())
		(void)close(kb->kq);
	free(kb->eventlist);
	free(kb->slot_by_fd);
	free(kb);
}

/* Return array grown (new bytes zeroed) to hold needed items, or NULL. */
static void *
kqueue_backend_grow(void *array, int *capacity, int needed, size_t size)
{
	char	*grown;
	size_t	 wanted = (size_t)*capacity;

	if ((grown = array_grow(array, &wanted, (size_t)needed, size, 64,
	    INT_MAX)) == NULL)
		return NULL;
	memset(grown + size * (size_t)*capacity, 0,
	    size * (wanted - (size_t)*capacity));
	*capacity = (int)wanted;
	return grown;
}

/* Fill changes with the EV_ADD/EV_DELETE for old -> new; return the count. */
static int
kqueue_backend_build_changes(struct kevent *changes, int fd, int old_events,
    int new_events)
{
	struct kevent	*change = changes;

	/*
	 * EV_SET may expand its first argument more than once on older
	 * systems: no side effects in it.  NetBSD before 10 declares udata
	 * as intptr_t: pass 0, not NULL.
	 */
	if ((old_events ^ new_events) & EVENT_READ) {
		EV_SET(change, (uintptr_t)fd, EVFILT_READ, EV_RECEIPT |
		    (new_events & EVENT_READ ? EV_ADD : EV_DELETE), 0, 0, 0);
		change++;
	}
	if ((old_events ^ new_events) & EVENT_WRITE) {
		EV_SET(change, (uintptr_t)fd, EVFILT_WRITE, EV_RECEIPT |
		    (new_events & EVENT_WRITE ? EV_ADD : EV_DELETE), 0, 0, 0);
		change++;
	}
	return (int)(change - changes);
}

/* Map a kevent's filter to EVENT_READ or EVENT_WRITE (0: not ours). */
static int
kqueue_backend_filter_events(const struct kevent *ev)
{
	if (ev->filter == EVFILT_READ)
		return EVENT_READ;
	if (ev->filter == EVFILT_WRITE)
		return EVENT_WRITE;
	return 0;
}

/*
 * Submit changes towards new_events; *kernel_events starts at the old
 * interest and ends at what the kernel holds.  0 or -1 with errno.
 */
static int
kqueue_backend_apply(int kq, const struct kevent *changes, int nchanges,
    int new_events, int *kernel_events)
{
	struct kevent		receipts[2];
	struct timespec		no_wait = { 0, 0 };
	int			i, n, bit, code, error = 0;

	/* Changes are applied even on EINTR; resubmitting is harmless. */
	do
		n = kevent(kq, changes, nchanges, receipts, nchanges, &no_wait);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	for (i = 0; i < n; i++) {
		/* The kernel replaces flags by EV_ERROR: go by the filter. */
		bit = kqueue_backend_filter_events(&receipts[i]);
		if (bit == 0 || (receipts[i].flags & EV_ERROR) == 0)
			continue;
		code = (int)receipts[i].data;
		/* On delete, ENOENT: never added; EBADF: the fd is closed. */
		if (code == 0 || ((new_events & bit) == 0 &&
		    (code == ENOENT || code == EBADF)))
			*kernel_events = (*kernel_events & ~bit) |
			    (new_events & bit);
		else if (error == 0)
			error = code;
	}
	if (error == 0 && *kernel_events != new_events)
		error = EIO;	/* a receipt went missing */
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

/* Change fd's interest; on failure try to leave the kernel at old_events. */
static int
kqueue_backend_modify(void *state, int fd, int old_events, int new_events)
{
	struct kqueue_backend	*kb = state;
	struct kevent		 changes[2];
	struct timespec		 no_wait = { 0, 0 };
	int			*slots;
	int			 n, kernel_events = old_events, saved_errno;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (new_events != 0) {
		if ((slots = kqueue_backend_grow(kb->slot_by_fd,
		    &kb->slot_by_fd_size, fd + 1, sizeof(*slots))) == NULL)
			return -1;
		kb->slot_by_fd = slots;
	}
	n = kqueue_backend_build_changes(changes, fd, old_events, new_events);
	if (n == 0 || kqueue_backend_apply(kb->kq, changes, n, new_events,
	    &kernel_events) == 0)
		return 0;
	/* Half done (say READ deleted, WRITE refused): roll back. */
	saved_errno = errno;
	n = kqueue_backend_build_changes(changes, fd, kernel_events,
	    old_events);
	if (n > 0)
		(void)kevent(kb->kq, changes, n, changes, n, &no_wait);
	errno = saved_errno;
	return -1;
}

/* Convert timeout_usec to a timespec in ts; NULL means wait forever. */
static const struct timespec *
kqueue_backend_timeout(int64_t timeout_usec, struct timespec *ts)
{
	if (timeout_usec < 0)
		return NULL;
	if (timeout_usec > KQUEUE_MAX_WAIT_USEC)
		timeout_usec = KQUEUE_MAX_WAIT_USEC;
	ts->tv_sec = (time_t)(timeout_usec / 1000000);
	ts->tv_nsec = (long)(timeout_usec % 1000000) * 1000;
	return ts;
}

/* Add ev to fired, merging the READ and WRITE filters of one fd. */
static void
kqueue_backend_merge(struct kqueue_backend *kb, const struct kevent *ev,
    struct fired_event *fired, int *nfired)
{
	int	fd, events, slot;

	/*
	 * EV_ERROR: data is an errno, not a byte count; report the filter's
	 * direction so the handler meets the error in read or write.
	 * EV_EOF on EVFILT_READ can arrive while unread data is still
	 * buffered: report readable, the handler reads until read returns 0.
	 * EV_EOF on EVFILT_WRITE means the peer is gone: report writable so
	 * the writer gets EPIPE.  modify sized slot_by_fd for every fd the
	 * kernel can report.
	 */
	if ((events = kqueue_backend_filter_events(ev)) == 0 ||
	    ev->ident >= (uintptr_t)kb->slot_by_fd_size)
		return;
	fd = (int)ev->ident;
	/* A slot left from an earlier poll fails these checks. */
	slot = kb->slot_by_fd[fd];
	if (slot >= 0 && slot < *nfired && fired[slot].fd == fd) {
		fired[slot].events |= events;
		return;
	}
	kb->slot_by_fd[fd] = *nfired;
	fired[*nfired].fd = fd;
	fired[*nfired].events = events;
	(*nfired)++;
}

/* Wait for readiness and fill fired; the count, or -1 with errno. */
static int
kqueue_backend_poll(void *state, struct fired_event *fired, int capacity,
    int64_t timeout_usec)
{
	struct kqueue_backend	*kb = state;
	struct kevent		*eventlist;
	struct timespec		 ts;
	const struct timespec	*timeout;
	int			 i, n, nfired = 0;

	if (capacity <= 0) {
		errno = EINVAL;
		return -1;
	}
	if ((eventlist = kqueue_backend_grow(kb->eventlist,
	    &kb->eventlist_capacity, capacity, sizeof(*eventlist))) == NULL)
		return -1;
	kb->eventlist = eventlist;
	timeout = kqueue_backend_timeout(timeout_usec, &ts);
	n = kevent(kb->kq, NULL, 0, kb->eventlist, capacity, timeout);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		kqueue_backend_merge(kb, &kb->eventlist[i], fired, &nfired);
	return nfired;
}

const struct backend_ops backend_kqueue = {
	"kqueue",
	kqueue_backend_create,
	kqueue_backend_destroy,
	kqueue_backend_modify,
	kqueue_backend_poll,
	0,	/* pending changes may name the fd */
	0	/* any fd */
};

#endif /* HAVE_KQUEUE || TEST_KQUEUE_EMULATION */
