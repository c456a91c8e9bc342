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
#include "util/parse_number.h"

#define CHAT_DEFAULT_CAPACITY		200
#define CHAT_CAPACITY_MAX		100000
#define CHAT_DEFAULT_MESSAGE_MAX	4096
#define CHAT_MESSAGE_MAX		(1024 * 1024)
#define CHAT_DEFAULT_POLL_TIMEOUT	(25 * (uint64_t)1000000)
#define CHAT_DEFAULT_WAITERS_MAX	10000
#define CHAT_WAITERS_MAX		1000000
#define CHAT_DEFAULT_REQUEST_TIMEOUT	(10 * (uint64_t)1000000)
#define CHAT_DEFAULT_KEEPALIVE		(30 * (uint64_t)1000000)
#define CHAT_SECONDS_MAX		3600.0
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

/* The chat service's state, made on first use with the defaults. */
static struct chat_service *
chat_service_of(struct service *service)
{
	struct chat_service	*chat = service->protocol_data;

	if (chat != NULL)
		return chat;
	if ((chat = calloc(1, sizeof(*chat))) == NULL)
		return NULL;
	chat->options.capacity = CHAT_DEFAULT_CAPACITY;
	chat->options.message_max = CHAT_DEFAULT_MESSAGE_MAX;
	chat->options.poll_timeout_usec = CHAT_DEFAULT_POLL_TIMEOUT;
	chat->options.waiters_max = CHAT_DEFAULT_WAITERS_MAX;
	chat->options.request_timeout_usec = CHAT_DEFAULT_REQUEST_TIMEOUT;
	chat->options.keepalive_timeout_usec = CHAT_DEFAULT_KEEPALIVE;
	service->protocol_data = chat;
	return chat;
}

/* Replace a string option; 0 or -1. */
static int
set_string(char **field, const char *value)
{
	char	*copy;

	if ((copy = strdup(value)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* Take a count option within [1, limit]; 1, or -1 with a message. */
static int
set_count(const char *key, const char *value, unsigned long limit,
    unsigned int *field, char *error, size_t error_size)
{
	unsigned int	count;

	if (parse_count(value, limit, &count) == -1 || count == 0) {
		(void)snprintf(error, error_size, "%s: '%s' is not a whole "
		    "number from 1 to %lu", key, value, limit);
		return -1;
	}
	*field = count;
	return 1;
}

/* Take a duration option, more than 0; 1, or -1 with a message. */
static int
set_duration(const char *key, const char *value, uint64_t *field,
    char *error, size_t error_size)
{
	uint64_t	usec;

	if (parse_seconds(value, CHAT_SECONDS_MAX, &usec) == -1 || usec == 0) {
		(void)snprintf(error, error_size, "%s: '%s' is not a number of "
		    "seconds above 0 and up to %.0f", key, value,
		    CHAT_SECONDS_MAX);
		return -1;
	}
	*field = usec;
	return 1;
}

/* Take one of chat's option keys: 1 taken, 0 not chat's, -1 bad value. */
static int
chat_set_option(struct service *service, const char *key, const char *value,
    char *error, size_t error_size)
{
	static const char *const keys[] = { "cache", "cache-file",
	    "message-size", "poll-timeout", "max-waiters", "request-timeout",
	    "keepalive-timeout", "assets" };
	struct chat_options	*options;
	struct chat_service	*chat;
	unsigned int		 size;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return 0;
	if ((chat = chat_service_of(service)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	options = &chat->options;
	if (strcmp(key, "cache") == 0)
		return set_count(key, value, CHAT_CAPACITY_MAX,
		    &options->capacity, error, error_size);
	if (strcmp(key, "message-size") == 0) {
		if (set_count(key, value, CHAT_MESSAGE_MAX, &size, error,
		    error_size) == -1)
			return -1;
		options->message_max = size;
		return 1;
	}
	if (strcmp(key, "max-waiters") == 0)
		return set_count(key, value, CHAT_WAITERS_MAX,
		    &options->waiters_max, error, error_size);
	if (strcmp(key, "poll-timeout") == 0)
		return set_duration(key, value, &options->poll_timeout_usec,
		    error, error_size);
	if (strcmp(key, "request-timeout") == 0)
		return set_duration(key, value, &options->request_timeout_usec,
		    error, error_size);
	if (strcmp(key, "keepalive-timeout") == 0)
		return set_duration(key, value,
		    &options->keepalive_timeout_usec, error, error_size);
	if (value[0] != '/') {
		/* Detached, pforkd runs in /: a relative path would move. */
		(void)snprintf(error, error_size, "%s: '%s' is not an absolute "
		    "path", key, value);
		return -1;
	}
	if (set_string(strcmp(key, "cache-file") == 0 ? &options->cache_file :
	    &options->assets_directory, value) == -1) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	return 1;
}

/* Read one asset file from the assets directory; 0 or -1 with a message. */
static int
load_asset(struct chat_service *chat, size_t index, char *error,
    size_t error_size)
{
	const struct chat_asset	*builtin = &chat_builtin_assets[index];
	struct stat		 status;
	unsigned char		*data = NULL;
	char			 path[1024];
	ssize_t			 got;
	size_t			 length = 0;
	int			 fd;

	(void)snprintf(path, sizeof(path), "%s/%s",
	    chat->options.assets_directory, builtin->name);
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
	while (length < (size_t)status.st_size) {
		got = read(fd, data + length, (size_t)status.st_size - length);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		length += (size_t)got;
	}
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

	settings.capacity = chat->options.capacity;
	settings.message_max = chat->options.message_max;
	settings.path = chat->options.cache_file;
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

	if (chat->options.cache_file == NULL)
		return 0;
	settings.capacity = chat->options.capacity;
	settings.message_max = chat->options.message_max;
	settings.path = chat->options.cache_file;
	return chat_cache_check_file(&settings, error, error_size);
}

/* Check the options, load the assets, map the cache; 0 or -1. */
static int
chat_prepare(struct service *service, char *error, size_t error_size)
{
	struct chat_service	*chat;
	size_t			 i;

	if ((chat = chat_service_of(service)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	if (service->idle_timeout_usec != 0 &&
	    service->idle_timeout_usec <= chat->options.poll_timeout_usec) {
		(void)snprintf(error, error_size, "poll-timeout must be "
		    "shorter than idle, or waiting polls would be cut off");
		return -1;
	}
	if ((uint64_t)chat->options.capacity * chat->options.message_max >
	    CHAT_CACHE_BYTES_MAX) {
		(void)snprintf(error, error_size, "cache %u times message-size "
		    "%zu is over 1 GiB of shared memory", chat->options.capacity,
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
		if (chat->options.assets_directory != NULL &&
		    load_asset(chat, i, error, error_size) == -1)
			return -1;
	}
	if (service_check_only)
		return check_cache_file(chat, error, error_size);
	return attach_cache(chat, error, error_size);
}

/* Free the options, the loaded assets, and this use of the cache. */
static void
chat_discard(struct service *service)
{
	struct chat_service	*chat = service->protocol_data;
	size_t			 i;

	if (chat == NULL)
		return;
	detach_cache(chat);
	for (i = 0; i < CHAT_ASSET_COUNT; i++)
		free(chat->loaded_assets[i]);
	chat_view_free(&chat->view);
	free(chat->options.cache_file);
	free(chat->options.assets_directory);
	free(chat);
	service->protocol_data = NULL;
}

/* In the master: a worker died; free the cache lock if it held it. */
static void
chat_worker_died(struct service *service, pid_t pid)
{
	struct chat_service	*chat = service->protocol_data;

	if (chat != NULL && chat->cache != NULL)
		chat_cache_owner_died(chat->cache, pid);
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
	.set_option = chat_set_option,
	.prepare = chat_prepare,
	.discard = chat_discard,
	.worker_died = chat_worker_died,
};
