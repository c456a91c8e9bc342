/*
 * access_test.c: integration tests of the access rules (allow and deny)
 * against the real daemon over 127.0.0.1 and ::1: a refused peer's
 * connection is closed before a byte is served and logged at -v, the most
 * specific rule wins, global rules are inherited and overridden, a reload
 * brings new rules, and pforkd -n names a bad network's place.  Every
 * wait is bounded; every process is stopped by the pid this test started.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

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

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define WAIT_MS		3000

/* Start pforkd -d -v -w 1 -f config [extra] expecting listeners. */
static void
start_with_config(struct scratch_fixture *fixture, const char *text,
    size_t listeners, const char *extra)
{
	const char	*arguments[] = { "-d", "-v", "-w", "1", "-f",
			    fixture->config, extra != NULL ? "-l" : NULL,
			    extra, NULL };

	harness_must_write_file(fixture->config, text);
	harness_must_start(&fixture->daemon, arguments, listeners);
}

/* One round trip over a fresh connection; 0 when it came back intact. */
static int
echo_once(const char *address, int port)
{
	static const char	message[] = "access\n";
	char			reply[sizeof(message)];
	int			fd, result = -1;

	if ((fd = harness_connect(address, port)) == -1)
		return -1;
	if (harness_write_all(fd, message, sizeof(message) - 1) == 0 &&
	    harness_read_exact(fd, reply, sizeof(message) - 1, WAIT_MS) == 0 &&
	    memcmp(reply, message, sizeof(message) - 1) == 0)
		result = 0;
	(void)close(fd);
	return result;
}

/*
 * Connect to address:port and expect the daemon to close at once with
 * nothing sent, and to log "SERVICE: PEER refused: REASON" for this very
 * connection at -v.
 */
static void
expect_refused(struct scratch_fixture *fixture, const char *service,
    const char *address, int port, const char *reason)
{
	char	byte, line[256];
	int	fd = harness_connect(address, port);

	assert_true(fd >= 0);
	assert_int_equal(harness_read_until_eof(fd, &byte, 1, WAIT_MS), 0);
	(void)snprintf(line, sizeof(line), strchr(address, ':') != NULL ?
	    "%s: [%s]:%d refused: %s\n" : "%s: %s:%d refused: %s\n", service,
	    address, test_local_port(fd), reason);
	(void)close(fd);
	harness_must_log(&fixture->daemon, line, WAIT_MS);
}

/* Expect one round trip of echo on address:port. */
static void
expect_admitted(const char *address, int port)
{
	if (echo_once(address, port) != 0)
		fail_msg("%s port %d did not echo", address, port);
}

/* The lines of the log that hold both needle and then also. */
static int
count_lines(const struct scratch_fixture *fixture, const char *needle,
    const char *also)
{
	const char	*cursor = fixture->daemon.log, *end, *found;
	int		 count = 0;

	while ((cursor = strstr(cursor, needle)) != NULL) {
		if ((end = strchr(cursor, '\n')) == NULL)
			end = cursor + strlen(cursor);
		found = strstr(cursor, also);
		if (found != NULL && found < end)
			count++;
		cursor = end;
	}
	return count;
}

/* Wait, bounded, until the log holds needle count times. */
static void
wait_count(struct scratch_fixture *fixture, const char *needle, int count)
{
	uint64_t	deadline = monotonic_usec() + WAIT_MS * 1000;

	while (count_lines(fixture, needle, needle) < count)
		if (monotonic_usec() >= deadline ||
		    harness_read_log(&fixture->daemon, 20) == -1)
			fail_msg("'%s' not %d times in the log:\n%s", needle,
			    count, fixture->daemon.log);
}

/* deny, allow and a more specific rule inside another, over 127.0.0.1. */
static void
test_ipv4_rules(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const int	*ports = fixture->daemon.ports;

	start_with_config(fixture,
	    "service \"denied\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " deny 127.0.0.1\n}\n"
	    "service \"net\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 127.0.0.0/8\n}\n"
	    "service \"hole\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " deny 127.0.0.0/8\n allow 127.0.0.1/32\n}\n"
	    "service \"plug\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 127.0.0.0/8\n deny 127.0.0.1/32\n}\n"
	    "service \"elsewhere\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 10.0.0.0/8\n}\n"
	    "service \"tie\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 127.0.0.0/8\n deny 127.0.0.0/8\n}\n", 6, NULL);
	expect_refused(fixture, "denied", "127.0.0.1", ports[0],
	    "denied by access rules (deny 127.0.0.1)");
	expect_admitted("127.0.0.1", ports[1]);
	expect_admitted("127.0.0.1", ports[2]);
	expect_refused(fixture, "plug", "127.0.0.1", ports[3],
	    "denied by access rules (deny 127.0.0.1/32)");
	expect_refused(fixture, "elsewhere", "127.0.0.1", ports[4],
	    "denied by access rules (no allow rule matches)");
	expect_refused(fixture, "tie", "127.0.0.1", ports[5],
	    "denied by access rules (deny 127.0.0.0/8)");
	/* Refused connections never reached a protocol: no "closed". */
	harness_must_log(&fixture->daemon, "]: net: 127.0.0.1:", WAIT_MS);
	assert_int_equal(count_lines(fixture, "]: denied: ", "closed"), 0);
	assert_int_equal(count_lines(fixture, "]: denied: ", "refused"), 1);
	harness_must_stop(&fixture->daemon, 1500);
}

/* The same over ::1, with IPv6 rules, and IPv4 rules that do not apply. */
static void
test_ipv6_rules(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const int	*ports = fixture->daemon.ports;

	start_with_config(fixture,
	    "service \"denied\" {\n protocol echo\n listen [::1]:0\n"
	    " deny ::1\n}\n"
	    "service \"hole\" {\n protocol echo\n listen [::1]:0\n"
	    " deny ::/0\n allow [::1]/128\n}\n"
	    "service \"v4only\" {\n protocol echo\n listen [::1]:0\n"
	    " allow 127.0.0.0/8\n}\n"
	    "service \"v4deny\" {\n protocol echo\n listen [::1]:0\n"
	    " deny 0.0.0.0/0\n}\n"
	    "service \"all\" {\n protocol echo\n listen [::1]:0\n"
	    " listen 127.0.0.1:0\n deny all\n allow 127.0.0.1\n}\n", 6, NULL);
	expect_refused(fixture, "denied", "::1", ports[0],
	    "denied by access rules (deny ::1)");
	expect_admitted("::1", ports[1]);
	expect_refused(fixture, "v4only", "::1", ports[2],
	    "denied by access rules (no allow rule matches)");
	expect_admitted("::1", ports[3]);
	expect_refused(fixture, "all", "::1", ports[4],
	    "denied by access rules (deny all)");
	expect_admitted("127.0.0.1", ports[5]);
	harness_must_stop(&fixture->daemon, 1500);
}

/*
 * Global rules go to every service without rules of its own, -l services
 * included; a service's own rules replace them.
 */
static void
test_global_rules(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const int	*ports = fixture->daemon.ports;
	char		 byte;
	int		 fd;

	start_with_config(fixture,
	    "service echo {\n listen 127.0.0.1:0\n}\n"
	    "service \"own\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 127.0.0.1\n}\n"
	    "deny 127.0.0.0/8\n", 3, "daytime@127.0.0.1:0");
	expect_refused(fixture, "echo", "127.0.0.1", ports[0],
	    "denied by access rules (deny 127.0.0.0/8)");
	expect_admitted("127.0.0.1", ports[1]);
	expect_refused(fixture, "daytime", "127.0.0.1", ports[2],
	    "denied by access rules (deny 127.0.0.0/8)");
	harness_must_stop(&fixture->daemon, 1500);
	/* And the -l service's own rule replaces the global one. */
	start_with_config(fixture,
	    "service echo {\n listen 127.0.0.1:0\n}\n"
	    "deny 127.0.0.0/8\n", 2, "daytime@127.0.0.1:0,allow=127.0.0.1");
	expect_refused(fixture, "echo", "127.0.0.1", ports[0],
	    "denied by access rules (deny 127.0.0.0/8)");
	fd = harness_connect("127.0.0.1", ports[1]);
	assert_true(fd >= 0);
	assert_int_equal(harness_read_exact(fd, &byte, 1, WAIT_MS), 0);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1500);
}

/*
 * Wait, bounded, until a fresh connection to port echoes (want 1) or is
 * refused (want 0): the old workers may take one or two connections
 * between the reload and their stop.
 */
static void
wait_until(int port, int want)
{
	uint64_t	deadline = monotonic_usec() + WAIT_MS * 1000;
	int		admitted;

	do {
		admitted = echo_once("127.0.0.1", port) == 0;
		if (admitted == want)
			return;
		(void)poll(NULL, 0, 20);
	} while (monotonic_usec() < deadline);
	fail_msg("port %d still %s after the reload", port, want ?
	    "refuses" : "admits");
}

/* SIGHUP with changed rules: the new ones take effect, both ways. */
static void
test_reload(void **state)
{
	struct scratch_fixture	*fixture = *state;
	int		 port;

	start_with_config(fixture,
	    "service echo {\n listen 127.0.0.1:0\n deny 127.0.0.1\n}\n", 1,
	    NULL);
	port = fixture->daemon.ports[0];
	expect_refused(fixture, "echo", "127.0.0.1", port,
	    "denied by access rules (deny 127.0.0.1)");
	harness_must_write_file(fixture->config, "allow 127.0.0.1\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(kill(fixture->daemon.pid, SIGHUP), 0);
	wait_count(fixture, "reloaded:", 1);
	wait_until(port, 1);
	/* Back to a refusal, now from the global list. */
	harness_must_write_file(fixture->config, "allow 10.0.0.0/8\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(kill(fixture->daemon.pid, SIGHUP), 0);
	wait_count(fixture, "reloaded:", 2);
	wait_until(port, 0);
	expect_refused(fixture, "echo", "127.0.0.1", port,
	    "denied by access rules (no allow rule matches)");
	/* A bad network refuses the reload; the rules in force stay. */
	harness_must_write_file(fixture->config, "allow 10.0.0.1/8\n"
	    "service echo {\n listen 127.0.0.1:0\n}\n");
	assert_int_equal(kill(fixture->daemon.pid, SIGHUP), 0);
	harness_must_log(&fixture->daemon, "reload refused", WAIT_MS);
	harness_must_log(&fixture->daemon, ":1:7: allow: 10.0.0.1/8 has "
	    "host bits set; did you mean 10.0.0.0/8?", WAIT_MS);
	expect_refused(fixture, "echo", "127.0.0.1", port,
	    "denied by access rules (no allow rule matches)");
	harness_must_stop(&fixture->daemon, 1500);
}

/* pforkd -n: a bad network's place in the file, or its -l argument. */
static void
test_check_only(void **state)
{
	struct scratch_fixture	*fixture = *state;
	const char	*file_arguments[] = { "-n", "-f", fixture->config,
			    NULL };
	const char	*listen_arguments[] = { "-n", "-l",
			    "echo@127.0.0.1:0,allow=[::1]/64,deny=fe80::/129",
			    NULL };
	char		 output[2048], expected[512];

	harness_must_write_file(fixture->config,
	    "service echo {\n listen 127.0.0.1:0\n"
	    "\tallow 127.0.0.0/8\n\tdeny 127.0.0.1/8\n}\n");
	assert_int_equal(harness_run(file_arguments, output, sizeof(output),
	    WAIT_MS), 1);
	(void)snprintf(expected, sizeof(expected), "pforkd: %s:4:7: deny: "
	    "127.0.0.1/8 has host bits set; did you mean 127.0.0.0/8?\n",
	    fixture->config);
	assert_string_equal(output, expected);
	assert_int_equal(harness_run(listen_arguments, output,
	    sizeof(output), WAIT_MS), 1);
	assert_string_equal(output, "pforkd: -l echo@127.0.0.1:0,"
	    "allow=[::1]/64,deny=fe80::/129: allow: [::1]/64 has host bits "
	    "set; did you mean [::]/64?\n");
	harness_must_write_file(fixture->config, "allow all\ndeny 10.0.0.0/8\n"
	    "service echo {\n listen 127.0.0.1:0\n deny [2001:db8::]/32\n}\n");
	assert_int_equal(harness_run(file_arguments, output, sizeof(output),
	    WAIT_MS), 0);
	assert_string_equal(output, "pforkd: configuration OK: 1 service\n");
}

int
main(void)
{
	struct CMUnitTest	tests[5];
	size_t			count = 0;

	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_ipv4_rules, harness_scratch_setup, harness_scratch_teardown);
	/* A host without ::1 leaves the IPv6 case out (see the harness). */
	if (harness_have_ipv6_loopback())
		tests[count++] = (struct CMUnitTest)
		    cmocka_unit_test_setup_teardown(test_ipv6_rules,
		    harness_scratch_setup, harness_scratch_teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_global_rules, harness_scratch_setup, harness_scratch_teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_reload, harness_scratch_setup, harness_scratch_teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_check_only, harness_scratch_setup, harness_scratch_teardown);
	(void)signal(SIGPIPE, SIG_IGN);
	return _cmocka_run_group_tests("access", tests, count, NULL, NULL);
}
