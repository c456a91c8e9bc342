/*
 * echo_test.c: integration tests of the echo service, run against the real
 * daemon once per compiled backend, over loopback only.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend_cases.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"
#include "util/descriptor.h"

/* Bytes written come back in order, over several round trips. */
static void
test_round_trips(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 message[64], reply[64];
	int			 fd, i;

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	fd = harness_must_connect(&fixture->daemon, 0);
	for (i = 0; i < 100; i++) {
		(void)snprintf(message, sizeof(message), "line %d\r\n", i);
		assert_int_equal(harness_write_all(fd, message,
		    strlen(message)), 0);
		assert_int_equal(harness_read_exact(fd, reply,
		    strlen(message), 5000), 0);
		assert_memory_equal(message, reply, strlen(message));
	}
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* After shutdown(SHUT_WR) the pending echo still arrives, then EOF. */
static void
test_half_close(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply[64];
	int			 fd;

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	fd = harness_must_connect(&fixture->daemon, 0);
	assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(harness_read_until_eof(fd, reply, sizeof(reply),
	    5000), 6);
	assert_memory_equal(reply, "hello\n", 6);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* Fill buffer with a pattern that detects reordering and loss. */
static void
fill_pattern(unsigned char *buffer, size_t length)
{
	size_t	i;

	for (i = 0; i < length; i++)
		buffer[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
}

/*
 * Write to fd until the stream is blocked for 300 ms or the daemon closed
 * it (the send-timeout tests race it); the bytes written.  total is more
 * than the kernel can buffer, so reaching it is a failure.
 */
static size_t
write_until_blocked(int fd, const unsigned char *bytes, size_t total)
{
	struct pollfd	pfd;
	size_t		written = 0;
	ssize_t		count;
	int		rounds = 0;

	while (written < total && rounds++ < 100000) {
		count = write(fd, bytes + written, total - written);
		if (count > 0) {
			written += (size_t)count;
			continue;
		}
		if (count == -1 && (errno == EPIPE || errno == ECONNRESET))
			return written;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 300) == 0)
			return written;
	}
	fail_msg("%zu bytes written without blocking", written);
	return written;
}

/*
 * More bytes than loopback TCP can hold in kernel buffers in both
 * directions, plus what pforkd and the test's own small buffers hold.
 */
static size_t
unbufferable_size(void)
{
	return test_stream_buffer_max() + 8 * 1024 * 1024;
}

/*
 * A peer that writes without reading: pforkd stops reading once its
 * bounded buffer is full, so the writer blocks after what the kernel's
 * socket buffers hold (Linux autotunes loopback buffers, up to the
 * tcp_rmem and tcp_wmem maxima) plus pforkd's 64 KiB; then every byte
 * comes back, in order.
 */
static void
test_backpressure(void **state)
{
	struct backend_fixture	*fixture = *state;
	const size_t		 total = unbufferable_size();
	const size_t		 bound = test_stream_buffer_max() + 1024 * 1024;
	unsigned char		*sent, *received;
	size_t			 written, got = 0;
	ssize_t			 count;
	struct pollfd		 pfd;
	int			 fd, rounds = 0, size = 65536;

	sent = malloc(total);
	received = malloc(total);
	assert_non_null(sent);
	assert_non_null(received);
	fill_pattern(sent, total);
	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	fd = harness_must_connect(&fixture->daemon, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	assert_int_equal(descriptor_set_nonblocking(fd), 0);
	/* Write until the stream is blocked; it must block well short. */
	written = write_until_blocked(fd, sent, total);
	if (written > bound)
		fail_msg("%zu bytes written before blocking, over %zu",
		    written, bound);
	/* Now drain, writing the rest as room appears. */
	while (got < total && rounds++ < 1000000) {
		pfd.fd = fd;
		pfd.events = POLLIN | (written < total ? POLLOUT : 0);
		assert_true(poll(&pfd, 1, 5000) > 0);
		if (pfd.revents & POLLIN) {
			count = read(fd, received + got, total - got);
			assert_true(count > 0);
			got += (size_t)count;
		}
		if ((pfd.revents & POLLOUT) && written < total) {
			count = write(fd, sent + written, total - written);
			if (count > 0)
				written += (size_t)count;
		}
	}
	assert_int_equal(got, total);
	assert_memory_equal(sent, received, total);
	(void)close(fd);
	free(sent);
	free(received);
	harness_must_stop(&fixture->daemon, 1000);
}

/*
 * A peer that sends but never reads: the echo it owes stalls, and
 * send-timeout closes the connection (the idle timeout is far off, and
 * the peer keeps the connection busy as far as reading goes).
 */
static void
test_send_timeout(void **state)
{
	struct backend_fixture	*fixture = *state;
	const size_t		 total = unbufferable_size();
	unsigned char		*sent;
	uint64_t		 connected;
	int			 fd, size = 65536;

	sent = malloc(total);
	assert_non_null(sent);
	fill_pattern(sent, total);
	harness_must_start_listen(fixture, 1,
	    "echo@127.0.0.1:0,send-timeout=0.5,idle=60");
	fd = harness_must_connect(&fixture->daemon, 0);
	connected = monotonic_usec();
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	assert_int_equal(descriptor_set_nonblocking(fd), 0);
	(void)write_until_blocked(fd, sent, total);
	free(sent);
	harness_must_log(&fixture->daemon, "send timeout", 5000);
	/* No stall can have begun before the connection did. */
	assert_true(monotonic_usec() - connected >= 500000);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/*
 * A peer that reads in bursts, pausing shorter than send-timeout between
 * them, is never cut off: every byte the kernel takes is progress.
 */
static void
test_send_timeout_spares_slow_reader(void **state)
{
	struct backend_fixture	*fixture = *state;
	const size_t		 total = 8 * 1024 * 1024;
	unsigned char		*sent, *received;
	size_t			 written = 0, got = 0;
	ssize_t			 count;
	int			 fd, rounds = 0;

	sent = malloc(total);
	received = malloc(total);
	assert_non_null(sent);
	assert_non_null(received);
	fill_pattern(sent, total);
	harness_must_start_listen(fixture, 1,
	    "echo@127.0.0.1:0,send-timeout=0.6");
	fd = harness_must_connect(&fixture->daemon, 0);
	assert_int_equal(descriptor_set_nonblocking(fd), 0);
	while (got < total && rounds++ < 400) {
		while (written < total && (count = write(fd, sent + written,
		    total - written)) > 0)
			written += (size_t)count;
		test_sleep_usec(200000);
		count = 0;
		while (got < total && (count = read(fd, received + got,
		    total - got)) > 0)
			got += (size_t)count;
		/* The server never closed: the stream only ran dry. */
		assert_true(got == total || (count == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)));
	}
	assert_int_equal(got, total);
	assert_memory_equal(sent, received, total);
	assert_null(strstr(fixture->daemon.log, "send timeout"));
	(void)close(fd);
	free(sent);
	free(received);
	harness_must_stop(&fixture->daemon, 1000);
}

/* An idle connection is closed after its idle timeout, and logged. */
static void
test_idle_timeout(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply[16];
	uint64_t		 started;
	int			 fd;

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0,idle=0.3");
	fd = harness_must_connect(&fixture->daemon, 0);
	started = monotonic_usec();
	assert_int_equal(harness_read_until_eof(fd, reply, sizeof(reply),
	    5000), 0);
	assert_true(monotonic_usec() - started >= 250000);
	harness_must_log(&fixture->daemon, "idle timeout", 2000);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* A peer that resets mid-stream ends only its own connection. */
static void
test_peer_reset(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct linger		 abort_close = { 1, 0 };
	char			 reply[4];
	int			 fd, other;

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	other = harness_must_connect(&fixture->daemon, 0);
	fd = harness_must_connect(&fixture->daemon, 0);
	assert_int_equal(harness_write_all(fd, "data", 4), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
	    sizeof(abort_close)), 0);
	(void)close(fd);
	assert_int_equal(harness_write_all(other, "ping", 4), 0);
	assert_int_equal(harness_read_exact(other, reply, 4, 5000), 0);
	assert_memory_equal(reply, "ping", 4);
	(void)close(other);
	harness_must_stop(&fixture->daemon, 1000);
}

/* SIGTERM with connections open: exit 0 within a second. */
static void
test_sigterm_with_connections(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply;
	int			 fds[10], i;

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	for (i = 0; i < 10; i++)
		fds[i] = harness_must_connect(&fixture->daemon, 0);
	assert_int_equal(harness_write_all(fds[0], "x", 1), 0);
	assert_int_equal(harness_read_exact(fds[0], &reply, 1, 5000), 0);
	harness_must_stop(&fixture->daemon, 1000);
	for (i = 0; i < 10; i++)
		(void)close(fds[i]);
}

/* IPv6 loopback, where the host has it. */
static void
test_ipv6_loopback(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply[3];
	int			 fd;

	harness_must_start_listen(fixture, 1, "echo@[::1]:0");
	fd = harness_connect("::1", fixture->daemon.ports[0]);
	assert_true(fd >= 0);
	assert_int_equal(harness_write_all(fd, "v6\n", 3), 0);
	assert_int_equal(harness_read_exact(fd, reply, 3, 5000), 0);
	assert_memory_equal(reply, "v6\n", 3);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* A port in use: a clear message and exit 1, also when detaching. */
static void
test_port_in_use(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 listen[64], output[4096];
	const char		*foreground[] = { "-d", "-b", fixture->backend,
				    "-l", listen, NULL };
	const char		*detached[] = { "-b", fixture->backend, "-l",
				    listen, NULL };

	harness_must_start_listen(fixture, 1, "echo@127.0.0.1:0");
	(void)snprintf(listen, sizeof(listen), "echo@127.0.0.1:%d",
	    fixture->daemon.ports[0]);
	assert_int_equal(harness_run(foreground, output, sizeof(output),
	    5000), 1);
	assert_non_null(strstr(output, "Address already in use"));
	assert_int_equal(harness_run(detached, output, sizeof(output), 5000),
	    1);
	assert_non_null(strstr(output, "Address already in use"));
	harness_must_stop(&fixture->daemon, 1000);
}

/* A usage error: the synopsis and a pointer to -h, not the whole help. */
static void
expect_short_usage(const char *output)
{
	assert_non_null(strstr(output, "usage: pforkd "));
	assert_non_null(strstr(output, "pforkd -h"));
	assert_null(strstr(output, "  -w workers"));
}

/* The command line: -V lists backends; bad flags exit 2, -h helps. */
static void
test_command_line(void **state)
{
	char		 output[4096];
	const char	*version[] = { "-V", NULL };
	const char	*bad_backend[] = { "-b", "nosuch", NULL };
	const char	*bad_listen[] = { "-d", "-l", "echo@nowhere", NULL };
	const char	*bad_flag[] = { "-Z", NULL };
	const char	*no_argument[] = { "-w", NULL };
	const char	*help[] = { "-h", NULL };

	(void)state;
	assert_int_equal(harness_run(version, output, sizeof(output), 5000),
	    0);
	assert_non_null(strstr(output, "pforkd " PACKAGE_VERSION));
	assert_non_null(strstr(output, "backends: "));
	assert_non_null(strstr(output, "poll"));
	assert_int_equal(harness_run(bad_backend, output, sizeof(output),
	    5000), 2);
	assert_non_null(strstr(output, "unknown backend"));
	assert_int_equal(harness_run(bad_listen, output, sizeof(output),
	    5000), 1);
	assert_non_null(strstr(output, "expected ADDRESS:PORT"));
	assert_int_equal(harness_run(bad_flag, output, sizeof(output),
	    5000), 2);
	expect_short_usage(output);
	assert_int_equal(harness_run(no_argument, output, sizeof(output),
	    5000), 2);
	expect_short_usage(output);
	assert_int_equal(harness_run(help, output, sizeof(output), 5000), 0);
	assert_non_null(strstr(output, "usage: pforkd "));
	assert_non_null(strstr(output, "  -w workers"));
}


static const struct backend_case echo_cases[] = {
	{ "round trips", test_round_trips },
	{ "half-close flushes the echo", test_half_close },
	{ "backpressure bounds the buffer", test_backpressure },
	{ "idle timeout", test_idle_timeout },
	{ "send timeout closes a peer that never reads", test_send_timeout },
	{ "send timeout spares a slow reader",
	    test_send_timeout_spares_slow_reader },
	{ "peer reset", test_peer_reset },
	{ "SIGTERM with open connections", test_sigterm_with_connections },
	{ "IPv6 loopback", test_ipv6_loopback },
	{ "port in use", test_port_in_use },
};

/* Leave out the IPv6 case on a host without ::1. */
static const char *
echo_case_unmet(const struct backend_case *echo_case,
    const struct backend_ops *backend)
{
	(void)backend;
	if (echo_case->function != test_ipv6_loopback ||
	    harness_have_ipv6_loopback())
		return NULL;
	return "no ::1 on this host";
}

int
main(void)
{
	struct backend_case_list	list;

	(void)signal(SIGPIPE, SIG_IGN);
	backend_cases_init(&list, harness_fixture_setup,
	    harness_fixture_teardown);
	backend_cases_add_plain(&list, "command line", test_command_line);
	backend_cases_add_all(&list, dispatcher_backends(), echo_cases,
	    sizeof(echo_cases) / sizeof(echo_cases[0]), echo_case_unmet);
	return backend_cases_run(&list, "echo");
}
