/*
 * chat_http.c: a small HTTP/1.1 client for the chat integration tests:
 * raw requests over loopback, replies read by Content-Length, every wait
 * bounded by a timeout.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "chat_http.h"
#include "daemon_harness.h"
#include "test_util.h"

/* Connect a client to the chat on 127.0.0.1:port; 0 or -1. */
int
client_open(struct http_client *client, int port)
{
	client->length = 0;
	client->fd = harness_connect("127.0.0.1", port);
	return client->fd == -1 ? -1 : 0;
}

/* Close a client's connection. */
void
client_close(struct http_client *client)
{
	if (client->fd != -1)
		(void)close(client->fd);
	client->fd = -1;
}

/* Send bytes; 0 or -1. */
int
client_send(struct http_client *client, const char *text, size_t length)
{
	return harness_write_all(client->fd, text, length);
}

/* Read more bytes within timeout_ms; bytes read, 0 at EOF, -1 on error. */
static ssize_t
client_fill(struct http_client *client, int timeout_ms)
{
	struct pollfd	pfd;
	ssize_t		got;

	if (client->length == sizeof(client->data)) {
		errno = ENOBUFS;
		return -1;
	}
	pfd.fd = client->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	got = read(client->fd, client->data + client->length,
	    sizeof(client->data) - client->length);
	if (got > 0)
		client->length += (size_t)got;
	return got;
}

/* The value of a header of a reply (first match), or NULL. */
const char *
reply_header(const struct http_reply *reply, const char *name, char *value,
    size_t size)
{
	const char	*line = strstr(reply->head, "\r\n");
	size_t		 name_length = strlen(name), length;
	const char	*end;

	while (line != NULL && line[2] != '\0') {
		line += 2;
		end = strstr(line, "\r\n");
		if (end == NULL)
			break;
		if (strncasecmp(line, name, name_length) == 0 &&
		    line[name_length] == ':') {
			line += name_length + 1;
			while (*line == ' ')
				line++;
			length = (size_t)(end - line);
			if (length >= size)
				length = size - 1;
			memcpy(value, line, length);
			value[length] = '\0';
			return value;
		}
		line = end;
	}
	return NULL;
}

/* Read one whole reply (HEAD replies have no body); 0 or -1. */
int
client_read_reply(struct http_client *client, struct http_reply *reply,
    int timeout_ms)
{
	char	*end, value[64];
	size_t	 head_length, body_length = 0;
	int	 head_only;

	memset(reply, 0, sizeof(*reply));
	head_only = timeout_ms < 0;
	if (head_only)
		timeout_ms = -timeout_ms;
	for (;;) {
		client->data[client->length] = '\0';
		end = client->length > 0 ? strstr(client->data, "\r\n\r\n") :
		    NULL;
		if (end != NULL && client->length < sizeof(client->data))
			break;
		if (client_fill(client, timeout_ms) <= 0)
			return -1;
	}
	head_length = (size_t)(end - client->data) + 4;
	if (head_length >= sizeof(reply->head))
		return -1;
	memcpy(reply->head, client->data, head_length);
	reply->head[head_length] = '\0';
	if (sscanf(reply->head, "HTTP/1.%*d %d", &reply->status) != 1)
		return -1;
	if (!head_only && reply_header(reply, "Content-Length", value,
	    sizeof(value)) != NULL)
		body_length = strtoul(value, NULL, 10);
	while (client->length < head_length + body_length)
		if (client_fill(client, timeout_ms) <= 0)
			return -1;
	if ((reply->body = malloc(body_length + 1)) == NULL)
		return -1;
	memcpy(reply->body, client->data + head_length, body_length);
	reply->body[body_length] = '\0';
	reply->body_length = body_length;
	reply->closed = reply_header(reply, "Connection", value,
	    sizeof(value)) != NULL && strcasecmp(value, "close") == 0;
	memmove(client->data, client->data + head_length + body_length,
	    client->length - head_length - body_length);
	client->length -= head_length + body_length;
	return 0;
}

/* Wait for the server to close; 0 when it did, -1 otherwise. */
int
client_wait_closed(struct http_client *client, int timeout_ms)
{
	ssize_t	got;

	for (;;) {
		got = client_fill(client, timeout_ms);
		if (got == 0)
			return 0;
		if (got == -1)
			return errno == ECONNRESET ? 0 : -1;
	}
}

/* Free a reply's body. */
void
reply_free(struct http_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
}

/* Send a raw request on a new connection and read one reply; 0 or -1. */
int
request(int port, const char *text, struct http_reply *reply)
{
	struct http_client	*client;
	int			 result = -1;

	if ((client = malloc(sizeof(*client))) == NULL)
		return -1;
	if (client_open(client, port) == 0 &&
	    client_send(client, text, strlen(text)) == 0)
		result = client_read_reply(client, reply, 5000);
	client_close(client);
	free(client);
	return result;
}

/* Send a form POST with the test's XSRF cookie and argument; 0 or -1. */
int
send_post(struct http_client *client, const char *path, const char *form)
{
	char	*text;
	int	 length, result;

	length = snprintf(NULL, 0, "POST %s HTTP/1.1\r\nHost: test\r\n"
	    "Cookie: _xsrf=" XSRF "\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n_xsrf="
	    XSRF "&%s", path, strlen(form) + strlen(XSRF) + 7, form);
	if (length < 0 || (text = malloc((size_t)length + 1)) == NULL)
		return -1;
	(void)snprintf(text, (size_t)length + 1, "POST %s HTTP/1.1\r\nHost: "
	    "test\r\nCookie: _xsrf=" XSRF "\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n_xsrf="
	    XSRF "&%s", path, strlen(form) + strlen(XSRF) + 7, form);
	result = client_send(client, text, (size_t)length);
	free(text);
	return result;
}

/* POST a form on a new connection and read the reply; 0 or -1. */
int
post_form(int port, const char *path, const char *form,
    struct http_reply *reply)
{
	struct http_client	*client;
	int			 result = -1;

	if ((client = malloc(sizeof(*client))) == NULL)
		return -1;
	if (client_open(client, port) == 0 &&
	    send_post(client, path, form) == 0)
		result = client_read_reply(client, reply, 5000);
	client_close(client);
	free(client);
	return result;
}

/* Copy the last "id" value of a JSON body into id; 0 or -1. */
int
last_id(const char *body, char *id, size_t size)
{
	const char	*found = NULL, *at = body, *end;

	while ((at = strstr(at, "{\"id\": \"")) != NULL) {
		found = at + 8;
		at = found;
	}
	if (found == NULL || (end = strchr(found, '"')) == NULL ||
	    (size_t)(end - found) >= size)
		return -1;
	memcpy(id, found, (size_t)(end - found));
	id[end - found] = '\0';
	return 0;
}

/* How many times needle occurs in haystack. */
int
count_text(const char *haystack, const char *needle)
{
	int	count = 0;

	while ((haystack = strstr(haystack, needle)) != NULL) {
		count++;
		haystack += strlen(needle);
	}
	return count;
}
