/*
 * service_setup.c: a service's options and listen addresses, shared by the
 * configuration file and the -l command-line form.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "util/parse_number.h"

#define SECONDS_MAX		(365 * 24 * 3600.0)
#define CONNECTIONS_MAX		1000000UL

/* An empty service called name, with the built-in defaults. */
void
service_init(struct service *service, const char *name)
{
	memset(service, 0, sizeof(*service));
	(void)strlcpy(service->name, name, sizeof(service->name));
	service->protocol = protocol_find(name);
	service->idle_timeout_usec = SERVICE_DEFAULT_IDLE_USEC;
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

/* Offer an option to the service's protocol; 0, or -1 with a message. */
static int
protocol_option(struct service *service, const char *key, const char *value,
    char *error, size_t error_size)
{
	const struct protocol	*protocol = service->protocol;
	int			 taken = 0;

	if (protocol != NULL && protocol->set_option != NULL)
		taken = protocol->set_option(service, key, value, error,
		    error_size);
	if (taken == 1)
		return 0;
	if (taken == 0)
		(void)snprintf(error, error_size, "unknown option '%s'%s", key,
		    protocol == NULL ? " (name the protocol first)" : "");
	return -1;
}

/* Let the protocol check its options and load shared data; 0 or -1. */
int
service_prepare(struct service *service, char *error, size_t error_size)
{
	if (service->protocol == NULL || service->protocol->prepare == NULL)
		return 0;
	return service->protocol->prepare(service, error, error_size);
}

/* Free what the protocol allocated for this service. */
void
service_discard(struct service *service)
{
	if (service->protocol != NULL && service->protocol->discard != NULL)
		service->protocol->discard(service);
	service->protocol_data = NULL;
}

/* Set one option of a service by its key; 0, or -1 with a message. */
int
service_set_option(struct service *service, const char *key,
    const char *value, char *error, size_t error_size)
{
	if (strcmp(key, "idle") == 0) {
		if (parse_seconds(value, SECONDS_MAX,
		    &service->idle_timeout_usec) == -1)
			goto bad_seconds;
		service->explicit |= SERVICE_SET_IDLE;
	} else if (strcmp(key, "lifetime") == 0) {
		if (parse_seconds(value, SECONDS_MAX,
		    &service->lifetime_usec) == -1)
			goto bad_seconds;
		service->explicit |= SERVICE_SET_LIFETIME;
	} else if (strcmp(key, "max-connections") == 0) {
		if (parse_count(value, CONNECTIONS_MAX,
		    &service->max_connections) == -1)
			goto bad_count;
		service->explicit |= SERVICE_SET_MAX_CONNECTIONS;
	} else if (strcmp(key, "per-source-max") == 0) {
		if (parse_count(value, CONNECTIONS_MAX,
		    &service->per_source_max) == -1)
			goto bad_count;
		service->explicit |= SERVICE_SET_PER_SOURCE_MAX;
	} else if (strcmp(key, "listen") == 0) {
		return service_add_listen(service, value, error, error_size);
	} else if (strcmp(key, "protocol") == 0) {
		if (service->protocol_data != NULL) {
			(void)snprintf(error, error_size, "'protocol' must come "
			    "before the protocol's own options");
			return -1;
		}
		if ((service->protocol = protocol_find(value)) == NULL) {
			(void)snprintf(error, error_size, "unknown protocol "
			    "'%s' (built in: %s)", value, protocol_names());
			return -1;
		}
	} else
		return protocol_option(service, key, value, error, error_size);
	return 0;
bad_seconds:
	(void)snprintf(error, error_size, "%s: '%s' is not a number of "
	    "seconds from 0 to %.0f", key, value, SECONDS_MAX);
	return -1;
bad_count:
	(void)snprintf(error, error_size, "%s: '%s' is not a whole number "
	    "from 0 to %lu", key, value, CONNECTIONS_MAX);
	return -1;
}
