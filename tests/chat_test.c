/*
 * chat_test.c: the chat protocol over real HTTP against the real daemon
 * (two workers): every row of the wire spec, and the HTTP hygiene rules:
 * keep-alive, pipelining, HEAD, 100 Continue, and 400, 403, 404, 405, 408,
 * 411, 413, 431 and 505 where they belong.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chat_http.h"
#include "daemon_harness.h"

#define JSON_TYPE	"application/json; charset=UTF-8"
#define FORM_TYPE	"application/x-www-form-urlencoded"
#define MULTIPART_TYPE	"multipart/form-data; " \
			"boundary=------------------------b0und4ry"
#define BOUNDARY	"--------------------------b0und4ry"
/* One token in Tornado's version-2 form under two masks, and bare. */
#define TOKEN		"00112233445566778899aabbccddeeff"
#define MASKED_A "2|0a0b0c0d|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|1700000000"
#define MASKED_B "2|ffffffff|ffeeddccbbaa99887766554433221100|1700000000"

static struct daemon_process	chat_daemon;
static int			port;
static struct http_client	client;

/* Send a C string on the shared client; 0 or -1. */
static int
send_text(struct http_client *to, const char *text)
{
	return client_send(to, text, strlen(text));
}

/* POST a form and expect a status; the reply is left in reply. */
static void
expect_post(const char *path, const char *form, int status,
    struct http_reply *reply)
{
	if (post_form(port, path, form, reply) == -1)
		fail_msg("POST %s %s: no reply", path, form);
	if (reply->status != status)
		fail_msg("POST %s %s: status %d, expected %d\n%s%s", path,
		    form, reply->status, status, reply->head, reply->body);
}

/* Send a raw request and expect a status; the reply is left in reply. */
static void
expect_raw(const char *text, int status, struct http_reply *reply)
{
	struct http_client	*raw = malloc(sizeof(*raw));
	int			 got = -1;

	if (raw != NULL && client_open(raw, port) == 0 &&
	    send_text(raw, text) == 0)
		got = client_read_reply(raw, reply, strncmp(text, "HEAD ", 5) ==
		    0 ? -5000 : 5000);
	if (raw != NULL)
		client_close(raw);
	free(raw);
	if (got == -1)
		fail_msg("no reply to: %s", text);
	if (reply->status != status)
		fail_msg("status %d, expected %d, for: %s\n%s%s",
		    reply->status, status, text, reply->head, reply->body);
}

/*
 * POST body to path with the headers given (each ending in CRLF) and the
 * Content-Type type (none when NULL); expect status, reply left in reply.
 */
static void
expect_body(const char *path, const char *headers, const char *type,
    const char *body, int status, struct http_reply *reply)
{
	char	text[8192];

	(void)snprintf(text, sizeof(text), "POST %s HTTP/1.1\r\nHost: t\r\n"
	    "%s%s%s%sContent-Length: %zu\r\n\r\n%s", path, headers,
	    type != NULL ? "Content-Type: " : "", type != NULL ? type : "",
	    type != NULL ? "\r\n" : "", strlen(body), body);
	expect_raw(text, status, reply);
}

/* Post body (already form-encoded) and return its id in id. */
static void
post_message(const char *encoded_body, char *id, size_t id_size)
{
	struct http_reply	reply;
	char			form[4096];

	(void)snprintf(form, sizeof(form), "body=%s", encoded_body);
	expect_post("/a/message/new", form, 200, &reply);
	assert_int_equal(last_id(reply.body, id, id_size), 0);
	reply_free(&reply);
}

/* GET / sets an XSRF cookie of letters and digits, readable by scripts. */
static void
test_page_and_cookie(void **state)
{
	struct http_reply	reply;
	char			cookie[256], *token;
	char			length[32], head_length[32];

	(void)state;
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 200, &reply);
	assert_non_null(reply_header(&reply, "Set-Cookie", cookie,
	    sizeof(cookie)));
	assert_int_equal(strncmp(cookie, "_xsrf=", 6), 0);
	assert_null(strstr(cookie, "HttpOnly"));
	assert_non_null(strstr(cookie, "Path=/"));
	token = cookie + 6;
	assert_true(strspn(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789") >= 16);
	assert_int_equal(token[strspn(token, "abcdefghijklmnopqrstuvwxyzABC"
	    "DEFGHIJKLMNOPQRSTUVWXYZ0123456789")], ';');
	assert_non_null(strstr(reply.head, "Content-Type: text/html"));
	assert_non_null(strstr(reply.body, "id=\"inbox\""));
	assert_non_null(reply_header(&reply, "Content-Length", length,
	    sizeof(length)));
	reply_free(&reply);
	/* With a cookie: none set again. */
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=abc\r\n\r\n",
	    200, &reply);
	assert_null(strstr(reply.head, "Set-Cookie"));
	reply_free(&reply);
	/* HEAD: the same headers, no body. */
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_text(&client, "HEAD / HTTP/1.1\r\nHost: t\r\n"
	    "Cookie: _xsrf=abc\r\n\r\n"), 0);
	assert_int_equal(client_read_reply(&client, &reply, -3000), 0);
	assert_int_equal(reply.status, 200);
	assert_non_null(reply_header(&reply, "Content-Length", head_length,
	    sizeof(head_length)));
	assert_true(strtoul(head_length, NULL, 10) > 100);
	reply_free(&reply);
	/* Nothing follows the head: the next reply starts cleanly. */
	assert_int_equal(send_text(&client, "GET /static/chat.css HTTP/1.1"
	    "\r\nHost: t\r\n\r\n"), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	reply_free(&reply);
	client_close(&client);
}

/* The page's script and style, with their types. */
static void
test_static_assets(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_raw("GET /static/chat.js HTTP/1.1\r\nHost: t\r\n\r\n", 200,
	    &reply);
	assert_non_null(strstr(reply.head, "Content-Type: text/javascript"));
	assert_true(reply.body_length > 100);
	reply_free(&reply);
	expect_raw("GET /static/chat.css HTTP/1.0\r\n\r\n", 200, &reply);
	assert_non_null(strstr(reply.head, "Content-Type: text/css"));
	assert_true(reply.closed);
	reply_free(&reply);
}

/* Unknown paths are 404; wrong methods 405 with Allow. */
static void
test_404_and_405(void **state)
{
	struct http_reply	reply;
	char			allow[64];

	(void)state;
	expect_raw("GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n", 404, &reply);
	reply_free(&reply);
	expect_raw("GET /static/other.js HTTP/1.1\r\nHost: t\r\n\r\n", 404,
	    &reply);
	reply_free(&reply);
	expect_raw("DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", 405, &reply);
	assert_string_equal(reply_header(&reply, "Allow", allow,
	    sizeof(allow)), "GET, HEAD");
	assert_string_equal(reply.body, "405 Method Not Allowed\n");
	reply_free(&reply);
	expect_raw("GET /a/message/new HTTP/1.1\r\nHost: t\r\n\r\n", 405,
	    &reply);
	assert_string_equal(reply_header(&reply, "Allow", allow,
	    sizeof(allow)), "POST");
	reply_free(&reply);
	expect_raw("POST /static/chat.js HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\n\r\n", 405, &reply);
	reply_free(&reply);
	expect_raw("HEAD /a/message/updates HTTP/1.1\r\nHost: t\r\n\r\n", 405,
	    &reply);
	reply_free(&reply);
}

/* POST without the cookie, or with another token: 403, nothing added. */
static void
test_xsrf(void **state)
{
	struct http_reply	reply;
	char			id[64], text[1024];

	(void)state;
	post_message("before+xsrf", id, sizeof(id));
	expect_raw("POST /a/message/new HTTP/1.1\r\nHost: t\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\nContent-Length: 21\r\n\r\n"
	    "_xsrf=abc&body=sneaky", 403, &reply);
	reply_free(&reply);
	expect_raw("POST /a/message/new HTTP/1.1\r\nHost: t\r\nCookie: "
	    "_xsrf=abc\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 21\r\n\r\n_xsrf=abd&body=sneaky", 403, &reply);
	reply_free(&reply);
	expect_raw("POST /a/message/new HTTP/1.1\r\nHost: t\r\nCookie: "
	    "_xsrf=abc\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 11\r\n\r\nbody=sneaky", 403, &reply);
	reply_free(&reply);
	(void)snprintf(text, sizeof(text), "POST /a/message/updates HTTP/1.1"
	    "\r\nHost: t\r\nCookie: _xsrf=abc\r\nContent-Length: 0\r\n\r\n");
	expect_raw(text, 403, &reply);
	reply_free(&reply);
	/* The token in a header is as good as the argument. */
	expect_raw("POST /a/message/new HTTP/1.1\r\nHost: t\r\nCookie: "
	    "a=1; _xsrf=abc\r\nX-XSRFToken: abc\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\nbody=by+header",
	    200, &reply);
	reply_free(&reply);
	expect_raw("POST /a/message/new?body=by+csrf HTTP/1.1\r\nHost: t\r\n"
	    "Cookie: _xsrf=abc\r\nX-CSRFToken: abc\r\nContent-Length: 0\r\n"
	    "\r\n", 200, &reply);
	reply_free(&reply);
	(void)snprintf(text, sizeof(text), "cursor=%s", id);
	expect_post("/a/message/updates", text, 200, &reply);
	assert_int_equal(count_text(reply.body, "sneaky"), 0);
	assert_int_equal(count_text(reply.body, "\"body\": \"by header\""), 1);
	assert_int_equal(count_text(reply.body, "\"body\": \"by csrf\""), 1);
	reply_free(&reply);
}

/* The message object: id, body, escaped and linkified html, safe JSON. */
static void
test_message_object(void **state)
{
	struct http_reply	reply;
	char			id[64], expected[512];
	size_t			i;

	(void)state;
	expect_post("/a/message/new", "body=+%3Cb%3E%22hi%22+%26+'x'%3C%2Fb"
	    "%3E+see+www.example.org%2Fa%3Fb%3D1%26c%3D2.+", 200, &reply);
	assert_non_null(strstr(reply.head, "Content-Type: " JSON_TYPE));
	assert_int_equal(last_id(reply.body, id, sizeof(id)), 0);
	for (i = 0; id[i] != '\0'; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"
		    "MNOPQRSTUVWXYZ0123456789-_", id[i]));
	(void)snprintf(expected, sizeof(expected), "{\"id\": \"%s\", "
	    "\"body\": \"<b>\\\"hi\\\" & 'x'<\\/b> see www.example.org/a?b=1&"
	    "c=2.\", \"html\": \"<div class=\\\"message\\\" id=\\\"m%s\\\">"
	    "&lt;b&gt;&quot;hi&quot; &amp; &#39;x&#39;&lt;/b&gt; see <a "
	    "href=\\\"http://www.example.org/a?b=1&amp;c=2\\\">www.example.org"
	    "/a?b=1&amp;c=2<\\/a>.<\\/div>\\n\"}", id, id);
	assert_string_equal(reply.body, expected);
	reply_free(&reply);
	/* Only http and https become links. */
	expect_post("/a/message/new", "body=javascript:alert(1)+ftp://x.org",
	    200, &reply);
	assert_null(strstr(reply.body, "href"));
	reply_free(&reply);
}

/* Arguments: + and %XX, cleaning, UTF-8, required and optional ones. */
static void
test_arguments(void **state)
{
	struct http_reply	reply;
	char			location[256];

	(void)state;
	expect_post("/a/message/new", "body=a%01b%09c%0Ad+%E2%82%AC", 200,
	    &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"a b\\tc\\nd \xe2\x82"
	    "\xac\""));
	reply_free(&reply);
	expect_post("/a/message/new", "body=", 200, &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"\""));
	reply_free(&reply);
	expect_post("/a/message/new", "nobody=here", 400, &reply);
	assert_non_null(strstr(reply.body, "missing argument body"));
	reply_free(&reply);
	expect_post("/a/message/new", "body=%C0%AF", 400, &reply);
	reply_free(&reply);
	expect_post("/a/message/new", "body=%FF", 400, &reply);
	reply_free(&reply);
	expect_post("/a/message/new", "body=redirected&next=%2Fthere%3Fx%3D1",
	    302, &reply);
	assert_string_equal(reply_header(&reply, "Location", location,
	    sizeof(location)), "/there?x=1");
	assert_int_equal(reply.body_length, 0);
	reply_free(&reply);
	expect_post("/a/message/new", "body=evil&next=%2F%2Fevil.example", 400,
	    &reply);
	reply_free(&reply);
	expect_post("/a/message/new", "body=evil&next=http://evil.example",
	    400, &reply);
	reply_free(&reply);
	expect_post("/a/message/new", "body=evil&next=%2F%5Cevil.example", 400,
	    &reply);
	reply_free(&reply);
	expect_post("/a/message/updates", "", 200, &reply);
	assert_int_equal(count_text(reply.body, "\"body\": \"evil\""), 0);
	assert_int_equal(count_text(reply.body, "\"body\": \"redirected\""),
	    1);
	reply_free(&reply);
	/* message-size is 200 bytes here. */
	expect_post("/a/message/new", "body=0123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456789012345678901234567"
	    "8901234567890123456789012345678901234567890123456789012345678901"
	    "23456789012345678901234567890123456789X", 413, &reply);
	reply_free(&reply);
}

/* Cursor rules: older, newest, missing, unknown. */
static void
test_cursor_rules(void **state)
{
	struct http_reply	reply;
	char			first[64], second[64], third[64], form[256];

	(void)state;
	post_message("first", first, sizeof(first));
	post_message("second", second, sizeof(second));
	post_message("third", third, sizeof(third));
	(void)snprintf(form, sizeof(form), "cursor=%s", first);
	expect_post("/a/message/updates", form, 200, &reply);
	assert_non_null(strstr(reply.body, "{\"messages\": [{\"id\": \""));
	assert_int_equal(count_text(reply.body, "\"id\": "), 2);
	assert_true(strstr(reply.body, "second") < strstr(reply.body,
	    "third"));
	reply_free(&reply);
	expect_post("/a/message/updates", "cursor=", 200, &reply);
	assert_true(count_text(reply.body, "\"id\": ") >= 3);
	reply_free(&reply);
	expect_post("/a/message/updates", "cursor=no-such-message", 200,
	    &reply);
	assert_true(count_text(reply.body, "\"id\": ") >= 3);
	reply_free(&reply);
	/* At the newest: the poll waits, then times out with {}. */
	(void)snprintf(form, sizeof(form), "cursor=%s", third);
	expect_post("/a/message/updates", form, 200, &reply);
	assert_string_equal(reply.body, "{}");
	reply_free(&reply);
}

/* A waiting poll is answered by a message posted on another connection. */
static void
test_waiting_poll_answered(void **state)
{
	struct http_reply	reply;
	char			id[64], form[256];
	int			i;

	(void)state;
	post_message("wait+for+me", id, sizeof(id));
	for (i = 0; i < 4; i++) {
		(void)snprintf(form, sizeof(form), "cursor=%s", id);
		assert_int_equal(client_open(&client, port), 0);
		assert_int_equal(send_post(&client, "/a/message/updates",
		    form), 0);
		usleep(50 * 1000);
		post_message("news", id, sizeof(id));
		assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
		assert_int_equal(reply.status, 200);
		assert_int_equal(count_text(reply.body, "\"id\": "), 1);
		assert_non_null(strstr(reply.body, "\"body\": \"news\""));
		reply_free(&reply);
		client_close(&client);
	}
}

/* A client that leaves while waiting is forgotten; the daemon goes on. */
static void
test_disconnect_while_waiting(void **state)
{
	struct http_reply	reply;
	char			id[64], form[256];

	(void)state;
	post_message("leaving", id, sizeof(id));
	(void)snprintf(form, sizeof(form), "cursor=%s", id);
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_post(&client, "/a/message/updates", form), 0);
	usleep(50 * 1000);
	client_close(&client);
	assert_int_equal(harness_wait_log(&chat_daemon,
	    "peer closed while waiting", 3000), 0);
	post_message("still+here", id, sizeof(id));
	expect_post("/a/message/updates", "", 200, &reply);
	assert_non_null(strstr(reply.body, "still here"));
	reply_free(&reply);
}

/* Keep-alive by default in 1.1; pipelined requests answered in order. */
static void
test_keep_alive_and_pipelining(void **state)
{
	static const char	pipelined[] =
	    "GET /static/chat.css HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
	    "HEAD /static/chat.js HTTP/1.1\r\nHost: t\r\n\r\n"
	    "\r\nGET / HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=x\r\n"
	    "Connection: close\r\n\r\n";
	struct http_reply	reply;
	static const int	statuses[] = { 200, 404, 200, 200 };
	size_t			i;

	(void)state;
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(client_send(&client, pipelined, sizeof(pipelined) -
	    1), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(client_read_reply(&client, &reply, i == 2 ?
		    -3000 : 3000), 0);
		assert_int_equal(reply.status, statuses[i]);
		assert_int_equal(reply.closed, i == 3);
		if (i == 0)
			assert_non_null(strstr(reply.head, "text/css"));
		reply_free(&reply);
	}
	assert_int_equal(client_wait_closed(&client, 3000), 0);
	client_close(&client);
	/* HTTP/1.0 asking for keep-alive gets it. */
	assert_int_equal(client_open(&client, port), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(send_text(&client, "GET /static/chat.css "
		    "HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
		assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
		assert_int_equal(reply.status, 200);
		assert_non_null(strstr(reply.head, "Connection: keep-alive"));
		reply_free(&reply);
	}
	client_close(&client);
}

/* A request arriving one byte at a time is still understood. */
static void
test_byte_at_a_time(void **state)
{
	static const char	text[] = "POST /a/message/new HTTP/1.1\r\n"
	    "Host: t\r\nCookie: _xsrf=" XSRF "\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: 34\r\n\r\n_xsrf=" XSRF
	    "&body=trickle+in";
	struct http_reply	reply;
	size_t			i;
	int			on = 1;

	(void)state;
	assert_int_equal(client_open(&client, port), 0);
	/* Without Nagle each byte leaves in a segment of its own, at once. */
	assert_int_equal(setsockopt(client.fd, IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof(on)), 0);
	for (i = 0; i < sizeof(text) - 1; i++)
		assert_int_equal(client_send(&client, text + i, 1), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	assert_non_null(strstr(reply.body, "trickle in"));
	reply_free(&reply);
	client_close(&client);
}

/* Malformed and oversized requests: their status, then the close. */
static void
test_bad_requests(void **state)
{
	static const struct {
		const char	*text;
		int		 status;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },	/* no Host */
		{ "GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505 },
		{ "POST /a/message/new HTTP/1.1\r\nHost: t\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411 },
		{ "POST /a/message/new HTTP/1.1\r\nHost: t\r\n"
		    "Transfer-Encoding: gzip\r\n\r\n", 400 },
		{ "POST /a/message/new HTTP/1.1\r\nHost: t\r\n"
		    "Content-Length: 99999999\r\n\r\n", 413 },
		{ "POST /a/message/new HTTP/1.1\r\nHost: t\r\n"
		    "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400 },
	};
	struct http_reply	reply;
	char			big[12000];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(client_open(&client, port), 0);
		assert_int_equal(client_send(&client, cases[i].text,
		    strlen(cases[i].text)), 0);
		assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
		if (reply.status != cases[i].status)
			fail_msg("status %d, expected %d for %s", reply.status,
			    cases[i].status, cases[i].text);
		assert_true(reply.closed);
		reply_free(&reply);
		assert_int_equal(client_wait_closed(&client, 3000), 0);
		client_close(&client);
	}
	/* 431: a head over the limit. */
	(void)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: t\r\n"
	    "X-Big: %0*d\r\n\r\n", 10000, 0);
	expect_raw(big, 431, &reply);
	reply_free(&reply);
}

/* A request that does not arrive in time gets 408 (slowloris). */
static void
test_request_timeout(void **state)
{
	struct http_reply	reply;

	(void)state;
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_text(&client, "GET / HTTP/1.1\r\nHost: t\r\n"), 0);
	assert_int_equal(client_read_reply(&client, &reply, 5000), 0);
	assert_int_equal(reply.status, 408);
	assert_true(reply.closed);
	reply_free(&reply);
	assert_int_equal(client_wait_closed(&client, 3000), 0);
	client_close(&client);
}

/* A connection idle between requests is closed after keepalive-timeout. */
static void
test_keepalive_timeout(void **state)
{
	struct http_reply	reply;

	(void)state;
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_text(&client, "GET /static/chat.css HTTP/1.1\r\n"
	    "Host: t\r\n\r\n"), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	assert_false(reply.closed);
	reply_free(&reply);
	assert_int_equal(client_wait_closed(&client, 5000), 0);
	client_close(&client);
	assert_int_equal(harness_wait_log(&chat_daemon, "keep-alive timeout",
	    3000), 0);
}

/* The page renders cached messages, escaped. */
static void
test_page_renders_messages(void **state)
{
	struct http_reply	reply;
	char			id[64], needle[256];

	(void)state;
	post_message("%3Cimg+src%3Dx+onerror%3Dalert(1)%3E", id, sizeof(id));
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 200, &reply);
	(void)snprintf(needle, sizeof(needle), "<div class=\"message\" "
	    "id=\"m%s\">&lt;img src=x onerror=alert(1)&gt;</div>", id);
	assert_non_null(strstr(reply.body, needle));
	assert_null(strstr(reply.body, "<img"));
	reply_free(&reply);
}

/* An argument given twice takes its last value, the body's after the query. */
static void
test_last_argument_wins(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_post("/a/message/new", "body=first&body=second", 200, &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"second\""));
	reply_free(&reply);
	expect_body("/a/message/new?body=query", "Cookie: _xsrf=" XSRF "\r\n",
	    FORM_TYPE, "_xsrf=" XSRF "&body=form", 200, &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"form\""));
	reply_free(&reply);
	/* The token too: a right one then a wrong one is wrong. */
	expect_post("/a/message/new", "body=x&_xsrf=wrong", 403, &reply);
	reply_free(&reply);
	expect_body("/a/message/new?_xsrf=wrong", "Cookie: _xsrf=" XSRF
	    "\r\n", FORM_TYPE, "_xsrf=" XSRF "&body=right+token+last", 200,
	    &reply);
	reply_free(&reply);
}

/* An empty _xsrf argument falls through to X-XSRFToken, then X-CSRFToken. */
static void
test_xsrf_empty_argument(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_body("/a/message/new", "Cookie: _xsrf=abc\r\nX-XSRFToken: abc"
	    "\r\n", FORM_TYPE, "_xsrf=&body=by+header", 200, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=abc\r\nX-XSRFToken:\r\n"
	    "X-CSRFToken: abc\r\n", FORM_TYPE, "_xsrf=+&body=by+csrf", 200,
	    &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=abc\r\n", FORM_TYPE,
	    "_xsrf=&body=no+token", 403, &reply);
	reply_free(&reply);
	/* A non-empty argument is the token, whatever the headers say. */
	expect_body("/a/message/new", "Cookie: _xsrf=abc\r\nX-XSRFToken: abc"
	    "\r\n", FORM_TYPE, "_xsrf=abd&body=wrong+argument", 403, &reply);
	reply_free(&reply);
}

/*
 * Tornado's version-2 tokens match by their unmasked token: a form
 * rendered by a page that re-masked the token still posts, and so does
 * the bare token; GET / keeps such a cookie and puts it in the form.
 */
static void
test_xsrf_version_2(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_body("/a/message/new", "Cookie: _xsrf=" MASKED_A "\r\n",
	    FORM_TYPE, "_xsrf=" MASKED_B "&body=re-masked", 200, &reply);
	reply_free(&reply);
	expect_body("/a/message/updates", "Cookie: _xsrf=" MASKED_A "\r\n"
	    "X-XSRFToken: " TOKEN "\r\n", FORM_TYPE, "cursor=", 200, &reply);
	assert_non_null(strstr(reply.body, "re-masked"));
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=" TOKEN "\r\n",
	    FORM_TYPE, "_xsrf=" MASKED_A "&body=masked+for+bare", 200, &reply);
	reply_free(&reply);
	/* Another token, a truncated value, the first field alone: 403. */
	expect_body("/a/message/new", "Cookie: _xsrf=" MASKED_A "\r\n",
	    FORM_TYPE, "_xsrf=2%7Cffffffff%7Cffeeddccbbaa99887766554433221101"
	    "%7C1&body=other", 403, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=" MASKED_A "\r\n",
	    FORM_TYPE, "_xsrf=2&body=truncated", 403, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=2|zz|zz|1\r\n",
	    FORM_TYPE, "_xsrf=2|zz|zz|1&body=no+token", 403, &reply);
	reply_free(&reply);
	/* The page keeps a cookie with a token, replaces one without. */
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=" MASKED_A
	    "\r\n\r\n", 200, &reply);
	assert_null(strstr(reply.head, "Set-Cookie"));
	assert_non_null(strstr(reply.body, "value=\"" MASKED_A "\""));
	reply_free(&reply);
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=2|zz|zz|1\r\n"
	    "\r\n", 200, &reply);
	assert_non_null(strstr(reply.head, "Set-Cookie: _xsrf="));
	reply_free(&reply);
}

/* A cookie sent twice counts with its last value; every line is read. */
static void
test_cookie_twice(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_body("/a/message/new", "Cookie: _xsrf=stale; _xsrf=abc\r\n",
	    FORM_TYPE, "_xsrf=abc&body=last+cookie", 200, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=abc; _xsrf=stale\r\n",
	    FORM_TYPE, "_xsrf=abc&body=first+cookie", 403, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: a=1\r\nCookie: _xsrf=abc\r\n",
	    FORM_TYPE, "_xsrf=abc&body=second+line", 200, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=abc\r\nCookie: "
	    "_xsrf=new\r\n", FORM_TYPE, "_xsrf=new&body=lines", 200, &reply);
	reply_free(&reply);
	expect_raw("GET / HTTP/1.1\r\nHost: t\r\nCookie: a=1\r\n"
	    "Cookie: _xsrf=abc\r\n\r\n", 200, &reply);
	assert_null(strstr(reply.head, "Set-Cookie"));
	reply_free(&reply);
}

/* multipart/form-data is an argument source; a broken one is 400. */
static void
test_multipart(void **state)
{
	static const char	body[] = BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"_xsrf\"\r\n\r\n"
	    XSRF "\r\n" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"body\"\r\n\r\n"
	    " from a <multipart> form \r\n" BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"body\"; "
	    "filename=\"body.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	    "a file is no argument\r\n" BOUNDARY "--\r\n";
	struct http_reply	reply;
	char			id[64], form[128];

	(void)state;
	post_message("before+multipart", id, sizeof(id));
	expect_body("/a/message/new", "Cookie: _xsrf=" XSRF "\r\n",
	    MULTIPART_TYPE, body, 200, &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"from a <multipart> "
	    "form\""));
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=" XSRF "\r\n",
	    MULTIPART_TYPE, BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"body\"\r\n\r\nunclosed", 400, &reply);
	assert_non_null(strstr(reply.body, "multipart"));
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=" XSRF "\r\n",
	    "multipart/form-data", body, 400, &reply);
	reply_free(&reply);
	expect_body("/a/message/new", "Cookie: _xsrf=" XSRF "\r\n",
	    MULTIPART_TYPE, BOUNDARY "\r\nContent-Disposition: form-data; "
	    "name=\"body\"\r\n\r\n\xff\r\n" BOUNDARY "--", 400, &reply);
	reply_free(&reply);
	(void)snprintf(form, sizeof(form), "cursor=%s", id);
	expect_post("/a/message/updates", form, 200, &reply);
	assert_int_equal(count_text(reply.body, "\"id\": "), 1);
	reply_free(&reply);
}

/* Unicode whitespace around an argument is stripped, as Python strips. */
static void
test_unicode_whitespace(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_post("/a/message/new", "body=%C2%A0%E3%80%80hi%C2%A0there"
	    "%E2%80%A8%E2%80%A9%C2%85", 200, &reply);
	assert_non_null(strstr(reply.body, "\"body\": \"hi\xc2\xa0there\""));
	reply_free(&reply);
}

/* Link detection on the wire: the spec's cases that once differed. */
static void
test_links_as_tornado(void **state)
{
	struct http_reply	reply;

	(void)state;
	expect_post("/a/message/new", "body=http://example.com/%3Fq%3D", 200,
	    &reply);
	assert_non_null(strstr(reply.body, "<a href=\\\"http://example.com/?q"
	    "\\\">http://example.com/?q<\\/a>=<\\/div>"));
	reply_free(&reply);
	expect_post("/a/message/new", "body=%C3%A9http://example.com+"
	    "HTTP://EXAMPLE.COM/", 200, &reply);
	assert_null(strstr(reply.body, "href"));
	reply_free(&reply);
	expect_post("/a/message/new", "body=http://example.com/%22q%22", 200,
	    &reply);
	assert_non_null(strstr(reply.body, ">http://example.com/&quot;q<\\/a>"
	    "&quot;<\\/div>"));
	reply_free(&reply);
}

/* Wait up to timeout_ms for bytes from the client's server; 1 if any. */
static int
bytes_arrive(struct http_client *from, int timeout_ms)
{
	struct pollfd	pfd;

	pfd.fd = from->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, timeout_ms) == 1;
}

/*
 * Expect: 100-continue gets "100 Continue" before the body is sent, and
 * only then: HTTP/1.1, a body announced, none of it sent yet.
 */
static void
test_expect_continue(void **state)
{
	static const char	head[] = "POST /a/message/new HTTP/1.1\r\n"
	    "Host: t\r\nCookie: _xsrf=" XSRF "\r\nExpect: 100-continue\r\n"
	    "Content-Type: " FORM_TYPE "\r\nContent-Length: 33\r\n\r\n";
	static const char	body[] = "_xsrf=" XSRF "&body=continued";
	struct http_reply	reply;
	char			whole[sizeof(head) + sizeof(body)];

	(void)state;
	assert_int_equal(sizeof(body) - 1, 33);
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_text(&client, head), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 100);
	assert_string_equal(reply.head, "HTTP/1.1 100 Continue\r\n\r\n");
	reply_free(&reply);
	assert_int_equal(send_text(&client, body), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	assert_non_null(strstr(reply.body, "continued"));
	reply_free(&reply);
	/* Head and body in one write: the final answer only. */
	(void)snprintf(whole, sizeof(whole), "%s%s", head, body);
	assert_int_equal(send_text(&client, whole), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	reply_free(&reply);
	/* No body announced: nothing to continue. */
	assert_int_equal(send_text(&client, "POST /a/message/new?body=empty "
	    "HTTP/1.1\r\nHost: t\r\nCookie: _xsrf=" XSRF "\r\nX-XSRFToken: "
	    XSRF "\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"),
	    0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	reply_free(&reply);
	client_close(&client);
	/* HTTP/1.0 knows no 100: nothing comes until the body does. */
	assert_int_equal(client_open(&client, port), 0);
	assert_int_equal(send_text(&client, "POST /a/message/new HTTP/1.0\r\n"
	    "Cookie: _xsrf=" XSRF "\r\nExpect: 100-continue\r\nContent-Type: "
	    FORM_TYPE "\r\nContent-Length: 33\r\n\r\n"), 0);
	assert_false(bytes_arrive(&client, 200));
	assert_int_equal(send_text(&client, body), 0);
	assert_int_equal(client_read_reply(&client, &reply, 3000), 0);
	assert_int_equal(reply.status, 200);
	reply_free(&reply);
	client_close(&client);
}

/* /favicon.ico: the compiled-in icon, so browsers log no 404. */
static void
test_favicon(void **state)
{
	struct http_reply	reply;
	char			length[32];

	(void)state;
	expect_raw("GET /favicon.ico HTTP/1.1\r\nHost: t\r\n\r\n", 200,
	    &reply);
	assert_non_null(strstr(reply.head, "Content-Type: "
	    "image/vnd.microsoft.icon\r\n"));
	assert_true(reply.body_length > 22);
	/* An icon directory (0, type 1) of one 16x16 image. */
	assert_memory_equal(reply.body, "\0\0\1\0\1\0\20\20", 8);
	reply_free(&reply);
	expect_raw("HEAD /favicon.ico HTTP/1.1\r\nHost: t\r\n\r\n", 200,
	    &reply);
	assert_non_null(reply_header(&reply, "Content-Length", length,
	    sizeof(length)));
	assert_true(strtoul(length, NULL, 10) > 22);
	assert_int_equal(reply.body_length, 0);
	reply_free(&reply);
	expect_raw("POST /favicon.ico HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\n\r\n", 405, &reply);
	reply_free(&reply);
}

/* Start the daemon all cases share. */
static int
group_setup(void **state)
{
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l",
			    "chat@127.0.0.1:0,poll-timeout=0.5,"
			    "request-timeout=0.5,keepalive-timeout=1,"
			    "message-size=200", NULL };

	(void)state;
	client.fd = -1;
	if (harness_start(&chat_daemon, arguments, 1) == -1)
		return -1;
	port = chat_daemon.ports[0];
	return 0;
}

/* Stop it. */
static int
group_teardown(void **state)
{
	(void)state;
	client_close(&client);
	return harness_stop(&chat_daemon, SIGTERM, 3000) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_page_and_cookie),
		cmocka_unit_test(test_static_assets),
		cmocka_unit_test(test_404_and_405),
		cmocka_unit_test(test_xsrf),
		cmocka_unit_test(test_message_object),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_cursor_rules),
		cmocka_unit_test(test_waiting_poll_answered),
		cmocka_unit_test(test_disconnect_while_waiting),
		cmocka_unit_test(test_keep_alive_and_pipelining),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_request_timeout),
		cmocka_unit_test(test_page_renders_messages),
		cmocka_unit_test(test_last_argument_wins),
		cmocka_unit_test(test_xsrf_empty_argument),
		cmocka_unit_test(test_xsrf_version_2),
		cmocka_unit_test(test_cookie_twice),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_unicode_whitespace),
		cmocka_unit_test(test_links_as_tornado),
		cmocka_unit_test(test_expect_continue),
		cmocka_unit_test(test_favicon),
		cmocka_unit_test(test_keepalive_timeout),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
