/*
 * backend_table.c: the backends compiled into this build, best first.
 *
 * configure decides which exist; the order is the run-time preference
 * when the operator names none (libevent's idea, at Redis's size).
 */
#include "config.h"

#include <stddef.h>

#include "backend.h"
#include "dispatcher.h"

static const struct backend_ops *const compiled_backends[] = {
#ifdef HAVE_EPOLL
	&backend_epoll,
#endif
#ifdef HAVE_KQUEUE
	&backend_kqueue,
#endif
	&backend_poll,
	&backend_select,
	NULL
};

/* The NULL-terminated list of compiled backends, best first. */
const struct backend_ops *const *
dispatcher_backends(void)
{
	return compiled_backends;
}
