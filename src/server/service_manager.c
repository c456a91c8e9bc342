/*
 * service_manager.c: the sending side of systemd's notification protocol,
 * written against its documentation: each message is one datagram of
 * newline-separated VARIABLE=value lines, sent to the AF_UNIX datagram
 * socket named in NOTIFY_SOCKET (a path, or "@name" for Linux's abstract
 * namespace).  WATCHDOG_USEC asks for "WATCHDOG=1" more often than that;
 * WATCHDOG_PID, when given, says which process is meant.
 *
 * The variables are read once and removed from the environment, so that
 * no worker or program started later believes it should notify.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/service_manager.h"
#include "util/descriptor.h"
#include "util/log.h"

#define NOTIFY_MESSAGE_MAX	512

static struct {
	int			fd;		/* -1: no service manager */
	struct sockaddr_un	address;
	socklen_t		address_length;
	uint64_t		watchdog_usec;	/* 0: no watchdog */
} manager = { -1, { 0 }, 0, 0 };

/* Parse an unsigned decimal variable; 0 when unset or malformed. */
static unsigned long long
environment_number(const char *name)
{
	const char		*text = getenv(name);
	unsigned long long	 value;
	char			*end;

	if (text == NULL || *text < '0' || *text > '9')
		return 0;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return value;
}

/* Fill manager.address from NOTIFY_SOCKET's text; 0 or -1. */
static int
parse_socket_name(const char *name)
{
	size_t	length = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || length < 2 ||
	    length >= sizeof(manager.address.sun_path))
		return -1;
	memset(&manager.address, 0, sizeof(manager.address));
	manager.address.sun_family = AF_UNIX;
	(void)memcpy(manager.address.sun_path, name, length);
	/*
	 * Linux: a sun_path starting with a NUL byte names a socket in the
	 * abstract namespace; its length, not a terminator, ends the name.
	 */
	if (name[0] == '@')
		manager.address.sun_path[0] = '\0';
	manager.address_length = (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + length + (name[0] == '/' ? 1 : 0));
	return 0;
}

/* Read the watchdog variables: WATCHDOG_USEC, for us if WATCHDOG_PID is. */
static void
read_watchdog(void)
{
	unsigned long long	pid = environment_number("WATCHDOG_PID");

	manager.watchdog_usec = environment_number("WATCHDOG_USEC");
	if (getenv("WATCHDOG_PID") != NULL && pid != (unsigned long long)
	    getpid())
		manager.watchdog_usec = 0;
}

/*
 * Read and remove NOTIFY_SOCKET and the watchdog variables, and make the
 * socket to send on.  0, or -1 (after a message on stderr) when
 * NOTIFY_SOCKET is set but unusable; pforkd then runs without notifying.
 */
int
service_manager_open(void)
{
	const char	*name = getenv("NOTIFY_SOCKET");
	int		 status = 0;

	if (name != NULL) {
		if (parse_socket_name(name) == -1) {
			(void)fprintf(stderr, "pforkd: NOTIFY_SOCKET '%s' is "
			    "neither an absolute path nor @name: ignored\n",
			    name);
			status = -1;
		} else if ((manager.fd = socket(AF_UNIX, SOCK_DGRAM, 0)) ==
		    -1 || descriptor_set_cloexec(manager.fd) == -1) {
			(void)fprintf(stderr, "pforkd: cannot notify the "
			    "service manager: %s\n", strerror(errno));
			service_manager_forget();
			status = -1;
		} else
			read_watchdog();
	}
	(void)unsetenv("NOTIFY_SOCKET");
	(void)unsetenv("WATCHDOG_USEC");
	(void)unsetenv("WATCHDOG_PID");
	return status;
}

/* Whether a service manager listens. */
int
service_manager_active(void)
{
	return manager.fd != -1;
}

/* How often to send WATCHDOG=1 (half the manager's limit), or 0. */
uint64_t
service_manager_watchdog_interval(void)
{
	return manager.fd == -1 ? 0 : manager.watchdog_usec / 2;
}

/* Send one message, VARIABLE=value lines; failures are only logged. */
void
service_manager_notify(const char *format, ...)
{
	char	message[NOTIFY_MESSAGE_MAX];
	va_list	arguments;
	int	length;

	if (manager.fd == -1)
		return;
	va_start(arguments, format);
	length = vsnprintf(message, sizeof(message), format, arguments);
	va_end(arguments);
	if (length < 0)
		return;
	if ((size_t)length >= sizeof(message))
		length = (int)sizeof(message) - 1;
	if (sendto(manager.fd, message, (size_t)length, 0,
	    (struct sockaddr *)&manager.address, manager.address_length) == -1)
		log_errno(LOG_LEVEL_WARNING, "cannot notify the service "
		    "manager");
}

/* Say a reload begins, stamped with CLOCK_MONOTONIC as systemd asks. */
void
service_manager_reloading(void)
{
	struct timespec	now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return;
	service_manager_notify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)now.tv_sec * 1000000ULL +
	    (unsigned long long)now.tv_nsec / 1000ULL);
}

/* Drop the socket: in a worker, which must never notify. */
void
service_manager_forget(void)
{
	if (manager.fd != -1)
		(void)close(manager.fd);
	manager.fd = -1;
}
