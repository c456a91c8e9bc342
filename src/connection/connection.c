/*
 * connection.c: the life of one client connection, protocol-independent.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/output_budget.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "util/log.h"

/*
 * Linux and FreeBSD suppress SIGPIPE per call with MSG_NOSIGNAL; macOS has
 * only the SO_NOSIGPIPE socket option.  SIGPIPE is ignored process-wide too.
 */
#if HAVE_DECL_MSG_NOSIGNAL
#define SEND_FLAGS	MSG_NOSIGNAL
#else
#define SEND_FLAGS	0
#endif

static struct connection	*connection_list;
static size_t			 connection_total;

int	service_check_only;

/* How this worker counts its connections; NULL in a lone process. */
static const struct connection_admission	*admission;

/* Count every new connection in and out through gate (NULL: none). */
void
connection_use_admission(const struct connection_admission *gate)
{
	admission = gate;
}

/* Write "ADDR:PORT" or "[ADDR]:PORT" for a socket address into text. */
void
format_socket_address(const struct sockaddr *address, socklen_t length,
    char *text, size_t text_size)
{
	char	host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(address, length, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		(void)snprintf(text, text_size, "unknown");
		return;
	}
	(void)snprintf(text, text_size, address->sa_family == AF_INET6 ?
	    "[%s]:%s" : "%s:%s", host, port);
}

/*
 * Microseconds until the connection's idle timeout, send timeout or
 * lifetime ends (the earliest), 0 when one has ended, UINT64_MAX when
 * none applies.
 */
static uint64_t
connection_time_left(struct connection *connection, uint64_t now,
    const char **reason)
{
	const struct service	*service = connection->service;
	uint64_t		 left = UINT64_MAX, elapsed;

	if (service->idle_timeout_usec != 0) {
		elapsed = now - connection->last_activity_usec;
		left = elapsed >= service->idle_timeout_usec ? 0 :
		    service->idle_timeout_usec - elapsed;
		*reason = "idle timeout";
	}
	if (connection->stalled && service->send_timeout_usec != 0) {
		elapsed = now - connection->stalled_usec;
		if (elapsed >= service->send_timeout_usec) {
			*reason = "send timeout";
			return 0;
		}
		if (service->send_timeout_usec - elapsed < left) {
			left = service->send_timeout_usec - elapsed;
			*reason = "send timeout";
		}
	}
	if (service->lifetime_usec != 0) {
		elapsed = now - connection->started_usec;
		if (elapsed >= service->lifetime_usec) {
			*reason = "lifetime reached";
			return 0;
		}
		if (service->lifetime_usec - elapsed < left)
			left = service->lifetime_usec - elapsed;
	}
	return left;
}

/*
 * The deadline timer fired: close if idle or too old, else re-arm.  Lazy:
 * activity only records a time, so a busy connection costs one timer
 * operation per timeout period, not one per read.
 */
static void
connection_deadline(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct connection	*connection = arg;
	const char		*reason = "timeout";
	uint64_t		 left;

	(void)timer;
	left = connection_time_left(connection, dispatcher_now(d), &reason);
	if (left == 0) {
		connection_finish(connection, reason);
		return;
	}
	/* None applies (only a stall, now over): the next stall arms it. */
	if (left != UINT64_MAX)
		(void)dispatcher_timer_start(d, &connection->idle_timer, left,
		    0);
}

/* Note activity, which postpones the idle timeout. */
void
connection_touch(struct connection *connection)
{
	connection->last_activity_usec = dispatcher_now(connection->dispatcher);
}

/* Suppress SIGPIPE on fd where the OS can only do it per socket. */
static void
suppress_sigpipe(int fd)
{
#if HAVE_DECL_SO_NOSIGPIPE
	int	on = 1;

	/* macOS: no MSG_NOSIGNAL, so set SO_NOSIGPIPE on each socket. */
	(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof(on));
#else
	(void)fd;
#endif
}

/* Take over an accepted, non-blocking fd and start its protocol. */
int
connection_start(struct dispatcher *d, const struct service *service, int fd,
    const struct sockaddr *peer, socklen_t peer_length)
{
	struct connection	*connection;
	const char		*reason = NULL;
	uint64_t		 left;

	/* One allocation: the connection, then the server's record. */
	if ((connection = calloc(1, sizeof(*connection) + (admission != NULL ?
	    admission->record_size : 0))) == NULL) {
		log_errno(LOG_LEVEL_WARNING, "%s: connection refused",
		    service->name);
		(void)close(fd);
		return -1;
	}
	if (admission != NULL) {
		if (admission->admit(admission->context, service, peer,
		    connection + 1, &reason) == -1) {
			format_socket_address(peer, peer_length,
			    connection->peer, sizeof(connection->peer));
			log_message(LOG_LEVEL_INFO, "%s: %s refused: %s",
			    service->name, connection->peer, reason);
			free(connection);
			(void)close(fd);
			return -1;
		}
		connection->admission = connection + 1;
	}
	connection->dispatcher = d;
	connection->service = service;
	connection->fd = fd;
	connection->started_usec = dispatcher_now(d);
	connection->last_activity_usec = connection->started_usec;
	/* Only -v logs the peer: getnameinfo(3) is not free on every accept. */
	if (log_verbosity() >= LOG_LEVEL_INFO)
		format_socket_address(peer, peer_length, connection->peer,
		    sizeof(connection->peer));
	suppress_sigpipe(fd);
	timer_init(&connection->idle_timer, connection_deadline, connection);
	connection->next = connection_list;
	if (connection_list != NULL)
		connection_list->previous = connection;
	connection_list = connection;
	connection_total++;
	left = connection_time_left(connection, connection->started_usec,
	    &reason);
	if (left != UINT64_MAX && dispatcher_timer_start(d,
	    &connection->idle_timer, left, 0) == -1) {
		connection_finish(connection, strerror(errno));
		return -1;
	}
	if (service->protocol->open(connection) == -1) {
		connection_finish(connection, errno != 0 ? strerror(errno) :
		    "protocol refused");
		return -1;
	}
	return 0;
}

/* End a connection: log it, release the protocol, close the fd. */
void
connection_finish(struct connection *connection, const char *reason)
{
	uint64_t	duration;

	duration = dispatcher_now(connection->dispatcher) -
	    connection->started_usec;
	log_message(LOG_LEVEL_INFO, "%s: %s closed after %llu.%03llus, "
	    "%llu bytes in, %llu bytes out: %s",
	    connection->service->name, connection->peer,
	    (unsigned long long)(duration / 1000000),
	    (unsigned long long)(duration / 1000 % 1000),
	    (unsigned long long)connection->bytes_in,
	    (unsigned long long)connection->bytes_out, reason);
	connection->service->protocol->release(connection);
	output_budget_forget(connection);
	dispatcher_timer_stop(connection->dispatcher, &connection->idle_timer);
	(void)dispatcher_close_private(connection->dispatcher,
	    connection->fd);
	if (connection->admission != NULL)
		admission->leave(admission->context, connection->admission);
	if (connection->previous != NULL)
		connection->previous->next = connection->next;
	else
		connection_list = connection->next;
	if (connection->next != NULL)
		connection->next->previous = connection->previous;
	connection_total--;
	free(connection);
}

/* End every connection of this process, for a fast stop. */
void
connection_finish_all(const char *reason)
{
	while (connection_list != NULL)
		connection_finish(connection_list, reason);
}

/* The number of open connections in this process. */
size_t
connection_count(void)
{
	return connection_total;
}

/* read(2) that counts bytes and notes activity. */
ssize_t
connection_read(struct connection *connection, void *buffer, size_t size)
{
	ssize_t	count;

	do
		count = read(connection->fd, buffer, size);
	while (count == -1 && errno == EINTR);
	if (count > 0) {
		connection->bytes_in += (uint64_t)count;
		connection_touch(connection);
	}
	return count;
}

/*
 * A stall has begun: make sure the deadline timer looks at it no later
 * than the send timeout.  Lazy again: a timer due earlier is left alone.
 */
static void
connection_stall_begins(struct connection *connection)
{
	struct dispatcher	*d = connection->dispatcher;
	uint64_t		 limit = connection->service->send_timeout_usec;

	if (limit == 0 || (timer_is_pending(&connection->idle_timer) &&
	    timer_deadline(&connection->idle_timer) <= dispatcher_now(d) +
	    limit))
		return;
	/* Without a timer the stall goes unwatched; the idle timeout stays. */
	(void)dispatcher_timer_start(d, &connection->idle_timer, limit, 0);
}

/*
 * Account for a write of size bytes that returned count: bytes out and
 * activity, and the stall the send timeout measures.  Any byte the kernel
 * takes is progress; a write it takes whole ends the stall.
 */
static void
connection_wrote(struct connection *connection, size_t size, ssize_t count)
{
	int	saved_errno = errno;

	if (count == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		return;		/* the connection is broken: no stall */
	if (count > 0) {
		connection->bytes_out += (uint64_t)count;
		connection_touch(connection);
	}
	if (count >= 0 && (size_t)count == size) {
		connection->stalled = 0;
		return;
	}
	if (count > 0 || !connection->stalled)
		connection->stalled_usec =
		    dispatcher_now(connection->dispatcher);
	if (!connection->stalled) {
		connection->stalled = 1;
		connection_stall_begins(connection);
	}
	errno = saved_errno;	/* the caller looks for EAGAIN */
}

/* send(2) that never raises SIGPIPE, counts bytes and notes activity. */
ssize_t
connection_write(struct connection *connection, const void *buffer,
    size_t size)
{
	ssize_t	count;

	do
		count = send(connection->fd, buffer, size, SEND_FLAGS);
	while (count == -1 && errno == EINTR);
	connection_wrote(connection, size, count);
	return count;
}

/* connection_write() of several pieces at once, with sendmsg(2). */
ssize_t
connection_write_vector(struct connection *connection,
    const struct iovec *pieces, int count)
{
	struct msghdr	message;
	ssize_t		sent;
	size_t		size = 0;
	int		i;

	for (i = 0; i < count; i++)
		size += pieces[i].iov_len;
	memset(&message, 0, sizeof(message));
	message.msg_iov = (struct iovec *)(uintptr_t)pieces;
	message.msg_iovlen = count;
	do
		sent = sendmsg(connection->fd, &message, SEND_FLAGS);
	while (sent == -1 && errno == EINTR);
	connection_wrote(connection, size, sent);
	return sent;
}

/*
 * The connection that has waited longest for its peer to take what it
 * holds to send (stalled, with output queued), or NULL: the first to go
 * when the output budget is spent.
 */
struct connection *
connection_longest_stalled(void)
{
	struct connection	*connection, *found = NULL;

	for (connection = connection_list; connection != NULL;
	    connection = connection->next)
		if (connection->stalled && connection->output_queued > 0 &&
		    (found == NULL ||
		    connection->stalled_usec < found->stalled_usec))
			found = connection;
	return found;
}
