/*
 * chat_redis_test.c: two pforkd daemons, two workers each, sharing one
 * real redis-server that the test starts on a free port (no persistence,
 * except for the restart with data: an append-only file in a directory of
 * the test's) and stops by its pid.  Skipped, saying so, where
 * redis-server is not installed.  A case that fails part way leaves its
 * daemons and redis-server running: its teardown stops them, by pid, and
 * the next case's setup makes sure of it before it starts its own.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "chat_http.h"
#include "daemon_harness.h"
#include "redis_haproxy.h"
#include "test_util.h"

#define POLLS		100
#define FORM_MAX	256
#define ALL_MAX		65536
#define IN_A_ROW	5

static struct redis_server	redis;
static struct daemon_process	a, b;
static char			directory[] = "/tmp/chat_redis_test.XXXXXX";
static char			password_file[sizeof(directory) + 16];

/* Start redis-server empty, with no persistence; wait until it answers. */
static void
redis_start(void)
{
	assert_int_equal(redis_server_start(&redis, NULL), 0);
}

/* Stop redis-server by its pid. */
static void
redis_stop(void)
{
	assert_int_equal(redis_server_stop(&redis), 0);
}

/* Find redis-server, or skip the case saying so; a fresh port. */
static void
redis_find(void)
{
	if (harness_find_program("redis-server", redis.path,
	    sizeof(redis.path)) == -1) {
		(void)fprintf(stderr, "chat_redis: redis-server is not "
		    "installed: skipped\n");
		skip();
	}
	redis.port = 0;
	redis.password = NULL;
}

/* Start a daemon of two workers on the shared stream. */
static void
daemon_start(struct daemon_process *daemon)
{
	char		 listen[256];
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l", listen,
	    NULL };

	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,redis="
	    "127.0.0.1:%d,redis-stream=test:chat,poll-timeout=20%s%s",
	    redis.port, redis.password != NULL ? ",redis-password-file=" : "",
	    redis.password != NULL ? password_file : "");
	harness_must_start(daemon, arguments, 1);
}

/* Post body on port; the reply's status, its id in id. */
static int
post(int port, const char *body, char *id, size_t id_size)
{
	struct http_reply	reply;
	char			form[FORM_MAX];
	int			status;

	(void)snprintf(form, sizeof(form), "_xsrf=%s&body=%s", XSRF, body);
	assert_int_equal(post_form(port, "/a/message/new", form, &reply), 0);
	status = reply.status;
	if (status == 200)
		assert_int_equal(last_id(reply.body, id, id_size), 0);
	else
		assert_non_null(strstr(reply.body, "Redis"));
	reply_free(&reply);
	return status;
}

/* Send a poll with cursor on a client of its own. */
static void
poll_send(struct http_client *client, int port, const char *cursor)
{
	char	form[FORM_MAX];

	(void)snprintf(form, sizeof(form), "_xsrf=%s&cursor=%s", XSRF,
	    cursor);
	assert_int_equal(client_open(client, port), 0);
	assert_int_equal(send_post(client, "/a/message/updates", form), 0);
}

/* The whole story: fan-out, cursors, Redis stopped and restarted empty. */
static void
test_two_daemons(void **state)
{
	static struct http_client	clients[2 * POLLS];
	struct http_reply		reply;
	char				one[64], two[64], three[64];
	int				i, status = 0, tries;

	(void)state;
	redis_find();
	redis_start();
	daemon_start(&a);
	daemon_start(&b);
	/* 100 polls waiting on each daemon, all answered by one post. */
	for (i = 0; i < 2 * POLLS; i++)
		poll_send(&clients[i], i < POLLS ? b.ports[0] : a.ports[0], "");
	(void)usleep(300 * 1000);
	assert_int_equal(post(a.ports[0], "one", one, sizeof(one)), 200);
	for (i = 0; i < 2 * POLLS; i++) {
		assert_int_equal(client_read_reply(&clients[i], &reply, 5000),
		    0);
		assert_int_equal(reply.status, 200);
		assert_int_equal(count_text(reply.body, "\"id\""), 1);
		assert_non_null(strstr(reply.body, one));
		reply_free(&reply);
		client_close(&clients[i]);
	}
	/* A cursor from A is valid on B: it waits, then gets two alone. */
	poll_send(&clients[0], b.ports[0], one);
	(void)usleep(200 * 1000);
	assert_int_equal(post(a.ports[0], "two", two, sizeof(two)), 200);
	assert_int_equal(client_read_reply(&clients[0], &reply, 5000), 0);
	assert_int_equal(count_text(reply.body, "\"id\""), 1);
	assert_non_null(strstr(reply.body, two));
	reply_free(&reply);
	client_close(&clients[0]);
	/* Redis stopped: posts refused, polls served from the cache. */
	redis_stop();
	(void)usleep(200 * 1000);
	assert_int_equal(post(a.ports[0], "lost", three, sizeof(three)), 503);
	poll_send(&clients[0], b.ports[0], "");
	assert_int_equal(client_read_reply(&clients[0], &reply, 5000), 0);
	assert_int_equal(count_text(reply.body, "\"id\""), 2);
	reply_free(&reply);
	client_close(&clients[0]);
	/* Restarted empty: detected, and the cache starts again. */
	redis_start();
	assert_int_equal(harness_wait_log(&b, "is gone", 10000), 0);
	for (tries = 0; tries < 100; tries++) {
		if ((status = post(a.ports[0], "three", three,
		    sizeof(three))) == 200)
			break;
		(void)usleep(100 * 1000);
	}
	assert_int_equal(status, 200);
	poll_send(&clients[0], b.ports[0], two);
	assert_int_equal(client_read_reply(&clients[0], &reply, 5000), 0);
	assert_int_equal(count_text(reply.body, "\"id\""), 1);
	assert_non_null(strstr(reply.body, three));
	reply_free(&reply);
	client_close(&clients[0]);
	assert_int_equal(harness_stop(&a, SIGTERM, 5000), 0);
	assert_int_equal(harness_stop(&b, SIGTERM, 5000), 0);
	redis_stop();
}

/*
 * Poll port from cursor (updated to the newest id) until the n bodies
 * came, each exactly once, in order, and nothing else; the first reply
 * is read from waiting when it is not NULL (a poll already sent).
 */
static void
collect(struct http_client *waiting, int port, char *cursor,
    size_t cursor_size, const char *const *bodies, int n)
{
	static struct http_client	 own;
	struct http_client		*client = waiting;
	struct http_reply		 reply;
	char				 needle[FORM_MAX], id[64], *all;
	const char			*at, *previous;
	size_t				 length = 0, size;
	int				 got = 0, rounds, i;

	assert_non_null(all = calloc(1, ALL_MAX));
	for (rounds = 0; rounds < 20 && got < n; rounds++) {
		if (client == NULL) {
			client = &own;
			poll_send(client, port, cursor);
		}
		assert_int_equal(client_read_reply(client, &reply, 5000), 0);
		assert_int_equal(reply.status, 200);
		got += count_text(reply.body, "{\"id\": ");
		size = strlen(reply.body);
		assert_true(length + size < ALL_MAX);
		memcpy(all + length, reply.body, size + 1);
		length += size;
		if (last_id(reply.body, id, sizeof(id)) == 0)
			(void)snprintf(cursor, cursor_size, "%s", id);
		reply_free(&reply);
		client_close(client);
		client = NULL;
	}
	if (got != n)
		fail_msg("%d messages instead of %d: %s", got, n, all);
	previous = all;
	for (i = 0; i < n; i++) {
		(void)snprintf(needle, sizeof(needle), "\"body\": \"%s\"",
		    bodies[i]);
		at = strstr(all, needle);
		if (count_text(all, needle) != 1 || at == NULL ||
		    at < previous)
			fail_msg("%s not once or not in order: %s", bodies[i],
			    all);
		previous = at;
	}
	free(all);
}

/* Post bodies on port one after another, each answered 200. */
static void
post_all(int port, const char *const *bodies, int n)
{
	char	id[64];
	int	i;

	for (i = 0; i < n; i++)
		assert_int_equal(post(port, bodies[i], id, sizeof(id)), 200);
}

/* Stop both daemons and Redis. */
static void
stop_all(void)
{
	assert_int_equal(harness_stop(&a, SIGTERM, 5000), 0);
	assert_int_equal(harness_stop(&b, SIGTERM, 5000), 0);
	redis_stop();
}

/* Post body on port, retrying (bounded) while Redis reconnects. */
static void
post_until_stored(int port, const char *body)
{
	char	id[64];
	int	tries, status = 0;

	for (tries = 0; tries < 100; tries++) {
		if ((status = post(port, body, id, sizeof(id))) == 200)
			return;
		(void)usleep(100 * 1000);
	}
	fail_msg("'%s' was not stored: status %d", body, status);
}

/*
 * Redis restarted with its data (an append-only file): posts are refused
 * meanwhile; entries added straight to the stream as it comes back, by
 * the test speaking RESP, reach B's polls once, in order, without a gap.
 */
static void
test_restart_with_data(void **state)
{
	const char *const	 persist[] = { "--appendonly", "yes",
				    "--appendfsync", "always", "--dir",
				    directory, NULL };
	const char *const	 before[] = { "before" };
	const char *const	 outage[] = { "out-1", "out-2", "out-3" };
	const char *const	 all[] = { "before", "out-1", "out-2", "out-3",
				    "after" };
	const char		*xadd[] = { "XADD", "test:chat", "*", "body",
				    NULL, NULL };
	char			 cursor[64], id[64], text[256];
	int			 i, connected;

	(void)state;
	redis_find();
	assert_int_equal(redis_server_start(&redis, persist), 0);
	daemon_start(&a);
	daemon_start(&b);
	post_all(a.ports[0], before, 1);
	cursor[0] = '\0';
	collect(NULL, b.ports[0], cursor, sizeof(cursor), before, 1);
	redis_stop();
	(void)usleep(300 * 1000);
	assert_int_equal(post(a.ports[0], "refused", id, sizeof(id)), 503);
	(void)harness_read_log(&b, 0);
	connected = count_text(b.log, ": connected");
	assert_int_equal(redis_server_start(&redis, persist), 0);
	for (i = 0; i < 3; i++) {
		xadd[4] = outage[i];
		assert_int_equal(redis_server_command(&redis, xadd, text,
		    sizeof(text)), 0);
		assert_int_equal(text[0], '$');
	}
	(void)harness_read_log(&b, 0);
	if (count_text(b.log, ": connected") != connected)
		(void)fprintf(stderr, "chat_redis: B's reader was back before "
		    "the entries were added\n");
	collect(NULL, b.ports[0], cursor, sizeof(cursor), outage, 3);
	post_until_stored(a.ports[0], "after");
	collect(NULL, b.ports[0], cursor, sizeof(cursor), all + 4, 1);
	cursor[0] = '\0';
	collect(NULL, b.ports[0], cursor, sizeof(cursor), all, 5);
	cursor[0] = '\0';
	collect(NULL, a.ports[0], cursor, sizeof(cursor), all, 5);
	assert_null(strstr(b.log, "is gone"));
	assert_null(strstr(a.log, "is gone"));
	stop_all();
}

/* Several posts in a row on A answer the polls waiting on B, in order. */
static void
test_posts_in_a_row(void **state)
{
	static struct http_client	 clients[10];
	const char *const		 bodies[IN_A_ROW] = { "row-1", "row-2",
					    "row-3", "row-4", "row-5" };
	char				 cursor[64];
	int				 i;

	(void)state;
	redis_find();
	redis_start();
	daemon_start(&a);
	daemon_start(&b);
	for (i = 0; i < 10; i++)
		poll_send(&clients[i], b.ports[0], "");
	(void)usleep(300 * 1000);
	post_all(a.ports[0], bodies, IN_A_ROW);
	for (i = 0; i < 10; i++) {
		cursor[0] = '\0';
		collect(&clients[i], b.ports[0], cursor, sizeof(cursor),
		    bodies, IN_A_ROW);
	}
	stop_all();
}

/*
 * The reader killed: every client connection Redis has (the readers in
 * both masters, the workers' posting connections) is cut with CLIENT
 * KILL; the readers reconnect with back-off and catch up from their last
 * ids, so B's polls see what A posts afterwards once, in order.
 */
static void
test_reader_killed(void **state)
{
	const char *const	 first[] = { "first" };
	const char *const	 all[] = { "first", "second", "third" };
	const char *const	 kill_all[] = { "CLIENT", "KILL", "TYPE",
				    "normal", NULL };
	char			 cursor[64], text[256];

	(void)state;
	redis_find();
	redis_start();
	daemon_start(&a);
	daemon_start(&b);
	post_until_stored(a.ports[0], "first");
	cursor[0] = '\0';
	collect(NULL, b.ports[0], cursor, sizeof(cursor), first, 1);
	assert_int_equal(redis_server_command(&redis, kill_all, text,
	    sizeof(text)), 0);
	/* At least the two readers, blocked in XREAD, were connected. */
	assert_int_equal(text[0], ':');
	assert_true(atoi(text + 1) >= 2);
	post_until_stored(a.ports[0], "second");
	post_until_stored(a.ports[0], "third");
	collect(NULL, b.ports[0], cursor, sizeof(cursor), all + 1, 2);
	cursor[0] = '\0';
	collect(NULL, b.ports[0], cursor, sizeof(cursor), all, 3);
	stop_all();
}

/* redis-password-file against a Redis started with --requirepass. */
static void
test_password(void **state)
{
	const char *const	 require[] = { "--requirepass", "pforkd-s3cret",
				    NULL };
	const char *const	 bodies[] = { "with-password" };
	char			 cursor[64];
	FILE			*file;

	(void)state;
	redis_find();
	assert_non_null(file = fopen(password_file, "w"));
	assert_true(fprintf(file, "pforkd-s3cret\n") > 0);
	assert_int_equal(fclose(file), 0);
	redis.password = "pforkd-s3cret";
	assert_int_equal(redis_server_start(&redis, require), 0);
	daemon_start(&a);
	daemon_start(&b);
	post_all(a.ports[0], bodies, 1);
	cursor[0] = '\0';
	collect(NULL, b.ports[0], cursor, sizeof(cursor), bodies, 1);
	stop_all();
	redis.password = NULL;
}

/* A directory for Redis's data and the password file. */
static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(directory) == NULL)
		return -1;
	(void)snprintf(password_file, sizeof(password_file), "%s/password",
	    directory);
	return 0;
}

/* Stop the daemons and redis-server still running, by their pids. */
static void
stop_leftovers(void)
{
	harness_stop_leftover(&a);
	harness_stop_leftover(&b);
	(void)redis_server_stop(&redis);
}

/* Before a case: nothing an earlier case started still runs. */
static int
case_setup(void **state)
{
	(void)state;
	stop_leftovers();
	redis.password = NULL;
	return 0;
}

/* After a case, passed or failed: nothing it started still runs. */
static int
case_teardown(void **state)
{
	(void)state;
	stop_leftovers();
	return 0;
}

/* Whatever happened, nothing the test started outlives it. */
static int
group_teardown(void **state)
{
	(void)state;
	stop_leftovers();
	(void)test_remove_tree(directory);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_daemons, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_restart_with_data,
		    case_setup, case_teardown),
		cmocka_unit_test_setup_teardown(test_posts_in_a_row,
		    case_setup, case_teardown),
		cmocka_unit_test_setup_teardown(test_reader_killed,
		    case_setup, case_teardown),
		cmocka_unit_test_setup_teardown(test_password, case_setup,
		    case_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("chat_redis", tests, group_setup,
	    group_teardown);
}
