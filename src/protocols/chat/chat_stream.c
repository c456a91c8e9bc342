/*
 * chat_stream.c: one chat room across hosts, through a Redis stream.
 *
 * With `redis', the stream is the single source of order.  A worker's post
 * is XADDed (trimmed to about the cache size) over the worker's own
 * connection, made at its first post, and the poster gets its 200 only
 * once Redis has answered with the message's stream id; when Redis is
 * unreachable or refuses, 503 and nothing is stored.  The master reads
 * the stream, one reader per host: it loads the newest `cache' messages
 * with XREVRANGE (before the first workers fork, when Redis answers in
 * time), then XREAD BLOCKs from the last id it has, appends what comes to
 * the shared cache and wakes every worker, the poster's too.  A message's
 * id is its stream id, so a cursor means the same on every host and
 * across restarts.  After a lost connection, and whenever a block times
 * out with nothing new, the reader looks at the stream's newest messages
 * again: if its last id is still there it appends what came after it (no
 * gap, no duplicate); if not, the stream was deleted, trimmed past it or
 * Redis restarted empty, which it logs, and the cache starts again from
 * the stream's content.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/peer_wake.h"
#include "protocols/chat/chat.h"
#include "protocols/chat/chat_format.h"
#include "util/descriptor.h"
#include "util/log.h"

#define CONNECT_TIMEOUT		(2 * (uint64_t)1000000)
#define COMMAND_TIMEOUT		(5 * (uint64_t)1000000)
#define BLOCK_MS		2000
#define BLOCK_TIMEOUT		((BLOCK_MS + 5000) * (uint64_t)1000)
#define RETRY_USEC		(1000 * (uint64_t)1000)
#define START_WAIT_USEC		(3 * (uint64_t)1000000)
#define READ_COUNT		"1000"
#define PASSWORD_MAX		512
#define JSON_TYPE		"application/json; charset=UTF-8"
#define UNREACHABLE		"the message store (Redis) cannot be " \
				"reached: the message was not posted"

struct chat_reader {
	struct chat_service	*chat;
	struct dispatcher	*dispatcher;
	struct redis_client	*client;
	struct timer		 retry_timer;
	char			 last_id[CHAT_ID_SIZE];	/* "": none */
	uint64_t		 last;		/* its sequence number */
	int			 synced;
};

struct chat_post {
	int			 kind;		/* CHAT_EXCHANGE_POST */
	struct chat_service	*chat;
	struct http_connection	*http;		/* NULL: client gone */
	char			*next;		/* NULL: answer JSON */
	char			*body;
	size_t			 length;
};

static void	reader_resync(struct chat_reader *);
static void	reader_read(struct chat_reader *);

/* Read the password file: its first line; 0 or -1 with a message. */
static int
read_password(struct chat_service *chat, char *error, size_t error_size)
{
	const char	*path = chat->options.redis_password_file;
	char		 text[PASSWORD_MAX + 2];
	size_t		 length;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)snprintf(error, error_size, "redis-password-file %s: %s",
		    path, strerror(errno));
		return -1;
	}
	length = descriptor_read_up_to(fd, text, sizeof(text) - 1);
	(void)close(fd);
	text[length] = '\0';
	text[strcspn(text, "\r\n")] = '\0';
	if (text[0] == '\0' || strlen(text) > PASSWORD_MAX) {
		(void)snprintf(error, error_size, "redis-password-file %s: "
		    "expected a password of 1 to %d bytes on its first line",
		    path, PASSWORD_MAX);
		return -1;
	}
	if ((chat->redis_password = strdup(text)) == NULL) {
		(void)snprintf(error, error_size, "out of memory");
		return -1;
	}
	return 0;
}

/* Check the redis keywords and read the password; 0 or -1. */
int
chat_stream_prepare(struct chat_service *chat, char *error, size_t error_size)
{
	struct chat_options	*options = &chat->options;

	if (options->redis[0] == '\0') {
		if (options->redis_stream[0] != '\0' ||
		    options->redis_password_file[0] != '\0') {
			(void)snprintf(error, error_size, "redis-stream and "
			    "redis-password-file need redis");
			return -1;
		}
		return 0;
	}
	if (options->cache_file[0] != '\0') {
		(void)snprintf(error, error_size, "cache-file and redis "
		    "exclude each other: the stream keeps the messages");
		return -1;
	}
	if (options->redis_stream[0] == '\0')
		(void)snprintf(options->redis_stream,
		    sizeof(options->redis_stream), "%s", CHAT_STREAM_DEFAULT);
	memset(&chat->redis, 0, sizeof(chat->redis));
	if (redis_parse_address(options->redis, &chat->redis, error,
	    error_size) == -1 || redis_resolve(&chat->redis, error,
	    error_size) == -1)
		return -1;
	if (options->redis_password_file[0] != '\0' &&
	    read_password(chat, error, error_size) == -1)
		return -1;
	chat->redis.password = chat->redis_password;
	chat->redis.connect_timeout_usec = CONNECT_TIMEOUT;
	chat->redis.limits.bulk_max = options->message_max + 64;
	chat->redis.limits.elements_max = options->capacity + 16;
	chat->redis.limits.depth_max = 6;
	chat->redis.limits.reply_max = (size_t)options->capacity *
	    (options->message_max + 256) + 4096;
	return 0;
}

/* Free what chat_stream_prepare() read. */
void
chat_stream_discard(struct chat_service *chat)
{
	volatile char	*byte;

	if (chat->redis_password != NULL) {
		/* Not every system has explicit_bzero(). */
		for (byte = chat->redis_password; *byte != '\0'; byte++)
			*byte = '\0';
		free(chat->redis_password);
		chat->redis_password = NULL;
	}
}

/* The body field of an entry's fields, or NULL. */
static const struct resp_value *
entry_body(const struct resp_value *entry)
{
	const struct resp_value	*fields;
	size_t			 i;

	if (entry->type != RESP_ARRAY || entry->length != 2 ||
	    entry->elements[0].type != RESP_BULK ||
	    entry->elements[1].type != RESP_ARRAY)
		return NULL;
	fields = &entry->elements[1];
	for (i = 0; i + 1 < fields->length; i += 2)
		if (fields->elements[i].type == RESP_BULK &&
		    strcmp(fields->elements[i].string, "body") == 0 &&
		    fields->elements[i + 1].type == RESP_BULK)
			return &fields->elements[i + 1];
	return NULL;
}

/* Append one stream entry to the cache; 1 if added, 0 if not. */
static int
reader_append(struct chat_reader *reader, const struct resp_value *entry)
{
	struct chat_service	*chat = reader->chat;
	const struct resp_value	*body = entry_body(entry);
	const char		*id;
	uint64_t		 sequence;

	if (body == NULL) {
		log_message(LOG_LEVEL_WARNING, "chat: stream %s: an entry "
		    "without a body field, skipped", chat->options.redis_stream);
		return 0;
	}
	id = entry->elements[0].string;
	(void)snprintf(reader->last_id, sizeof(reader->last_id), "%s", id);
	if (chat_stream_id_parse(id, &sequence) == -1) {
		log_message(LOG_LEVEL_WARNING, "chat: stream %s: id %s does "
		    "not fit a chat id, skipped", chat->options.redis_stream,
		    id);
		return 0;
	}
	if (sequence <= reader->last)
		return 0;
	reader->last = sequence;
	if (chat_cache_add_sequence(chat->cache, sequence, body->string,
	    body->length) == -1) {
		log_message(LOG_LEVEL_WARNING, "chat: stream %s: message %s "
		    "not cached: %s", chat->options.redis_stream, id,
		    errno == EMSGSIZE ? "over message-size" : strerror(errno));
		return 0;
	}
	return 1;
}

/* Try again a little later (Redis answered with an error). */
static void
reader_retry_later(struct chat_reader *reader)
{
	(void)dispatcher_timer_start(reader->dispatcher, &reader->retry_timer,
	    RETRY_USEC, 0);
}

/* The retry delay passed: look at the stream again. */
static void
reader_retry_due(struct dispatcher *d, struct timer *timer, void *arg)
{
	(void)d;
	(void)timer;
	reader_resync(arg);
}

/*
 * XREVRANGE answered with the stream's newest messages, newest first:
 * append those after our last id, or start the cache again from them.
 */
static void
resync_replied(struct redis_client *client, const struct resp_value *reply,
    void *arg)
{
	struct chat_reader	*reader = arg;
	struct chat_service	*chat = reader->chat;
	const struct resp_value	*entry;
	size_t			 i, count, found = 0, added = 0;
	uint64_t		 sequence;

	(void)client;
	if (reply == NULL)
		return;		/* reconnecting: resync again then */
	if (reply->type != RESP_ARRAY) {
		log_message(LOG_LEVEL_ERROR, "chat: stream %s: XREVRANGE: %s",
		    chat->options.redis_stream, reply->type == RESP_ERROR ?
		    reply->string : "an unexpected reply");
		reader_retry_later(reader);
		return;
	}
	count = reply->length;
	if (reader->last_id[0] != '\0') {
		for (found = 0; found < count; found++) {
			entry = &reply->elements[found];
			if (entry->type == RESP_ARRAY && entry->length == 2 &&
			    entry->elements[0].type == RESP_BULK &&
			    strcmp(entry->elements[0].string,
			    reader->last_id) == 0)
				break;
		}
		if (found == count) {
			entry = count > 0 ? &reply->elements[count - 1] : NULL;
			log_message(LOG_LEVEL_WARNING, "chat: stream %s: the "
			    "last message read, %s, is gone (%s): the cache "
			    "starts again from the stream's %zu newest",
			    chat->options.redis_stream, reader->last_id,
			    count == 0 ? "the stream is empty or deleted" :
			    entry_body(entry) != NULL && chat_stream_id_parse(
			    entry->elements[0].string, &sequence) == 0 &&
			    sequence > reader->last ? "more than cache "
			    "messages came while the reader was away" :
			    "the stream was deleted or Redis restarted "
			    "empty", count);
			chat_cache_reset(chat->cache);
			reader->last = 0;
			reader->last_id[0] = '\0';
			added = 1;	/* wake: the cache changed */
		}
	} else
		found = count;
	for (i = found; i > 0; i--)
		added += (size_t)reader_append(reader, &reply->elements[i - 1]);
	if (!reader->synced)
		log_message(LOG_LEVEL_INFO, "chat: stream %s: %zu messages "
		    "loaded", chat->options.redis_stream, count);
	reader->synced = 1;
	if (added > 0)
		peer_wake_others();
	reader_read(reader);
}

/* Look at the stream's newest messages. */
static void
reader_resync(struct chat_reader *reader)
{
	struct resp_argument	arguments[6];
	char			count[24];

	(void)snprintf(count, sizeof(count), "%u",
	    reader->chat->options.capacity);
	arguments[0] = (struct resp_argument){ "XREVRANGE", 9 };
	arguments[1] = (struct resp_argument){ reader->chat->options.
	    redis_stream, strlen(reader->chat->options.redis_stream) };
	arguments[2] = (struct resp_argument){ "+", 1 };
	arguments[3] = (struct resp_argument){ "-", 1 };
	arguments[4] = (struct resp_argument){ "COUNT", 5 };
	arguments[5] = (struct resp_argument){ count, strlen(count) };
	if (redis_client_command(reader->client, arguments, 6,
	    COMMAND_TIMEOUT, resync_replied, reader) == -1 && errno != ENOTCONN)
		reader_retry_later(reader);
}

/* XREAD answered: new messages, or nil when the block timed out. */
static void
read_replied(struct redis_client *client, const struct resp_value *reply,
    void *arg)
{
	struct chat_reader	*reader = arg;
	const struct resp_value	*entries;
	size_t			 i, added = 0;

	(void)client;
	if (reply == NULL)
		return;
	if (reply->type == RESP_NULL) {
		/* Quiet: check the stream is still the one we read. */
		reader_resync(reader);
		return;
	}
	if (reply->type != RESP_ARRAY || reply->length < 1 ||
	    reply->elements[0].type != RESP_ARRAY ||
	    reply->elements[0].length != 2 ||
	    reply->elements[0].elements[1].type != RESP_ARRAY) {
		log_message(LOG_LEVEL_ERROR, "chat: stream %s: XREAD: %s",
		    reader->chat->options.redis_stream,
		    reply->type == RESP_ERROR ? reply->string :
		    "an unexpected reply");
		reader_retry_later(reader);
		return;
	}
	entries = &reply->elements[0].elements[1];
	for (i = 0; i < entries->length; i++)
		added += (size_t)reader_append(reader, &entries->elements[i]);
	if (added > 0)
		peer_wake_others();
	reader_read(reader);
}

/* Block for what comes after the last id. */
static void
reader_read(struct chat_reader *reader)
{
	struct resp_argument	arguments[8];
	char			block[16];
	const char		*from;

	(void)snprintf(block, sizeof(block), "%d", BLOCK_MS);
	from = reader->last_id[0] != '\0' ? reader->last_id : "0-0";
	arguments[0] = (struct resp_argument){ "XREAD", 5 };
	arguments[1] = (struct resp_argument){ "COUNT", 5 };
	arguments[2] = (struct resp_argument){ READ_COUNT,
	    strlen(READ_COUNT) };
	arguments[3] = (struct resp_argument){ "BLOCK", 5 };
	arguments[4] = (struct resp_argument){ block, strlen(block) };
	arguments[5] = (struct resp_argument){ "STREAMS", 7 };
	arguments[6] = (struct resp_argument){ reader->chat->options.
	    redis_stream, strlen(reader->chat->options.redis_stream) };
	arguments[7] = (struct resp_argument){ from, strlen(from) };
	if (redis_client_command(reader->client, arguments, 8, BLOCK_TIMEOUT,
	    read_replied, reader) == -1 && errno != ENOTCONN)
		reader_retry_later(reader);
}

/* The reader's connection is up (resync) or down (it reconnects). */
static void
reader_state(struct redis_client *client, int ready, void *arg)
{
	struct chat_reader	*reader = arg;

	(void)client;
	dispatcher_timer_stop(reader->dispatcher, &reader->retry_timer);
	if (ready)
		reader_resync(reader);
}

/*
 * In the master: start reading the stream, and wait a little for the
 * newest messages so the first workers serve them; 0 or -1.
 */
int
chat_stream_start(struct chat_service *chat, struct dispatcher *dispatcher)
{
	struct chat_reader	*reader;
	uint64_t		 deadline;

	if (chat->options.redis[0] == '\0' || chat->reader != NULL)
		return 0;
	if ((reader = calloc(1, sizeof(*reader))) == NULL)
		return -1;
	reader->chat = chat;
	reader->dispatcher = dispatcher;
	timer_init(&reader->retry_timer, reader_retry_due, reader);
	reader->last = chat_cache_newest(chat->cache);
	if (reader->last != 0)
		chat_stream_id_format(reader->last, reader->last_id);
	chat->reader = reader;
	if ((reader->client = redis_client_create(dispatcher, &chat->redis,
	    reader_state, reader)) == NULL) {
		chat->reader = NULL;
		free(reader);
		return -1;
	}
	deadline = monotonic_usec() + START_WAIT_USEC;
	while (!reader->synced && monotonic_usec() < deadline)
		(void)dispatcher_run_once(dispatcher, 100 * 1000);
	if (!reader->synced)
		log_message(LOG_LEVEL_WARNING, "chat: %s: not reached yet: "
		    "serving without the stream's messages until it is",
		    redis_client_name(reader->client));
	return 0;
}

/* In the master: stop reading. */
void
chat_stream_stop(struct chat_service *chat)
{
	struct chat_reader	*reader = chat->reader;

	if (reader == NULL)
		return;
	dispatcher_timer_stop(reader->dispatcher, &reader->retry_timer);
	redis_client_free(reader->client);
	free(reader);
	chat->reader = NULL;
}

/* In a new worker: close the master's connection, free its reader. */
void
chat_stream_after_fork(struct chat_service *chat)
{
	if (chat->reader == NULL)
		return;
	redis_client_forget(chat->reader->client);
	free(chat->reader);
	chat->reader = NULL;
}

/* Free a post that is answered or abandoned. */
static void
post_free(struct chat_post *post)
{
	free(post->next);
	free(post->body);
	free(post);
}

/* Answer a post with Redis's verdict (reply NULL: unreachable). */
static void
post_replied(struct redis_client *client, const struct resp_value *reply,
    void *arg)
{
	struct chat_post	*post = arg;
	struct http_connection	*http = post->http;
	struct buffer		 out;
	uint64_t		 sequence;

	(void)client;
	if (http == NULL) {
		post_free(post);	/* the client left; the post stands */
		return;
	}
	http_set_exchange(http, NULL);
	buffer_init(&out);
	if (reply == NULL)
		(void)http_respond_error(http, 503, UNREACHABLE);
	else if (reply->type == RESP_ERROR) {
		log_message(LOG_LEVEL_WARNING, "chat: XADD refused: %s",
		    reply->string);
		(void)buffer_printf(&out, "the message store (Redis) refused "
		    "the message: %s", reply->string);
		(void)http_respond_error(http, 503, out.data != NULL ?
		    out.data : "the message store refused the message");
	} else if (reply->type != RESP_BULK ||
	    chat_stream_id_parse(reply->string, &sequence) == -1)
		(void)http_respond_error(http, 502, "the message store "
		    "(Redis) answered with no usable id");
	else if (post->next != NULL) {
		if (chat_append_location(&out, post->next) == -1)
			(void)http_respond_error(http, 500, "out of memory");
		else
			(void)http_respond(http, 302, NULL, out.data, NULL, 0);
	} else if (chat_message_json(&out, reply->string, post->body,
	    post->length) == -1)
		(void)http_respond_error(http, 500, "out of memory");
	else
		(void)http_respond(http, 200, JSON_TYPE, NULL, out.data,
		    out.length);
	buffer_free(&out);
	post_free(post);
}

/* In a worker: XADD a post; the answer comes when Redis has it. */
void
chat_stream_post(struct chat_service *chat, struct http_connection *http,
    const char *body, size_t length, const char *next)
{
	struct resp_argument	 arguments[8];
	struct chat_post	*post;
	char			 maxlen[24];

	if (chat->poster == NULL && (chat->poster = redis_client_create(
	    http_base(http)->dispatcher, &chat->redis, NULL, NULL)) == NULL) {
		(void)http_respond_error(http, 500, "out of memory");
		return;
	}
	if ((post = calloc(1, sizeof(*post))) == NULL ||
	    (post->body = malloc(length + 1)) == NULL ||
	    (next != NULL && (post->next = strdup(next)) == NULL)) {
		if (post != NULL)
			post_free(post);
		(void)http_respond_error(http, 500, "out of memory");
		return;
	}
	post->kind = CHAT_EXCHANGE_POST;
	post->chat = chat;
	post->http = http;
	memcpy(post->body, body, length);
	post->body[length] = '\0';
	post->length = length;
	(void)snprintf(maxlen, sizeof(maxlen), "%u", chat->options.capacity);
	arguments[0] = (struct resp_argument){ "XADD", 4 };
	arguments[1] = (struct resp_argument){ chat->options.redis_stream,
	    strlen(chat->options.redis_stream) };
	arguments[2] = (struct resp_argument){ "MAXLEN", 6 };
	arguments[3] = (struct resp_argument){ "~", 1 };
	arguments[4] = (struct resp_argument){ maxlen, strlen(maxlen) };
	arguments[5] = (struct resp_argument){ "*", 1 };
	arguments[6] = (struct resp_argument){ "body", 4 };
	arguments[7] = (struct resp_argument){ body, length };
	if (redis_client_command(chat->poster, arguments, 8, COMMAND_TIMEOUT,
	    post_replied, post) == -1) {
		post_free(post);
		(void)http_respond_error(http, 503, UNREACHABLE);
		return;
	}
	http_set_exchange(http, post);
}

/* The poster's connection closed before Redis answered. */
void
chat_stream_abandon(struct http_connection *http, struct chat_post *post)
{
	http_set_exchange(http, NULL);
	post->http = NULL;	/* post_replied() frees it */
}
