/*
 * http_attack_test.c: the HTTP attack corpus against the real daemon.
 *
 * One table: each row is the raw bytes a hostile or broken client sends
 * to the chat service, how they are sent (whole, one byte at a time, a
 * slowloris trickle, or then silence), the replies RFC 9112 calls for and
 * whether the connection must close after them.  A connection that must
 * stay open is then asked for /static/chat.css and must answer 200 at
 * once: bytes left over from a misread body would show up there.
 *
 * Where pforkd answers otherwise today and the difference is a choice to
 * fix later rather than a danger (the connection still closes, nothing is
 * misread), the row records today's answer too: the case passes with
 * either, prints a "# deviation" line while pforkd gives today's, and
 * fails on any third answer.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"

#define TEXT(literal)		.bytes = (literal), .length = sizeof(literal) - 1
#define REQUEST_TIMEOUT_MS	500
#define REPLY_WAIT_MS		3000
#define REPLIES_MAX		3
#define TRICKLE_LINE		"X-Slow: 1\r\n"
#define TRICKLE_EVERY_MS	100
#define TRICKLE_LINES_MAX	40
#define READER_SIZE		(256 * 1024)
#define CHECK_REQUEST		"GET /static/chat.css HTTP/1.1\r\nHost: t\r\n\r\n"

/* How a row's bytes go out. */
enum feed {
	FEED_WHOLE,		/* one write */
	FEED_BYTES,		/* one byte per write */
	FEED_TRICKLE,		/* then a header line every 100 ms */
	FEED_STALL		/* then nothing more */
};

/* What the server answers: replies in order, then open or closed. */
struct answer {
	int	statuses[REPLIES_MAX];	/* 0 ends the list */
	int	closes;
};

struct attack {
	const char	*name;
	const char	*bytes;		/* "%R" stands for repeat copies */
	size_t		 length;
	const char	*repeat_text;
	size_t		 repeat;
	enum feed	 feed;
	struct answer	 rfc;		/* what RFC 9112 calls for */
	struct answer	 today;		/* pforkd's differing answer, if any */
	const char	*why;		/* the rule, for a deviation */
};

#define CLOSE(status)		{ { (status) }, 1 }
#define OPEN(status)		{ { (status) }, 0 }

static const struct attack attacks[] = {
	/* Framing: Content-Length and Transfer-Encoding (RFC 9112 6). */
	{ "CL and TE together", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\nX"), .rfc = CLOSE(400) },
	{ "TE then CL", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
	    "0\r\n\r\n"), .rfc = CLOSE(400) },
	{ "two differing Content-Lengths", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
	    "a=bc"), .rfc = CLOSE(400) },
	{ "a Content-Length list that differs", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 3, 4\r\n\r\na=bc"),
	    .rfc = CLOSE(400) },
	{ "identical Content-Lengths", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 3\r\nContent-Length: 3\r\n\r\na=b"),
	    .rfc = OPEN(405) },
	{ "Content-Length with a plus sign", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: +3\r\n\r\na=b"), .rfc = CLOSE(400) },
	{ "negative Content-Length", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: -1\r\n\r\n"), .rfc = CLOSE(400) },
	{ "Content-Length in hex", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0x3\r\n\r\na=b"), .rfc = CLOSE(400) },
	{ "Content-Length with a space inside", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 1 0\r\n\r\na=b"), .rfc = CLOSE(400) },
	{ "Content-Length with spaces around", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: \t 3  \r\n\r\na=b"),
	    .rfc = OPEN(405) },
	{ "Content-Length past 64 bits", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 184467440737095516160\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "Content-Length past the body limit", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 100000000\r\n\r\n"),
	    .rfc = CLOSE(413) },
	{ "TE chunked", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\n\r\n"),
	    .rfc = OPEN(405), .today = CLOSE(411), .why = "RFC 9112 7.1: a recipient "
	    "MUST be able to parse the chunked transfer coding" },
	{ "TE chunked, identity", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "TE xchunked", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "TE gzip, chunked", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
	    .rfc = CLOSE(501) },
	{ "TE folded onto a second line", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "TE with a space before the colon", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n"
	    "\r\na=b"), .rfc = CLOSE(400) },

	/* Header syntax (RFC 9112 5). */
	{ "Host with a space before the colon", TEXT("GET / HTTP/1.1\r\n"
	    "Host : t\r\n\r\n"), .rfc = CLOSE(400) },
	{ "a header line led by a space", TEXT("GET / HTTP/1.1\r\n"
	    " Host: t\r\n\r\n"), .rfc = CLOSE(400) },
	{ "a header without a name", TEXT("GET / HTTP/1.1\r\nHost: t\r\n"
	    ": x\r\n\r\n"), .rfc = CLOSE(400) },
	{ "bare CR in the request line", TEXT("GET / HTTP/1.1\rHost: t\r\n"
	    "\r\n"), .rfc = CLOSE(400) },
	{ "bare CR in a header value", TEXT("GET / HTTP/1.1\r\nHost: t\r\n"
	    "X-A: a\rb\r\n\r\n"), .rfc = CLOSE(400) },
	{ "NUL in the target", TEXT("GET /\0 HTTP/1.1\r\nHost: t\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "NUL in a header value", TEXT("GET / HTTP/1.1\r\nHost: t\0u\r\n"
	    "\r\n"), .rfc = CLOSE(400) },
	{ "NUL in a header name", TEXT("GET / HTTP/1.1\r\nHo\0st: t\r\n"
	    "\r\n"), .rfc = CLOSE(400) },
	{ "two Hosts", TEXT("GET / HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "no Host in HTTP/1.1", TEXT("GET /static/chat.css HTTP/1.1\r\n"
	    "\r\n"), .rfc = CLOSE(400) },
	{ "no Host in HTTP/1.0", TEXT("GET /static/chat.css HTTP/1.0\r\n"
	    "\r\n"), .rfc = CLOSE(200) },

	/* Sizes (RFC 9112 3, RFC 6585 5). */
	{ "a 16 KiB request target", TEXT("GET /%R HTTP/1.1\r\nHost: t\r\n"
	    "\r\n"), .repeat_text = "a", .repeat = 16384,
	    .rfc = CLOSE(414) },
	{ "a 16 KiB header", TEXT("GET / HTTP/1.1\r\nHost: t\r\nX-Big: %R"
	    "\r\n\r\n"), .repeat_text = "b", .repeat = 16384,
	    .rfc = CLOSE(431) },
	{ "65 headers", TEXT("GET / HTTP/1.1\r\nHost: t\r\n%R\r\n"),
	    .repeat_text = "X-Many: 1\r\n", .repeat = 64, .rfc = CLOSE(431) },
	{ "a method of 20 letters", TEXT("ABCDEFGHIJKLMNOPQRST / HTTP/1.1\r\n"
	    "Host: t\r\n\r\n"), .rfc = CLOSE(501) },

	/* Versions and request lines (RFC 9112 2.3, 3; RFC 9110 2.5). */
	{ "HTTP/0.9 request", TEXT("GET /\r\n\r\n"), .rfc = CLOSE(400) },
	{ "HTTP/0.9 version", TEXT("GET / HTTP/0.9\r\nHost: t\r\n\r\n"),
	    .rfc = CLOSE(505) },
	{ "HTTP/2.0 version", TEXT("GET / HTTP/2.0\r\nHost: t\r\n\r\n"),
	    .rfc = CLOSE(505) },
	{ "HTTP/1.10 version", TEXT("GET / HTTP/1.10\r\nHost: t\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "HTTP/1.2 version", TEXT("GET /static/chat.css HTTP/1.2\r\n"
	    "Host: t\r\n\r\n"), .rfc = OPEN(200) },
	{ "lower-case version", TEXT("GET / http/1.1\r\nHost: t\r\n\r\n"),
	    .rfc = CLOSE(400) },
	{ "two spaces after the method", TEXT("GET  / HTTP/1.1\r\nHost: t\r\n"
	    "\r\n"), .rfc = CLOSE(400) },
	{ "absolute-form target", TEXT("GET http://t/static/chat.css "
	    "HTTP/1.1\r\nHost: t\r\n\r\n"), .rfc = OPEN(200),
	    .today = CLOSE(400), .why = "RFC 9112 3.2.2: a server MUST accept the "
	    "absolute-form" },
	{ "empty lines before the request", TEXT("\r\n\r\nGET "
	    "/static/chat.css HTTP/1.1\r\nHost: t\r\n\r\n"), .rfc = OPEN(200) },
	{ "LF without CR", TEXT("GET /static/chat.css HTTP/1.1\nHost: t\n\n"),
	    .rfc = OPEN(200) },

	/* Pipelining and feeding (RFC 9112 9.3). */
	{ "pipelined, the second malformed", TEXT("GET /static/chat.css "
	    "HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost : t\r\n\r\n"
	    "GET /static/chat.css HTTP/1.1\r\nHost: t\r\n\r\n"),
	    .rfc = { { 200, 400 }, 1 } },
	{ "pipelined, a body that holds a request", TEXT("POST / HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: 42\r\n\r\nGET /static/chat.css "
	    "HTTP/1.1\r\nHost: t\r\n\r\nGET /static/chat.js HTTP/1.1\r\n"
	    "Host: t\r\n\r\n"), .rfc = { { 405, 200 }, 0 } },
	{ "a request one byte at a time", TEXT("GET /static/chat.css "
	    "HTTP/1.1\r\nHost: t\r\n\r\n"), .feed = FEED_BYTES,
	    .rfc = OPEN(200) },
	{ "a slowloris head", TEXT("GET / HTTP/1.1\r\nHost: t\r\n"),
	    .feed = FEED_TRICKLE, .rfc = CLOSE(408) },
	{ "a body that never comes", TEXT("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 10\r\n\r\nabc"), .feed = FEED_STALL,
	    .rfc = CLOSE(408) },
};

#define ATTACK_COUNT	(sizeof(attacks) / sizeof(attacks[0]))

/* Bytes received on one connection, and how it ended. */
struct reader {
	int	fd;
	size_t	length;
	int	eof;		/* 1: FIN seen, 2: reset */
	char	data[READER_SIZE];
};

static struct daemon_process	daemon_process;
static int			port;
static unsigned int		deviations;

/* Milliseconds left before deadline (monotonic usec), at least 0. */
static int
ms_left(uint64_t deadline)
{
	uint64_t	now = monotonic_usec();

	return now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
}

/* Sleep for ms milliseconds. */
static void
sleep_ms(long ms)
{
	struct timespec	pause = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
		continue;
}

/* Read what has arrived, waiting until deadline; 0, or -1 on a timeout. */
static int
reader_fill(struct reader *reader, uint64_t deadline)
{
	struct pollfd	pfd = { reader->fd, POLLIN, 0 };
	ssize_t		got;

	if (reader->eof)
		return -1;
	if (poll(&pfd, 1, ms_left(deadline)) != 1)
		return -1;
	got = read(reader->fd, reader->data + reader->length,
	    sizeof(reader->data) - 1 - reader->length);
	if (got > 0) {
		reader->length += (size_t)got;
		reader->data[reader->length] = '\0';
	} else
		reader->eof = got == 0 ? 1 : 2;
	return 0;
}

/* The Content-Length of a reply head, or 0. */
static size_t
head_content_length(const char *head, size_t head_length)
{
	const char	*line = head;

	while ((line = memchr(line, '\n', head_length -
	    (size_t)(line - head))) != NULL) {
		line++;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			return strtoul(line + 15, NULL, 10);
	}
	return 0;
}

/*
 * Take one whole reply off the reader: its status, or 0 when none came
 * before the deadline.  *says_close is set from its Connection header.
 */
static int
reader_reply(struct reader *reader, uint64_t deadline, int *says_close)
{
	char	*end;
	size_t	 head_length, total;
	int	 status = 0;

	while ((end = strstr(reader->data, "\r\n\r\n")) == NULL)
		if (reader_fill(reader, deadline) == -1)
			return 0;
	head_length = (size_t)(end - reader->data) + 4;
	total = head_length + head_content_length(reader->data, head_length);
	while (reader->length < total)
		if (reader_fill(reader, deadline) == -1)
			return 0;
	if (sscanf(reader->data, "HTTP/1.1 %d ", &status) != 1)
		return 0;
	*says_close = strstr(reader->data, "\r\nConnection: close\r\n") !=
	    NULL && strstr(reader->data, "\r\nConnection: close\r\n") < end;
	memmove(reader->data, reader->data + total, reader->length - total +
	    1);
	reader->length -= total;
	return status;
}

/* Build a row's bytes, "%R" replaced by its repeated text; malloc'd. */
static char *
attack_bytes(const struct attack *attack, size_t *length)
{
	const char	*mark = NULL;
	size_t		 unit = 0, before, i;
	char		*bytes;

	if (attack->repeat_text != NULL) {
		mark = strstr(attack->bytes, "%R");
		unit = strlen(attack->repeat_text);
	}
	*length = attack->length + (mark != NULL ? unit * attack->repeat - 2 :
	    0);
	if ((bytes = malloc(*length + 1)) == NULL)
		return NULL;
	if (mark == NULL) {
		memcpy(bytes, attack->bytes, attack->length);
		return bytes;
	}
	before = (size_t)(mark - attack->bytes);
	memcpy(bytes, attack->bytes, before);
	for (i = 0; i < attack->repeat; i++)
		memcpy(bytes + before + i * unit, attack->repeat_text, unit);
	memcpy(bytes + before + attack->repeat * unit, mark + 2,
	    attack->length - before - 2);
	return bytes;
}

/* Send a row's bytes as its feed says; 0, or -1 if the server cut in. */
static int
send_attack(struct reader *reader, const struct attack *attack,
    const char *bytes, size_t length)
{
	size_t	i;
	int	one = 1;

	if (attack->feed != FEED_BYTES)
		return harness_write_all(reader->fd, bytes, length);
	(void)setsockopt(reader->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
	for (i = 0; i < length; i++) {
		if (harness_write_all(reader->fd, bytes + i, 1) == -1)
			return -1;
		sleep_ms(1);
	}
	return 0;
}

/* Trickle header lines until the server answers; lines sent. */
static int
trickle(struct reader *reader)
{
	struct pollfd	pfd = { reader->fd, POLLIN, 0 };
	int		lines;

	for (lines = 0; lines < TRICKLE_LINES_MAX; lines++) {
		if (poll(&pfd, 1, TRICKLE_EVERY_MS) != 0)
			break;
		if (harness_write_all(reader->fd, TRICKLE_LINE,
		    strlen(TRICKLE_LINE)) == -1)
			break;
	}
	return lines;
}

/* Describe an answer in text, for messages. */
static void
format_answer(char *text, size_t size, const struct answer *answer)
{
	size_t	i, used = 0;

	text[0] = '\0';
	for (i = 0; i < REPLIES_MAX && answer->statuses[i] != 0; i++)
		used += (size_t)snprintf(text + used, size - used, "%d ",
		    answer->statuses[i]);
	(void)snprintf(text + used, size - used, "%s", answer->closes ?
	    "then close" : "kept open");
}

/* Whether two answers are the same. */
static int
same_answer(const struct answer *a, const struct answer *b)
{
	return memcmp(a->statuses, b->statuses, sizeof(a->statuses)) == 0 &&
	    a->closes == b->closes;
}

/*
 * After the replies, the last of which said Connection: close or not:
 * then the connection must reach EOF with nothing more, or else still
 * serve CHECK_REQUEST at once.  1 closed, 0 open, -1 neither.
 */
static int
connection_outcome(struct reader *reader, int says_close)
{
	uint64_t	deadline = monotonic_usec() + REPLY_WAIT_MS * 1000;

	if (reader->length > 0)
		return -1;	/* bytes past the expected replies */
	if (says_close) {
		while (!reader->eof && reader->length == 0)
			if (reader_fill(reader, deadline) == -1)
				return -1;
		return reader->length == 0 ? 1 : -1;
	}
	if (reader->eof || harness_write_all(reader->fd, CHECK_REQUEST,
	    strlen(CHECK_REQUEST)) == -1) {
		print_message("# closed without saying Connection: close\n");
		return 1;
	}
	if (reader_reply(reader, deadline, &says_close) == 200)
		return reader->length == 0 ? 0 : -1;
	return reader->eof && reader->length == 0 ? 1 : -1;
}

/* Run one row on a fresh connection and record what the server did. */
static void
run_attack(const struct attack *attack, struct reader *reader,
    struct answer *got, uint64_t *elapsed_usec)
{
	uint64_t	start = monotonic_usec(), deadline;
	size_t		length, i;
	char		*bytes;
	int		says_close = 0, sent;

	memset(got, 0, sizeof(*got));
	bytes = attack_bytes(attack, &length);
	assert_non_null(bytes);
	reader->length = 0;
	reader->eof = 0;
	reader->data[0] = '\0';
	reader->fd = harness_connect("127.0.0.1", port);
	assert_true(reader->fd != -1);
	sent = send_attack(reader, attack, bytes, length);
	free(bytes);
	if (sent == 0 && attack->feed == FEED_TRICKLE)
		(void)trickle(reader);
	deadline = monotonic_usec() + (REPLY_WAIT_MS + REQUEST_TIMEOUT_MS) *
	    1000;
	for (i = 0; i < REPLIES_MAX && attack->rfc.statuses[i] != 0; i++)
		if ((got->statuses[i] = reader_reply(reader, deadline,
		    &says_close)) == 0)
			break;
	*elapsed_usec = monotonic_usec() - start;
	got->closes = connection_outcome(reader, says_close);
	if (got->closes == 1 && reader->eof == 2)
		print_message("# %s: the connection was reset, not closed\n",
		    attack->name);
	(void)close(reader->fd);
}

/* One row of the table. */
static void
test_attack(void **state)
{
	const struct attack	*attack = *state;
	static struct reader	 reader;
	struct answer		 got;
	uint64_t		 elapsed;
	char			 want[64], today[64], text[64];

	run_attack(attack, &reader, &got, &elapsed);
	format_answer(want, sizeof(want), &attack->rfc);
	format_answer(text, sizeof(text), &got);
	if (attack->feed == FEED_TRICKLE || attack->feed == FEED_STALL) {
		print_message("# %s: answered after %llu ms (request-timeout "
		    "%d ms)\n", attack->name,
		    (unsigned long long)(elapsed / 1000), REQUEST_TIMEOUT_MS);
		/* Not before the timeout, and not long after it either. */
		assert_true(elapsed >= (REQUEST_TIMEOUT_MS - 50) * 1000);
		assert_true(elapsed < (REQUEST_TIMEOUT_MS + 2000) * 1000);
	}
	if (got.closes != -1 && same_answer(&got, &attack->rfc)) {
		if (attack->today.statuses[0] != 0)
			print_message("# %s: now as RFC 9112 wants (%s): drop "
			    "its deviation mark\n", attack->name, want);
		return;
	}
	if (attack->today.statuses[0] != 0 && got.closes != -1 &&
	    same_answer(&got, &attack->today)) {
		format_answer(today, sizeof(today), &attack->today);
		print_message("# deviation: %s: %s; wants %s, pforkd answers "
		    "%s\n", attack->name, attack->why, want, today);
		deviations++;
		return;
	}
	fail_msg("%s: wanted %s, got %s%s", attack->name, want, text,
	    got.closes == -1 ? " (then neither closed nor served)" : "");
}

/* Start the chat daemon every row talks to. */
static int
group_setup(void **state)
{
	const char	*arguments[] = { "-d", "-w", "2", "-l",
			    "chat@127.0.0.1:0,request-timeout=0.5,"
			    "keepalive-timeout=5,message-size=200", NULL };

	(void)state;
	if (harness_start(&daemon_process, arguments, 1) == -1)
		return -1;
	port = daemon_process.ports[0];
	return 0;
}

/* Stop it, and sum up. */
static int
group_teardown(void **state)
{
	(void)state;
	print_message("# %zu attacks, %u answered as recorded deviations from "
	    "RFC 9112\n", ATTACK_COUNT, deviations);
	return harness_stop(&daemon_process, SIGTERM, 3000) == 0 ? 0 : -1;
}

int
main(void)
{
	struct CMUnitTest	tests[ATTACK_COUNT];
	size_t			i;

	for (i = 0; i < ATTACK_COUNT; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = attacks[i].name;
		tests[i].test_func = test_attack;
		tests[i].initial_state = (void *)&attacks[i];
	}
	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("http_attack", tests, group_setup,
	    group_teardown);
}
