/*
 * acceptor.c: accept connections from a listening socket and hand them to
 * their service.
 *
 * accept() failing with EMFILE or ENFILE leaves the listener readable, so
 * a level-triggered loop would spin at 100% CPU: the acceptor stops
 * watching the listener for ACCEPT_PAUSE_USEC instead, logs once, and
 * tries again.
 *
 * The service's access rules are checked on the peer's address as soon as
 * the connection is accepted: a refused one is closed before a byte is
 * read and before it counts against any cap, and logged at -v.  A service
 * that takes PROXY headers hands each connection to server/proxy_accept.c
 * first, which checks the rules on the address the header carries.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "server/access_rules.h"
#include "server/acceptor.h"
#include "server/listen_socket.h"
#include "server/proxy_accept.h"
#include "util/descriptor.h"
#include "util/log.h"

#define ACCEPTS_PER_WAKEUP	64
#define ACCEPT_PAUSE_USEC	(100 * 1000)

static void	acceptor_ready(struct dispatcher *, int, int, void *);

/*
 * Accept one connection as a non-blocking, close-on-exec fd; -1 with errno.
 * accept4 (Linux, the BSDs) does it in one call; where it is missing, or
 * an old Linux kernel answers ENOSYS, fall back to accept and fcntl.
 */
static int
accept_nonblocking(int listen_fd, struct sockaddr *peer, socklen_t *length)
{
	int	fd;
#ifdef HAVE_ACCEPT4
	static int	accept4_missing;

	if (!accept4_missing) {
		fd = accept4(listen_fd, peer, length,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1 || errno != ENOSYS)
			return fd;
		accept4_missing = 1;
	}
#endif
	if ((fd = accept(listen_fd, peer, length)) == -1)
		return -1;
	if (descriptor_set_nonblocking(fd) == -1 || descriptor_set_cloexec(fd) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* The pause after running out of descriptors is over: listen again. */
static void
acceptor_resume(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct acceptor	*acceptor = arg;

	(void)timer;
	if (acceptor->quiet)
		return;		/* acceptor_listen() will watch it again */
	if (dispatcher_set_events(d, acceptor->fd, acceptor->events) == -1)
		log_errno(LOG_LEVEL_ERROR, "%s: cannot resume accepting",
		    acceptor->service->name);
}

/* Stop watching the listener for a while after EMFILE/ENFILE. */
static void
acceptor_pause(struct acceptor *acceptor)
{
	if (!acceptor->out_of_descriptors)
		log_errno(LOG_LEVEL_WARNING, "%s: accept paused for %d ms",
		    acceptor->service->name,
		    ACCEPT_PAUSE_USEC / 1000);
	acceptor->out_of_descriptors = 1;
	(void)dispatcher_set_events(acceptor->dispatcher, acceptor->fd, 0);
	(void)dispatcher_timer_start(acceptor->dispatcher,
	    &acceptor->pause_timer, ACCEPT_PAUSE_USEC, 0);
}

/* Whether the access rules admit peer; a refused client is closed. */
int
acceptor_admit(const struct acceptor *acceptor, int client,
    const struct sockaddr *peer, unsigned int length)
{
	char	reason[ACCESS_REASON_MAX];
	char	address[CONNECTION_PEER_MAX];

	if (access_rules_check(acceptor->service->access_rules, peer, reason,
	    sizeof(reason)))
		return 1;
	if (log_verbosity() >= LOG_LEVEL_INFO) {
		format_socket_address(peer, (socklen_t)length, address,
		    sizeof(address));
		log_message(LOG_LEVEL_INFO, "%s: %s refused: %s",
		    acceptor->service->name, address, reason);
	}
	(void)close(client);
	return 0;
}

/* Accept what is queued, up to limit; how many were accepted. */
static int
acceptor_accept_batch(struct acceptor *acceptor, int fd, int limit)
{
	struct sockaddr_storage	 peer;
	socklen_t		 length;
	int			 client, i, accepted = 0;

	for (i = 0; i < limit; i++) {
		length = sizeof(peer);
		client = accept_nonblocking(fd, (struct sockaddr *)&peer,
		    &length);
		if (client == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				acceptor_pause(acceptor);
				return accepted;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return accepted;
			default:
				log_errno(LOG_LEVEL_WARNING, "%s: accept",
				    acceptor->service->name);
				return accepted;
			}
		}
		accepted++;
		acceptor->out_of_descriptors = 0;
		if (acceptor->service->proxy_protocol)
			proxy_accept_begin(acceptor, client,
			    (struct sockaddr *)&peer, length);
		else
			acceptor_deliver(acceptor, client,
			    (struct sockaddr *)&peer, length, NULL, 0);
	}
	return accepted;
}

/*
 * The listener is readable: accept a batch of the size before_batch
 * allows, then tell after_batch.
 */
static void
acceptor_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct acceptor	*acceptor = arg;
	int		 accepted, limit = ACCEPTS_PER_WAKEUP;

	(void)d;
	(void)events;
	if (acceptor->before_batch != NULL && (limit = acceptor->before_batch(
	    acceptor, acceptor->batch_arg)) > ACCEPTS_PER_WAKEUP)
		limit = ACCEPTS_PER_WAKEUP;
	if (limit <= 0)
		return;
	accepted = acceptor_accept_batch(acceptor, fd, limit);
	if (acceptor->after_batch != NULL)
		acceptor->after_batch(acceptor, accepted, acceptor->batch_arg);
}

/* Check the access rules on peer, then hand the connection over. */
void
acceptor_deliver(struct acceptor *acceptor, int fd,
    const struct sockaddr *peer, unsigned int peer_length,
    const struct sockaddr *local, unsigned int local_length)
{
	if (!acceptor_admit(acceptor, fd, peer, peer_length))
		return;
	if (acceptor->accepted != NULL)
		acceptor->accepted(acceptor, fd, peer, peer_length, local,
		    local_length);
	else
		(void)connection_start(acceptor->dispatcher,
		    acceptor->service, fd, peer, (socklen_t)peer_length);
}

/* Start accepting on listen_fd for service, watching it for events. */
static int
acceptor_start_events(struct acceptor *acceptor, struct dispatcher *d,
    const struct service *service, int listen_fd, int events)
{
	/*
	 * A wait service's child may have made the socket blocking (the flag
	 * belongs to the open file), and a reload can hand it to another
	 * service: accepting until EAGAIN on a blocking listener would hang.
	 */
	if (descriptor_set_nonblocking(listen_fd) == -1)
		return -1;
	acceptor->events = events;
	acceptor->dispatcher = d;
	acceptor->service = service;
	acceptor->fd = listen_fd;
	acceptor->out_of_descriptors = 0;
	acceptor->quiet = 0;
	acceptor->before_batch = NULL;
	acceptor->after_batch = NULL;
	acceptor->batch_arg = NULL;
	acceptor->accepted = NULL;
	acceptor->context = NULL;
	timer_init(&acceptor->pause_timer, acceptor_resume, acceptor);
	return dispatcher_watch(d, listen_fd, events, acceptor_ready,
	    acceptor);
}

/* Start accepting on listen_fd for service. */
int
acceptor_start(struct acceptor *acceptor, struct dispatcher *d,
    const struct service *service, int listen_fd)
{
	return acceptor_start_events(acceptor, d, service, listen_fd,
	    EVENT_READ);
}

/*
 * Start accepting on a listener other processes wait on too, asking the
 * backend to wake only one of them per connection (accept-balance
 * exclusive; only epoll can).
 */
int
acceptor_start_exclusive(struct acceptor *acceptor, struct dispatcher *d,
    const struct service *service, int listen_fd)
{
	return acceptor_start_events(acceptor, d, service, listen_fd,
	    EVENT_READ | EVENT_EXCLUSIVE);
}

/* Stop accepting; the listening socket stays open. */
void
acceptor_stop(struct acceptor *acceptor)
{
	dispatcher_timer_stop(acceptor->dispatcher, &acceptor->pause_timer);
	(void)dispatcher_unwatch(acceptor->dispatcher, acceptor->fd);
	proxy_accept_abandon(acceptor);
}

/*
 * Watch the listener (on) or keep it registered but quiet (accept-balance
 * mutex: only the token's holder watches); 0 or -1 with errno.  A pause
 * after running out of descriptors still ends before it is watched again.
 */
int
acceptor_listen(struct acceptor *acceptor, int on)
{
	acceptor->quiet = !on;
	if (on && timer_is_pending(&acceptor->pause_timer))
		return 0;
	return dispatcher_set_events(acceptor->dispatcher, acceptor->fd,
	    on ? acceptor->events : 0);
}
