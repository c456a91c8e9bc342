/*
 * chat.h: what the parts of the chat protocol share.
 *
 * chat_service.c owns the options, the assets and the shared cache (set up
 * in the master); chat_routes.c answers requests; chat_waiters.c keeps the
 * waiting long polls of this worker and answers them when the cache
 * changes.  All of it lives in service->protocol_data, one struct
 * chat_service per chat service; after the fork each worker's copy holds
 * that worker's own waiters.
 */
#ifndef PFORKD_CHAT_H
#define PFORKD_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "event/dispatcher.h"
#include "http/http_server.h"
#include "protocols/chat/chat_cache.h"
#include "redis/redis_client.h"
#include "util/buffer.h"

struct chat_asset {
	const char		*name;		/* "index.html", "chat.js"... */
	const char		*content_type;
	const unsigned char	*data;
	size_t			 length;
};

#define CHAT_ASSET_COUNT	3

#define CHAT_PATH_MAX	1024	/* cache-file and assets, with the NUL */
#define CHAT_STREAM_KEY_MAX	256
#define CHAT_STREAM_DEFAULT	"pforkd:chat"

/* What a connection's HTTP exchange points at: a waiting poll or a post. */
#define CHAT_EXCHANGE_WAITER	1
#define CHAT_EXCHANGE_POST	2

struct chat_options {
	unsigned int	 capacity;		/* cache */
	unsigned int	 message_max;		/* message-size */
	char		 cache_file[CHAT_PATH_MAX];	/* "" = none */
	char		 assets_directory[CHAT_PATH_MAX]; /* "" = built in */
	uint64_t	 poll_timeout_usec;	/* poll-timeout */
	unsigned int	 waiters_max;		/* max-waiters, per worker */
	uint64_t	 request_timeout_usec;	/* request-timeout */
	uint64_t	 keepalive_timeout_usec; /* keepalive-timeout */
	char		 redis[REDIS_ADDRESS_MAX];	/* "": no Redis */
	char		 redis_stream[CHAT_STREAM_KEY_MAX];
	char		 redis_password_file[CHAT_PATH_MAX];
};

struct chat_reader;
struct chat_post;

struct chat_waiter;
struct shared_body;

/* A reply listing messages: parts of the body, most of them shared. */
struct chat_reply {
	struct http_body_part	*parts;
	size_t			 count;
	size_t			 capacity;
};

/*
 * This worker's copy of the cache, and replies rendered from it.  Each
 * message's JSON is rendered once into a shared body (after ", ", so that
 * a list is the bodies one after another), and the page's HTML of every
 * message into another: every reply points into them and no connection
 * copies them.
 */
struct chat_view {
	struct chat_snapshot	 snapshot;
	struct shared_body	**json;		/* per message */
	struct shared_body	*inbox;		/* every message's HTML */
	size_t			 reply_from;	/* index the reply starts at */
	struct chat_reply	 reply;		/* {"messages": [...]} */
	int			 reply_valid;
};

struct chat_service {
	struct chat_options	 options;
	struct http_settings	 http;
	struct chat_cache	*cache;
	struct chat_asset	 assets[CHAT_ASSET_COUNT];
	unsigned char		*loaded_assets[CHAT_ASSET_COUNT];
	/* Per worker, after the fork. */
	struct chat_view	 view;
	struct chat_waiter	*waiters;	/* oldest first */
	struct chat_waiter	*waiters_tail;
	unsigned int		 waiter_count;
	struct timer		 poll_timer;	/* for the oldest waiter */
	struct dispatcher	*dispatcher;	/* set at the first poll */
	/* With redis: its settings, the master's reader, a worker's poster. */
	struct redis_settings	 redis;
	char			*redis_password;
	struct chat_reader	*reader;
	struct redis_client	*poster;
};

extern const struct chat_asset	chat_builtin_assets[CHAT_ASSET_COUNT];
extern const struct chat_asset	chat_favicon;	/* always the built-in one */

const struct chat_asset *chat_asset_find(const struct chat_service *,
	    const char *name);
void	chat_request(struct http_connection *, const struct http_request *,
	    void *arg);
void	chat_abandon(struct http_connection *, void *arg);
int	chat_view_refresh(struct chat_service *);
void	chat_view_free(struct chat_view *);
int	chat_view_answer_start(const struct chat_view *, const char *cursor);
struct shared_body *chat_view_inbox(struct chat_view *);
const struct chat_reply *chat_view_reply(struct chat_view *, size_t from);
int	chat_wait(struct chat_service *, struct http_connection *,
	    const char *cursor);
void	chat_waiters_answer(struct chat_service *);
int	chat_append_location(struct buffer *, const char *next);
int	chat_stream_prepare(struct chat_service *, char *error,
	    size_t error_size);
void	chat_stream_discard(struct chat_service *);
int	chat_stream_start(struct chat_service *, struct dispatcher *);
void	chat_stream_stop(struct chat_service *);
void	chat_stream_after_fork(struct chat_service *);
void	chat_stream_post(struct chat_service *, struct http_connection *,
	    const char *body, size_t length, const char *next);
void	chat_stream_abandon(struct http_connection *, struct chat_post *);

#endif /* PFORKD_CHAT_H */
