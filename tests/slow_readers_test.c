/*
 * slow_readers_test.c: clients that never read must not pin a worker's
 * memory (issue 14), against the real daemon over loopback.
 *
 * The chat cache is filled with 200 messages of 4,096 '"' (each '"' is
 * '\"' in JSON and '&quot;' in HTML, so one reply of every message is
 * about 6.6 MB).  300 clients with a small receive buffer then ask for
 * every message (a poll without a cursor, or the page) and never read:
 * the worker's resident memory must grow by less than 64 MiB, a reading
 * client must be served meanwhile, and send-timeout must close them all.
 * A second case pins private output (pipelined requests for the page's
 * script, 6 KiB a reply, copied) past a small output-budget: the
 * connections that hold it are closed long before their send timeout,
 * and a reader is still served.  The figures go out as TAP comments.
 * Linux only (memory and descriptors are read from /proc): skipped
 * elsewhere; under AddressSanitizer the memory is reported, not judged.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
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

#include "chat_http.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define CLIENTS			300
#define MESSAGES		200
#define QUOTES			4096
#define CLIENT_RCVBUF		4096
#define GROWTH_MAX_KIB		(64 * 1024)
#define SEND_TIMEOUT_SEC	2
#define CLOSE_SLACK_USEC	(2 * (uint64_t)1000000)
#define WATCH_LIMIT_USEC	(40 * (uint64_t)1000000)
#define SAMPLE_USEC		(20 * 1000)
#define READ_LIMIT_USEC		(20 * (uint64_t)1000000)
#define PINNERS			24
#define PIPELINE_BYTES		(96 * 1024)
#define BUDGET_MIB		"1"
#define BUDGET_SEND_TIMEOUT	"60"
#define EVICT_LIMIT_USEC	(15 * (uint64_t)1000000)
#define PINNERS_KEPT_MAX	8	/* 1 MiB holds 4 of 256 KiB */
#define BUDGET_GROWTH_MAX_KIB	(16 * 1024)
#define POLL_TEXT \
	"POST /a/message/updates HTTP/1.1\r\nHost: t\r\n" \
	"Cookie: _xsrf=" XSRF "\r\n" \
	"Content-Type: application/x-www-form-urlencoded\r\n" \
	"Content-Length: 18\r\n\r\n_xsrf=" XSRF
#define PAGE_TEXT \
	"GET / HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=" XSRF "\r\n\r\n"
#define SCRIPT_TEXT	"GET /static/chat.js HTTP/1.1\r\nHost: t\r\n\r\n"

/*
 * Whether resident memory means anything: AddressSanitizer keeps freed
 * memory in quarantine, so under it the figures are printed, not judged.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_JUDGED	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMORY_JUDGED	0
#endif
#endif
#ifndef MEMORY_JUDGED
#define MEMORY_JUDGED	1
#endif

/* The daemon of a case, its worker, and the clients that never read. */
struct slow_case {
	struct daemon_process	daemon;
	pid_t			worker;
	int			port;
	int			fds[CLIENTS];
	size_t			fd_count;
	char			directory[32];	/* scratch, or "" */
	char			path[300];
};

/* What watching the worker while its clients do not read found. */
struct watch {
	long		peak_kib;	/* the highest VmRSS sampled */
	uint64_t	closed_usec;	/* when the fds were back; 0: never */
};

/* A field of /proc/PID/status in KiB ("VmRSS"), or -1. */
static long
status_kib(pid_t pid, const char *field)
{
	char	path[64], line[256];
	FILE	*file;
	long	value = -1;
	size_t	length = strlen(field);

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((file = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), file) != NULL)
		if (strncmp(line, field, length) == 0 && line[length] == ':') {
			value = strtol(line + length + 1, NULL, 10);
			break;
		}
	(void)fclose(file);
	return value;
}

/* The number of descriptors the process has open, or -1. */
static int
open_fd_count(pid_t pid)
{
	char		 path[64];
	DIR		*directory;
	struct dirent	*entry;
	int		 count = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((directory = opendir(path)) == NULL)
		return -1;
	while ((entry = readdir(directory)) != NULL)
		if (entry->d_name[0] != '.')
			count++;
	(void)closedir(directory);
	return count;
}

/* Forget the peak resident size (VmHWM) of pid, where Linux allows it. */
static void
reset_peak(pid_t pid)
{
	char	path[64];
	int	fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/clear_refs", (long)pid);
	if ((fd = open(path, O_WRONLY)) == -1)
		return;
	(void)write(fd, "5", 1);
	(void)close(fd);
}

/* The pid of the single worker, from the -v line "worker PID started". */
static pid_t
must_find_worker(struct daemon_process *daemon)
{
	const char	*at;
	long		 pid;

	harness_must_log(daemon, " started in slot", 5000);
	at = strstr(daemon->log, "worker ");
	while (at != NULL && strstr(at, " started in slot") == NULL)
		at = strstr(at + 1, "worker ");
	assert_non_null(at);
	pid = strtol(at + strlen("worker "), NULL, 10);
	assert_true(pid > 0);
	return (pid_t)pid;
}

/* Connect to the daemon with a small receive buffer; the fd. */
static int
must_connect_small(int port)
{
	struct sockaddr_in	address;
	int			fd, size = CLIENT_RCVBUF;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	/* Before connect(), so that its window is small from the start. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	return fd;
}

/* Post MESSAGES messages of QUOTES '"' each. */
static void
fill_cache(int port)
{
	struct http_reply	reply;
	char			*form;
	size_t			 i;

	form = malloc(strlen("body=") + 3 * QUOTES + 1);
	assert_non_null(form);
	(void)strcpy(form, "body=");
	for (i = 0; i < QUOTES; i++)
		(void)memcpy(form + strlen("body=") + 3 * i, "%22", 3);
	form[strlen("body=") + 3 * QUOTES] = '\0';
	for (i = 0; i < MESSAGES; i++) {
		if (post_form(port, "/a/message/new", form, &reply) == -1)
			fail_msg("message %zu: no reply", i);
		assert_int_equal(reply.status, 200);
		reply_free(&reply);
	}
	free(form);
}

/* Keep the daemon's log flowing so that -v never blocks it. */
static void
drain_log(struct slow_case *slow)
{
	(void)harness_read_log(&slow->daemon, 0);
}

/* The Content-Length of the head at reply, or -1 until it is whole. */
static long
reply_body_length(const char *reply, size_t *head_length)
{
	const char	*end, *field;

	if ((end = strstr(reply, "\r\n\r\n")) == NULL)
		return -1;
	*head_length = (size_t)(end - reply) + 4;
	field = strstr(reply, "Content-Length: ");
	if (strncmp(reply, "HTTP/1.1 200 ", 13) != 0 || field == NULL ||
	    field > end) {
		fail_msg("unexpected reply: %.200s", reply);
		return -1;
	}
	return strtol(field + strlen("Content-Length: "), NULL, 10);
}

/*
 * Send text on a fresh connection and read the whole reply, keeping the
 * log drained meanwhile; return its body (NUL-terminated, the caller
 * frees it) and its length.
 */
static char *
must_read_reply(struct slow_case *slow, const char *text, size_t *length)
{
	struct pollfd	 pfd;
	uint64_t	 started = monotonic_usec();
	size_t		 have = 0, size = 65536, head_length = 0;
	ssize_t		 got;
	long		 body = -1;
	char		*reply;

	pfd.fd = harness_connect("127.0.0.1", slow->port);
	assert_true(pfd.fd >= 0);
	assert_int_equal(harness_write_all(pfd.fd, text, strlen(text)), 0);
	reply = malloc(size + 1);
	assert_non_null(reply);
	while (body == -1 || have < head_length + (size_t)body) {
		if (monotonic_usec() - started > READ_LIMIT_USEC)
			fail_msg("no whole reply after %zu bytes", have);
		drain_log(slow);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) != 1)
			continue;
		if (have == size) {
			size *= 2;
			reply = realloc(reply, size + 1);
			assert_non_null(reply);
		}
		got = read(pfd.fd, reply + have, size - have);
		if (got <= 0)
			fail_msg("reply cut short after %zu bytes", have);
		have += (size_t)got;
		reply[have] = '\0';
		if (body == -1)
			body = reply_body_length(reply, &head_length);
	}
	(void)close(pfd.fd);
	*length = (size_t)body;
	memmove(reply, reply + head_length, *length);
	reply[*length] = '\0';
	return reply;
}

/* A poll without a cursor answers every message, whole. */
static size_t
must_read_every_message(struct slow_case *slow)
{
	size_t	length;
	char	*body;

	body = must_read_reply(slow, POLL_TEXT, &length);
	assert_int_equal(count_text(body, "{\"id\": "), MESSAGES);
	assert_int_equal(strcmp(body + length - 2, "]}"), 0);
	free(body);
	return length;
}

/*
 * Sample the worker's memory until it has at most fds_left descriptors
 * open (the clients are closed), or the limit passes.
 */
static void
watch_worker(struct slow_case *slow, int fds_left, uint64_t limit,
    struct watch *watch)
{
	uint64_t	started = monotonic_usec();
	long		rss;
	int		count;

	watch->closed_usec = 0;
	while (monotonic_usec() - started < limit) {
		drain_log(slow);
		if ((rss = status_kib(slow->worker, "VmRSS")) > watch->peak_kib)
			watch->peak_kib = rss;
		count = open_fd_count(slow->worker);
		if (count != -1 && count <= fds_left) {
			watch->closed_usec = monotonic_usec();
			return;
		}
		test_sleep_usec(SAMPLE_USEC);
	}
}

/* Start the chat daemon of a case: one worker, -v; fails the case. */
static void
must_start(struct slow_case *slow, const char *const *arguments)
{
	harness_must_start(&slow->daemon, arguments, 1);
	slow->port = slow->daemon.ports[0];
	slow->worker = must_find_worker(&slow->daemon);
}

/* Close the clients and stop the daemon. */
static void
finish(struct slow_case *slow)
{
	size_t	i;

	for (i = 0; i < slow->fd_count; i++)
		(void)close(slow->fds[i]);
	slow->fd_count = 0;
	harness_must_stop(&slow->daemon, 5000);
}

/* A case's state: no daemon yet. */
static int
case_setup(void **state)
{
	struct slow_case	*slow;

	if ((slow = calloc(1, sizeof(*slow))) == NULL)
		return -1;
	slow->daemon.pid = -1;
	*state = slow;
	return 0;
}

/* After a case, passed or failed: no client, no daemon, no scratch. */
static int
case_teardown(void **state)
{
	struct slow_case	*slow = *state;
	size_t			 i;

	for (i = 0; i < slow->fd_count; i++)
		(void)close(slow->fds[i]);
	harness_stop_leftover(&slow->daemon);
	if (slow->directory[0] != '\0') {
		(void)unlink(slow->path);
		(void)rmdir(slow->directory);
	}
	free(slow);
	return 0;
}

/* Skip on a system without /proc/PID/status. */
static int
have_proc(void)
{
	return status_kib(getpid(), "VmRSS") > 0;
}

/*
 * 300 clients that ask for every message and never read: under 64 MiB
 * more resident memory, a reader served meanwhile, all closed within
 * send-timeout.
 */
static void
test_never_readers(void **state)
{
	struct slow_case	*slow = *state;
	const char		*arguments[] = { "-d", "-v", "-w", "1", "-l",
				    "chat@127.0.0.1:0,message-size=4096,"
				    "send-timeout=2", NULL };
	struct watch		 watch;
	uint64_t		 sent, reader_usec;
	size_t			 i, reply_length;
	long			 before, hwm;
	int			 fds_before, open_after_reader;

	if (!have_proc())
		skip();
	assert_true(test_raise_nofile() >= 2 * CLIENTS + 64);
	must_start(slow, arguments);
	fill_cache(slow->port);
	/* Render the view once, so that only the clients are measured. */
	reply_length = must_read_every_message(slow);
	free(must_read_reply(slow, PAGE_TEXT, &i));
	drain_log(slow);
	before = status_kib(slow->worker, "VmRSS");
	fds_before = open_fd_count(slow->worker);
	assert_true(before > 0 && fds_before > 0);
	reset_peak(slow->worker);
	memset(&watch, 0, sizeof(watch));
	watch.peak_kib = before;
	for (i = 0; i < CLIENTS; i++) {
		slow->fds[i] = must_connect_small(slow->port);
		slow->fd_count++;
		/* Half poll without a cursor, half ask for the page. */
		assert_int_equal(harness_write_all(slow->fds[i], i % 2 == 0 ?
		    POLL_TEXT : PAGE_TEXT, strlen(i % 2 == 0 ? POLL_TEXT :
		    PAGE_TEXT)), 0);
		if (i % 50 == 0)
			drain_log(slow);
	}
	sent = monotonic_usec();
	/*
	 * Meanwhile, a client that reads gets every message, whole: after
	 * the worker has served the others (it answers in turn), which makes
	 * its reply the moment they are all stalled.
	 */
	assert_int_equal(must_read_every_message(slow), reply_length);
	reader_usec = monotonic_usec() - sent;
	open_after_reader = open_fd_count(slow->worker) - fds_before;
	watch_worker(slow, fds_before, WATCH_LIMIT_USEC, &watch);
	hwm = status_kib(slow->worker, "VmHWM");
	print_message("# reply of every message: %zu bytes; %d clients\n",
	    reply_length, CLIENTS);
	print_message("# worker VmRSS before %ld KiB, peak sampled %ld KiB "
	    "(+%ld KiB), VmHWM %ld KiB\n", before, watch.peak_kib,
	    watch.peak_kib - before, hwm);
	print_message("# reader served in %.3f s with %d clients still open\n",
	    (double)reader_usec / 1e6, open_after_reader);
	print_message("# clients closed %.3f s after their requests "
	    "(send-timeout %d s)\n", watch.closed_usec == 0 ? -1.0 :
	    (double)(watch.closed_usec - sent) / 1e6, SEND_TIMEOUT_SEC);
	assert_true(!MEMORY_JUDGED || watch.peak_kib - before < GROWTH_MAX_KIB);
	assert_true(open_after_reader > 0);
	assert_true(watch.closed_usec != 0);
	/* Each stalled by the time the reader was served: send-timeout. */
	assert_true(watch.closed_usec - (sent + reader_usec) <=
	    SEND_TIMEOUT_SEC * (uint64_t)1000000 + CLOSE_SLACK_USEC);
	harness_must_log(&slow->daemon, "send timeout", 2000);
	finish(slow);
}

/* Write the budget case's configuration file; its path. */
static const char *
write_budget_configuration(struct slow_case *slow)
{
	FILE	*file;

	(void)strcpy(slow->directory, "/tmp/pforkd-slow.XXXXXX");
	assert_non_null(mkdtemp(slow->directory));
	(void)snprintf(slow->path, sizeof(slow->path), "%s/pforkd.conf",
	    slow->directory);
	file = fopen(slow->path, "w");
	assert_non_null(file);
	(void)fprintf(file, "workers 1\noutput-budget " BUDGET_MIB "\n"
	    "service chat {\n\tlisten 127.0.0.1:0\n\tsend-timeout "
	    BUDGET_SEND_TIMEOUT "\n}\n");
	assert_int_equal(fclose(file), 0);
	return slow->path;
}

/* Send as many pipelined requests for the page's script as fd takes. */
static void
pipeline_script(int fd)
{
	static char	text[PIPELINE_BYTES];
	size_t		step = strlen(SCRIPT_TEXT), at, sent = 0;
	ssize_t		count;

	for (at = 0; at + step <= sizeof(text); at += step)
		(void)memcpy(text + at, SCRIPT_TEXT, step);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		fail_msg("cannot make the client non-blocking");
	while (sent < at) {
		count = write(fd, text + sent, at - sent);
		if (count <= 0)
			break;
		sent += (size_t)count;
	}
	assert_true(sent > 0);
}

/*
 * Clients that pin private output (pipelined requests they never read)
 * past output-budget are closed long before their 60 s send timeout, all
 * but the few the budget holds, and a reader is served meanwhile.
 */
static void
test_budget_closes_pinners(void **state)
{
	struct slow_case	*slow = *state;
	const char		*arguments[] = { "-d", "-v", "-f", NULL, NULL };
	struct watch		 watch;
	struct http_reply	 reply;
	uint64_t		 sent, reader_usec, deadline;
	long			 before;
	size_t			 i;
	int			 fds_before, evicted;

	if (!have_proc())
		skip();
	arguments[3] = write_budget_configuration(slow);
	must_start(slow, arguments);
	free(must_read_reply(slow, PAGE_TEXT, &i));
	before = status_kib(slow->worker, "VmRSS");
	fds_before = open_fd_count(slow->worker);
	memset(&watch, 0, sizeof(watch));
	watch.peak_kib = before;
	for (i = 0; i < PINNERS; i++) {
		slow->fds[i] = must_connect_small(slow->port);
		slow->fd_count++;
		pipeline_script(slow->fds[i]);
	}
	sent = monotonic_usec();
	if (request(slow->port, "GET /static/chat.css HTTP/1.1\r\nHost: t\r\n"
	    "\r\n", &reply) == -1)
		fail_msg("the reader was not served");
	reader_usec = monotonic_usec() - sent;
	assert_int_equal(reply.status, 200);
	reply_free(&reply);
	watch_worker(slow, fds_before + PINNERS_KEPT_MAX, EVICT_LIMIT_USEC,
	    &watch);
	/* The worker's log lines may trail its closes: wait, bounded. */
	deadline = monotonic_usec() + 2000000;
	do {
		(void)harness_read_log(&slow->daemon, 50);
		evicted = count_text(slow->daemon.log, "output budget spent");
	} while (evicted < PINNERS - PINNERS_KEPT_MAX &&
	    monotonic_usec() < deadline);
	print_message("# budget " BUDGET_MIB " MiB, %d clients pinning "
	    "replies: VmRSS before %ld KiB, peak sampled %ld KiB (+%ld KiB)\n",
	    PINNERS, before, watch.peak_kib, watch.peak_kib - before);
	print_message("# reader served in %.3f s; %d pinners closed by the "
	    "budget within %.3f s (send-timeout " BUDGET_SEND_TIMEOUT " s)\n",
	    (double)reader_usec / 1e6, evicted, watch.closed_usec == 0 ?
	    -1.0 : (double)(watch.closed_usec - sent) / 1e6);
	assert_true(watch.closed_usec != 0);
	assert_true(evicted >= PINNERS - PINNERS_KEPT_MAX);
	assert_true(!MEMORY_JUDGED ||
	    watch.peak_kib - before < BUDGET_GROWTH_MAX_KIB);
	finish(slow);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_never_readers,
		    case_setup, case_teardown),
		cmocka_unit_test_setup_teardown(test_budget_closes_pinners,
		    case_setup, case_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	test_watchdog_arm(180, "slow_readers_test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
