/*
 * chat_haproxy_test.c: the real haproxy in front of two pforkd chat
 * daemons (two workers each) that share one real redis-server; haproxy
 * balances round-robin in mode tcp and sends the PROXY protocol version 2,
 * which the daemons accept from 127.0.0.1/32 only.  Two clients that
 * land on different daemons see each other's messages, and each daemon
 * logs its client's real address: 127.0.0.1 with the client's own source
 * port, which only the header can have told it.  Skipped, saying so, where
 * haproxy or redis-server is not installed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

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
#include <unistd.h>
#include <cmocka.h>

#include "chat_http.h"
#include "daemon_harness.h"
#include "redis_haproxy.h"

#define FORM_MAX	256
#define WAIT_MS		5000

static struct redis_server	redis;
static struct haproxy_server	haproxy;
static struct daemon_process	daemons[2];

/* Start a chat daemon behind the balancer, on the shared stream. */
static void
daemon_start(struct daemon_process *daemon)
{
	char		 listen[256];
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l", listen,
	    NULL };

	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,redis="
	    "127.0.0.1:%d,redis-stream=test:haproxy,poll-timeout=20,"
	    "proxy-protocol=on,proxy-from=127.0.0.1/32", redis.port);
	harness_must_start(daemon, arguments, 1);
}

/* The local (source) port of a connected client. */
static int
source_port(const struct http_client *client)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);

	assert_int_equal(getsockname(client->fd, (struct sockaddr *)&address,
	    &length), 0);
	return ntohs(address.sin_port);
}

/* Send a request on client's open connection, read its 200 reply. */
static void
exchange(struct http_client *client, const char *path, const char *form,
    struct http_reply *reply)
{
	assert_int_equal(send_post(client, path, form), 0);
	if (client_read_reply(client, reply, WAIT_MS) == -1) {
		(void)harness_read_log(&daemons[0], 100);
		(void)harness_read_log(&daemons[1], 100);
		fail_msg("no reply to %s; logs:\n%s\n---\n%s", path,
		    daemons[0].log, daemons[1].log);
	}
	assert_int_equal(reply->status, 200);
	assert_false(reply->closed);
}

/* Which daemon logged "127.0.0.1:port closed after": 0 or 1, not both. */
static int
daemon_of(int port)
{
	char	needle[64];
	int	i, tries, found = -1;

	(void)snprintf(needle, sizeof(needle), "chat: 127.0.0.1:%d closed "
	    "after", port);
	for (tries = 0; tries < WAIT_MS / 100 && found == -1; tries++)
		for (i = 0; i < 2 && found == -1; i++) {
			(void)harness_read_log(&daemons[i], 50);
			if (strstr(daemons[i].log, needle) != NULL)
				found = i;
		}
	if (found == -1)
		fail_msg("no daemon logged %s; logs:\n%s\n---\n%s", needle,
		    daemons[0].log, daemons[1].log);
	(void)harness_read_log(&daemons[1 - found], 200);
	assert_null(strstr(daemons[1 - found].log, needle));
	return found;
}

/* Two clients through haproxy: each other's messages, real addresses. */
static void
test_through_haproxy(void **state)
{
	static struct http_client	one, two;
	struct http_reply		reply;
	char				form[FORM_MAX], id[64];
	int				ports[2], port_one, port_two;

	(void)state;
	if (harness_find_program("haproxy", haproxy.path,
	    sizeof(haproxy.path)) == -1 || harness_find_program(
	    "redis-server", redis.path, sizeof(redis.path)) == -1) {
		(void)fprintf(stderr, "chat_haproxy: haproxy or redis-server "
		    "is not installed: skipped\n");
		skip();
	}
	assert_int_equal(redis_server_start(&redis, NULL), 0);
	daemon_start(&daemons[0]);
	daemon_start(&daemons[1]);
	ports[0] = daemons[0].ports[0];
	ports[1] = daemons[1].ports[0];
	assert_int_equal(haproxy_server_start(&haproxy, "tcp", ports, 2), 0);

	/* Round-robin: two connections in a row land on both daemons. */
	assert_int_equal(client_open(&one, haproxy.port), 0);
	assert_int_equal(client_open(&two, haproxy.port), 0);
	port_one = source_port(&one);
	port_two = source_port(&two);
	/* Two waits; one posts and two receives, then the other way. */
	(void)snprintf(form, sizeof(form), "_xsrf=%s&cursor=", XSRF);
	assert_int_equal(send_post(&two, "/a/message/updates", form), 0);
	(void)usleep(200 * 1000);
	(void)snprintf(form, sizeof(form), "_xsrf=%s&body=from+one", XSRF);
	exchange(&one, "/a/message/new", form, &reply);
	reply_free(&reply);
	assert_int_equal(client_read_reply(&two, &reply, WAIT_MS), 0);
	assert_int_equal(reply.status, 200);
	assert_non_null(strstr(reply.body, "from one"));
	assert_int_equal(last_id(reply.body, id, sizeof(id)), 0);
	reply_free(&reply);
	(void)snprintf(form, sizeof(form), "_xsrf=%s&cursor=%s", XSRF, id);
	assert_int_equal(send_post(&one, "/a/message/updates", form), 0);
	(void)usleep(200 * 1000);
	(void)snprintf(form, sizeof(form), "_xsrf=%s&body=from+two", XSRF);
	exchange(&two, "/a/message/new", form, &reply);
	reply_free(&reply);
	assert_int_equal(client_read_reply(&one, &reply, WAIT_MS), 0);
	assert_int_equal(reply.status, 200);
	assert_non_null(strstr(reply.body, "from two"));
	assert_null(strstr(reply.body, "from one"));
	reply_free(&reply);
	client_close(&one);
	client_close(&two);

	/* Each daemon logged its own client's real address and port. */
	assert_int_not_equal(daemon_of(port_one), daemon_of(port_two));

	assert_int_equal(haproxy_server_stop(&haproxy), 0);
	assert_int_equal(harness_stop(&daemons[0], SIGTERM, WAIT_MS), 0);
	assert_int_equal(harness_stop(&daemons[1], SIGTERM, WAIT_MS), 0);
	assert_int_equal(redis_server_stop(&redis), 0);
}

/* Whatever happened, nothing this test started outlives it. */
static int
group_teardown(void **state)
{
	(void)state;
	(void)haproxy_server_stop(&haproxy);
	harness_stop_leftover(&daemons[0]);
	harness_stop_leftover(&daemons[1]);
	(void)redis_server_stop(&redis);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_through_haproxy),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("chat_haproxy", tests, NULL,
	    group_teardown);
}
