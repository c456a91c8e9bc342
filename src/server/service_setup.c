/*
 * service_setup.c: a service's options and listen addresses, shared by the
 * configuration file and the -l command-line form.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "server/access_rules.h"
#include "server/program_options.h"
#include "server/service_setup.h"
#include "util/option_table.h"
#include "util/parse_number.h"

/* listen: add "[ADDR]:PORT", "ADDR:PORT" or ":PORT"; 0 or -1. */
static int
set_listen(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	(void)keyword;
	return service_add_listen(base, value, error, error_size);
}

/* protocol: a built-in one, named before its own options; 0 or -1. */
static int
set_protocol(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct service		*service = base;
	const struct protocol	*protocol;

	(void)keyword;
	if (service->protocol_data != NULL) {
		(void)snprintf(error, error_size, "'protocol' must come before "
		    "the protocol's own options");
		return -1;
	}
	if (program_options_have_command(service->program)) {
		(void)snprintf(error, error_size, "a service runs a protocol "
		    "or a program, not both");
		return -1;
	}
	if ((protocol = protocol_find(value)) == NULL) {
		(void)snprintf(error, error_size, "unknown protocol '%s' "
		    "(built in: %s)", value, protocol_names());
		return -1;
	}
	service->protocol = protocol;
	service->explicit |= SERVICE_SET_PROTOCOL;
	return 0;
}

/* proxy-protocol: on or off, stored as 1 or 0 (util/option_table.h). */
int
service_set_switch(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	unsigned int	*field = option_field(base, keyword);

	if (strcmp(value, "on") == 0)
		*field = 1;
	else if (strcmp(value, "off") == 0)
		*field = 0;
	else {
		(void)snprintf(error, error_size, "%s: '%s' is not on or off",
		    keyword->name, value);
		return -1;
	}
	return 0;
}

#define SERVICE(member)	OPTION_FIELD(struct service, member)

/* Keywords of a service block that -l writes in its own way. */
static const struct option_keyword service_block_keywords[] = {
	{ .name = "listen", .type = OPTION_CUSTOM, .set = set_listen },
	{ .name = "protocol", .type = OPTION_CUSTOM, .set = set_protocol },
	{ .name = NULL }
};

/* They fill in a struct service. */
const struct option_table service_block_option_table = {
	.keywords = service_block_keywords,
	.base_size = sizeof(struct service),
};

/* The limits of every service, in its block or after -l. */
static const struct option_keyword service_keywords[] = {
	{ .name = "idle", .type = OPTION_SECONDS, SERVICE(idle_timeout_usec),
	    .high = SERVICE_SECONDS_MAX, .initial = SERVICE_DEFAULT_IDLE_USEC,
	    .flag = SERVICE_SET_IDLE },
	{ .name = "lifetime", .type = OPTION_SECONDS, SERVICE(lifetime_usec),
	    .high = SERVICE_SECONDS_MAX, .flag = SERVICE_SET_LIFETIME },
	{ .name = "send-timeout", .type = OPTION_SECONDS,
	    SERVICE(send_timeout_usec), .high = SERVICE_SECONDS_MAX,
	    .initial = SERVICE_DEFAULT_SEND_USEC,
	    .flag = SERVICE_SET_SEND_TIMEOUT },
	{ .name = "max-connections", .type = OPTION_COUNT,
	    SERVICE(max_connections), .high = SERVICE_CONNECTIONS_MAX,
	    .flag = SERVICE_SET_MAX_CONNECTIONS },
	{ .name = "per-source-max", .type = OPTION_COUNT,
	    SERVICE(per_source_max), .high = SERVICE_CONNECTIONS_MAX,
	    .flag = SERVICE_SET_PER_SOURCE_MAX },
	{ .name = "allow", .type = OPTION_CUSTOM, SERVICE(access_rules),
	    .set = access_rules_set_keyword },
	{ .name = "deny", .type = OPTION_CUSTOM, SERVICE(access_rules),
	    .set = access_rules_set_keyword },
	{ .name = "proxy-protocol", .type = OPTION_CUSTOM,
	    SERVICE(proxy_protocol), .set = service_set_switch,
	    .flag = SERVICE_SET_PROXY_PROTOCOL },
	{ .name = "proxy-from", .type = OPTION_CUSTOM, SERVICE(proxy_from),
	    .set = access_rules_set_keyword },
	{ .name = NULL }
};

/* They fill in a struct service and mark service->explicit. */
const struct option_table service_option_table = {
	.keywords = service_keywords,
	.base_size = sizeof(struct service),
	.mask_offset = offsetof(struct service, explicit),
};

/* An empty service called name, with the built-in defaults. */
void
service_init(struct service *service, const char *name)
{
	memset(service, 0, sizeof(*service));
	(void)strlcpy(service->name, name, sizeof(service->name));
	service->protocol = protocol_find(name);
	option_table_defaults(&service_option_table, service);
}

/* Whether text is a numeric address of the given family. */
static int
is_numeric_address(int family, const char *text)
{
	struct in6_addr	buffer;

	return inet_pton(family, text, &buffer) == 1;
}

/*
 * Add "[ADDR]:PORT", "ADDR:PORT" or ":PORT" to the service's listen
 * addresses; 0, or -1 with a message in error.
 */
int
service_add_listen(struct service *service, const char *endpoint,
    char *error, size_t error_size)
{
	struct listen_address	*listen;
	char			 copy[SERVICE_ADDRESS_MAX + 16];
	char			*colon, *address = copy;
	unsigned int		 port;
	int			 family = AF_INET;

	if (service->listen_count == SERVICE_LISTENS_MAX) {
		(void)snprintf(error, error_size, "at most %d listen "
		    "addresses per service", SERVICE_LISTENS_MAX);
		return -1;
	}
	if (strlcpy(copy, endpoint, sizeof(copy)) >= sizeof(copy)) {
		(void)snprintf(error, error_size, "address too long");
		return -1;
	}
	if (copy[0] == '[') {
		address = copy + 1;
		if ((colon = strchr(address, ']')) == NULL || colon[1] != ':') {
			(void)snprintf(error, error_size,
			    "'%s': expected [ADDRESS]:PORT", endpoint);
			return -1;
		}
		*colon++ = '\0';
		family = AF_INET6;
	} else if ((colon = strrchr(copy, ':')) == NULL) {
		(void)snprintf(error, error_size,
		    "'%s': expected ADDRESS:PORT", endpoint);
		return -1;
	} else
		*colon = '\0';
	if (address[0] != '\0' && !is_numeric_address(family, address)) {
		(void)snprintf(error, error_size, "'%s' is not a numeric %s "
		    "address%s", address, family == AF_INET ? "IPv4" : "IPv6",
		    family == AF_INET && strchr(address, ':') != NULL ?
		    " (write IPv6 addresses in brackets)" : "");
		return -1;
	}
	if (parse_count(colon + 1, 65535, &port) == -1) {
		(void)snprintf(error, error_size, "'%s' is not a port number "
		    "(0 to 65535)", colon + 1);
		return -1;
	}
	listen = &service->listens[service->listen_count++];
	(void)strlcpy(listen->address, address, sizeof(listen->address));
	(void)snprintf(listen->port, sizeof(listen->port), "%u", port);
	return 0;
}

/* The protocol's options, made with their defaults on first use. */
static void *
protocol_options(struct service *service, char *error, size_t error_size)
{
	const struct option_table	*table = service->protocol->options;

	if (service->protocol_data != NULL)
		return service->protocol_data;
	if ((service->protocol_data = calloc(1, table->base_size)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return NULL;
	}
	option_table_defaults(table, service->protocol_data);
	return service->protocol_data;
}

/* Whether the service's protocol has a keyword called key. */
static int
is_protocol_keyword(const struct service *service, const char *key)
{
	return service->protocol != NULL && service->protocol->options !=
	    NULL && option_find(service->protocol->options, key) != NULL;
}

/* Offer an option to the service's protocol; 0, or -1 with a message. */
static int
protocol_option(struct service *service, const char *key, const char *value,
    char *error, size_t error_size)
{
	if (!is_protocol_keyword(service, key)) {
		(void)snprintf(error, error_size, "unknown option '%s'%s", key,
		    program_options_have_command(service->program) ?
		    " (not one of a program service)" :
		    service->protocol == NULL ? " (name the protocol first)" :
		    "");
		return -1;
	}
	if (protocol_options(service, error, error_size) == NULL)
		return -1;
	return option_table_set(service->protocol->options,
	    service->protocol_data, key, value, error, error_size) == 1 ? 0 :
	    -1;
}

/* Let the protocol check its options and load shared data; 0 or -1. */
int
service_prepare(struct service *service, char *error, size_t error_size)
{
	if (service->protocol == NULL)
		return 0;
	if (service->protocol->options != NULL &&
	    protocol_options(service, error, error_size) == NULL)
		return -1;
	if (service->protocol->prepare == NULL)
		return 0;
	return service->protocol->prepare(service, error, error_size);
}

/* Free what the protocol allocated, its options, the program's, the rules. */
void
service_discard(struct service *service)
{
	if (service->program != NULL) {
		program_options_release(service->program);
		free(service->program);
		service->program = NULL;
	}
	if (service->protocol != NULL && service->protocol->discard != NULL)
		service->protocol->discard(service);
	if (service->protocol != NULL && service->protocol->options != NULL)
		free(service->protocol_data);
	service->protocol_data = NULL;
	access_rules_free(service->access_rules);
	service->access_rules = NULL;
	access_rules_free(service->proxy_from);
	service->proxy_from = NULL;
}

/* Whether key is listen or protocol, which only a service block has. */
int
service_block_keyword(const char *key)
{
	return option_find(&service_block_option_table, key) != NULL;
}

/* Whether key is a keyword of this service: its own or its protocol's. */
int
service_has_option(const struct service *service, const char *key)
{
	return service_block_keyword(key) ||
	    option_find(&service_option_table, key) != NULL ||
	    program_option_is_keyword(key) ||
	    is_protocol_keyword(service, key);
}

/*
 * Apply a program keyword, making the options on first use; "command"
 * makes the service a program service, which clears a protocol that its
 * name only implied.  0, or -1 with a message.
 */
static int
program_option(struct service *service, const char *key, const char *value,
    char *error, size_t error_size)
{
	if (strcmp(key, "command") == 0) {
		if (service->explicit & SERVICE_SET_PROTOCOL) {
			(void)snprintf(error, error_size, "a service runs a "
			    "protocol or a program, not both");
			return -1;
		}
		if (service->protocol_data != NULL) {
			(void)snprintf(error, error_size, "a service runs a "
			    "protocol or a program, not both (options of "
			    "protocol '%s' came before 'command')",
			    service->protocol->name);
			return -1;
		}
	}
	if (service->program == NULL) {
		service->program = calloc(1, sizeof(*service->program));
		if (service->program == NULL) {
			(void)snprintf(error, error_size, "%s",
			    strerror(errno));
			return -1;
		}
		program_options_init(service->program);
		(void)strlcpy(service->program->service, service->name,
		    sizeof(service->program->service));
	}
	if (option_table_set(&program_option_table, service->program, key,
	    value, error, error_size) != 1)
		return -1;
	if (strcmp(key, "command") == 0)
		service->protocol = NULL;
	return 0;
}

/* Set one option of a service by its key; 0, or -1 with a message. */
int
service_set_option(struct service *service, const char *key,
    const char *value, char *error, size_t error_size)
{
	int	taken;

	taken = option_table_set(&service_block_option_table, service, key,
	    value, error, error_size);
	if (taken == 0)
		taken = option_table_set(&service_option_table, service, key,
		    value, error, error_size);
	if (taken == 0 && program_option_is_keyword(key))
		return program_option(service, key, value, error, error_size);
	if (taken == 0)
		return protocol_option(service, key, value, error, error_size);
	return taken == 1 ? 0 : -1;
}
