/*
 * chat_http.h: a small HTTP/1.1 client for the chat integration tests.
 */
#ifndef PFORKD_CHAT_HTTP_H
#define PFORKD_CHAT_HTTP_H

#include <stddef.h>

#define CLIENT_BUFFER_SIZE	(256 * 1024)
#define XSRF			"testtoken123"

struct http_client {
	int	fd;
	size_t	length;
	char	data[CLIENT_BUFFER_SIZE];
};

struct http_reply {
	int	status;
	char	head[8192];
	char	*body;		/* NUL-terminated */
	size_t	body_length;
	int	closed;		/* the server closed after this reply */
};

int	client_open(struct http_client *, int port);
void	client_close(struct http_client *);
int	client_send(struct http_client *, const char *text, size_t length);
int	client_read_reply(struct http_client *, struct http_reply *,
	    int timeout_ms);
int	client_wait_closed(struct http_client *, int timeout_ms);
void	reply_free(struct http_reply *);
const char *reply_header(const struct http_reply *, const char *name,
	    char *value, size_t size);
int	request(int port, const char *text, struct http_reply *);
int	post_form(int port, const char *path, const char *form,
	    struct http_reply *);
int	send_post(struct http_client *, const char *path, const char *form);
int	last_id(const char *body, char *id, size_t size);
int	count_text(const char *haystack, const char *needle);

#endif /* PFORKD_CHAT_HTTP_H */
