/*
 * chat_service.c: the chat protocol's options, assets and shared cache.
 *
 * Everything here runs in the master, before the workers fork: options are
 * checked, the page's assets are taken from the daemon itself or read from
 * the `assets' directory, and the message cache is mapped.  A reload keeps
 * the same cache (and its messages) when its settings did not change: the
 * master's registry hands the open cache to the new configuration.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/chat/chat.h"
#include "protocols/protocol_table.h"
#include "util/descriptor.h"
#include "util/option_table.h"

#define CHAT_DEFAULT_CAPACITY		200
#define CHAT_CAPACITY_MAX		100000
#define CHAT_DEFAULT_MESSAGE_MAX	4096
#define CHAT_MESSAGE_MAX		(1024 * 1024)
#define CHAT_DEFAULT_POLL_TIMEOUT	(25 * (uint64_t)1000000)
#define CHAT_DEFAULT_WAITERS_MAX	10000
#define CHAT_WAITERS_MAX		1000000
#define CHAT_DEFAULT_REQUEST_TIMEOUT	(10 * (uint64_t)1000000)
#define CHAT_DEFAULT_KEEPALIVE		(30 * (uint64_t)1000000)
#define CHAT_SECONDS_MAX		3600
#define CHAT_HEAD_MAX			8192
#define CHAT_HEADERS_MAX		64
#define CHAT_ASSET_MAX			(4 * 1024 * 1024)
#define REGISTRY_MAX			16
#define CHAT_CACHE_BYTES_MAX		((uint64_t)1 << 30)

/* The master's open caches, shared across reloads. */
struct registry_entry {
	struct chat_cache		*cache;
	unsigned int			 users;
};

static struct registry_entry	registry[REGISTRY_MAX];

#define CHAT(member)	OPTION_FIELD(struct chat_service, options.member)

/* chat's keywords: the cache, the limits and timeouts, the assets. */
static const struct option_keyword chat_keywords[] = {
	{ .name = "cache", .type = OPTION_COUNT, CHAT(capacity), .low = 1,
	    .high = CHAT_CAPACITY_MAX, .initial = CHAT_DEFAULT_CAPACITY },
	{ .name = "cache-file", .type = OPTION_PATH, CHAT(cache_file) },
	{ .name = "message-size", .type = OPTION_COUNT, CHAT(message_max),
	    .low = 1, .high = CHAT_MESSAGE_MAX,
	    .initial = CHAT_DEFAULT_MESSAGE_MAX },
	{ .name = "poll-timeout", .type = OPTION_SECONDS_ABOVE_ZERO,
	    CHAT(poll_timeout_usec), .high = CHAT_SECONDS_MAX,
	    .initial = CHAT_DEFAULT_POLL_TIMEOUT },
	{ .name = "max-waiters", .type = OPTION_COUNT, CHAT(waiters_max),
	    .low = 1, .high = CHAT_WAITERS_MAX,
	    .initial = CHAT_DEFAULT_WAITERS_MAX },
	{ .name = "request-timeout", .type = OPTION_SECONDS_ABOVE_ZERO,
	    CHAT(request_timeout_usec), .high = CHAT_SECONDS_MAX,
	    .initial = CHAT_DEFAULT_REQUEST_TIMEOUT },
	{ .name = "keepalive-timeout", .type = OPTION_SECONDS_ABOVE_ZERO,
	    CHAT(keepalive_timeout_usec), .high = CHAT_SECONDS_MAX,
	    .initial = CHAT_DEFAULT_KEEPALIVE },
	{ .name = "assets", .type = OPTION_PATH, CHAT(assets_directory) },
	{ .name = "redis", .type = OPTION_TEXT, CHAT(redis), .low = 1 },
	{ .name = "redis-stream", .type = OPTION_TEXT, CHAT(redis_stream),
	    .low = 1 },
	{ .name = "redis-password-file", .type = OPTION_PATH,
	    CHAT(redis_password_file) },
	{ .name = NULL }
};

/* Its options are in service->protocol_data, a struct chat_service. */
static const struct option_table chat_option_table = {
	.keywords = chat_keywords,
	.base_size = sizeof(struct chat_service),
};

/* The cache file, or NULL for anonymous shared memory. */
static const char *
cache_path(const struct chat_service *chat)
{
	return chat->options.cache_file[0] != '\0' ?
	    chat->options.cache_file : NULL;
}

/* Read one asset file from the assets directory; 0 or -1 with a message. */
static int
load_asset(struct chat_service *chat, size_t index, char *error,
    size_t error_size)
{
	const struct chat_asset	*builtin = &chat_builtin_assets[index];
	struct stat		 status;
	unsigned char		*data = NULL;
	char			 path[CHAT_PATH_MAX + 32];
	size_t			 length;
	int			 fd, written;

	written = snprintf(path, sizeof(path), "%s/%s",
	    chat->options.assets_directory, builtin->name);
	if (written < 0 || (size_t)written >= sizeof(path)) {
		(void)snprintf(error, error_size, "assets: the path of %s is "
		    "too long", builtin->name);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1 ||
	    fstat(fd, &status) == -1)
		goto system_error;
	if (!S_ISREG(status.st_mode) || status.st_size > CHAT_ASSET_MAX) {
		(void)snprintf(error, error_size, "assets: %s is not a regular "
		    "file of at most %d bytes", path, CHAT_ASSET_MAX);
		(void)close(fd);
		return -1;
	}
	if ((data = malloc((size_t)status.st_size + 1)) == NULL)
		goto system_error;
	length = descriptor_read_up_to(fd, data, (size_t)status.st_size);
	(void)close(fd);
	chat->loaded_assets[index] = data;
	chat->assets[index] = *builtin;
	chat->assets[index].data = data;
	chat->assets[index].length = length;
	return 0;
system_error:
	(void)snprintf(error, error_size, "assets: %s: %s", path,
	    strerror(errno));
	if (fd != -1)
		(void)close(fd);
	free(data);
	return -1;
}

/* Find an open cache with these settings, or open one; 0 or -1. */
static int
attach_cache(struct chat_service *chat, char *error, size_t error_size)
{
	struct chat_cache_settings	settings;
	struct registry_entry		*free_entry = NULL;
	size_t				 i;

	memset(&settings, 0, sizeof(settings));
	settings.capacity = chat->options.capacity;
	settings.message_max = chat->options.message_max;
	settings.path = cache_path(chat);
	settings.stream_ids = chat->options.redis[0] != '\0';
	for (i = 0; i < REGISTRY_MAX; i++) {
		if (registry[i].cache == NULL) {
			if (free_entry == NULL)
				free_entry = &registry[i];
			continue;
		}
		if (chat_cache_matches(registry[i].cache, &settings)) {
			registry[i].users++;
			chat->cache = registry[i].cache;
			return 0;
		}
		if (settings.path != NULL && chat_cache_uses_path(
		    registry[i].cache, settings.path)) {
			(void)snprintf(error, error_size, "cache-file %s is "
			    "open with other cache or message-size settings; "
			    "restart pforkd to change them", settings.path);
			return -1;
		}
	}
	if (free_entry == NULL) {
		(void)snprintf(error, error_size, "too many chat caches");
		return -1;
	}
	if ((chat->cache = chat_cache_open(&settings, error, error_size)) ==
	    NULL)
		return -1;
	free_entry->cache = chat->cache;
	free_entry->users = 1;
	return 0;
}

/* Let go of the service's cache; the last user closes it. */
static void
detach_cache(struct chat_service *chat)
{
	size_t	i;

	for (i = 0; i < REGISTRY_MAX && chat->cache != NULL; i++) {
		if (registry[i].cache != chat->cache)
			continue;
		if (--registry[i].users == 0) {
			chat_cache_close(registry[i].cache);
			registry[i].cache = NULL;
		}
	}
	chat->cache = NULL;
}

/* pforkd -n: check the cache file without taking it; 0 or -1. */
static int
check_cache_file(const struct chat_service *chat, char *error,
    size_t error_size)
{
	struct chat_cache_settings	settings;

	if (cache_path(chat) == NULL)
		return 0;
	memset(&settings, 0, sizeof(settings));
	settings.capacity = chat->options.capacity;
	settings.message_max = chat->options.message_max;
	settings.path = cache_path(chat);
	return chat_cache_check_file(&settings, error, error_size);
}

/* Check the options, load the assets, map the cache; 0 or -1. */
static int
chat_prepare(struct service *service, char *error, size_t error_size)
{
	struct chat_service	*chat = service->protocol_data;
	size_t			 i;

	if (service->idle_timeout_usec != 0 &&
	    service->idle_timeout_usec <= chat->options.poll_timeout_usec) {
		(void)snprintf(error, error_size, "poll-timeout must be "
		    "shorter than idle, or waiting polls would be cut off");
		return -1;
	}
	if ((uint64_t)chat->options.capacity * chat->options.message_max >
	    CHAT_CACHE_BYTES_MAX) {
		(void)snprintf(error, error_size, "cache %u times message-size "
		    "%u is over 1 GiB of shared memory", chat->options.capacity,
		    chat->options.message_max);
		return -1;
	}
	chat->http.limits.head_max = CHAT_HEAD_MAX;
	chat->http.limits.header_count_max = CHAT_HEADERS_MAX;
	/* A form-encoded body may spell each byte as %XX: three times. */
	chat->http.limits.body_max = 3 * chat->options.message_max + 4096;
	chat->http.request_timeout_usec = chat->options.request_timeout_usec;
	chat->http.keepalive_timeout_usec =
	    chat->options.keepalive_timeout_usec;
	for (i = 0; i < CHAT_ASSET_COUNT; i++) {
		chat->assets[i] = chat_builtin_assets[i];
		if (chat->options.assets_directory[0] != '\0' &&
		    load_asset(chat, i, error, error_size) == -1)
			return -1;
	}
	if (chat_stream_prepare(chat, error, error_size) == -1)
		return -1;
	if (service_check_only)
		return check_cache_file(chat, error, error_size);
	return attach_cache(chat, error, error_size);
}

/* Free the loaded assets, the view, and this use of the cache. */
static void
chat_discard(struct service *service)
{
	struct chat_service	*chat = service->protocol_data;
	size_t			 i;

	if (chat == NULL)
		return;
	chat_stream_stop(chat);
	chat_stream_discard(chat);
	detach_cache(chat);
	for (i = 0; i < CHAT_ASSET_COUNT; i++)
		free(chat->loaded_assets[i]);
	chat_view_free(&chat->view);
}

/* In the master: a worker died; free the cache lock if it held it. */
static void
chat_worker_died(struct service *service, pid_t pid)
{
	struct chat_service	*chat = service->protocol_data;

	if (chat != NULL && chat->cache != NULL)
		chat_cache_owner_died(chat->cache, pid);
}

/* In the master: read the Redis stream into the cache; 0 or -1. */
static int
chat_master_start(struct service *service, struct dispatcher *dispatcher)
{
	return chat_stream_start(service->protocol_data, dispatcher);
}

/* In the master: stop reading the stream. */
static void
chat_master_stop(struct service *service)
{
	if (service->protocol_data != NULL)
		chat_stream_stop(service->protocol_data);
}

/* In a new worker: close the master's connection to Redis. */
static void
chat_after_fork(struct service *service)
{
	if (service->protocol_data != NULL)
		chat_stream_after_fork(service->protocol_data);
}

/* The asset of that name, from the daemon or the assets directory. */
const struct chat_asset *
chat_asset_find(const struct chat_service *chat, const char *name)
{
	size_t	i;

	for (i = 0; i < CHAT_ASSET_COUNT; i++)
		if (strcmp(chat->assets[i].name, name) == 0)
			return &chat->assets[i];
	return NULL;
}

/* Start serving HTTP on a new connection. */
static int
chat_open(struct connection *connection)
{
	static const struct http_handler	handler = {
		.request = chat_request,
		.abandon = chat_abandon,
	};
	struct chat_service	*chat = connection->service->protocol_data;

	return http_connection_open(connection, &chat->http, &handler, chat);
}

/* Free a finished connection's HTTP state (and forget its poll). */
static void
chat_release(struct connection *connection)
{
	http_connection_release(connection);
}

const struct protocol protocol_chat = {
	.name = "chat",
	.open = chat_open,
	.release = chat_release,
	.options = &chat_option_table,
	.prepare = chat_prepare,
	.discard = chat_discard,
	.worker_died = chat_worker_died,
	.master_start = chat_master_start,
	.master_stop = chat_master_stop,
	.after_fork = chat_after_fork,
};
