/*
 * bench_chat.c: the chat mode: fan-out of messages to waiting long polls.
 *
 * -c waiters each keep one poll waiting on /a/message/updates; one poster
 * then posts -n messages one after another.  A message is posted only
 * when every waiter has received the one before, so each measures one
 * clean fan-out: from the moment its POST is written to the moment the
 * last waiter has it.  Every waiter checks that it gets every message
 * exactly once and in order (the bodies are numbered), and polls again at
 * once with the newest id as its cursor.  A poll answered with {} (the
 * server's poll timeout) is simply renewed.  The run ends after the last
 * message, or after -t seconds (then with an error).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_result.h"
#include "bench/bench_run.h"
#include "bench/bench_socket.h"
#include "bench/bench_stats.h"
#include "event/dispatcher.h"

#define CHAT_XSRF		"benchxsrf"
#define CHAT_REPLY_MAX		(1024 * 1024)
#define CHAT_ID_MAX		64
#define CHAT_SETTLE_USEC	(300 * 1000)

enum chat_role { ROLE_POSTER, ROLE_WAITER };

struct chat_run;

/* One HTTP connection: the poster's or a waiter's. */
struct chat_client {
	struct chat_run	*run;
	enum chat_role	 role;
	size_t		 index;
	int		 fd;
	char		*in;		/* reply bytes received */
	size_t		 in_length;
	char		 out[512];	/* the request being written */
	size_t		 out_length;
	size_t		 out_sent;
	unsigned long	 expected;	/* the next message number */
	char		 cursor[CHAT_ID_MAX];
	int		 connected;
};

struct chat_run {
	const struct bench_options	*options;
	struct dispatcher		*dispatcher;
	struct chat_client		 poster;
	struct chat_client		*waiters;
	struct launcher			 launcher;
	size_t				 waiters_up;
	unsigned long			 messages;	/* to post */
	unsigned long			 posted;
	size_t				 pending;	/* waiters without it */
	uint64_t			 post_usec;
	uint64_t			 start_usec;
	uint64_t			 end_usec;
	struct histogram		 fan_out;
	struct timer			 end;
	struct timer			 settle;
	int				 finished;
};

/* Stop the run. */
static void
chat_finish(struct chat_run *run)
{
	if (run->end_usec == 0)
		run->end_usec = monotonic_usec();
	run->finished = 1;
}

/* Queue a POST with the XSRF cookie and form, then write it. */
static int
chat_request(struct chat_client *client, const char *path, const char *form)
{
	int	length;

	length = snprintf(client->out, sizeof(client->out), "POST %s "
	    "HTTP/1.1\r\nHost: bench\r\nCookie: _xsrf=" CHAT_XSRF "\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %zu\r\n\r\n_xsrf=" CHAT_XSRF "&%s", path,
	    strlen(form) + sizeof(CHAT_XSRF) + 6, form);
	if (length < 0 || (size_t)length >= sizeof(client->out)) {
		errno = EMSGSIZE;
		return -1;
	}
	client->out_length = (size_t)length;
	client->out_sent = 0;
	return dispatcher_set_events(client->run->dispatcher, client->fd,
	    EVENT_READ | EVENT_WRITE);
}

/* A waiter polls for what comes after its cursor. */
static int
chat_poll(struct chat_client *client)
{
	char	form[CHAT_ID_MAX + 16];

	(void)snprintf(form, sizeof(form), "cursor=%s", client->cursor);
	return chat_request(client, "/a/message/updates", form);
}

/* The poster posts message number n. */
static int
chat_post(struct chat_run *run, unsigned long n)
{
	char	form[64];

	(void)snprintf(form, sizeof(form), "body=bench-%lu", n);
	run->pending = run->options->connections;
	run->post_usec = monotonic_usec();
	return chat_request(&run->poster, "/a/message/new", form);
}

/* Fail the run with a message naming the client. */
static void
chat_fail(struct chat_client *client, const char *what)
{
	bench_error("%s %zu: %s", client->role == ROLE_POSTER ? "poster" :
	    "waiter", client->index, what);
	chat_finish(client->run);
}

/* Check a reply's messages: numbered from expected on, once each. */
static int
chat_check_messages(struct chat_client *client, const char *body)
{
	const char	*at = body, *id, *end;
	unsigned long	 number;
	int		 count = 0;

	while ((at = strstr(at, "{\"id\": \"")) != NULL) {
		id = at + 8;
		if ((end = strchr(id, '"')) == NULL ||
		    (size_t)(end - id) >= sizeof(client->cursor))
			return -1;
		memcpy(client->cursor, id, (size_t)(end - id));
		client->cursor[end - id] = '\0';
		at = end;
		if (client->run->posted == 0)
			continue;	/* older messages, before the run */
		at = strstr(end, "\"body\": \"bench-");
		if (at == NULL || sscanf(at + 15, "%lu", &number) != 1)
			return -1;
		if (number != client->expected) {
			bench_error("waiter %zu: got message %lu, expected "
			    "%lu", client->index, number, client->expected);
			return -1;
		}
		client->expected++;
		count++;
	}
	return count;
}

/* Every waiter has the message: record its fan-out, post the next. */
static void
chat_message_delivered(struct chat_run *run)
{
	uint64_t	now = monotonic_usec();

	histogram_record(&run->fan_out, now - run->post_usec);
	if (run->posted >= run->messages) {
		chat_finish(run);
		return;
	}
	run->posted++;
	if (chat_post(run, run->posted) == -1)
		chat_fail(&run->poster, strerror(errno));
}

/* A whole reply arrived on a client; body is its body. */
static void
chat_reply(struct chat_client *client, int status, const char *body)
{
	struct chat_run	*run = client->run;
	int		 got;

	if (status != 200) {
		chat_fail(client, "a reply other than 200");
		return;
	}
	if (client->role == ROLE_POSTER) {
		if (strstr(body, "\"body\": \"bench-") == NULL)
			chat_fail(client, "the post's reply is not the message");
		return;
	}
	if ((got = chat_check_messages(client, body)) == -1) {
		chat_fail(client, "a reply out of order or unreadable");
		return;
	}
	if (chat_poll(client) == -1) {
		chat_fail(client, strerror(errno));
		return;
	}
	if (got == 0 || run->posted == 0)
		return;		/* {}: the poll timed out; or the first fetch */
	if (client->expected != run->posted + 1) {
		chat_fail(client, "a message was skipped");
		return;
	}
	if (--run->pending == 0)
		chat_message_delivered(run);
}

/* Take whole replies out of the client's input; 0 or -1. */
static int
chat_parse(struct chat_client *client)
{
	char	*end, *length_field;
	size_t	 head, body;
	int	 status;
	char	 saved;

	while (!client->run->finished) {
		client->in[client->in_length] = '\0';
		if ((end = strstr(client->in, "\r\n\r\n")) == NULL)
			return 0;
		head = (size_t)(end - client->in) + 4;
		length_field = strstr(client->in, "Content-Length: ");
		if (sscanf(client->in, "HTTP/1.1 %d", &status) != 1 ||
		    length_field == NULL || length_field > end)
			return -1;
		body = strtoul(length_field + 16, NULL, 10);
		if (body > CHAT_REPLY_MAX - head)
			return -1;
		if (client->in_length < head + body)
			return 0;
		saved = client->in[head + body];
		client->in[head + body] = '\0';
		chat_reply(client, status, client->in + head);
		client->in[head + body] = saved;
		memmove(client->in, client->in + head + body,
		    client->in_length - head - body);
		client->in_length -= head + body;
	}
	return 0;
}

/* A client's socket is ready. */
static void
chat_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct chat_client	*client = arg;
	ssize_t			 done;

	if ((events & EVENT_WRITE) && client->out_sent < client->out_length) {
		if (!client->connected && bench_socket_error(fd) != 0) {
			chat_fail(client, "cannot connect");
			return;
		}
		client->connected = 1;
		done = write(fd, client->out + client->out_sent,
		    client->out_length - client->out_sent);
		if (done == -1 && errno != EAGAIN) {
			chat_fail(client, strerror(errno));
			return;
		}
		if (done > 0)
			client->out_sent += (size_t)done;
		if (client->out_sent == client->out_length)
			(void)dispatcher_set_events(d, fd, EVENT_READ);
	}
	if (!(events & EVENT_READ))
		return;
	done = read(fd, client->in + client->in_length,
	    CHAT_REPLY_MAX - client->in_length);
	if (done == 0 || (done == -1 && errno != EAGAIN)) {
		chat_fail(client, done == 0 ? "the server closed" :
		    strerror(errno));
		return;
	}
	if (done > 0) {
		client->in_length += (size_t)done;
		if (chat_parse(client) == -1)
			chat_fail(client, "an unreadable reply");
	}
}

/* Connect a client and queue its first request; 0 or -1. */
static int
chat_connect(struct chat_run *run, struct chat_client *client)
{
	client->run = run;
	client->expected = 1;
	if ((client->in = malloc(CHAT_REPLY_MAX + 1)) == NULL ||
	    (client->fd = bench_socket_connect(&run->options->target)) == -1)
		return -1;
	(void)bench_socket_no_delay(client->fd);
	/* The poster has nothing to say yet: writability would spin. */
	return dispatcher_watch(run->dispatcher, client->fd,
	    client->role == ROLE_POSTER ? EVENT_READ : EVENT_WRITE,
	    chat_ready, client);
}

/* The launcher starts waiter index. */
static void
chat_start_waiter(size_t index, void *arg)
{
	struct chat_run		*run = arg;
	struct chat_client	*client = &run->waiters[index];

	client->role = ROLE_WAITER;
	client->index = index;
	if (chat_connect(run, client) == -1 || chat_poll(client) == -1) {
		chat_fail(client, strerror(errno));
		return;
	}
	launcher_opened(&run->launcher);
	run->waiters_up++;
	launcher_fill(&run->launcher);
	if (launcher_done(&run->launcher))
		(void)dispatcher_timer_start(run->dispatcher, &run->settle,
		    CHAT_SETTLE_USEC, 0);
}

/* Every poll has had time to park: start posting. */
static void
chat_settled(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct chat_run	*run = arg;

	(void)d;
	(void)timer;
	run->start_usec = monotonic_usec();
	run->posted = 1;
	if (chat_post(run, 1) == -1)
		chat_fail(&run->poster, strerror(errno));
}

/* -t passed before the last message went round. */
static void
chat_time_up(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct chat_run	*run = arg;

	(void)d;
	(void)timer;
	if (!run->finished) {
		bench_error("time ran out after %lu of %lu messages",
		    run->posted, run->messages);
		chat_finish(run);
	}
}

/* Free what a run holds. */
static void
chat_cleanup(struct chat_run *run)
{
	size_t	i;

	for (i = 0; run->waiters != NULL && i < run->options->connections;
	    i++) {
		if (run->waiters[i].fd > 0)
			(void)close(run->waiters[i].fd);
		free(run->waiters[i].in);
	}
	if (run->poster.fd > 0)
		(void)close(run->poster.fd);
	free(run->poster.in);
	free(run->waiters);
	if (run->dispatcher != NULL)
		dispatcher_free(run->dispatcher);
}

/* The chat mode. */
int
bench_chat_run(const struct bench_options *options)
{
	struct chat_run	run;
	double		seconds;
	int		status;

	memset(&run, 0, sizeof(run));
	run.options = options;
	run.messages = options->count_limit != 0 ?
	    (unsigned long)options->count_limit : 100;
	histogram_init(&run.fan_out);
	bench_raise_fd_limit(options->connections + 16);
	timer_init(&run.end, chat_time_up, &run);
	timer_init(&run.settle, chat_settled, &run);
	if ((run.dispatcher = bench_dispatcher(options, &run.end)) == NULL ||
	    (run.waiters = calloc(options->connections,
	    sizeof(*run.waiters))) == NULL) {
		chat_cleanup(&run);
		return 1;
	}
	run.poster.role = ROLE_POSTER;
	run.poster.fd = -1;
	if (chat_connect(&run, &run.poster) == -1)
		bench_error("poster: %s", strerror(errno));
	(void)dispatcher_timer_start(run.dispatcher, &run.end,
	    options->duration_usec != 0 ? options->duration_usec :
	    60 * (uint64_t)1000000, 0);
	launcher_init(&run.launcher, options->connections, BENCH_OPENING_MAX,
	    chat_start_waiter, &run);
	launcher_fill(&run.launcher);
	if (bench_error_count() == 0)
		(void)bench_loop(run.dispatcher, &run.finished);
	seconds = bench_seconds(run.start_usec, run.end_usec);
	result_begin(options, dispatcher_backend_name(run.dispatcher));
	result_unsigned("waiters", options->connections);
	result_unsigned("messages", run.posted);
	result_decimal("seconds", seconds, 3);
	result_decimal("messages_per_second", seconds > 0 ?
	    (double)run.posted / seconds : 0.0, 1);
	result_decimal("answered_polls_per_second", seconds > 0 ?
	    (double)run.posted * options->connections / seconds : 0.0, 0);
	result_decimal("fan_out_p50_ms",
	    histogram_percentile(&run.fan_out, 50.0) / 1000.0, 3);
	result_decimal("fan_out_p99_ms",
	    histogram_percentile(&run.fan_out, 99.0) / 1000.0, 3);
	status = result_end();
	chat_cleanup(&run);
	return status;
}
