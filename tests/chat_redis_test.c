/*
 * chat_redis_test.c: two pforkd daemons, two workers each, sharing one
 * real redis-server that the test starts on a free port (no persistence)
 * and stops by its pid.  Skipped, saying so, where redis-server is not
 * installed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
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

#define POLLS		100
#define FORM_MAX	256

static char	redis_path[1024];
static int	redis_port;
static pid_t	redis_pid;

/* A port nobody listens on now. */
static int
free_port(void)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&address,
	    &length), 0);
	port = ntohs(address.sin_port);
	(void)close(fd);
	return port;
}

/* Whether redis answers PING with PONG. */
static int
redis_answers(void)
{
	struct sockaddr_in	address;
	char			reply[16];
	ssize_t			got;
	int			fd, ok = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)redis_port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) == 0 &&
	    write(fd, "PING\r\n", 6) == 6 &&
	    (got = read(fd, reply, sizeof(reply) - 1)) > 0) {
		reply[got] = '\0';
		ok = strncmp(reply, "+PONG", 5) == 0;
	}
	(void)close(fd);
	return ok;
}

/* Start redis-server on redis_port, empty; wait until it answers. */
static void
redis_start(void)
{
	char	port[16];
	int	tries;

	(void)snprintf(port, sizeof(port), "%d", redis_port);
	redis_pid = fork();
	assert_true(redis_pid != -1);
	if (redis_pid == 0) {
		(void)freopen("/dev/null", "w", stdout);
		execl(redis_path, "redis-server", "--port", port, "--bind",
		    "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	for (tries = 0; tries < 100 && !redis_answers(); tries++)
		(void)usleep(50 * 1000);
	assert_true(redis_answers());
}

/* Stop redis-server by its pid. */
static void
redis_stop(void)
{
	if (redis_pid <= 0)
		return;
	(void)kill(redis_pid, SIGTERM);
	(void)waitpid(redis_pid, NULL, 0);
	redis_pid = 0;
}

/* Start a daemon of two workers on the shared stream. */
static void
daemon_start(struct daemon_process *daemon)
{
	char		 listen[256];
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l", listen,
	    NULL };

	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,redis="
	    "127.0.0.1:%d,redis-stream=test:chat,poll-timeout=20", redis_port);
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
	static struct daemon_process	a, b;
	struct http_reply		reply;
	char				one[64], two[64], three[64];
	int				i, status = 0, tries;

	(void)state;
	if (harness_find_program("redis-server", redis_path,
	    sizeof(redis_path)) == -1)
		skip();
	redis_port = free_port();
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

/* Whatever happened, no redis-server outlives the test. */
static int
group_teardown(void **state)
{
	(void)state;
	redis_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_daemons),
	};

	return cmocka_run_group_tests_name("chat_redis", tests, NULL,
	    group_teardown);
}
