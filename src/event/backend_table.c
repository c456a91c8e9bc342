/*
 * backend_table.c: the backends compiled into this build, best first.
 *
 * configure decides which exist; the order is the run-time preference
 * when the operator names none (libevent's idea, at Redis's size).
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event/backend.h"
#include "event/dispatcher.h"

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

/* The names of the compiled backends, best first, separated by spaces. */
const char *
dispatcher_backend_names(void)
{
	static char			 names[64];
	const struct backend_ops *const	*backend;

	if (names[0] != '\0')
		return names;
	for (backend = compiled_backends; *backend != NULL; backend++) {
		if (backend != compiled_backends)
			(void)strncat(names, " ", sizeof(names) -
			    strlen(names) - 1);
		(void)strncat(names, (*backend)->name, sizeof(names) -
		    strlen(names) - 1);
	}
	return names;
}

/* Round a wait in microseconds up to milliseconds (-1: forever). */
int
backend_timeout_msec(int64_t timeout_usec)
{
	int64_t	 msec;

	if (timeout_usec < 0)
		return -1;
	msec = timeout_usec / 1000 + (timeout_usec % 1000 != 0);
	return msec > INT_MAX ? INT_MAX : (int)msec;
}
