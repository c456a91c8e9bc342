/*
 * redis_haproxy.c: start and stop the real redis-server and haproxy for
 * the several-host tests.  Each listens on 127.0.0.1 only, on a port free
 * when it was started; every wait is bounded in count and in time; each
 * is stopped by the pid this file started, and killed if it does not stop
 * in time.  Starting one whose record still names a running process stops
 * that one first, rather than lose its pid.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/dispatcher.h"
#include "redis_haproxy.h"

#define START_TRIES	200	/* of 25 ms each */
#define START_WAIT_MS	10000	/* and no longer, however slow each try */
#define REPLY_WAIT_MS	3000

/* A loopback TCP port free at the moment; the port or -1. */
int
stack_free_port(void)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);
	int			fd, port = -1;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&address, &length) == 0)
		port = ntohs(address.sin_port);
	(void)close(fd);
	return port;
}

/* Whether something listens on 127.0.0.1:port (bind fails), untouched. */
static int
port_taken(int port)
{
	struct sockaddr_in	address;
	int			fd, taken;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	taken = bind(fd, (struct sockaddr *)&address, sizeof(address)) ==
	    -1 && errno == EADDRINUSE;
	(void)close(fd);
	return taken;
}

/* Append one RESP bulk string to out at *length; 0 or -1 if no room. */
static int
resp_add(char *out, size_t size, size_t *length, const char *s)
{
	int	n;

	n = snprintf(out + *length, size - *length, "$%zu\r\n%s\r\n",
	    strlen(s), s);
	if (n < 0 || (size_t)n >= size - *length)
		return -1;
	*length += (size_t)n;
	return 0;
}

/* Milliseconds left until deadline (monotonic usec), at least 0. */
static int
left_ms(uint64_t deadline)
{
	uint64_t	now = monotonic_usec();

	return now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
}

/*
 * Send argv as one RESP command on fd, read one reply line or more, all
 * within REPLY_WAIT_MS.
 */
static int
resp_exchange(int fd, const char *const *argv, char *reply,
    size_t reply_size)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	uint64_t	deadline = monotonic_usec() + REPLY_WAIT_MS * 1000;
	char		out[8192];
	size_t		length, count, got = 0;
	ssize_t		n;
	int		written, wait_ms;

	for (count = 0; argv[count] != NULL; count++)
		continue;
	written = snprintf(out, sizeof(out), "*%zu\r\n", count);
	if (written < 0 || (size_t)written >= sizeof(out))
		return -1;
	length = (size_t)written;
	for (count = 0; argv[count] != NULL; count++)
		if (resp_add(out, sizeof(out), &length, argv[count]) == -1)
			return -1;
	if (harness_write_all(fd, out, length) == -1)
		return -1;
	/* One reply: wait for the first bytes, then take what follows. */
	while (got + 1 < reply_size && (wait_ms = left_ms(deadline)) > 0 &&
	    poll(&pfd, 1, got == 0 ? wait_ms : 50) == 1) {
		if ((n = read(fd, reply + got, reply_size - 1 - got)) <= 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	return got > 0 ? 0 : -1;
}

/*
 * Run one command (argv NULL-terminated) on a connection of its own,
 * after AUTH when the server has a password; its reply text in reply.
 */
int
redis_server_command(const struct redis_server *redis,
    const char *const *argv, char *reply, size_t reply_size)
{
	const char	*auth[] = { "AUTH", redis->password, NULL };
	int		 fd, ok;

	if ((fd = harness_connect("127.0.0.1", redis->port)) == -1)
		return -1;
	ok = redis->password == NULL || (resp_exchange(fd, auth, reply,
	    reply_size) == 0 && strncmp(reply, "+OK", 3) == 0);
	ok = ok && resp_exchange(fd, argv, reply, reply_size) == 0;
	(void)close(fd);
	return ok ? 0 : -1;
}

/*
 * Start redis-server on redis->port (chosen when 0) with extra arguments
 * (NULL-terminated, may be NULL) after the defaults, which have no
 * persistence; wait until it answers PING.  Needs redis->path.  One the
 * record still names is stopped first.
 */
int
redis_server_start(struct redis_server *redis, const char *const *extra)
{
	const char	*argv[48], *ping[] = { "PING", NULL };
	char		 port[16], reply[64];
	uint64_t	 deadline;
	size_t		 n = 0, i;
	int		 tries;

	(void)redis_server_stop(redis);
	if (redis->port == 0 && (redis->port = stack_free_port()) == -1)
		return -1;
	(void)snprintf(port, sizeof(port), "%d", redis->port);
	argv[n++] = redis->path;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "no";
	argv[n++] = "--daemonize";
	argv[n++] = "no";
	argv[n++] = "--logfile";
	argv[n++] = "/dev/null";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 46; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (harness_spawn_program(&redis->process, argv) == -1)
		return -1;
	deadline = monotonic_usec() + START_WAIT_MS * 1000;
	for (tries = 0; tries < START_TRIES && left_ms(deadline) > 0;
	    tries++) {
		if (redis_server_command(redis, ping, reply,
		    sizeof(reply)) == 0 && strncmp(reply, "+PONG", 5) == 0)
			return 0;
		(void)usleep(25 * 1000);
	}
	(void)redis_server_stop(redis);
	return -1;
}

/* Stop redis-server (SIGTERM, then SIGKILL) by its pid; 0 or -1. */
int
redis_server_stop(struct redis_server *redis)
{
	int	status;

	if (redis->process.pid <= 0)
		return 0;
	status = harness_stop(&redis->process, SIGTERM, 5000);
	redis->process.pid = 0;
	return status == -1 ? -1 : 0;
}

/*
 * Write haproxy's config to file: one frontend on haproxy->port in mode
 * ("tcp" or "http") balancing round-robin over the backends, named a, b
 * and so on, with the PROXY protocol version 2; with haproxy->cookie, the
 * stickiness and the request log that haproxy_server_start() describes.
 */
static void
haproxy_write_config(FILE *file, const struct haproxy_server *haproxy,
    const char *mode, const int *backend_ports, size_t backends)
{
	const char	*cookie = haproxy->cookie;
	size_t		 i;

	(void)fprintf(file, "global\n\tmaxconn 4096\n");
	if (cookie != NULL)
		(void)fprintf(file, "\tlog stderr format raw local0 info\n");
	(void)fprintf(file, "\ndefaults\n\tmode %s\n\ttimeout connect 5s\n"
	    "\ttimeout client 120s\n\ttimeout server 120s\n", mode);
	if (cookie != NULL)
		(void)fprintf(file, "\tlog global\n"
		    "\tlog-format \"%%ci:%%cp %%s %%ST %%CC %%{+Q}r\"\n");
	(void)fprintf(file, "\nlisten chat\n\tbind 127.0.0.1:%d\n"
	    "\tbalance roundrobin\n", haproxy->port);
	if (cookie != NULL)
		(void)fprintf(file, "\tcookie %s insert indirect nocache\n"
		    "\tcapture cookie %s= len 32\n", cookie, cookie);
	for (i = 0; i < backends; i++) {
		(void)fprintf(file, "\tserver %c 127.0.0.1:%d send-proxy-v2",
		    (int)('a' + i), backend_ports[i]);
		if (cookie != NULL)
			(void)fprintf(file, " cookie %c", (int)('a' + i));
		(void)fprintf(file, "\n");
	}
}

/*
 * Write a config of one frontend on haproxy->port (chosen when 0), in mode
 * ("tcp" or "http"), balancing round-robin over the backends with the
 * PROXY protocol version 2, and run haproxy -db on it in the foreground;
 * wait until it listens.  Needs haproxy->path.  One the record still
 * names is stopped first.
 *
 * With haproxy->cookie (mode http), a client's first request goes
 * round-robin and its answer sets the cookie of that name to the
 * backend's letter, which sends the requests that carry it to the same
 * backend; and haproxy logs each request to its stderr as
 * ADDRESS:PORT BACKEND STATUS COOKIE "METHOD PATH VERSION", where COOKIE
 * is NAME=LETTER as the request carried it, or "-".
 */
int
haproxy_server_start(struct haproxy_server *haproxy, const char *mode,
    const int *backend_ports, size_t backends)
{
	const char	*argv[] = { haproxy->path, "-db", "-f", haproxy->config,
			    NULL };
	FILE		*file;
	uint64_t	 deadline;
	int		 fd, tries;

	(void)haproxy_server_stop(haproxy);
	if (haproxy->port == 0 && (haproxy->port = stack_free_port()) == -1)
		return -1;
	(void)snprintf(haproxy->config, sizeof(haproxy->config),
	    "/tmp/pforkd-haproxy.XXXXXX");
	if ((fd = mkstemp(haproxy->config)) == -1)
		return -1;
	if ((file = fdopen(fd, "w")) == NULL) {
		(void)close(fd);
		(void)unlink(haproxy->config);
		return -1;
	}
	haproxy_write_config(file, haproxy, mode, backend_ports, backends);
	if (fclose(file) != 0 ||
	    harness_spawn_program(&haproxy->process, argv) == -1) {
		(void)unlink(haproxy->config);
		return -1;
	}
	deadline = monotonic_usec() + START_WAIT_MS * 1000;
	for (tries = 0; tries < START_TRIES && left_ms(deadline) > 0;
	    tries++) {
		if (port_taken(haproxy->port))
			return 0;
		(void)usleep(25 * 1000);
	}
	(void)haproxy_server_stop(haproxy);
	return -1;
}

/* Stop haproxy by its pid and remove its config; 0 or -1. */
int
haproxy_server_stop(struct haproxy_server *haproxy)
{
	int	status;

	if (haproxy->process.pid <= 0)
		return 0;
	status = harness_stop(&haproxy->process, SIGTERM, 5000);
	haproxy->process.pid = 0;
	(void)unlink(haproxy->config);
	return status == -1 ? -1 : 0;
}
