/*
 * redis_client.c: one non-blocking connection to Redis (RESP2).
 *
 * States: connecting (commands queue), ready (commands are written at
 * once, pipelined), waiting to reconnect (commands fail at once).  The
 * replies come back in the order the commands went, so the pending
 * commands are a queue and only the oldest one's deadline can expire
 * first that matters: one timer follows it (or the connection attempt's
 * deadline).  Any failure fails every pending command, closes the socket
 * and schedules the next attempt.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/dispatcher.h"
#include "redis/redis_client.h"
#include "util/buffer.h"
#include "util/descriptor.h"
#include "util/log.h"

#define READ_CHUNK	65536

/* As in connection/connection.c: SIGPIPE is ignored process-wide too. */
#if HAVE_DECL_MSG_NOSIGNAL
#define SEND_FLAGS	MSG_NOSIGNAL
#else
#define SEND_FLAGS	0
#endif

enum client_state { CLIENT_CONNECTING, CLIENT_READY, CLIENT_WAITING };

struct pending {
	struct pending		*next;
	redis_reply_callback	*callback;
	void			*arg;
	uint64_t		 timeout;	/* 0: none */
	uint64_t		 deadline;	/* set once it is sent */
};

struct redis_client {
	struct dispatcher	*dispatcher;
	struct redis_settings	 settings;
	char			*password;
	char			 name[REDIS_ADDRESS_MAX + 16];
	redis_state_callback	*state_callback;
	void			*state_arg;
	enum client_state	 state;
	int			 fd;
	int			 authenticated;
	uint64_t		 backoff;
	struct buffer		 out;
	struct buffer		 in;
	struct resp_parser	 parser;
	struct pending		*head;
	struct pending		*tail;
	struct timer		 deadline_timer;
	struct timer		 retry_timer;
	uint64_t		 connect_deadline;
};

static void	client_connect(struct redis_client *);
static void	client_io(struct dispatcher *, int, int, void *);

/*
 * Split "HOST:PORT" (or "[V6]:PORT") into the settings; 0, or -1 with a
 * message.
 */
int
redis_parse_address(const char *text, struct redis_settings *settings,
    char *error, size_t error_size)
{
	const char	*colon, *host = text, *port;
	size_t		 host_length;

	if (text[0] == '[') {
		host = text + 1;
		if ((colon = strchr(host, ']')) == NULL || colon[1] != ':')
			goto refuse;
		host_length = (size_t)(colon - host);
		port = colon + 2;
	} else {
		if ((colon = strrchr(text, ':')) == NULL ||
		    strchr(text, ':') != colon)
			goto refuse;
		host_length = (size_t)(colon - text);
		port = colon + 1;
	}
	if (host_length == 0 || host_length >= sizeof(settings->host) ||
	    port[0] == '\0' || strlen(port) >= sizeof(settings->port) ||
	    strspn(port, "0123456789") != strlen(port) || atoi(port) < 1 ||
	    atoi(port) > 65535)
		goto refuse;
	memcpy(settings->host, host, host_length);
	settings->host[host_length] = '\0';
	(void)snprintf(settings->port, sizeof(settings->port), "%s", port);
	return 0;
refuse:
	(void)snprintf(error, error_size, "redis %s: expected ADDRESS:PORT "
	    "(an IPv6 address in brackets), port 1-65535", text);
	return -1;
}

/*
 * Look the settings' host up, once, and keep its first address for every
 * connection; 0, or -1 with a message.  Called when the configuration is
 * read (start-up and reload), never from the event loop.
 */
int
redis_resolve(struct redis_settings *settings, char *error, size_t error_size)
{
	struct addrinfo	 hints, *found = NULL;
	int		 status;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((status = getaddrinfo(settings->host, settings->port, &hints,
	    &found)) != 0) {
		(void)snprintf(error, error_size, "redis %s: %s", settings->host,
		    gai_strerror(status));
		return -1;
	}
	if (found->ai_addrlen > sizeof(settings->address)) {
		freeaddrinfo(found);
		(void)snprintf(error, error_size, "redis %s: an address too "
		    "long", settings->host);
		return -1;
	}
	memcpy(&settings->address, found->ai_addr, found->ai_addrlen);
	settings->address_length = (socklen_t)found->ai_addrlen;
	freeaddrinfo(found);
	return 0;
}

/* The oldest pending command's deadline, or the connection's. */
static void
deadline_arm(struct redis_client *client)
{
	uint64_t	deadline = 0, now;

	dispatcher_timer_stop(client->dispatcher, &client->deadline_timer);
	if (client->state == CLIENT_CONNECTING)
		deadline = client->connect_deadline;
	else if (client->state == CLIENT_READY && client->head != NULL)
		deadline = client->head->deadline;
	if (deadline == 0)
		return;
	now = dispatcher_now(client->dispatcher);
	(void)dispatcher_timer_start(client->dispatcher,
	    &client->deadline_timer, deadline > now ? deadline - now : 0, 0);
}

/* Fail every pending command (their callbacks get NULL). */
static void
fail_pending(struct redis_client *client)
{
	struct pending	*pending;

	while ((pending = client->head) != NULL) {
		client->head = pending->next;
		if (client->head == NULL)
			client->tail = NULL;
		if (pending->callback != NULL)
			pending->callback(client, NULL, pending->arg);
		free(pending);
	}
}

/* Drop the connection: fail what is pending, reconnect later. */
static void
client_fail(struct redis_client *client, const char *why)
{
	int	was_ready = client->state == CLIENT_READY &&
	    client->authenticated;

	log_message(was_ready ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO,
	    "%s: %s; again in %llu ms", client->name, why,
	    (unsigned long long)(client->backoff / 1000));
	if (client->fd != -1) {
		(void)dispatcher_close(client->dispatcher, client->fd);
		client->fd = -1;
	}
	client->state = CLIENT_WAITING;
	client->authenticated = 0;
	buffer_clear(&client->out);
	buffer_clear(&client->in);
	resp_parser_reset(&client->parser);
	dispatcher_timer_stop(client->dispatcher, &client->deadline_timer);
	(void)dispatcher_timer_start(client->dispatcher, &client->retry_timer,
	    client->backoff, 0);
	client->backoff *= 2;
	if (client->backoff > REDIS_BACKOFF_MAX_USEC)
		client->backoff = REDIS_BACKOFF_MAX_USEC;
	fail_pending(client);
	if (was_ready && client->state_callback != NULL)
		client->state_callback(client, 0, client->state_arg);
}

/* The retry delay passed: connect again. */
static void
retry_due(struct dispatcher *d, struct timer *timer, void *arg)
{
	(void)d;
	(void)timer;
	client_connect(arg);
}

/* The connection attempt or the oldest command took too long. */
static void
deadline_passed(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct redis_client	*client = arg;

	(void)d;
	(void)timer;
	client_fail(client, client->state == CLIENT_CONNECTING ?
	    "connection timed out" : "no reply in time");
}

/* Watch for reading, and for writing while output waits. */
static void
update_interest(struct redis_client *client)
{
	int	events = EVENT_READ;

	if (client->out.length > 0)
		events |= EVENT_WRITE;
	(void)dispatcher_set_events(client->dispatcher, client->fd, events);
}

/* Queue a command's bytes and its callback; 0 or -1. */
static int
enqueue(struct redis_client *client, const struct resp_argument *arguments,
    size_t count, uint64_t timeout, redis_reply_callback *callback,
    void *arg)
{
	struct pending	*pending;

	if ((pending = calloc(1, sizeof(*pending))) == NULL)
		return -1;
	if (resp_command_append(&client->out, arguments, count) == -1) {
		free(pending);
		return -1;
	}
	pending->callback = callback;
	pending->arg = arg;
	pending->timeout = timeout;
	if (timeout != 0)
		pending->deadline = dispatcher_now(client->dispatcher) +
		    timeout;
	if (client->tail != NULL)
		client->tail->next = pending;
	else
		client->head = pending;
	client->tail = pending;
	return 0;
}

/* AUTH's reply: ready, or give up on this connection. */
static void
auth_replied(struct redis_client *client, const struct resp_value *reply,
    void *arg)
{
	(void)arg;
	if (reply == NULL)
		return;		/* the failure is being handled */
	if (reply->type != RESP_SIMPLE) {
		log_message(LOG_LEVEL_ERROR, "%s: AUTH refused: %s",
		    client->name, reply->type == RESP_ERROR ? reply->string :
		    "an unexpected reply");
		client->authenticated = 0;
		return;		/* client_io drops the connection */
	}
	client->authenticated = 1;
	client->backoff = REDIS_BACKOFF_FIRST_USEC;
	log_message(LOG_LEVEL_INFO, "%s: connected", client->name);
	if (client->state_callback != NULL)
		client->state_callback(client, 1, client->state_arg);
}

/* The socket connected: AUTH first, then what was queued. */
static void
connected(struct redis_client *client)
{
	struct resp_argument	auth[2];
	struct buffer		queued;
	struct pending		*pending;
	uint64_t		 now = dispatcher_now(client->dispatcher);

	client->state = CLIENT_READY;
	for (pending = client->head; pending != NULL; pending = pending->next)
		if (pending->timeout != 0)
			pending->deadline = now + pending->timeout;
	if (client->password == NULL) {
		client->authenticated = 1;
		client->backoff = REDIS_BACKOFF_FIRST_USEC;
		log_message(LOG_LEVEL_INFO, "%s: connected", client->name);
		if (client->state_callback != NULL)
			client->state_callback(client, 1, client->state_arg);
	} else {
		/* AUTH goes before the commands already queued. */
		queued = client->out;
		buffer_init(&client->out);
		auth[0].bytes = "AUTH";
		auth[0].length = 4;
		auth[1].bytes = client->password;
		auth[1].length = strlen(client->password);
		if (resp_command_append(&client->out, auth, 2) == -1 ||
		    buffer_append(&client->out, queued.data,
		    queued.length) == -1 ||
		    (pending = calloc(1, sizeof(*pending))) == NULL) {
			buffer_free(&queued);
			client_fail(client, "out of memory");
			return;
		}
		buffer_free(&queued);
		pending->callback = auth_replied;
		pending->deadline = now + client->settings.connect_timeout_usec;
		pending->next = client->head;
		client->head = pending;
		if (client->tail == NULL)
			client->tail = pending;
	}
	if (client->fd != -1 && client->state == CLIENT_READY) {
		update_interest(client);
		deadline_arm(client);
	}
}

/* Start a connection attempt; a failure schedules the next. */
static void
client_connect(struct redis_client *client)
{
	const struct sockaddr	*address;
	int			 fd = -1, error;

	client->state = CLIENT_CONNECTING;
	client->connect_deadline = dispatcher_now(client->dispatcher) +
	    client->settings.connect_timeout_usec;
	if (client->settings.address_length == 0) {
		client_fail(client, "the address was not resolved");
		return;
	}
	address = (const struct sockaddr *)&client->settings.address;
	fd = socket(address->sa_family, SOCK_STREAM, 0);
	/*
	 * Commands are small and their replies awaited: without TCP_NODELAY
	 * a command sent while another is unacknowledged waits for the ACK
	 * (Nagle), up to a delayed ACK's 40 ms on Linux.  Not for AF_UNIX.
	 */
	if (fd != -1 && (address->sa_family == AF_INET ||
	    address->sa_family == AF_INET6))
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
	if (fd == -1 || descriptor_set_nonblocking(fd) == -1 ||
	    descriptor_set_cloexec(fd) == -1 || (connect(fd, address,
	    client->settings.address_length) == -1 && errno != EINPROGRESS)) {
		error = errno;
		if (fd != -1)
			(void)close(fd);
		client_fail(client, strerror(error));
		return;
	}
	if (dispatcher_watch(client->dispatcher, fd, EVENT_WRITE, client_io,
	    client) == -1) {
		(void)close(fd);
		client_fail(client, "cannot watch the socket");
		return;
	}
	client->fd = fd;
	deadline_arm(client);
}

/* Send what is queued; 0 or -1 (connection failed). */
static int
client_write(struct redis_client *client)
{
	ssize_t	sent;

	while (client->out.length > 0) {
		sent = send(client->fd, client->out.data, client->out.length,
		    SEND_FLAGS);
		if (sent == -1 && errno == EINTR)
			continue;
		if (sent == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (sent <= 0)
			return -1;
		buffer_consume(&client->out, (size_t)sent);
	}
	update_interest(client);
	return 0;
}

/* Hand every complete reply in the input to its command; 0 or -1. */
static int
client_replies(struct redis_client *client)
{
	struct resp_reply	 reply;
	struct pending		*pending;
	enum resp_status	 status;
	size_t			 used = 0;

	while (client->in.length > 0 && client->fd != -1) {
		status = resp_parse(&client->parser, client->in.data,
		    client->in.length, &used);
		if (status == RESP_INCOMPLETE)
			return 0;
		if (status == RESP_MALFORMED) {
			log_message(LOG_LEVEL_ERROR, "%s: malformed reply: %s",
			    client->name, resp_parser_error(&client->parser));
			return -1;
		}
		if ((pending = client->head) == NULL) {
			log_message(LOG_LEVEL_ERROR, "%s: a reply to no "
			    "command", client->name);
			return -1;
		}
		if (resp_reply_build(&reply, client->in.data, used) == -1)
			return -1;
		buffer_consume(&client->in, used);
		resp_parser_reset(&client->parser);
		client->head = pending->next;
		if (client->head == NULL)
			client->tail = NULL;
		deadline_arm(client);
		if (pending->callback != NULL)
			pending->callback(client, &reply.root, pending->arg);
		resp_reply_free(&reply);
		free(pending);
		if (!client->authenticated)
			return -1;	/* AUTH was refused */
	}
	return 0;
}

/* The socket is ready: finish connecting, write, read. */
static void
client_io(struct dispatcher *d, int fd, int events, void *arg)
{
	struct redis_client	*client = arg;
	socklen_t		 length = sizeof(int);
	ssize_t			 got;
	int			 error = 0;

	(void)d;
	(void)fd;
	if (client->state == CLIENT_CONNECTING) {
		if (getsockopt(client->fd, SOL_SOCKET, SO_ERROR, &error,
		    &length) == -1)
			error = errno;
		if (error != 0) {
			client_fail(client, strerror(error));
			return;
		}
		connected(client);
		if (client->state != CLIENT_READY)
			return;
	}
	if ((events & EVENT_WRITE) && client_write(client) == -1) {
		client_fail(client, "connection lost while writing");
		return;
	}
	if (!(events & EVENT_READ))
		return;
	if (buffer_reserve(&client->in, READ_CHUNK) == -1) {
		client_fail(client, "out of memory");
		return;
	}
	got = recv(client->fd, client->in.data + client->in.length,
	    READ_CHUNK, 0);
	if (got == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	if (got <= 0) {
		client_fail(client, got == 0 ? "connection closed by the "
		    "server" : strerror(errno));
		return;
	}
	client->in.length += (size_t)got;
	if (client_replies(client) == -1)
		client_fail(client, "connection dropped");
}

/* A client for the server in settings; it starts connecting.  NULL. */
struct redis_client *
redis_client_create(struct dispatcher *dispatcher,
    const struct redis_settings *settings, redis_state_callback *callback,
    void *arg)
{
	struct redis_client	*client;

	if ((client = calloc(1, sizeof(*client))) == NULL)
		return NULL;
	client->dispatcher = dispatcher;
	client->settings = *settings;
	client->settings.password = NULL;
	if (settings->password != NULL &&
	    (client->password = strdup(settings->password)) == NULL) {
		free(client);
		return NULL;
	}
	(void)snprintf(client->name, sizeof(client->name), "redis %s%s%s:%s",
	    strchr(settings->host, ':') != NULL ? "[" : "", settings->host,
	    strchr(settings->host, ':') != NULL ? "]" : "", settings->port);
	client->state_callback = callback;
	client->state_arg = arg;
	client->fd = -1;
	client->backoff = REDIS_BACKOFF_FIRST_USEC;
	buffer_init(&client->out);
	buffer_init(&client->in);
	resp_parser_init(&client->parser, &settings->limits);
	timer_init(&client->deadline_timer, deadline_passed, client);
	timer_init(&client->retry_timer, retry_due, client);
	client_connect(client);
	return client;
}

/*
 * Send a command (waiting for the connection if one is being made); its
 * callback gets the reply, or NULL.  0, or -1 with errno (ENOTCONN: the
 * client is waiting to reconnect).
 */
int
redis_client_command(struct redis_client *client,
    const struct resp_argument *arguments, size_t count, uint64_t timeout_usec,
    redis_reply_callback *callback, void *arg)
{
	if (client->state == CLIENT_WAITING) {
		errno = ENOTCONN;
		return -1;
	}
	if (enqueue(client, arguments, count, timeout_usec, callback, arg) ==
	    -1) {
		errno = ENOMEM;
		return -1;
	}
	if (client->state == CLIENT_READY) {
		update_interest(client);
		if (client->head == client->tail)
			deadline_arm(client);
	}
	return 0;
}

/* Whether the client is connected (and authenticated). */
int
redis_client_ready(const struct redis_client *client)
{
	return client->state == CLIENT_READY && client->authenticated;
}

/* "redis HOST:PORT", for messages. */
const char *
redis_client_name(const struct redis_client *client)
{
	return client->name;
}

/* Close the connection without calling back, and free the client. */
void
redis_client_free(struct redis_client *client)
{
	struct pending	*pending;

	if (client == NULL)
		return;
	if (client->fd != -1)
		(void)dispatcher_close(client->dispatcher, client->fd);
	dispatcher_timer_stop(client->dispatcher, &client->deadline_timer);
	dispatcher_timer_stop(client->dispatcher, &client->retry_timer);
	while ((pending = client->head) != NULL) {
		client->head = pending->next;
		free(pending);
	}
	buffer_free(&client->out);
	buffer_free(&client->in);
	free(client->password);
	free(client);
}

/*
 * In a child after fork(): close the inherited socket and free the
 * client without touching the parent's dispatcher.
 */
void
redis_client_forget(struct redis_client *client)
{
	struct pending	*pending;

	if (client == NULL)
		return;
	if (client->fd != -1)
		(void)close(client->fd);
	while ((pending = client->head) != NULL) {
		client->head = pending->next;
		free(pending);
	}
	buffer_free(&client->out);
	buffer_free(&client->in);
	free(client->password);
	free(client);
}
