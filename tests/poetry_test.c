/*
 * poetry_test.c: integration tests of the poetry service, run against the
 * real daemon once per compiled backend, over loopback only.
 *
 * Pacing is checked against the schedule from below only: the test reads
 * the clock before connect(2), the daemon can start a connection's
 * schedule no earlier, and its timers never fire early, so chunk k must
 * not arrive before that time plus k delays.  Upper bounds are generous,
 * so a busy machine makes the tests slower, never flaky.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
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

#define LISTEN_MAX		2048
#define ARRIVALS_MAX		8192
#define CROWD			1000
#define CROWD_FDS_NEEDED	(CROWD + 64)
#define BIG_POEM_BYTES		(4 * 1024 * 1024)
#define SLACK_USEC		5000000		/* generous upper bounds */

/* One read of a timed client: when it returned, and bytes so far. */
struct arrival {
	uint64_t	usec;
	size_t		total;
};

/* A poem file and its bytes. */
struct poem {
	char	path[1024];
	char	*bytes;
	size_t	 length;
};

static const char *const bundled_poems[] = {
	"ecstasy.txt", "fascination.txt", "science.txt", "alla-sera.txt"
};

static char	scratch_folder[] = "/tmp/poetry_test.XXXXXX";

/* Read the whole file at path into poem; fails the test if it cannot. */
static void
load_poem(struct poem *poem, const char *path)
{
	struct stat	status;
	ssize_t		count;
	int		fd;

	(void)snprintf(poem->path, sizeof(poem->path), "%s", path);
	fd = open(path, O_RDONLY);
	if (fd == -1 || fstat(fd, &status) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	poem->length = (size_t)status.st_size;
	poem->bytes = malloc(poem->length + 1);
	assert_non_null(poem->bytes);
	count = read(fd, poem->bytes, poem->length);
	assert_int_equal(count, (ssize_t)poem->length);
	(void)close(fd);
}

/* Load a bundled poem from the source tree's poetry folder. */
static void
load_bundled(struct poem *poem, const char *name)
{
	char	path[1024];

	(void)snprintf(path, sizeof(path), "%s/poetry/%s", test_srcdir(),
	    name);
	load_poem(poem, path);
}

/* Read one whole poem from a fresh connection and compare it. */
static void
expect_poem(struct backend_fixture *fixture, const struct poem *poem,
    int timeout_ms)
{
	char	*received;
	ssize_t	 count;
	int	 fd;

	received = malloc(poem->length + 1);
	assert_non_null(received);
	fd = harness_must_connect(&fixture->daemon, 0);
	count = harness_read_until_eof(fd, received, poem->length + 1,
	    timeout_ms);
	(void)close(fd);
	if (count != (ssize_t)poem->length)
		fail_msg("%s: got %zd bytes, not %zu", poem->path, count,
		    poem->length);
	assert_memory_equal(received, poem->bytes, poem->length);
	free(received);
}

/* Every bundled poem arrives byte for byte, at the default chunk size. */
static void
test_bundled_poems(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;
	size_t			 i;

	for (i = 0; i < sizeof(bundled_poems) / sizeof(bundled_poems[0]);
	    i++) {
		load_bundled(&poem, bundled_poems[i]);
		harness_must_start_listen(fixture, 0,
		    "poetry@127.0.0.1:0,file=%s,delay=0.001", poem.path);
		expect_poem(fixture, &poem, 20000);
		harness_must_stop(&fixture->daemon, 5000);
		free(poem.bytes);
	}
}

/*
 * Alla sera, one byte per chunk: every UTF-8 character is split across
 * chunks, and the bytes still arrive identical to the file.
 */
static void
test_utf8_bytes(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;

	load_bundled(&poem, "alla-sera.txt");
	harness_must_start_listen(fixture, 0,
	    "poetry@127.0.0.1:0,file=%s,bytes=1,delay=0.001", poem.path);
	expect_poem(fixture, &poem, 20000);
	harness_must_stop(&fixture->daemon, 5000);
	free(poem.bytes);
}

/*
 * A bare file= started from the source tree is found in its poetry folder,
 * as the README's ./pforkd -d finds the poems of the defaults: pforkd
 * starts in top_srcdir (read only under distcheck, and nothing is written
 * there) and the test goes back to where it was once pforkd is up.
 */
static void
test_relative_file(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;
	char			 here[1024];

	load_bundled(&poem, "science.txt");
	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(test_srcdir()), 0);
	harness_must_start_listen(fixture, 0,
	    "poetry@127.0.0.1:0,file=science.txt,delay=0");
	assert_int_equal(chdir(here), 0);
	expect_poem(fixture, &poem, 5000);
	harness_must_stop(&fixture->daemon, 5000);
	free(poem.bytes);
}

/* Read until EOF, noting when each read returned; the byte count. */
static size_t
read_arrivals(int fd, char *buffer, size_t size, struct arrival *arrivals,
    size_t *arrival_count, int timeout_ms)
{
	uint64_t	deadline;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		total = 0;
	ssize_t		count;

	*arrival_count = 0;
	deadline = monotonic_usec() + (uint64_t)timeout_ms * 1000;
	while (monotonic_usec() < deadline && total < size) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		count = read(fd, buffer + total, size - total);
		if (count <= 0)
			break;
		total += (size_t)count;
		if (*arrival_count < ARRIVALS_MAX) {
			arrivals[*arrival_count].usec = monotonic_usec();
			arrivals[(*arrival_count)++].total = total;
		}
	}
	return total;
}

/*
 * bytes=100, delay=0.05: every read ends on a chunk boundary, no chunk
 * comes before its time, and the whole poem within generous bounds.
 */
static void
test_pacing(void **state)
{
	struct backend_fixture	*fixture = *state;
	const size_t		 bytes = 100;
	const uint64_t		 delay = 50000;
	struct arrival		*arrivals;
	struct poem		 poem;
	uint64_t		 before, due;
	size_t			 count, total, i, chunk;
	char			*received;
	int			 fd;

	load_bundled(&poem, "ecstasy.txt");
	arrivals = calloc(ARRIVALS_MAX, sizeof(*arrivals));
	received = malloc(poem.length + 1);
	assert_non_null(arrivals);
	assert_non_null(received);
	harness_must_start_listen(fixture, 0,
	    "poetry@127.0.0.1:0,file=%s,bytes=100,delay=0.05", poem.path);
	before = monotonic_usec();
	fd = harness_must_connect(&fixture->daemon, 0);
	total = read_arrivals(fd, received, poem.length + 1, arrivals, &count,
	    60000);
	(void)close(fd);
	assert_int_equal(total, poem.length);
	assert_memory_equal(received, poem.bytes, poem.length);
	assert_true(count >= 2);
	for (i = 0; i < count; i++) {
		if (arrivals[i].total % bytes != 0 &&
		    arrivals[i].total != poem.length)
			fail_msg("read %zu ends at byte %zu, inside a chunk", i,
			    arrivals[i].total);
		chunk = (arrivals[i].total - 1) / bytes;
		due = before + chunk * delay;
		if (arrivals[i].usec < due)
			fail_msg("chunk %zu came %llu us before its time",
			    chunk, (unsigned long long)(due -
			    arrivals[i].usec));
	}
	chunk = (poem.length - 1) / bytes;
	assert_true(arrivals[count - 1].usec <= before + chunk * delay +
	    SLACK_USEC);
	harness_must_stop(&fixture->daemon, 5000);
	free(received);
	free(arrivals);
	free(poem.bytes);
}

/* delay=0: each bundled poem at once, then EOF. */
static void
test_delay_zero(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;
	uint64_t		 started;
	size_t			 i;

	for (i = 0; i < sizeof(bundled_poems) / sizeof(bundled_poems[0]);
	    i++) {
		load_bundled(&poem, bundled_poems[i]);
		harness_must_start_listen(fixture, 0,
		    "poetry@127.0.0.1:0,file=%s,delay=0", poem.path);
		started = monotonic_usec();
		expect_poem(fixture, &poem, 10000);
		assert_true(monotonic_usec() - started < SLACK_USEC);
		harness_must_stop(&fixture->daemon, 5000);
		free(poem.bytes);
	}
}

/* Write a 4 MiB file with a pattern into the scratch folder. */
static void
make_big_poem(struct poem *poem)
{
	char	path[1024];
	size_t	i;
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/big.txt", scratch_folder);
	poem->bytes = malloc(BIG_POEM_BYTES);
	assert_non_null(poem->bytes);
	for (i = 0; i < BIG_POEM_BYTES; i++)
		poem->bytes[i] = (char)('a' + (i * 7 + i / 4093) % 26);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(harness_write_all(fd, poem->bytes, BIG_POEM_BYTES),
	    0);
	(void)close(fd);
	free(poem->bytes);
	load_poem(poem, path);
}

/* delay=0 with a poem larger than the socket buffers: partial writes. */
static void
test_delay_zero_big(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;

	make_big_poem(&poem);
	harness_must_start_listen(fixture, 0,
	    "poetry@127.0.0.1:0,file=%s,delay=0", poem.path);
	expect_poem(fixture, &poem, 30000);
	harness_must_stop(&fixture->daemon, 5000);
	free(poem.bytes);
}

/*
 * A reader that waits before reading, with a small receive buffer: the
 * chunks due meanwhile wait for the kernel instead of piling up, and the
 * whole poem still arrives exactly.
 */
static void
test_slow_reader(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct poem		 poem;
	char			*received;
	ssize_t			 count;
	int			 fd;

	make_big_poem(&poem);
	received = malloc(poem.length + 1);
	assert_non_null(received);
	harness_must_start_listen(fixture, 1,
	    "poetry@127.0.0.1:0,file=%s,bytes=65536,delay=0.002", poem.path);
	fd = harness_must_connect(&fixture->daemon, 0);
	test_sleep_usec(300000);
	count = harness_read_until_eof(fd, received, poem.length + 1, 60000);
	(void)close(fd);
	assert_int_equal(count, (ssize_t)poem.length);
	assert_memory_equal(received, poem.bytes, poem.length);
	harness_must_log(&fixture->daemon, "poem sent", 5000);
	harness_must_stop(&fixture->daemon, 5000);
	free(received);
	free(poem.bytes);
}

/*
 * A client that leaves after the first chunk: the first chunk comes at
 * once (long before the 10 s delay), and the daemon notices the close
 * at once too, not at the next tick, logging the connection closed.
 */
static void
leave_early(struct backend_fixture *fixture, int reset, const char *reason)
{
	struct linger	abort_close = { 1, 0 };
	char		chunk[100];
	uint64_t	started;
	int		fd;

	harness_must_start_listen(fixture, 1, "poetry@127.0.0.1:0,"
	    "file=%s/poetry/ecstasy.txt,bytes=100,delay=10", test_srcdir());
	started = monotonic_usec();
	fd = harness_must_connect(&fixture->daemon, 0);
	assert_int_equal(harness_read_exact(fd, chunk, sizeof(chunk), 5000),
	    0);
	assert_true(monotonic_usec() - started < SLACK_USEC);
	if (reset)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER,
		    &abort_close, sizeof(abort_close)), 0);
	started = monotonic_usec();
	(void)close(fd);
	harness_must_log(&fixture->daemon, reason, 5000);
	assert_true(monotonic_usec() - started < SLACK_USEC);
	assert_non_null(strstr(fixture->daemon.log, "100 bytes out"));
	harness_must_stop(&fixture->daemon, 5000);
}

/* A client that closes after the first chunk. */
static void
test_early_close(void **state)
{
	leave_early(*state, 0, "peer closed");
}

/* A client that resets after the first chunk. */
static void
test_early_reset(void **state)
{
	leave_early(*state, 1, "reset by peer");
}

/* One client of the crowd: its socket and what it received. */
struct crowd_client {
	char	*received;
	size_t	 length;
	int	 done;
};

/* Open CROWD non-blocking connections to port at once. */
static void
crowd_connect(struct pollfd *pfds, int port)
{
	struct sockaddr_in	address;
	size_t			i;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < CROWD; i++) {
		pfds[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (pfds[i].fd == -1)
			fail_msg("socket %zu: %s", i, strerror(errno));
		assert_int_equal(descriptor_set_nonblocking(pfds[i].fd), 0);
		if (connect(pfds[i].fd, (struct sockaddr *)&address,
		    sizeof(address)) == -1 && errno != EINPROGRESS)
			fail_msg("connect %zu: %s", i, strerror(errno));
		pfds[i].events = POLLIN;
	}
}

/* Read what the crowd got; the number of clients that reached EOF. */
static size_t
crowd_read(struct pollfd *pfds, struct crowd_client *clients,
    size_t capacity)
{
	size_t	i, finished = 0;
	ssize_t	count;

	for (i = 0; i < CROWD; i++) {
		if (clients[i].done) {
			finished++;
			continue;
		}
		if (pfds[i].revents == 0)
			continue;
		count = read(pfds[i].fd, clients[i].received +
		    clients[i].length, capacity - clients[i].length);
		if (count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (count == -1)
			fail_msg("client %zu: %s", i, strerror(errno));
		if (count > 0 && (clients[i].length += (size_t)count) <
		    capacity)
			continue;
		clients[i].done = 1;
		(void)close(pfds[i].fd);
		pfds[i].fd = -1;
		finished++;
	}
	return finished;
}

/* 1,000 concurrent clients each get the exact poem, in bounded time. */
static void
test_crowd(void **state)
{
	struct backend_fixture	*fixture = *state;
	struct crowd_client	*clients;
	struct pollfd		*pfds;
	struct poem		 poem;
	uint64_t		 started;
	size_t			 i, finished = 0;

	load_bundled(&poem, "fascination.txt");
	clients = calloc(CROWD, sizeof(*clients));
	pfds = calloc(CROWD, sizeof(*pfds));
	assert_non_null(clients);
	assert_non_null(pfds);
	for (i = 0; i < CROWD; i++) {
		clients[i].received = malloc(poem.length + 1);
		assert_non_null(clients[i].received);
	}
	harness_must_start_listen(fixture, 0,
	    "poetry@127.0.0.1:0,file=%s,bytes=100,delay=0.05", poem.path);
	started = monotonic_usec();
	crowd_connect(pfds, fixture->daemon.ports[0]);
	while (finished < CROWD && monotonic_usec() - started < 30000000) {
		if (poll(pfds, CROWD, 1000) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		finished = crowd_read(pfds, clients, poem.length + 1);
	}
	for (i = 0; i < CROWD; i++) {
		if (!clients[i].done || clients[i].length != poem.length)
			fail_msg("client %zu got %zu bytes of %zu (%zu of %d "
			    "done)", i, clients[i].length, poem.length,
			    finished, CROWD);
		assert_memory_equal(clients[i].received, poem.bytes,
		    poem.length);
		free(clients[i].received);
	}
	/* One by one, 1,000 clients would take 1,000 times 0.25 s. */
	assert_true(monotonic_usec() - started < 20000000);
	harness_must_stop(&fixture->daemon, 5000);
	free(pfds);
	free(clients);
	free(poem.bytes);
}

/* Run pforkd -n -l SPEC; expect exit 1 and needle in its output. */
static void
expect_configuration_error(const char *spec, const char *needle)
{
	const char	*arguments[] = { "-n", "-l", spec, NULL };
	char		 output[4096];
	int		 status;

	status = harness_run(arguments, output, sizeof(output), 5000);
	if (status != 1 || strstr(output, needle) == NULL)
		fail_msg("pforkd -n -l %s: exit %d, output:\n%s\n(expected "
		    "exit 1 and '%s')", spec, status, output, needle);
}

/* Make an empty file and an unreadable one in the scratch folder. */
static void
make_bad_files(char *empty, char *unreadable, size_t size)
{
	int	fd;

	(void)snprintf(empty, size, "%s/empty.txt", scratch_folder);
	(void)snprintf(unreadable, size, "%s/unreadable.txt", scratch_folder);
	fd = open(empty, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	(void)close(fd);
	fd = open(unreadable, O_WRONLY | O_CREAT | O_TRUNC, 0000);
	assert_true(fd >= 0);
	assert_int_equal(harness_write_all(fd, "verse\n", 6), 0);
	(void)close(fd);
	assert_int_equal(chmod(unreadable, 0000), 0);
}

/* Every configuration error: exit 1 and a message saying what is wrong. */
static void
test_configuration_errors(void **state)
{
	char		 spec[LISTEN_MAX], empty[1024], unreadable[1024];
	const char	*good[] = { "-n", "-l", spec, NULL };
	char		 output[4096];

	(void)state;
	make_bad_files(empty, unreadable, sizeof(empty));
	expect_configuration_error("poetry@127.0.0.1:0,file=no-such-poem.txt",
	    "'no-such-poem.txt' not found");
	expect_configuration_error("poetry@127.0.0.1:0",
	    "needs the file option");
	(void)snprintf(spec, sizeof(spec), "poetry@127.0.0.1:0,file=%s",
	    empty);
	expect_configuration_error(spec, "is empty");
	(void)snprintf(spec, sizeof(spec), "poetry@127.0.0.1:0,file=%s",
	    scratch_folder);
	expect_configuration_error(spec, "not a regular file");
	/* root reads a file whatever its mode. */
	if (geteuid() != 0) {
		(void)snprintf(spec, sizeof(spec), "poetry@127.0.0.1:0,"
		    "file=%s", unreadable);
		expect_configuration_error(spec, "Permission denied");
	}
	expect_configuration_error("poetry@127.0.0.1:0,file=science.txt,"
	    "bytes=0", "bytes: '0' is not a whole number from 1 to 65536");
	expect_configuration_error("poetry@127.0.0.1:0,file=science.txt,"
	    "bytes=65537", "bytes: '65537'");
	expect_configuration_error("poetry@127.0.0.1:0,file=science.txt,"
	    "delay=-1", "delay: '-1' is not a number of seconds");
	expect_configuration_error("poetry@127.0.0.1:0,file=science.txt,"
	    "delay=1e9", "delay: '1e9'");
	expect_configuration_error("poetry@127.0.0.1:0,file=science.txt,"
	    "colour=blue", "unknown option 'colour'");
	(void)snprintf(spec, sizeof(spec), "poetry@127.0.0.1:0,file=%s/"
	    "poetry/science.txt,bytes=65536,delay=3600", test_srcdir());
	if (harness_run(good, output, sizeof(output), 5000) != 0)
		fail_msg("pforkd -n -l %s:\n%s", spec, output);
}

static const struct backend_case poetry_cases[] = {
	{ "bundled poems byte for byte", test_bundled_poems },
	{ "UTF-8 split across one-byte chunks", test_utf8_bytes },
	{ "relative file found in the poetry folder", test_relative_file },
	{ "chunk sizes and pacing", test_pacing },
	{ "delay=0", test_delay_zero },
	{ "delay=0 with a 4 MiB poem", test_delay_zero_big },
	{ "slow reader", test_slow_reader },
	{ "early close is noticed at once", test_early_close },
	{ "early reset is noticed at once", test_early_reset },
	{ "1,000 concurrent clients", test_crowd },
};
#define CASE_COUNT	(sizeof(poetry_cases) / sizeof(poetry_cases[0]))

/* The fd limit after raising it, for case_runs(). */
static long	fd_limit;

/* Why a case cannot run on backend here, or NULL. */
static const char *
case_unmet(const struct backend_case *poetry_case,
    const struct backend_ops *backend)
{
	int	limit = backend_ops_fd_limit(backend);

	if (poetry_case->function != test_crowd)
		return NULL;
	/* select(2) cannot watch fds at or above FD_SETSIZE (1024). */
	if (limit != 0 && limit < CROWD_FDS_NEEDED)
		return "the backend cannot watch fds that high";
	if (fd_limit < CROWD_FDS_NEEDED)
		return "the fd limit is too low";
	return NULL;
}

int
main(void)
{
	struct backend_case_list	list;
	int				status;

	(void)signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(scratch_folder) == NULL) {
		(void)printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* The daemon inherits the raised limit. */
	fd_limit = test_raise_nofile();
	backend_cases_init(&list, harness_fixture_setup,
	    harness_fixture_teardown);
	backend_cases_add_plain(&list, "configuration errors",
	    test_configuration_errors);
	backend_cases_add_all(&list, dispatcher_backends(), poetry_cases,
	    CASE_COUNT, case_unmet);
	status = backend_cases_run(&list, "poetry");
	(void)test_remove_tree(scratch_folder);
	return status;
}
