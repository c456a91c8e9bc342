/*
 * builtins_integration_test.c: the discard, chargen, daytime and time
 * services of the real daemon, once per compiled backend, over loopback.
 *
 * The daemon reads its wall clock from PFORKD_TEST_CLOCK when set; the
 * harness passes this program's environment on, so a case sets the clock
 * (and TZ) here before it starts the daemon.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <dirent.h>
#include <poll.h>
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

#include "backend_cases.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define LINE_BYTES	74

/* The daemon's ports, in the order of the -l arguments of start_all(). */
#define PORT_DISCARD	0
#define PORT_CHARGEN	1
#define PORT_DAYTIME	2
#define PORT_TIME	3

/* 2026-11-22T09:06:04Z, a Sunday. */
#define SOME_CLOCK		"1795338364"
#define SOME_DAYTIME		"Sun Nov 22 09:06:04 2026\r\n"
#define SOME_TIME		4004327164U
/* 2036-02-07T06:45:00Z, 1004 s after the RFC 868 wrap. */
#define WRAPPED_CLOCK		"2085979500"
#define WRAPPED_TIME		1004U

/* Set or clear the daemon's test clock, and make its zone UTC. */
static void
set_daemon_clock(const char *clock)
{
	assert_int_equal(setenv("TZ", "UTC", 1), 0);
	if (clock != NULL)
		assert_int_equal(setenv("PFORKD_TEST_CLOCK", clock, 1), 0);
	else
		assert_int_equal(unsetenv("PFORKD_TEST_CLOCK"), 0);
}

/* Start the daemon with all four services; clock may be NULL. */
static void
start_all(struct backend_fixture *fixture, const char *clock)
{
	const char	*listens[] = { "discard@127.0.0.1:0",
			    "chargen@127.0.0.1:0", "daytime@127.0.0.1:0",
			    "time@127.0.0.1:0", NULL };

	set_daemon_clock(clock);
	harness_must_start_backend(fixture, 1, listens);
}

/* The chargen byte at offset, built from RFC 864's description. */
static char
chargen_expected(uint64_t offset)
{
	uint64_t	line = offset / LINE_BYTES;
	uint64_t	column = offset % LINE_BYTES;

	if (column == 72)
		return '\r';
	if (column == 73)
		return '\n';
	return (char)(' ' + (line + column) % 95);
}

/* Discard swallows 1 MiB, sends nothing, and closes on our EOF. */
static void
test_discard(void **state)
{
	struct backend_fixture	*fixture = *state;
	const size_t		 total = 1024 * 1024;
	char			*data, reply[16];
	int			 fd;

	data = malloc(total);
	assert_non_null(data);
	memset(data, 'x', total);
	start_all(fixture, NULL);
	fd = harness_must_connect(&fixture->daemon, PORT_DISCARD);
	assert_int_equal(harness_write_all(fd, data, total), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	assert_int_equal(harness_read_until_eof(fd, reply, sizeof(reply),
	    5000), 0);
	harness_must_log(&fixture->daemon,
	    "1048576 bytes in, 0 bytes out: peer closed", 5000);
	(void)close(fd);
	free(data);
	harness_must_stop(&fixture->daemon, 1000);
}

/* Chargen's first 100 lines are exactly RFC 864's. */
static void
test_chargen_lines(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 stream[100 * LINE_BYTES];
	size_t			 i;
	int			 fd;

	start_all(fixture, NULL);
	fd = harness_must_connect(&fixture->daemon, PORT_CHARGEN);
	assert_int_equal(harness_read_exact(fd, stream, sizeof(stream),
	    5000), 0);
	for (i = 0; i < sizeof(stream); i++)
		if (stream[i] != chargen_expected(i))
			fail_msg("line %zu, column %zu: got 0x%02x",
			    i / LINE_BYTES, i % LINE_BYTES,
			    (unsigned char)stream[i]);
	assert_int_equal(stream[0], ' ');
	assert_int_equal(stream[99 * LINE_BYTES], ' ' + 99 % 95);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* Chargen ends the connection when the peer half-closes (EOF). */
static void
test_chargen_peer_eof(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 line[LINE_BYTES];
	int			 fd;

	start_all(fixture, NULL);
	fd = harness_must_connect(&fixture->daemon, PORT_CHARGEN);
	assert_int_equal(harness_write_all(fd, "ignored\r\n", 9), 0);
	assert_int_equal(harness_read_exact(fd, line, sizeof(line), 5000), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	harness_must_log(&fixture->daemon, "9 bytes in", 5000);
	harness_must_log(&fixture->daemon, "peer closed", 5000);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* The resident set of pid in KiB, or -1 when /proc cannot tell. */
static long
process_rss_kib(long pid)
{
	char	path[64], line[256];
	FILE	*status;
	long	 kib = -1;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((status = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	(void)fclose(status);
	return kib;
}

/* The parent of pid, from /proc/PID/stat, or -1. */
static long
process_parent(const char *pid)
{
	char		 path[300], text[512];
	const char	*after_name;
	FILE		*stat_file;
	long		 parent = -1;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((stat_file = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(text, sizeof(text), stat_file) != NULL &&
	    (after_name = strrchr(text, ')')) != NULL &&
	    sscanf(after_name + 1, " %*c %ld", &parent) != 1)
		parent = -1;
	(void)fclose(stat_file);
	return parent;
}

/*
 * The resident set of the daemon and its children (the pre-forked workers
 * that serve connections), in KiB; -1 without a Linux-style /proc.
 */
static long
daemon_rss_kib(pid_t daemon)
{
	struct dirent	*entry;
	DIR		*proc;
	long		 total, child;

	if ((total = process_rss_kib((long)daemon)) == -1)
		return -1;
	if ((proc = opendir("/proc")) == NULL)
		return total;
	while ((entry = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)entry->d_name[0]) ||
		    process_parent(entry->d_name) != (long)daemon)
			continue;
		if ((child = process_rss_kib(atol(entry->d_name))) > 0)
			total += child;
	}
	(void)closedir(proc);
	return total;
}

/* The number just before suffix in the daemon's log, or -1. */
static long long
logged_number_before(struct backend_fixture *fixture, const char *suffix)
{
	const char	*found, *digits;

	if ((found = strstr(fixture->daemon.log, suffix)) == NULL)
		return -1;
	digits = found;
	while (digits > fixture->daemon.log && isdigit((unsigned char)
	    digits[-1]))
		digits--;
	return digits == found ? -1 : atoll(digits);
}

/* Read the chargen stream to EOF, checking every byte; the count or -1. */
static long long
read_chargen_to_eof(int fd, int timeout_ms)
{
	static char	 buffer[64 * 1024];
	uint64_t	 deadline, offset = 0;
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	ssize_t		 count, i;

	deadline = monotonic_usec() + (uint64_t)timeout_ms * 1000;
	while (monotonic_usec() < deadline) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((count = read(fd, buffer, sizeof(buffer))) == 0)
			return (long long)offset;
		if (count < 0)
			return -1;
		for (i = 0; i < count; i++)
			if (buffer[i] != chargen_expected(offset + (uint64_t)i))
				return -1;
		offset += (uint64_t)count;
	}
	return -1;
}

/*
 * A peer that never reads: the daemon writes only what the kernel takes,
 * so its memory does not grow while the stream is stalled; the idle
 * timeout then closes the connection, and everything the daemon counted
 * as sent arrives intact, then EOF.
 */
static void
test_chargen_stalled_peer(void **state)
{
	struct backend_fixture	*fixture = *state;
	const char		*listens[] = { "chargen@127.0.0.1:0,idle=1",
				    NULL };
	long			 before, during, most = 0;
	long long		 sent, received;
	uint64_t		 connected;
	int			 fd, sample;

	set_daemon_clock(NULL);
	harness_must_start_backend(fixture, 1, listens);
	if ((before = daemon_rss_kib(fixture->daemon.pid)) == -1) {
		harness_must_stop(&fixture->daemon, 1000);
		skip();
	}
	fd = harness_must_connect(&fixture->daemon, 0);
	connected = monotonic_usec();
	/* Sample well before the idle timeout can fire (1 s). */
	for (sample = 0; sample < 7; sample++) {
		test_sleep_usec(100000);
		during = daemon_rss_kib(fixture->daemon.pid);
		if (during > most)
			most = during;
	}
	if (most - before > 8 * 1024)
		fail_msg("daemon grew from %ld to %ld KiB", before, most);
	harness_must_log(&fixture->daemon, "bytes out: idle timeout",
	    5000);
	assert_true(monotonic_usec() - connected >= 900000);
	sent = logged_number_before(fixture, " bytes out: idle timeout");
	assert_true(sent > 0 && sent < 64LL * 1024 * 1024);
	received = read_chargen_to_eof(fd, 10000);
	if (received != sent)
		fail_msg("daemon sent %lld bytes, %lld arrived", sent,
		    received);
	(void)close(fd);
	harness_must_stop(&fixture->daemon, 1000);
}

/* Check that line has the ctime() layout "Www Mmm dd hh:mm:ss yyyy\r\n". */
static void
check_daytime_layout(const char *line, size_t length)
{
	static const char	layout[] = "Aaa Aaa _9 99:99:99 9999\r\n";
	size_t			i;

	if (length != sizeof(layout) - 1)
		fail_msg("daytime line of %zu bytes: '%.*s'", length,
		    (int)length, line);
	for (i = 0; i < length; i++) {
		if ((layout[i] == 'A' && !isupper((unsigned char)line[i])) ||
		    (layout[i] == 'a' && !islower((unsigned char)line[i])) ||
		    (layout[i] == '9' && !isdigit((unsigned char)line[i])) ||
		    (layout[i] == '_' && line[i] != ' ' &&
		    !isdigit((unsigned char)line[i])) ||
		    (strchr("Aa9_", layout[i]) == NULL &&
		    line[i] != layout[i]))
			fail_msg("daytime line '%.*s': byte %zu", (int)length,
			    line, i);
	}
}

/* Read everything a short-reply service sends, up to EOF. */
static size_t
read_reply(struct backend_fixture *fixture, size_t port, char *reply,
    size_t size)
{
	ssize_t	length;
	int	fd;

	fd = harness_must_connect(&fixture->daemon, port);
	length = harness_read_until_eof(fd, reply, size, 5000);
	(void)close(fd);
	assert_true(length >= 0);
	return (size_t)length;
}

/* Daytime sends one CRLF-terminated ctime() line, then closes. */
static void
test_daytime(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply[128];
	size_t			 length;

	start_all(fixture, NULL);
	length = read_reply(fixture, PORT_DAYTIME, reply, sizeof(reply));
	check_daytime_layout(reply, length);
	harness_must_log(&fixture->daemon, "26 bytes out: reply sent", 5000);
	harness_must_stop(&fixture->daemon, 1000);
}

/* With the test clock and TZ=UTC, the line is exactly the expected one. */
static void
test_daytime_clock(void **state)
{
	struct backend_fixture	*fixture = *state;
	char			 reply[128];
	size_t			 length;

	start_all(fixture, SOME_CLOCK);
	length = read_reply(fixture, PORT_DAYTIME, reply, sizeof(reply));
	assert_int_equal(length, strlen(SOME_DAYTIME));
	assert_memory_equal(reply, SOME_DAYTIME, length);
	harness_must_stop(&fixture->daemon, 1000);
}

/* The 4 big-endian bytes of the time service, then EOF. */
static uint32_t
read_time(struct backend_fixture *fixture)
{
	unsigned char	reply[8];

	assert_int_equal(read_reply(fixture, PORT_TIME, (char *)reply,
	    sizeof(reply)), 4);
	return (uint32_t)reply[0] << 24 | (uint32_t)reply[1] << 16 |
	    (uint32_t)reply[2] << 8 | (uint32_t)reply[3];
}

/* Time sends the seconds since 1900 of the real clock, then closes. */
static void
test_time(void **state)
{
	struct backend_fixture	*fixture = *state;
	uint32_t		 expected, got;

	start_all(fixture, NULL);
	expected = (uint32_t)((uint64_t)time(NULL) + 2208988800U);
	got = read_time(fixture);
	/* Compare modulo 2^32: the difference must be a few seconds. */
	if ((uint32_t)(got - expected + 5) > 10)
		fail_msg("time sent %lu, expected about %lu",
		    (unsigned long)got, (unsigned long)expected);
	harness_must_log(&fixture->daemon, "4 bytes out: reply sent", 5000);
	harness_must_stop(&fixture->daemon, 1000);
}

/* With the test clock: the exact value, and the 2036 wrap. */
static void
test_time_clock(void **state)
{
	struct backend_fixture	*fixture = *state;

	start_all(fixture, SOME_CLOCK);
	assert_int_equal(read_time(fixture), SOME_TIME);
	harness_must_stop(&fixture->daemon, 1000);
	start_all(fixture, WRAPPED_CLOCK);
	assert_int_equal(read_time(fixture), WRAPPED_TIME);
	harness_must_stop(&fixture->daemon, 1000);
}

/* An unknown service name is refused with the list of built-ins. */
static void
test_unknown_service(void **state)
{
	char		 output[4096];
	const char	*arguments[] = { "-d", "-l", "qotd@127.0.0.1:0", NULL };

	(void)state;
	assert_true(harness_run(arguments, output, sizeof(output), 5000) > 0);
	if (strstr(output, "echo, discard, chargen, daytime, time") == NULL)
		fail_msg("no list of built-ins in:\n%s", output);
}

static const struct backend_case builtins_cases[] = {
	{ "discard swallows 1 MiB", test_discard },
	{ "chargen lines", test_chargen_lines },
	{ "chargen ends at peer EOF", test_chargen_peer_eof },
	{ "chargen to a peer that never reads", test_chargen_stalled_peer },
	{ "daytime", test_daytime },
	{ "daytime with the test clock", test_daytime_clock },
	{ "time", test_time },
	{ "time with the test clock and its 2036 wrap", test_time_clock },
};

int
main(void)
{
	struct backend_case_list	list;

	(void)signal(SIGPIPE, SIG_IGN);
	backend_cases_init(&list, harness_fixture_setup,
	    harness_fixture_teardown);
	backend_cases_add_plain(&list, "unknown service", test_unknown_service);
	backend_cases_add_all(&list, dispatcher_backends(), builtins_cases,
	    sizeof(builtins_cases) / sizeof(builtins_cases[0]), NULL);
	return backend_cases_run(&list, "builtins integration");
}
