/*
 * sys/event.h: the part of FreeBSD's kqueue(2) interface that pforkd uses,
 * for the test-only user-space emulation in kqueue_emulation.c.  Names,
 * types and values follow FreeBSD 12 and later.  Tests only: never
 * installed, never seen by the daemon's build.
 */
#ifndef KQUEUE_EMULATION_SYS_EVENT_H
#define KQUEUE_EMULATION_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

/* Filters: only the two descriptor filters are emulated. */
#define EVFILT_READ		(-1)
#define EVFILT_WRITE		(-2)

/* Actions, given in flags. */
#define EV_ADD			0x0001	/* add or modify the knote */
#define EV_DELETE		0x0002	/* remove the knote */
#define EV_ENABLE		0x0004	/* let kevent() return it */
#define EV_DISABLE		0x0008	/* keep it, but do not return it */

/* Options, given in flags. */
#define EV_ONESHOT		0x0010	/* delete after the first delivery */
#define EV_CLEAR		0x0020	/* reset state after delivery */
#define EV_RECEIPT		0x0040	/* always return an EV_ERROR entry */
#define EV_DISPATCH		0x0080	/* disable after each delivery */

/* Returned in flags; the kernel strips these from changes. */
#define EV_SYSFLAGS		0xF000
#define EV_ERROR		0x4000	/* data holds an errno (0: success) */
#define EV_EOF			0x8000	/* filter-specific end of file */

struct kevent {
	uintptr_t	 ident;		/* here always a descriptor */
	short		 filter;	/* EVFILT_READ or EVFILT_WRITE */
	unsigned short	 flags;		/* EV_* */
	unsigned int	 fflags;	/* filter flags */
	int64_t		 data;		/* bytes readable, or an errno */
	void		*udata;		/* passed back untouched */
	uint64_t	 ext[4];	/* FreeBSD 12 extensions: unused */
};

/* Fill the kevent at kevp; kevp is evaluated once. */
#define EV_SET(kevp, a_ident, a_filter, a_flags, a_fflags, a_data,	\
    a_udata) do {							\
	struct kevent *ev_set_target = (kevp);				\
									\
	ev_set_target->ident = (a_ident);				\
	ev_set_target->filter = (a_filter);				\
	ev_set_target->flags = (a_flags);				\
	ev_set_target->fflags = (a_fflags);				\
	ev_set_target->data = (a_data);					\
	ev_set_target->udata = (a_udata);				\
	ev_set_target->ext[0] = 0;					\
	ev_set_target->ext[1] = 0;					\
	ev_set_target->ext[2] = 0;					\
	ev_set_target->ext[3] = 0;					\
} while (0)

int	kqueue(void);
int	kevent(int kq, const struct kevent *changelist, int nchanges,
	    struct kevent *eventlist, int nevents,
	    const struct timespec *timeout);

#endif /* KQUEUE_EMULATION_SYS_EVENT_H */
