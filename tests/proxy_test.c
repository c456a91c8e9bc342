/*
 * proxy_test.c: integration tests of "proxy-protocol on" against the real
 * daemon over 127.0.0.1 (and ::1 where it exists): a version 1 or 2
 * header, whole or a byte at a time, then data that alone is echoed, and
 * the carried client in the -v log; a trusted peer without a header and
 * an untrusted one with a header refused; access rules and per-source-max
 * applied to the carried address; a header that never ends closed at the
 * header timeout; a program service's environment telling the carried
 * ends.  Every wait is bounded; every process is stopped by its pid.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define WAIT_MS		3000
#define SIGNATURE	"\r\n\r\n\0\r\nQUIT\n"

/* The services of the configuration, in the order of their ports. */
enum {
	PORT_TRUSTED,		/* proxy-from 127.0.0.0/8, deny 192.0.2.66 */
	PORT_UNTRUSTED,		/* proxy-from 10.0.0.0/8 */
	PORT_CAPPED,		/* per-source-max 1 */
	PORT_SLOW,		/* idle 1: a 1 s header timeout */
	PORT_COUNT
};

static const char	configuration[] =
    "service \"px\" {\n protocol echo\n listen 127.0.0.1:0\n"
    " proxy-protocol on\n proxy-from 127.0.0.0/8\n deny 192.0.2.66\n}\n"
    "service \"untrusted\" {\n protocol echo\n listen 127.0.0.1:0\n"
    " proxy-protocol on\n proxy-from 10.0.0.0/8\n}\n"
    "service \"capped\" {\n protocol echo\n listen 127.0.0.1:0\n"
    " per-source-max 1\n}\n"
    "service \"slow\" {\n protocol echo\n listen 127.0.0.1:0\n idle 1\n}\n"
    "proxy-protocol on\n"
    "proxy-from 127.0.0.1\n";

/* Start pforkd -d -v -w 1 -f with the services above. */
static void
start_services(struct scratch_fixture *fixture)
{
	const char	*arguments[] = { "-d", "-v", "-w", "1", "-f",
			    fixture->config, NULL };

	harness_must_write_file(fixture->config, configuration);
	harness_must_start(&fixture->daemon, arguments, PORT_COUNT);
}

/* Connect to the service at index, failing the case if it cannot. */
static int
connect_to(struct scratch_fixture *fixture, int index)
{
	int	fd = harness_connect("127.0.0.1", fixture->daemon.ports[index]);

	assert_true(fd >= 0);
	return fd;
}

/* Send header and message, expect message alone back; fd stays open. */
static void
expect_echo(int fd, const void *header, size_t header_length,
    const char *message)
{
	char	reply[128];
	size_t	length = strlen(message);

	assert_true(length < sizeof(reply));
	if (header_length > 0)
		assert_int_equal(harness_write_all(fd, header, header_length),
		    0);
	assert_int_equal(harness_write_all(fd, message, length), 0);
	assert_int_equal(harness_read_exact(fd, reply, length, WAIT_MS), 0);
	assert_memory_equal(reply, message, length);
}

/*
 * Whether the daemon closes fd within timeout_ms having sent nothing: EOF,
 * or a reset when it closed with bytes of ours unread.
 */
static int
closed_unserved(int fd, int timeout_ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		byte;
	ssize_t		count;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	count = read(fd, &byte, 1);
	return count == 0 || (count == -1 && errno == ECONNRESET);
}

/*
 * Expect the daemon to close fd with nothing sent, and to log
 * "SERVICE: 127.0.0.1:PORT refused: REASON" for this very connection.
 */
static void
expect_refused(struct scratch_fixture *fixture, int fd, const char *service,
    const char *reason)
{
	char	line[256];

	assert_true(closed_unserved(fd, WAIT_MS));
	(void)snprintf(line, sizeof(line), "%s: 127.0.0.1:%d refused: %s",
	    service, test_local_port(fd), reason);
	(void)close(fd);
	harness_must_log(&fixture->daemon, line, WAIT_MS);
}

/* A version 2 PROXY header for TCP over IPv4 or IPv6 into out; length. */
static size_t
v2_header(unsigned char *out, const char *source, int source_port,
    const char *destination, int destination_port)
{
	int	six = strchr(source, ':') != NULL;
	size_t	size = six ? 16 : 4, at = 16;

	memcpy(out, SIGNATURE, 12);
	out[12] = 0x21;
	out[13] = six ? 0x21 : 0x11;
	out[14] = 0;
	out[15] = (unsigned char)(2 * size + 4);
	assert_int_equal(inet_pton(six ? AF_INET6 : AF_INET, source,
	    out + at), 1);
	assert_int_equal(inet_pton(six ? AF_INET6 : AF_INET, destination,
	    out + at + size), 1);
	at += 2 * size;
	out[at++] = (unsigned char)(source_port >> 8);
	out[at++] = (unsigned char)source_port;
	out[at++] = (unsigned char)(destination_port >> 8);
	out[at++] = (unsigned char)destination_port;
	return at;
}

/* Version 1 then data: the data alone echoed, the client logged. */
static void
test_v1(void **state)
{
	static const char	header[] = "PROXY TCP4 192.0.2.7 198.51.100.1 "
				    "56324 7\r\n";
	static const char	both[] = "PROXY TCP4 192.0.2.8 198.51.100.1 "
				    "1 7\r\nPROXY TCP4 6.6.6.6 6.6.6.6 6 6\r\n";
	struct scratch_fixture		*fixture = *state;
	char			 reply[64];
	int			 fd;

	start_services(fixture);
	fd = connect_to(fixture, PORT_TRUSTED);
	expect_echo(fd, header, sizeof(header) - 1, "hello\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: 192.0.2.7:56324 closed after",
	    WAIT_MS);
	/* A header and its data in one segment are told apart too. */
	fd = connect_to(fixture, PORT_TRUSTED);
	assert_int_equal(harness_write_all(fd, both, sizeof(both) - 1), 0);
	assert_int_equal(harness_read_exact(fd, reply, 32, WAIT_MS), 0);
	assert_memory_equal(reply, both + 39, 32);
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: 192.0.2.8:1 closed after",
	    WAIT_MS);
	harness_must_stop(&fixture->daemon, 1500);
}

/* Version 2, IPv4 and IPv6 sources, and LOCAL (the real peer stays). */
static void
test_v2(void **state)
{
	static const unsigned char	local[16] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x20, 0x00, 0x00, 0x00
	};
	struct scratch_fixture			*fixture = *state;
	unsigned char			 header[64];
	char				 line[128];
	int				 fd;

	start_services(fixture);
	fd = connect_to(fixture, PORT_TRUSTED);
	expect_echo(fd, header, v2_header(header, "192.0.2.9", 4242,
	    "198.51.100.1", 7), "v2 data\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: 192.0.2.9:4242 closed after",
	    WAIT_MS);
	fd = connect_to(fixture, PORT_TRUSTED);
	expect_echo(fd, header, v2_header(header, "2001:db8::7", 4343,
	    "2001:db8::1", 7), "v2 six\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon,
	    "px: [2001:db8::7]:4343 closed after", WAIT_MS);
	fd = connect_to(fixture, PORT_TRUSTED);
	expect_echo(fd, local, sizeof(local), "health\n");
	(void)snprintf(line, sizeof(line), "px: 127.0.0.1:%d closed after",
	    test_local_port(fd));
	(void)close(fd);
	harness_must_log(&fixture->daemon, line, WAIT_MS);
	harness_must_stop(&fixture->daemon, 1500);
}

/* A header sent a byte at a time, then the data. */
static void
test_byte_at_a_time(void **state)
{
	static const char	header[] = "PROXY TCP6 2001:db8::9 ::1 "
				    "5555 7\r\n";
	struct scratch_fixture		*fixture = *state;
	struct timespec		 pause = { 0, 2 * 1000 * 1000 };
	unsigned char		 v2[64];
	size_t			 i, length;
	int			 fd;

	start_services(fixture);
	fd = connect_to(fixture, PORT_TRUSTED);
	for (i = 0; i < sizeof(header) - 1; i++) {
		assert_int_equal(harness_write_all(fd, header + i, 1), 0);
		(void)nanosleep(&pause, NULL);
	}
	expect_echo(fd, "", 0, "slowly\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: [2001:db8::9]:5555 closed",
	    WAIT_MS);
	fd = connect_to(fixture, PORT_TRUSTED);
	length = v2_header(v2, "192.0.2.11", 5656, "198.51.100.1", 7);
	for (i = 0; i < length; i++) {
		assert_int_equal(harness_write_all(fd, v2 + i, 1), 0);
		(void)nanosleep(&pause, NULL);
	}
	expect_echo(fd, "", 0, "slowly\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: 192.0.2.11:5656 closed",
	    WAIT_MS);
	harness_must_stop(&fixture->daemon, 1500);
}

/*
 * A trusted peer without a header, or with a bad one, is refused; an
 * untrusted one with a header is refused, and without one is served.
 */
static void
test_trust(void **state)
{
	static const char	header[] = "PROXY TCP4 192.0.2.7 198.51.100.1 "
				    "56324 7\r\n";
	struct scratch_fixture		*fixture = *state;
	struct timespec		 beyond_sniff = { 0, 400 * 1000 * 1000 };
	unsigned char		 v2[64];
	int			 fd;

	start_services(fixture);
	fd = connect_to(fixture, PORT_TRUSTED);
	assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
	expect_refused(fixture, fd, "px",
	    "bad PROXY header: no PROXY signature");
	fd = connect_to(fixture, PORT_TRUSTED);
	assert_int_equal(harness_write_all(fd, "PROXY TCP4 1.2.3.4 5.6.7.8 "
	    "01 2\r\n", 33), 0);
	expect_refused(fixture, fd, "px", "bad PROXY header: v1: bad TCP4 "
	    "source address or port");
	fd = connect_to(fixture, PORT_TRUSTED);
	(void)shutdown(fd, SHUT_WR);
	expect_refused(fixture, fd, "px", "closed without a PROXY header");

	fd = connect_to(fixture, PORT_UNTRUSTED);
	assert_int_equal(harness_write_all(fd, header, sizeof(header) - 1),
	    0);
	expect_refused(fixture, fd, "untrusted",
	    "PROXY header from outside proxy-from");
	fd = connect_to(fixture, PORT_UNTRUSTED);
	assert_int_equal(harness_write_all(fd, v2, v2_header(v2, "192.0.2.7",
	    1, "192.0.2.8", 2)), 0);
	expect_refused(fixture, fd, "untrusted",
	    "PROXY header from outside proxy-from");
	fd = connect_to(fixture, PORT_UNTRUSTED);
	expect_echo(fd, "", 0, "direct\n");
	(void)close(fd);
	/* A direct client that says nothing is served after the sniff. */
	fd = connect_to(fixture, PORT_UNTRUSTED);
	(void)nanosleep(&beyond_sniff, NULL);
	expect_echo(fd, "", 0, "PROXY later is data\n");
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1500);
}

/* Access rules and per-source-max count the carried address. */
static void
test_rules_and_caps(void **state)
{
	struct scratch_fixture	*fixture = *state;
	char		 header[128];
	int		 fd, held;

	start_services(fixture);
	fd = connect_to(fixture, PORT_TRUSTED);
	(void)snprintf(header, sizeof(header), "PROXY TCP4 192.0.2.66 "
	    "198.51.100.1 1000 7\r\n");
	assert_int_equal(harness_write_all(fd, header, strlen(header)), 0);
	assert_true(closed_unserved(fd, WAIT_MS));
	(void)close(fd);
	harness_must_log(&fixture->daemon, "px: 192.0.2.66:1000 refused: "
	    "denied by access rules (deny 192.0.2.66)", WAIT_MS);
	/* One from 192.0.2.9 holds the only place its source has. */
	held = connect_to(fixture, PORT_CAPPED);
	expect_echo(held, "PROXY TCP4 192.0.2.9 198.51.100.1 1 7\r\n", 39,
	    "first\n");
	fd = connect_to(fixture, PORT_CAPPED);
	assert_int_equal(harness_write_all(fd, "PROXY TCP4 192.0.2.9 "
	    "198.51.100.1 2 7\r\n", 39), 0);
	assert_true(closed_unserved(fd, WAIT_MS));
	(void)close(fd);
	harness_must_log(&fixture->daemon, "capped: 192.0.2.9:2 refused: "
	    "per-source-max reached", WAIT_MS);
	/* Another client behind the same balancer is served. */
	fd = connect_to(fixture, PORT_CAPPED);
	expect_echo(fd, "PROXY TCP4 192.0.2.10 198.51.100.1 3 7\r\n", 40,
	    "second\n");
	(void)close(fd);
	(void)close(held);
	harness_must_stop(&fixture->daemon, 1500);
}

/* A header that never ends is closed at the header timeout. */
static void
test_timeout(void **state)
{
	struct scratch_fixture	*fixture = *state;
	uint64_t	 started;
	int		 fd;

	start_services(fixture);
	fd = connect_to(fixture, PORT_SLOW);
	started = monotonic_usec();
	assert_int_equal(harness_write_all(fd, "PROXY TCP4 192.0.2.7 ", 21),
	    0);
	assert_true(closed_unserved(fd, 4000));
	assert_true(monotonic_usec() - started >= 900 * 1000);
	expect_refused(fixture, fd, "slow", "PROXY header timeout");
	fd = connect_to(fixture, PORT_SLOW);
	expect_refused(fixture, fd, "slow", "no PROXY header in time");
	harness_must_stop(&fixture->daemon, 1500);
}

/* A program service's environment tells the ends the header carried. */
static void
test_program_environment(void **state)
{
	static const char	header[] = "PROXY TCP4 192.0.2.7 198.51.100.1 "
				    "56324 8080\r\n";
	struct scratch_fixture		*fixture = *state;
	struct passwd		*self = getpwuid(getuid());
	const char		*arguments[] = { "-d", "-v", "-l", NULL,
				    NULL };
	char			 spec[256], reply[8192];
	ssize_t			 got;
	int			 fd;

	assert_non_null(self);
	(void)snprintf(spec, sizeof(spec), "env@127.0.0.1:0,proxy-protocol=on,"
	    "proxy-from=127.0.0.0/8,user=%s,command=/usr/bin/env",
	    self->pw_name);
	arguments[3] = spec;
	harness_must_start(&fixture->daemon, arguments, 1);
	fd = connect_to(fixture, 0);
	assert_int_equal(harness_write_all(fd, header, sizeof(header) - 1),
	    0);
	got = harness_read_until_eof(fd, reply, sizeof(reply) - 1, 5000);
	assert_true(got > 0);
	reply[got] = '\0';
	(void)close(fd);
	if (strstr(reply, "\nTCPREMOTEIP=192.0.2.7\n") == NULL ||
	    strstr(reply, "\nTCPREMOTEPORT=56324\n") == NULL ||
	    strstr(reply, "\nTCPLOCALIP=198.51.100.1\n") == NULL ||
	    strstr(reply, "\nTCPLOCALPORT=8080\n") == NULL ||
	    strstr(reply, "\nREMOTE_ADDR=192.0.2.7\n") == NULL ||
	    strstr(reply, "\nREMOTE_PORT=56324\n") == NULL)
		fail_msg("environment without the carried ends:\n%s", reply);
	harness_must_log(&fixture->daemon, "env: 192.0.2.7:56324 pid",
	    WAIT_MS);
	/* A trusted peer without a header reaches no child. */
	fd = connect_to(fixture, 0);
	assert_int_equal(harness_write_all(fd, "hi\n", 3), 0);
	expect_refused(fixture, fd, "env",
	    "bad PROXY header: no PROXY signature");
	harness_must_stop(&fixture->daemon, 3000);
}

/* Over ::1: a trusted IPv6 balancer with an IPv4 client. */
static void
test_ipv6_balancer(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const char	*arguments[] = { "-d", "-v", "-l",
			    "echo@[::1]:0,proxy-protocol=on,proxy-from=::1/128",
			    NULL };
	int		 fd;

	harness_must_start(&fixture->daemon, arguments, 1);
	fd = harness_connect("::1", fixture->daemon.ports[0]);
	assert_true(fd >= 0);
	expect_echo(fd, "PROXY TCP4 192.0.2.7 198.51.100.1 99 7\r\n", 40,
	    "six\n");
	(void)close(fd);
	harness_must_log(&fixture->daemon, "echo: 192.0.2.7:99 closed",
	    WAIT_MS);
	harness_must_stop(&fixture->daemon, 1500);
}

/* proxy-protocol on without proxy-from is refused, with the reason. */
static void
test_configuration_errors(void **state)
{
	const char	*without[] = { "-n", "-l",
			    "echo@127.0.0.1:0,proxy-protocol=on", NULL };
	const char	*bad[] = { "-n", "-l",
			    "echo@127.0.0.1:0,proxy-protocol=yes", NULL };
	char		 output[2048];

	(void)state;
	assert_int_not_equal(harness_run(without, output, sizeof(output),
	    5000), 0);
	assert_non_null(strstr(output, "proxy-protocol on needs proxy-from"));
	assert_int_not_equal(harness_run(bad, output, sizeof(output), 5000),
	    0);
	assert_non_null(strstr(output, "is not on or off"));
}

/* Run the cases; the IPv6 one where ::1 exists. */
int
main(void)
{
	struct CMUnitTest	tests[9];
	size_t			count = 0;

#define CASE(name) tests[count++] = (struct CMUnitTest) \
	cmocka_unit_test_setup_teardown(name, harness_scratch_setup, \
	harness_scratch_teardown)
	CASE(test_v1);
	CASE(test_v2);
	CASE(test_byte_at_a_time);
	CASE(test_trust);
	CASE(test_rules_and_caps);
	CASE(test_timeout);
	CASE(test_program_environment);
	if (harness_have_ipv6_loopback())
		CASE(test_ipv6_balancer);
	CASE(test_configuration_errors);
#undef CASE
	return _cmocka_run_group_tests("proxy_test", tests, count, NULL,
	    NULL);
}
