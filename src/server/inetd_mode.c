/*
 * inetd_mode.c: serve the one connection on the standard input, as
 * inetd(8), tcpserver, s6 or a systemd unit with Accept=yes hand it over,
 * with the configuration's one service, then return.
 *
 * The socket is moved off descriptors 0 and 1, which then point at
 * /dev/null: when the protocol closes the connection, the peer sees the
 * end at once, not when the process exits.  There are no workers and no
 * master: the process serves with its own dispatcher, as a worker would.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "server/access_rules.h"
#include "server/inetd_mode.h"
#include "util/descriptor.h"
#include "util/log.h"

/* SIGTERM, SIGINT: close the connection and return. */
static void
inetd_signal(struct dispatcher *d, int signal_number, void *arg)
{
	(void)signal_number;
	(void)arg;
	dispatcher_stop(d);
}

/*
 * Admit the one connection if the service's access rules let its peer
 * in: there is nothing to count, there are no caps here.
 */
static int
inetd_admit(void *context, const struct service *service,
    const struct sockaddr *peer, void *record, const char **refusal)
{
	static char	reason[ACCESS_REASON_MAX];

	(void)context;
	(void)record;
	if (access_rules_check(service->access_rules, peer, reason,
	    sizeof(reason)))
		return 0;
	*refusal = reason;
	return -1;
}

/* The connection has ended, whoever ended it: the process is done. */
static void
inetd_leave(void *context, void *record)
{
	(void)record;
	dispatcher_stop(context);
}

/* Move the connection off fds 0 and 1; the new fd, or -1 with errno. */
static int
take_standard_input(void)
{
	int	fd, null_fd;

	if ((fd = fcntl(STDIN_FILENO, F_DUPFD, 3)) == -1)
		return -1;
	if (descriptor_set_cloexec(fd) == -1 ||
	    descriptor_set_nonblocking(fd) == -1 ||
	    (null_fd = open("/dev/null", O_RDWR)) == -1)
		goto fail;
	/* stderr stays: it is the log with -d, or whatever the caller set. */
	if (dup2(null_fd, STDIN_FILENO) == -1 ||
	    dup2(null_fd, STDOUT_FILENO) == -1) {
		(void)close(null_fd);
		goto fail;
	}
	if (null_fd > STDERR_FILENO)
		(void)close(null_fd);
	return fd;
fail:
	(void)close(fd);
	return -1;
}

/*
 * Say what chat is worth without a cache file shared between instances:
 * each -i process maps a room of its own.  The spec tells whether it set
 * one (the server reads no protocol's private options).
 */
static void
warn_lonely_chat(const struct service *service, const char *spec)
{
	if (strcmp(service->protocol->name, "chat") != 0 ||
	    strstr(spec, ",cache-file=") != NULL)
		return;
	log_message(LOG_LEVEL_WARNING, "chat under -i without cache-file: "
	    "every connection sees an empty room of its own; give a "
	    "cache-file to share messages between connections");
}

/* Serve the connection on fd 0 with the one service; the exit status. */
int
inetd_mode_run(struct configuration *configuration, const char *spec)
{
	const struct service	*service = &configuration->services[0];
	struct sockaddr_storage	 peer;
	struct connection_admission	 gate;
	struct dispatcher	*dispatcher;
	socklen_t		 length = sizeof(peer);
	int			 fd, status = 0;

	memset(&peer, 0, sizeof(peer));
	if (getpeername(STDIN_FILENO, (struct sockaddr *)&peer,
	    &length) == -1) {
		log_errno(LOG_LEVEL_ERROR, "-i: the standard input is no "
		    "connected socket");
		return 1;
	}
	warn_lonely_chat(service, spec);
	if ((fd = take_standard_input()) == -1) {
		log_errno(LOG_LEVEL_ERROR, "-i: cannot serve");
		return 1;
	}
	if ((dispatcher = dispatcher_create(configuration->backend[0] ?
	    configuration->backend : NULL)) == NULL) {
		log_errno(LOG_LEVEL_ERROR, "-i: cannot serve");
		(void)close(fd);
		return 1;
	}
	/* One connection has a budget too, as a worker would give it. */
	output_budget_setup(dispatcher,
	    (uint64_t)configuration->output_budget_mib << 20);
	/* The admission seam tells when the connection ends: no polling. */
	memset(&gate, 0, sizeof(gate));
	gate.admit = inetd_admit;
	gate.leave = inetd_leave;
	gate.context = dispatcher;
	connection_use_admission(&gate);
	if (dispatcher_signal(dispatcher, SIGTERM, inetd_signal, NULL) == -1 ||
	    dispatcher_signal(dispatcher, SIGINT, inetd_signal, NULL) == -1) {
		log_errno(LOG_LEVEL_ERROR, "-i: cannot serve");
		(void)close(fd);
		dispatcher_free(dispatcher);
		return 1;
	}
	/* connection_start() closes fd itself when it refuses it. */
	if (connection_start(dispatcher, service, fd, (struct sockaddr *)&peer,
	    length) == -1)
		status = 1;
	else if (dispatcher_run(dispatcher) == -1) {
		log_errno(LOG_LEVEL_ERROR, "-i: event loop failed");
		status = 1;
	}
	connection_finish_all("stopping");
	connection_use_admission(NULL);
	dispatcher_free(dispatcher);
	return status;
}
