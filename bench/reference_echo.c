/*
 * reference_echo.c: the smallest fast echo server, the practical ceiling
 * of the machine that pforkd's echo is measured against.
 *
 *	reference_echo PORT
 *
 * One process, one epoll set, level-triggered, on 127.0.0.1:PORT (0 asks
 * for a free port; the line "listening on 127.0.0.1:PORT" names it).  Each
 * readable connection gets one read into a stack buffer and the bytes are
 * written straight back; only what the kernel does not take is kept, in a
 * per-fd heap buffer, while reading from that peer stops.  Serves until
 * SIGTERM or SIGINT.  Linux only: elsewhere it says so and exits 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef HAVE_EPOLL
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define EVENTS_MAX	256
#define BUFFER_SIZE	65536

/* Bytes read but not yet echoed, per fd; empty for almost every fd. */
struct pending {
	char	*bytes;
	size_t	 length;
};

static volatile sig_atomic_t	 stop_requested;
static struct pending		*pending;	/* indexed by fd */
static int			 epoll_fd;

/* SIGTERM or SIGINT: leave the loop. */
static void
request_stop(int signal_number)
{
	(void)signal_number;
	stop_requested = 1;
}

/* Close a connection and forget what it was owed. */
static void
drop(int fd)
{
	(void)close(fd);	/* also leaves the epoll set */
	free(pending[fd].bytes);
	pending[fd].bytes = NULL;
	pending[fd].length = 0;
}

/* Write bytes to fd; keep the rest and wait for writability.  0 or -1. */
static int
echo_out(int fd, const char *bytes, size_t length)
{
	struct epoll_event	event;
	ssize_t			sent = send(fd, bytes, length, MSG_NOSIGNAL);

	if (sent == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	if (sent == -1)
		sent = 0;
	if ((size_t)sent == length)
		return 0;
	if ((pending[fd].bytes = malloc(length - (size_t)sent)) == NULL)
		return -1;
	memcpy(pending[fd].bytes, bytes + sent, length - (size_t)sent);
	pending[fd].length = length - (size_t)sent;
	event.events = EPOLLOUT;
	event.data.fd = fd;
	return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

/* fd is writable again: send what is owed, then read again.  0 or -1. */
static int
flush(int fd)
{
	struct pending		owed = pending[fd];
	struct epoll_event	event;
	int			result;

	pending[fd].bytes = NULL;
	pending[fd].length = 0;
	result = echo_out(fd, owed.bytes, owed.length);
	free(owed.bytes);
	if (result == -1 || pending[fd].length > 0)
		return result;
	event.events = EPOLLIN;
	event.data.fd = fd;
	return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

/* fd is readable: echo one buffer's worth.  0, or -1 to close. */
static int
echo_in(int fd)
{
	char	buffer[BUFFER_SIZE];
	ssize_t	count = read(fd, buffer, sizeof(buffer));

	if (count == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (count == 0)
		return -1;
	return echo_out(fd, buffer, (size_t)count);
}

/* Accept what is queued on the listener. */
static void
accept_all(int listen_fd, int fd_limit)
{
	struct epoll_event	event;
	int			fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK)) != -1) {
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
		(void)fprintf(stderr, "usage: reference_echo port\n");
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
	if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576)
		limit.rlim_cur = 1048576;
	if ((pending = calloc(limit.rlim_cur, sizeof(*pending))) == NULL ||
	    (listen_fd = open_listener((unsigned int)port)) == -1) {
		perror("reference_echo");
		return 1;
	}
	while (!stop_requested) {
		count = epoll_wait(epoll_fd, events, EVENTS_MAX, -1);
		for (i = 0; i < count; i++) {
			fd = events[i].data.fd;
			if (fd == listen_fd)
				accept_all(listen_fd, (int)limit.rlim_cur);
			else if (pending[fd].length > 0 ? flush(fd) == -1 :
			    echo_in(fd) == -1)
				drop(fd);
		}
	}
	return 0;
}

#else /* !HAVE_EPOLL */

int
main(void)
{
	(void)fprintf(stderr, "reference_echo: needs Linux epoll\n");
	return 1;
}

#endif /* HAVE_EPOLL */
