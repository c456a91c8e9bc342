/*
 * reference_longpoll.c: the smallest fast long-poll server, the practical
 * ceiling of the machine that pforkd's chat fan-out is measured against.
 *
 *	reference_longpoll PORT
 *
 * One process, one epoll set, level-triggered, on 127.0.0.1:PORT (0 asks
 * for a free port; the line "listening on 127.0.0.1:PORT" names it).  It
 * speaks just enough of the chat protocol for "pforkd-bench chat": HTTP/1.1
 * keep-alive requests with a Content-Length body, where
 *   POST /a/message/new      body=TEXT: keeps TEXT as the newest message,
 *                            renders the poll's answer once, writes it to
 *                            every waiting poll, answers the message;
 *   POST /a/message/updates  cursor=ID: waits while ID is the newest
 *                            message (or there is none), else answers the
 *                            newest message at once.
 * The answers have the bytes pforkd's have (the message object with its
 * html, the headers but Server and Date), so both move as much through the
 * kernel.  Nothing else is checked: no XSRF, no percent-decoding (the
 * bench's bodies need none), no other path, only the newest message kept.
 * Per answered poll it makes one write(2) of a precomputed answer, and per
 * poll read one read(2).  Serves until SIGTERM or SIGINT.  Linux only:
 * elsewhere it says so and exits 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef HAVE_EPOLL
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define EVENTS_MAX	256
#define REQUEST_MAX	4096
#define BODY_MAX	1024
#define MESSAGE_MAX	(2 * BODY_MAX + 256)	/* the object */
#define ANSWER_MAX	(MESSAGE_MAX + 256)	/* headers, wrapped */

/* One connection: what it sent so far, and what it is still owed. */
struct client {
	char	 in[REQUEST_MAX];
	size_t	 in_length;
	char	*owed;		/* the unsent tail of an answer, or NULL */
	size_t	 owed_length;
	int	 waiting;	/* its poll is parked */
};

static volatile sig_atomic_t	 stop_requested;
static struct client		*clients;	/* indexed by fd */
static int			*waiters;	/* the fds of parked polls */
static size_t			 waiter_count;
static int			 epoll_fd;
static unsigned long		 message_number;	/* 0: none yet */
static char			 newest_id[32];
static char			 message[MESSAGE_MAX];	/* the object, JSON */
static char			 poll_answer[ANSWER_MAX];	/* whole */
static size_t			 poll_answer_length;

/* SIGTERM or SIGINT: leave the loop. */
static void
request_stop(int signal_number)
{
	(void)signal_number;
	stop_requested = 1;
}

/* Close a connection and forget it. */
static void
drop(int fd)
{
	size_t	i;

	(void)close(fd);	/* also leaves the epoll set */
	free(clients[fd].owed);
	if (clients[fd].waiting)
		for (i = 0; i < waiter_count; i++)
			if (waiters[i] == fd) {
				waiters[i] = waiters[--waiter_count];
				break;
			}
	memset(&clients[fd], 0, sizeof(clients[fd]));
}

/* Watch fd for events; 0 or -1. */
static int
watch(int fd, uint32_t events)
{
	struct epoll_event	event;

	event.events = events;
	event.data.fd = fd;
	return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

/* Write an answer to fd; keep what the kernel did not take.  0 or -1. */
static int
answer(int fd, const char *bytes, size_t length)
{
	ssize_t	sent = send(fd, bytes, length, MSG_NOSIGNAL);

	if (sent == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	if (sent == -1)
		sent = 0;
	if ((size_t)sent == length)
		return 0;
	if ((clients[fd].owed = malloc(length - (size_t)sent)) == NULL)
		return -1;
	memcpy(clients[fd].owed, bytes + sent, length - (size_t)sent);
	clients[fd].owed_length = length - (size_t)sent;
	return watch(fd, EPOLLOUT);
}

/* fd is writable: send what it is owed, then read again.  0 or -1. */
static int
flush(int fd)
{
	char	*owed = clients[fd].owed;
	int	 result;

	clients[fd].owed = NULL;
	result = answer(fd, owed, clients[fd].owed_length);
	free(owed);
	if (result == -1 || clients[fd].owed != NULL)
		return result;
	clients[fd].owed_length = 0;
	return watch(fd, EPOLLIN);
}

/* The value of form field name in body (up to its '&'), or NULL. */
static const char *
form_value(const char *body, const char *name, size_t *length)
{
	size_t		 name_length = strlen(name);
	const char	*at = body;

	while (at != NULL) {
		if (strncmp(at, name, name_length) == 0 &&
		    at[name_length] == '=') {
			at += name_length + 1;
			*length = strcspn(at, "&");
			return at;
		}
		if ((at = strchr(at, '&')) != NULL)
			at++;
	}
	return NULL;
}

/* Wrap a JSON body of length bytes in an HTTP answer into out; its size. */
static size_t
http_answer(char *out, size_t size, const char *json, size_t length)
{
	int	written;

	written = snprintf(out, size, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json; charset=UTF-8\r\n"
	    "Content-Length: %zu\r\n\r\n%s", length, json);
	return written < 0 || (size_t)written >= size ? 0 : (size_t)written;
}

/* A new message: render it and the poll's answer, once.  0 or -1. */
static int
new_message(const char *text, size_t length)
{
	char	json[MESSAGE_MAX + 32];
	int	written;

	if (length > BODY_MAX || memchr(text, '"', length) != NULL ||
	    memchr(text, '\\', length) != NULL ||
	    memchr(text, '<', length) != NULL)
		return -1;	/* the bench's bodies need no escaping */
	(void)snprintf(newest_id, sizeof(newest_id), "r%lu",
	    ++message_number);
	written = snprintf(message, sizeof(message), "{\"id\": \"%s\", "
	    "\"body\": \"%.*s\", \"html\": \"<div class=\\\"message\\\" "
	    "id=\\\"m%s\\\">%.*s<\\/div>\\n\"}", newest_id, (int)length, text,
	    newest_id, (int)length, text);
	if (written < 0 || (size_t)written >= sizeof(message))
		return -1;
	(void)snprintf(json, sizeof(json), "{\"messages\": [%s]}", message);
	poll_answer_length = http_answer(poll_answer, sizeof(poll_answer),
	    json, strlen(json));
	return poll_answer_length == 0 ? -1 : 0;
}

/* Answer every parked poll with the newest message. */
static void
fan_out(void)
{
	size_t	i;
	int	fd;

	for (i = 0; i < waiter_count; i++) {
		fd = waiters[i];
		clients[fd].waiting = 0;
		if (answer(fd, poll_answer, poll_answer_length) == -1) {
			(void)close(fd);
			free(clients[fd].owed);
			memset(&clients[fd], 0, sizeof(clients[fd]));
		}
	}
	waiter_count = 0;
}

/* One whole request on fd: its path and body.  0, or -1 to close. */
static int
serve(int fd, const char *path, const char *body)
{
	char		 out[ANSWER_MAX];
	const char	*value;
	size_t		 length;

	if (strncmp(path, "/a/message/new ", 15) == 0) {
		if ((value = form_value(body, "body", &length)) == NULL ||
		    new_message(value, length) == -1)
			return -1;
		fan_out();
		return answer(fd, out, http_answer(out, sizeof(out), message,
		    strlen(message)));
	}
	if (strncmp(path, "/a/message/updates ", 19) != 0)
		return -1;
	value = form_value(body, "cursor", &length);
	if (message_number == 0 || (value != NULL &&
	    length == strlen(newest_id) &&
	    memcmp(value, newest_id, length) == 0)) {
		clients[fd].waiting = 1;
		waiters[waiter_count++] = fd;
		return 0;
	}
	return answer(fd, poll_answer, poll_answer_length);
}

/* Take the whole requests out of fd's input.  0, or -1 to close. */
static int
parse(int fd)
{
	struct client	*client = &clients[fd];
	char		*end, *field, saved;
	size_t		 head, body;

	while (client->in_length > 0 && !client->waiting &&
	    client->owed == NULL) {
		client->in[client->in_length] = '\0';
		if ((end = strstr(client->in, "\r\n\r\n")) == NULL)
			return client->in_length < REQUEST_MAX - 1 ? 0 : -1;
		head = (size_t)(end - client->in) + 4;
		if (strncmp(client->in, "POST ", 5) != 0 ||
		    (field = strstr(client->in, "Content-Length: ")) == NULL ||
		    field > end)
			return -1;
		body = strtoul(field + 16, NULL, 10);
		if (head + body >= REQUEST_MAX)
			return -1;
		if (client->in_length < head + body)
			return 0;
		saved = client->in[head + body];
		client->in[head + body] = '\0';
		if (serve(fd, client->in + 5, client->in + head) == -1)
			return -1;
		client->in[head + body] = saved;
		memmove(client->in, client->in + head + body,
		    client->in_length - head - body);
		client->in_length -= head + body;
	}
	return 0;
}

/* fd is readable: one read, then the requests in it.  0, or -1 to close. */
static int
receive(int fd)
{
	struct client	*client = &clients[fd];
	ssize_t		 count;

	count = read(fd, client->in + client->in_length,
	    REQUEST_MAX - 1 - client->in_length);
	if (count == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (count == 0)
		return -1;
	client->in_length += (size_t)count;
	return parse(fd);
}

/* Accept what is queued on the listener. */
static void
accept_all(int listen_fd, int fd_limit)
{
	struct epoll_event	event;
	int			fd, on = 1;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK)) != -1) {
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
		event.events = EPOLLIN;
		event.data.fd = fd;
		if (fd >= fd_limit ||
		    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == -1)
			(void)close(fd);
	}
}

/* Bind 127.0.0.1:port, print it, make the epoll set; the fd or -1. */
static int
open_listener(unsigned int port)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);
	struct epoll_event	event;
	int			fd, on = 1;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&address, sizeof(address)) == -1 ||
	    listen(fd, 1024) == -1 ||
	    getsockname(fd, (struct sockaddr *)&address, &length) == -1 ||
	    (epoll_fd = epoll_create1(0)) == -1)
		return -1;
	event.events = EPOLLIN;
	event.data.fd = fd;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == -1)
		return -1;
	(void)printf("listening on 127.0.0.1:%u\n", ntohs(address.sin_port));
	(void)fflush(stdout);
	return fd;
}

int
main(int argc, char **argv)
{
	struct epoll_event	events[EVENTS_MAX];
	struct rlimit		limit;
	struct sigaction	action;
	int			listen_fd, count, i, fd;
	char			*end;
	unsigned long		port;

	if (argc != 2 || (port = strtoul(argv[1], &end, 10)) > 65535 ||
	    *end != '\0' || argv[1][0] == '\0') {
		(void)fprintf(stderr, "usage: reference_longpoll port\n");
		return 2;
	}
	memset(&action, 0, sizeof(action));
	action.sa_handler = request_stop;
	(void)sigaction(SIGTERM, &action, NULL);
	(void)sigaction(SIGINT, &action, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		limit.rlim_cur = limit.rlim_max = 1024;
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) == -1)
		(void)getrlimit(RLIMIT_NOFILE, &limit);
	if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 65536)
		limit.rlim_cur = 65536;
	if ((clients = calloc(limit.rlim_cur, sizeof(*clients))) == NULL ||
	    (waiters = calloc(limit.rlim_cur, sizeof(*waiters))) == NULL ||
	    (listen_fd = open_listener((unsigned int)port)) == -1) {
		perror("reference_longpoll");
		return 1;
	}
	while (!stop_requested) {
		count = epoll_wait(epoll_fd, events, EVENTS_MAX, -1);
		for (i = 0; i < count; i++) {
			fd = events[i].data.fd;
			if (fd == listen_fd)
				accept_all(listen_fd, (int)limit.rlim_cur);
			else if (clients[fd].owed != NULL ? flush(fd) == -1 :
			    receive(fd) == -1)
				drop(fd);
		}
	}
	return 0;
}

#else /* !HAVE_EPOLL */

int
main(void)
{
	(void)fprintf(stderr, "reference_longpoll: needs Linux epoll\n");
	return 1;
}

#endif /* HAVE_EPOLL */
