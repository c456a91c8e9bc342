/*
 * proxy_accept.c: read the PROXY header of a connection before its
 * service gets it (see proxy_accept.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/proxy_header.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "server/acceptor.h"
#include "server/access_rules.h"
#include "server/proxy_accept.h"
#include "util/log.h"

/* One connection whose header (or first bytes) is awaited. */
struct pending {
	struct pending		*next, *previous;
	struct acceptor		*acceptor;
	int			 fd;
	int			 trusted;	/* its peer is in proxy-from */
	struct sockaddr_storage	 peer;		/* the socket's peer */
	socklen_t		 peer_length;
	struct timer		 timer;		/* header timeout, or sniff */
	size_t			 have;		/* header bytes consumed */
	unsigned char		 bytes[PROXY_HEADER_MAX];
};

static struct pending	*pending_list;
static size_t		 pending_count;
/*
 * Untrusted peers waited on for their first bytes, counted apart and
 * capped at half the pending slots: connections from anywhere that send
 * nothing must never fill the slots the balancer's headers need.
 */
static size_t		 sniff_count;

/* Forget pending; close its fd (close 1) or only stop watching it. */
static void
pending_end(struct pending *pending, int close_fd)
{
	struct dispatcher	*d = pending->acceptor->dispatcher;

	dispatcher_timer_stop(d, &pending->timer);
	if (close_fd)
		(void)dispatcher_close(d, pending->fd);
	else
		(void)dispatcher_unwatch(d, pending->fd);
	if (pending->previous != NULL)
		pending->previous->next = pending->next;
	else
		pending_list = pending->next;
	if (pending->next != NULL)
		pending->next->previous = pending->previous;
	pending_count--;
	if (!pending->trusted)
		sniff_count--;
	free(pending);
}

/* Log "SERVICE: PEER refused: REASON" at -v. */
static void
log_refusal(const struct acceptor *acceptor, const struct sockaddr *peer,
    socklen_t length, const char *reason)
{
	char	address[CONNECTION_PEER_MAX];

	if (log_verbosity() < LOG_LEVEL_INFO)
		return;
	format_socket_address(peer, length, address, sizeof(address));
	log_message(LOG_LEVEL_INFO, "%s: %s refused: %s",
	    acceptor->service->name, address, reason);
}

/* Close a pending connection, saying why at -v. */
static void
pending_refuse(struct pending *pending, const char *reason)
{
	log_refusal(pending->acceptor, (struct sockaddr *)&pending->peer,
	    pending->peer_length, reason);
	pending_end(pending, 1);
}

/*
 * Hand the connection over: as from the header's source when one carried
 * addresses, else as from the socket's own peer.
 */
static void
pending_deliver(struct pending *pending, const struct proxy_header *header)
{
	struct acceptor		*acceptor = pending->acceptor;
	struct sockaddr_storage	 peer = pending->peer;
	socklen_t		 peer_length = pending->peer_length;
	int			 fd = pending->fd;
	char			 real[CONNECTION_PEER_MAX];
	char			 client[CONNECTION_PEER_MAX];

	pending_end(pending, 0);
	if (header == NULL || !header->carried) {
		acceptor_deliver(acceptor, fd, (struct sockaddr *)&peer,
		    (unsigned int)peer_length, NULL, 0);
		return;
	}
	if (log_verbosity() >= LOG_LEVEL_DEBUG) {
		format_socket_address((struct sockaddr *)&peer, peer_length,
		    real, sizeof(real));
		format_socket_address((const struct sockaddr *)&header->source,
		    header->source_length, client, sizeof(client));
		log_message(LOG_LEVEL_DEBUG, "%s: %s is %s (PROXY v%d)",
		    acceptor->service->name, real, client, header->version);
	}
	acceptor_deliver(acceptor, fd,
	    (const struct sockaddr *)&header->source,
	    (unsigned int)header->source_length,
	    (const struct sockaddr *)&header->destination,
	    (unsigned int)header->destination_length);
}

/* recv(2) without EINTR; flags as recv's. */
static ssize_t
receive(int fd, void *buffer, size_t size, int flags)
{
	ssize_t	count;

	do
		count = recv(fd, buffer, size, flags);
	while (count == -1 && errno == EINTR);
	return count;
}

/*
 * Consume count bytes already peeked at into the buffer's end; 0, or -1
 * after refusing the connection.
 */
static int
pending_consume(struct pending *pending, size_t count)
{
	if (receive(pending->fd, pending->bytes + pending->have, count, 0) !=
	    (ssize_t)count) {
		pending_refuse(pending, "cannot read the PROXY header");
		return -1;
	}
	pending->have += count;
	return 0;
}

/* A trusted peer's socket is readable: go on with its header. */
static void
header_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct pending		*pending = arg;
	struct proxy_header	 header;
	char			 reason[160];
	ssize_t			 count;

	(void)d;
	(void)events;
	count = receive(fd, pending->bytes + pending->have,
	    sizeof(pending->bytes) - pending->have, MSG_PEEK);
	if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (count <= 0) {
		pending_refuse(pending, count == 0 ? (pending->have == 0 ?
		    "closed without a PROXY header" : "closed inside the "
		    "PROXY header") : strerror(errno));
		return;
	}
	switch (proxy_header_parse(pending->bytes,
	    pending->have + (size_t)count, &header)) {
	case PROXY_PARSE_INVALID:
		(void)snprintf(reason, sizeof(reason), "bad PROXY header: %s",
		    header.reason);
		pending_refuse(pending, reason);
		return;
	case PROXY_PARSE_MORE:
		(void)pending_consume(pending, (size_t)count);
		return;
	case PROXY_PARSE_DONE:
		if (pending_consume(pending, header.length - pending->have) ==
		    0)
			pending_deliver(pending, &header);
		return;
	}
}

/* A trusted peer's header did not come in time. */
static void
header_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct pending	*pending = arg;

	(void)d;
	(void)timer;
	pending_refuse(pending, pending->have == 0 ? "no PROXY header in "
	    "time" : "PROXY header timeout");
}

/*
 * Look at an untrusted peer's first bytes: refuse a PROXY signature,
 * serve anything else, and, when at_end (the sniff time is over), serve
 * a peer that sent nothing; 1 when decided, 0 to wait, -1 to wait after
 * the start of a signature.
 */
static int
sniff_decide(struct pending *pending, int at_end)
{
	unsigned char	first[PROXY_SIGNATURE_MAX];
	ssize_t		count;
	int		signature;

	count = receive(pending->fd, first, sizeof(first), MSG_PEEK);
	if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		count = 0;
	else if (count <= 0) {
		pending_deliver(pending, NULL);	/* the protocol sees it */
		return 1;
	}
	signature = proxy_header_signature(first, (size_t)count);
	if (signature == 1 || (signature == -1 && count > 0 && at_end)) {
		pending_refuse(pending, "PROXY header from outside "
		    "proxy-from");
		return 1;
	}
	if (signature == 0 || at_end) {
		pending_deliver(pending, NULL);
		return 1;
	}
	return count > 0 ? -1 : 0;
}

/* An untrusted peer's socket is readable. */
static void
sniff_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct pending	*pending = arg;

	(void)events;
	/* The start of a signature: wait for the rest until the sniff ends. */
	if (sniff_decide(pending, 0) == -1)
		(void)dispatcher_set_events(d, fd, 0);
}

/* An untrusted peer's sniff time is over: decide on what came. */
static void
sniff_timeout(struct dispatcher *d, struct timer *timer, void *arg)
{
	(void)d;
	(void)timer;
	(void)sniff_decide(arg, 1);
}

/* Wait for a header, or an untrusted peer's first bytes. */
void
proxy_accept_begin(struct acceptor *acceptor, int fd,
    const struct sockaddr *peer, unsigned int peer_length)
{
	const struct service	*service = acceptor->service;
	struct pending		*pending;
	uint64_t		 wait;
	int			 trusted;

	trusted = service->proxy_from != NULL &&
	    access_rules_permit(service->proxy_from, peer);
	/* A denied direct peer takes no pending slot. */
	if (!trusted && !acceptor_admit(acceptor, fd, peer, peer_length))
		return;
	if (pending_count >= PROXY_PENDING_MAX ||
	    (!trusted && sniff_count >= PROXY_PENDING_MAX / 2)) {
		log_refusal(acceptor, peer, (socklen_t)peer_length,
		    "too many PROXY headers pending");
		(void)close(fd);
		return;
	}
	if ((pending = calloc(1, sizeof(*pending))) == NULL) {
		log_errno(LOG_LEVEL_WARNING, "%s: connection refused",
		    service->name);
		(void)close(fd);
		return;
	}
	pending->acceptor = acceptor;
	pending->fd = fd;
	pending->trusted = trusted;
	if (peer_length > sizeof(pending->peer))
		peer_length = sizeof(pending->peer);
	memcpy(&pending->peer, peer, peer_length);
	pending->peer_length = (socklen_t)peer_length;
	wait = PROXY_SNIFF_USEC;
	if (trusted) {
		wait = PROXY_HEADER_TIMEOUT_USEC;
		if (service->idle_timeout_usec != 0 &&
		    service->idle_timeout_usec < wait)
			wait = service->idle_timeout_usec;
	}
	timer_init(&pending->timer, trusted ? header_timeout : sniff_timeout,
	    pending);
	if (dispatcher_watch(acceptor->dispatcher, fd, EVENT_READ,
	    trusted ? header_ready : sniff_ready, pending) == -1) {
		log_errno(LOG_LEVEL_WARNING, "%s: connection refused",
		    service->name);
		(void)close(fd);
		free(pending);
		return;
	}
	pending->next = pending_list;
	if (pending_list != NULL)
		pending_list->previous = pending;
	pending_list = pending;
	pending_count++;
	if (!trusted)
		sniff_count++;
	if (dispatcher_timer_start(acceptor->dispatcher, &pending->timer,
	    wait, 0) == -1)
		pending_refuse(pending, strerror(errno));
}

/* Close what is pending for acceptor. */
void
proxy_accept_abandon(struct acceptor *acceptor)
{
	struct pending	*pending, *next;

	for (pending = pending_list; pending != NULL; pending = next) {
		next = pending->next;
		if (pending->acceptor == acceptor)
			pending_end(pending, 1);
	}
}

/* In a forked child: close the inherited fds, touching no dispatcher. */
void
proxy_accept_close_after_fork(void)
{
	struct pending	*pending;

	while ((pending = pending_list) != NULL) {
		pending_list = pending->next;
		(void)close(pending->fd);
		free(pending);
	}
	pending_count = 0;
	sniff_count = 0;
}

/* How many headers are pending. */
size_t
proxy_accept_pending(void)
{
	return pending_count;
}
