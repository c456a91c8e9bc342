/*
 * bench_chat.c: the chat mode: fan-out of messages to waiting long polls.
 *
 * Connections 0 and 1 are the posters, taking turns (message n is posted
 * by n % 2); the -c others are waiters, each keeping one poll waiting on
 * /a/message/updates and open once that poll is sent.  With -q, the odd
 * connections (poster 1 and half the waiters) go to a second daemon on the
 * same Redis stream: the posts alternate between the two hosts, and every
 * message fans out to the waiters of both.
 * CHAT_SETTLE_USEC after all are open, the poster posts -n messages one
 * after another, each only when every waiter has received the one before,
 * so each measures one clean fan-out: from the moment its POST is written
 * to the moment the last waiter has it.  Every waiter checks that it gets
 * every message exactly once and in order (the bodies are numbered, after
 * a tag of the run that tells them from those cached before), and polls
 * again at once with the newest id as its cursor.  A poll answered with
 * {} (the server's poll timeout) is simply renewed.  The run ends
 * after the last message, at the first error, or after -t seconds (then
 * with an error).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "event/dispatcher.h"
#include "util/buffer.h"

#define CHAT_XSRF		"benchxsrf"
#define CHAT_REPLY_MAX		(1024 * 1024)
#define CHAT_READ_CHUNK		16384
#define CHAT_ID_MAX		64
#define CHAT_SETTLE_USEC	(300 * 1000)
#define CHAT_POSTERS		2

/* What a chat connection has beyond the run's: its HTTP. */
struct chat_client {
	struct buffer	in;		/* reply bytes received */
	struct buffer	out;		/* the request being written */
	unsigned long	expected;	/* the next message number */
	char		cursor[CHAT_ID_MAX];
};

static struct chat_client	*clients;	/* by connection index */
static unsigned long		 messages, posted;
static size_t			 pending;	/* waiters without it */
static uint64_t			 post_usec;
static struct timer		 settle;
static int			 delivered_all;
static char			 tag[32];	/* "bench-PID-" */

static void	chat_writable(struct bench_connection *);

/*
 * Send a POST with the XSRF cookie and form: written at once, as a socket
 * with room takes it whole; c watches for writing only for what is left.
 * (Waiting for writability first would cost two epoll_ctl calls and a
 * loop turn per poll, enough to make the load generator the bottleneck.)
 */
static void
chat_request(struct bench_connection *c, const char *path, const char *form)
{
	struct buffer	*out = &clients[c->index].out;

	buffer_clear(out);
	if (buffer_printf(out, "POST %s HTTP/1.1\r\nHost: bench\r\n"
	    "Cookie: _xsrf=" CHAT_XSRF "\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %zu\r\n\r\n_xsrf=" CHAT_XSRF "&%s", path,
	    strlen(form) + sizeof(CHAT_XSRF) + 6, form) == -1) {
		bench_fail(c, "%s", strerror(errno));
		return;
	}
	chat_writable(c);
	if (c->fd != -1 && out->length > 0)
		(void)bench_want(c, EVENT_READ | EVENT_WRITE);
}

/* A waiter polls for what comes after its cursor. */
static void
chat_poll(struct bench_connection *c)
{
	char	form[CHAT_ID_MAX + 16];

	(void)snprintf(form, sizeof(form), "cursor=%s",
	    clients[c->index].cursor);
	chat_request(c, "/a/message/updates", form);
}

/* The poster posts message number n. */
static void
chat_post(struct bench_run *run, unsigned long n)
{
	char	form[64];

	(void)snprintf(form, sizeof(form), "body=%s%lu", tag, n);
	pending = run->options->connections;
	post_usec = monotonic_usec();
	chat_request(&run->connections[n % CHAT_POSTERS], "/a/message/new",
	    form);
}

/*
 * Check a reply's messages of this run: numbered from expected on, once
 * each.  The number of them, or -1 as c fails.
 */
static int
chat_check_messages(struct bench_connection *c, const char *body)
{
	struct chat_client	*client = &clients[c->index];
	const char		*at = body, *id, *end;
	unsigned long		 number;
	int			 count = 0;

	while ((at = strstr(at, "{\"id\": \"")) != NULL) {
		id = at + 8;
		if ((end = strchr(id, '"')) == NULL ||
		    (size_t)(end - id) >= sizeof(client->cursor) ||
		    (at = strstr(end, "\"body\": \"")) == NULL)
			goto unreadable;
		memcpy(client->cursor, id, (size_t)(end - id));
		client->cursor[end - id] = '\0';
		at += 9;
		if (strncmp(at, tag, strlen(tag)) != 0)
			continue;	/* older messages, before the run */
		if (sscanf(at + strlen(tag), "%lu", &number) != 1)
			goto unreadable;
		if (number != client->expected) {
			bench_fail(c, "got message %lu, expected %lu", number,
			    client->expected);
			return -1;
		}
		client->expected++;
		count++;
	}
	return count;
unreadable:
	bench_fail(c, "a reply with an unreadable message");
	return -1;
}

/* Every waiter has the message: record its fan-out, post the next. */
static void
chat_delivered(struct bench_run *run)
{
	histogram_record(&run->histogram, monotonic_usec() - post_usec);
	if (posted >= messages) {
		delivered_all = 1;
		bench_end(run);
		return;
	}
	chat_post(run, ++posted);
}

/* A whole reply arrived on c; body is its body. */
static void
chat_reply(struct bench_connection *c, int status, const char *body)
{
	const char	*at;
	int		 got;

	if (status != 200) {
		bench_fail(c, "a reply other than 200");
		return;
	}
	if (c->index < CHAT_POSTERS) {
		if ((at = strstr(body, "\"body\": \"")) == NULL ||
		    strncmp(at + 9, tag, strlen(tag)) != 0)
			bench_fail(c, "the post's reply is not the message");
		return;
	}
	if ((got = chat_check_messages(c, body)) == -1)
		return;
	chat_poll(c);
	if (c->fd == -1 || got == 0)
		return;		/* {}: the poll timed out; or older messages */
	if (clients[c->index].expected != posted + 1)
		bench_fail(c, "a message was skipped");
	else if (--pending == 0)
		chat_delivered(c->run);
}

/* Take whole replies out of c's input; 0 or -1. */
static int
chat_parse(struct bench_connection *c)
{
	struct buffer	*in = &clients[c->index].in;
	char		*end, *length_field;
	size_t		 head, body;
	int		 status;
	char		 saved;

	while (c->fd != -1) {
		if ((end = strstr(in->data, "\r\n\r\n")) == NULL)
			return 0;
		head = (size_t)(end - in->data) + 4;
		length_field = strstr(in->data, "Content-Length: ");
		if (sscanf(in->data, "HTTP/1.1 %d", &status) != 1 ||
		    length_field == NULL || length_field > end)
			return -1;
		body = strtoul(length_field + 16, NULL, 10);
		if (body > CHAT_REPLY_MAX || head + body > CHAT_REPLY_MAX)
			return -1;
		if (in->length < head + body)
			return 0;
		saved = in->data[head + body];
		in->data[head + body] = '\0';
		chat_reply(c, status, in->data + head);
		in->data[head + body] = saved;
		buffer_consume(in, head + body);
	}
	return 0;
}

/* Read what came in on c and take the replies out of it. */
static void
chat_readable(struct bench_connection *c)
{
	struct buffer	*in = &clients[c->index].in;
	ssize_t		 count;

	if (in->length > CHAT_REPLY_MAX) {
		bench_fail(c, "a reply too long");
		return;
	}
	if (buffer_reserve(in, CHAT_READ_CHUNK) == -1) {
		bench_fail(c, "%s", strerror(errno));
		return;
	}
	if ((count = bench_read(c, in->data + in->length,
	    in->capacity - in->length - 1)) == 0)
		bench_fail(c, "the server closed the connection");
	if (count <= 0)
		return;
	in->length += (size_t)count;
	in->data[in->length] = '\0';
	if (chat_parse(c) == -1)
		bench_fail(c, "an unreadable reply");
}

/* Write what is left of c's request; a waiter opens with its first. */
static void
chat_writable(struct bench_connection *c)
{
	struct buffer	*out = &clients[c->index].out;
	ssize_t		 count;

	if (out->length == 0 ||
	    (count = bench_write(c, out->data, out->length)) <= 0)
		return;
	buffer_consume(out, (size_t)count);
	if (out->length == 0 && bench_want(c, EVENT_READ) == 0)
		bench_opened(c);
}

/* Connected: a poster is open; a waiter sends its first poll. */
static void
chat_connected(struct bench_connection *c)
{
	if (c->index >= CHAT_POSTERS)
		chat_poll(c);
	else if (bench_want(c, EVENT_READ) == 0)
		bench_opened(c);
}

/* Every poll has had time to park: measure from the first post. */
static void
chat_settled(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct bench_run	*run = arg;

	(void)d;
	(void)timer;
	daemon_sample(run, &run->start);
	run->start_usec = monotonic_usec();
	posted = 1;
	chat_post(run, posted);
}

/* Every poll is sent: let them park before posting. */
static void
chat_measure(struct bench_run *run)
{
	if (dispatcher_timer_start(run->dispatcher, &settle, CHAT_SETTLE_USEC,
	    0) == -1) {
		bench_error("cannot start the timer: %s", strerror(errno));
		bench_end(run);
	}
}

/* A client for every connection, -n messages to post. */
static int
chat_setup(struct bench_run *run)
{
	size_t	i;

	messages = run->options->count_limit != 0 ?
	    (unsigned long)run->options->count_limit : 100;
	(void)snprintf(tag, sizeof(tag), "bench-%ld-", (long)getpid());
	if ((clients = calloc(run->total, sizeof(*clients))) == NULL) {
		(void)fprintf(stderr, "pforkd-bench: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < run->total; i++) {
		buffer_init(&clients[i].in);
		buffer_init(&clients[i].out);
		clients[i].expected = 1;
	}
	timer_init(&settle, chat_settled, run);
	return 0;
}

/* The run ends: short of the last message, time ran out. */
static void
chat_end(struct bench_run *run)
{
	dispatcher_timer_stop(run->dispatcher, &settle);
	if (!delivered_all && bench_error_count() == 0)
		bench_error("time ran out after %lu of %lu messages", posted,
		    messages);
}

/* Chat's figures. */
static void
chat_report(const struct bench_run *run)
{
	(void)printf(" hosts=%d waiters=%u messages=%lu seconds=%.3f "
	    "messages_per_second=%.1f answered_polls_per_second=%.0f "
	    "fan_out_p50_ms=%.3f fan_out_p99_ms=%.3f",
	    run->options->second_port != 0 ? 2 : 1,
	    run->options->connections, posted, run->seconds,
	    result_rate(run, (double)posted), result_rate(run, (double)posted *
	    run->options->connections), histogram_ms(&run->histogram, 50.0),
	    histogram_ms(&run->histogram, 99.0));
	result_memory(&run->before, &run->opened, run->options->connections);
}

const struct bench_mode	bench_chat = {
	.name = "chat",
	.summary = "waiting long polls and a poster: fan-out latency",
	.options = "cnq",
	.default_port = 8888,
	.default_connections = 1000,
	.default_duration_usec = 60 * (uint64_t)1000000,
	.helpers = CHAT_POSTERS,
	.error_ends_run = 1,
	.no_delay = 1,
	.setup = chat_setup,
	.connected = chat_connected,
	.readable = chat_readable,
	.writable = chat_writable,
	.measure = chat_measure,
	.end = chat_end,
	.stop = bench_close,
	.report = chat_report,
};
