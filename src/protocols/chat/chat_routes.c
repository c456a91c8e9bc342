/*
 * chat_routes.c: the chat's HTTP routes, after Tornado's chat demo.
 *
 *   GET, HEAD  /                    the page, messages rendered in #inbox
 *   POST       /a/message/new       add a message (JSON, or 302 to next)
 *   POST       /a/message/updates   long poll for messages after cursor
 *   GET, HEAD  /static/chat.js, /static/chat.css, /favicon.ico
 *
 * Every POST must carry the _xsrf cookie's token back, as an argument or
 * in an X-XSRFToken or X-CSRFToken header (403 otherwise); the token may
 * be masked differently, as Tornado's version-2 values are.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "connection/peer_wake.h"
#include "connection/shared_body.h"
#include "http/http_form.h"
#include "protocols/chat/chat.h"
#include "protocols/chat/chat_format.h"
#include "protocols/chat/chat_xsrf.h"
#include "util/random_bytes.h"

#define FIELDS_MAX		64
#define XSRF_COOKIE_MAX		256
#define XSRF_TOKEN_LENGTH	32
#define JSON_TYPE		"application/json; charset=UTF-8"
#define SPLITS_MAX		4	/* @MESSAGES@ sent without a copy */

static struct buffer	scratch;	/* a reply being built */
static struct buffer	headers;	/* its extra header lines */

/* Read the arguments of the query and a form body; 0, or -1 answered. */
static int
read_arguments(struct http_connection *http,
    const struct http_request *request, struct http_form *form)
{
	http_form_init(form);
	if (http_form_read(form, request, FIELDS_MAX) == 0)
		return 0;
	(void)http_respond_error(http, errno == ENOMEM ? 500 : 400,
	    errno == EILSEQ ? "arguments must be UTF-8" : errno == E2BIG ?
	    "too many arguments" : errno == EINVAL ? "malformed "
	    "multipart/form-data body" : "unreadable arguments");
	http_form_free(form);
	return -1;
}

/* A header's value when it is there and not empty, else NULL. */
static const char *
non_empty_header(const struct http_request *request, const char *name)
{
	const char	*value = http_header_find(request, name);

	return value != NULL && value[0] != '\0' ? value : NULL;
}

/*
 * Whether the request proves it comes from our page (XSRF): the _xsrf
 * argument, else the X-XSRFToken header, else X-CSRFToken, each only when
 * not empty, holds the token of the (last) _xsrf cookie.
 */
static int
xsrf_matches(const struct http_request *request, const struct http_form *form)
{
	const struct http_form_field	*field;
	const char			*token;
	char				 cookie[XSRF_COOKIE_MAX];

	if (http_request_cookie(request, "_xsrf", cookie, sizeof(cookie)) ==
	    -1)
		return 0;
	field = http_form_get(form, "_xsrf");
	if (field != NULL && field->value_length > 0)
		token = field->value;
	else if ((token = non_empty_header(request, "X-XSRFToken")) == NULL)
		token = non_empty_header(request, "X-CSRFToken");
	return token != NULL && chat_xsrf_match(token, cookie);
}

/* Whether the request has an _xsrf cookie that holds a token; copy it. */
static int
usable_xsrf_cookie(const struct http_request *request, char *cookie,
    size_t size)
{
	unsigned char	token[CHAT_XSRF_VALUE_MAX];
	size_t		token_length;

	return http_request_cookie(request, "_xsrf", cookie, size) == 0 &&
	    chat_xsrf_decode(cookie, token, sizeof(token), &token_length) ==
	    0 && token_length > 0;
}

/*
 * Append the page template with @XSRF@ filled in, noting in splits where
 * each @MESSAGES@ goes (the messages are sent from the view's shared
 * inbox, not copied here), at most SPLITS_MAX of them; the inbox is
 * copied in place of any after those.  0 or -1.
 */
static int
render_page(struct buffer *out, const struct chat_asset *page,
    const struct shared_body *inbox, const char *token, size_t *splits,
    size_t *split_count)
{
	const char	*text = (const char *)page->data, *end, *mark;

	*split_count = 0;
	end = text + page->length;
	while (text < end) {
		mark = memchr(text, '@', (size_t)(end - text));
		if (mark == NULL)
			return buffer_append(out, text, (size_t)(end - text));
		if (buffer_append(out, text, (size_t)(mark - text)) == -1)
			return -1;
		if ((size_t)(end - mark) >= 10 &&
		    memcmp(mark, "@MESSAGES@", 10) == 0) {
			if (*split_count < SPLITS_MAX)
				splits[(*split_count)++] = out->length;
			else if (inbox->length > 0 && buffer_append(out,
			    inbox->data, inbox->length) == -1)
				return -1;
			text = mark + 10;
		} else if ((size_t)(end - mark) >= 6 &&
		    memcmp(mark, "@XSRF@", 6) == 0) {
			if (chat_html_escape(out, token, strlen(token)) == -1)
				return -1;
			text = mark + 6;
		} else {
			if (buffer_append(out, "@", 1) == -1)
				return -1;
			text = mark + 1;
		}
	}
	return 0;
}

/*
 * Send the rendered page: the template's text from out, and the shared
 * inbox at each split.
 */
static void
send_page(struct http_connection *http, const struct buffer *out,
    struct shared_body *inbox, const size_t *splits, size_t split_count)
{
	struct http_body_part	parts[2 * SPLITS_MAX + 1];
	size_t			i, count = 0, from = 0;

	for (i = 0; i <= split_count; i++) {
		parts[count].shared = NULL;
		parts[count].bytes = out->data + from;
		parts[count].offset = 0;
		parts[count].length = (i < split_count ? splits[i] :
		    out->length) - from;
		count++;
		if (i == split_count)
			break;
		parts[count].shared = inbox;
		parts[count].bytes = NULL;
		parts[count].offset = 0;
		parts[count].length = inbox->length;
		count++;
		from = splits[i];
	}
	(void)http_respond_parts(http, 200, "text/html; charset=UTF-8",
	    headers.data, parts, count);
}

/* GET /: the page with the cached messages and an XSRF token. */
static void
serve_page(struct chat_service *chat, struct http_connection *http,
    const struct http_request *request)
{
	struct shared_body	*inbox;
	char			 cookie[XSRF_COOKIE_MAX];
	char			 token[XSRF_TOKEN_LENGTH + 1];
	size_t			 splits[SPLITS_MAX], split_count;
	int			 have_cookie;

	have_cookie = usable_xsrf_cookie(request, cookie, sizeof(cookie));
	buffer_clear(&headers);
	buffer_clear(&scratch);
	if (!have_cookie && random_alphanumeric(token, XSRF_TOKEN_LENGTH) ==
	    -1) {
		(void)http_respond_error(http, 500, "no random bytes");
		return;
	}
	if (chat_view_refresh(chat) == -1 ||
	    (inbox = chat_view_inbox(&chat->view)) == NULL || (!have_cookie &&
	    buffer_printf(&headers, "Set-Cookie: _xsrf=%s; Path=/\r\n",
	    token) == -1) || buffer_append_string(&headers,
	    "Cache-Control: no-cache\r\n") == -1 ||
	    render_page(&scratch, chat_asset_find(chat, "index.html"), inbox,
	    have_cookie ? cookie : token, splits, &split_count) == -1 ||
	    buffer_reserve(&scratch, 0) == -1) {
		(void)http_respond_error(http, 500, "out of memory");
		return;
	}
	send_page(http, &scratch, inbox, splits, split_count);
}

/* GET /static/NAME or /favicon.ico: one of the page's assets. */
static void
serve_asset(struct chat_service *chat, struct http_connection *http,
    const char *path)
{
	const struct chat_asset	*asset;

	if (strcmp(path, "/favicon.ico") == 0)
		asset = &chat_favicon;
	else
		asset = chat_asset_find(chat, path + strlen("/static/"));
	(void)http_respond(http, 200, asset->content_type,
	    "Cache-Control: no-cache\r\n", asset->data, asset->length);
}

/* Whether next is a path on this site (not //host or /\host). */
static int
next_is_local(const char *next)
{
	return next[0] == '/' && next[1] != '/' && next[1] != '\\';
}

/* Append next as a Location header, percent-encoding unsafe bytes. */
int
chat_append_location(struct buffer *out, const char *next)
{
	const unsigned char	*byte;

	if (buffer_append_string(out, "Location: ") == -1)
		return -1;
	for (byte = (const unsigned char *)next; *byte != '\0'; byte++) {
		if (*byte > 0x20 && *byte < 0x7f) {
			if (buffer_append(out, byte, 1) == -1)
				return -1;
		} else if (buffer_printf(out, "%%%02X", *byte) == -1)
			return -1;
	}
	return buffer_append_string(out, "\r\n");
}

/* POST /a/message/new: add the message, answer with it. */
static void
new_message(struct chat_service *chat, struct http_connection *http,
    const struct http_form *form)
{
	const struct http_form_field	*body, *next;
	char				 id[CHAT_ID_SIZE];

	if ((body = http_form_get(form, "body")) == NULL) {
		(void)http_respond_error(http, 400, "missing argument body");
		return;
	}
	next = http_form_get(form, "next");
	if (next != NULL && next->value[0] != '\0' &&
	    !next_is_local(next->value)) {
		(void)http_respond_error(http, 400, "next must be a path on "
		    "this site");
		return;
	}
	if (body->value_length > chat->options.message_max) {
		buffer_clear(&scratch);
		(void)buffer_printf(&scratch, "messages are limited to %u "
		    "bytes", chat->options.message_max);
		(void)http_respond_error(http, 413, scratch.data != NULL ?
		    scratch.data : "message too long");
		return;
	}
	if (chat->options.redis[0] != '\0') {
		/* The stream orders it; the answer waits for Redis. */
		chat_stream_post(chat, http, body->value, body->value_length,
		    next != NULL && next->value[0] != '\0' ? next->value :
		    NULL);
		return;
	}
	if (chat_cache_add(chat->cache, body->value, body->value_length,
	    id) == -1) {
		(void)http_respond_error(http, 500, "cannot store the message");
		return;
	}
	peer_wake_others();
	buffer_clear(&scratch);
	buffer_clear(&headers);
	if (next != NULL && next->value[0] != '\0') {
		if (chat_append_location(&headers, next->value) == -1)
			(void)http_respond_error(http, 500, "out of memory");
		else
			(void)http_respond(http, 302, NULL, headers.data,
			    NULL, 0);
	} else if (chat_message_json(&scratch, id, body->value,
	    body->value_length) == -1)
		(void)http_respond_error(http, 500, "out of memory");
	else
		(void)http_respond(http, 200, JSON_TYPE, NULL, scratch.data,
		    scratch.length);
	chat_waiters_answer(chat);
}

/* POST /a/message/updates: answer with news now, or wait for some. */
static void
poll_updates(struct chat_service *chat, struct http_connection *http,
    const struct http_form *form)
{
	static const char		 too_many[] =
	    "503 Service Unavailable: too many waiting polls\n";
	const struct http_form_field	*cursor;
	const struct chat_reply		*reply;
	const char			*cursor_text;
	int				 start;

	cursor = http_form_get(form, "cursor");
	cursor_text = cursor != NULL ? cursor->value : "";
	if (chat_view_refresh(chat) == -1) {
		(void)http_respond_error(http, 500, "out of memory");
		return;
	}
	start = chat_view_answer_start(&chat->view, cursor_text);
	if (start != -1) {
		reply = chat_view_reply(&chat->view, (size_t)start);
		if (reply == NULL)
			(void)http_respond_error(http, 500, "out of memory");
		else
			(void)http_respond_parts(http, 200, JSON_TYPE, NULL,
			    reply->parts, reply->count);
		return;
	}
	if (chat->waiter_count >= chat->options.waiters_max) {
		(void)http_respond(http, 503, "text/plain; charset=UTF-8",
		    "Retry-After: 1\r\n", too_many, sizeof(too_many) - 1);
		return;
	}
	if (chat_wait(chat, http, cursor_text) == -1)
		(void)http_respond_error(http, 500, "cannot wait");
}

/* Answer 405 with the methods the path allows. */
static void
wrong_method(struct http_connection *http, const char *allowed)
{
	static const char	not_allowed[] = "405 Method Not Allowed\n";

	buffer_clear(&headers);
	if (buffer_printf(&headers, "Allow: %s\r\n", allowed) == -1)
		(void)http_respond_error(http, 500, "out of memory");
	else
		(void)http_respond(http, 405, "text/plain; charset=UTF-8",
		    headers.data, not_allowed, sizeof(not_allowed) - 1);
}

/* One of the POST routes: arguments, XSRF, then the action. */
static void
serve_post(struct chat_service *chat, struct http_connection *http,
    const struct http_request *request, int is_new)
{
	struct http_form	form;

	if (strcmp(request->method, "POST") != 0) {
		wrong_method(http, "POST");
		return;
	}
	if (read_arguments(http, request, &form) == -1)
		return;
	if (!xsrf_matches(request, &form))
		(void)http_respond_error(http, 403, "the _xsrf argument does "
		    "not match the _xsrf cookie");
	else if (is_new)
		new_message(chat, http, &form);
	else
		poll_updates(chat, http, &form);
	http_form_free(&form);
}

/* Route one request. */
void
chat_request(struct http_connection *http, const struct http_request *request,
    void *arg)
{
	struct chat_service	*chat = arg;
	const char		*path = request->path;
	int			 readable;

	readable = strcmp(request->method, "GET") == 0 ||
	    strcmp(request->method, "HEAD") == 0;
	if (strcmp(path, "/a/message/new") == 0)
		serve_post(chat, http, request, 1);
	else if (strcmp(path, "/a/message/updates") == 0)
		serve_post(chat, http, request, 0);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/static/chat.js") ==
	    0 || strcmp(path, "/static/chat.css") == 0 ||
	    strcmp(path, "/favicon.ico") == 0) {
		if (!readable)
			wrong_method(http, "GET, HEAD");
		else if (strcmp(path, "/") == 0)
			serve_page(chat, http, request);
		else
			serve_asset(chat, http, path);
	} else
		(void)http_respond_error(http, 404, "no such page");
}
