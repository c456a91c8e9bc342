/*
 * listen_spec.c: parse a -l argument, SERVICE@[ADDR]:PORT[,key=value]...
 *
 * ADDR is a numeric IPv4 address, a bracketed numeric IPv6 address, or
 * empty for every address of both families.  The keys are the same as the
 * configuration file's service keywords.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "protocol.h"
#include "service.h"

#define IDLE_SECONDS_MAX	(7 * 24 * 3600.0)

/* Parse seconds (fractions allowed) into microseconds; 0 or -1. */
static int
parse_seconds(const char *text, double limit, uint64_t *usec)
{
	char	*end;
	double	 seconds;

	errno = 0;
	seconds = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno != 0 ||
	    !isfinite(seconds) || seconds < 0 || seconds > limit)
		return -1;
	*usec = (uint64_t)(seconds * 1000000.0 + 0.5);
	return 0;
}

/* Parse a decimal TCP port into its text form; 0 or -1. */
static int
parse_port(const char *text, char *port, size_t port_size)
{
	char		*end;
	unsigned long	 value;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (*end != '\0' || errno != 0 || value > 65535)
		return -1;
	(void)snprintf(port, port_size, "%lu", value);
	return 0;
}

/* Whether text is a numeric address of the given family. */
static int
is_numeric_address(int family, const char *text)
{
	struct in6_addr	buffer;

	return inet_pton(family, text, &buffer) == 1;
}

/* Split "[ADDR]:PORT" or "ADDR:PORT" into service's address and port. */
static int
parse_endpoint(struct service *service, char *endpoint, char *error,
    size_t error_size)
{
	char	*colon, *address = endpoint;
	int	 family = AF_INET;

	if (endpoint[0] == '[') {
		address = endpoint + 1;
		if ((colon = strchr(address, ']')) == NULL || colon[1] != ':') {
			(void)snprintf(error, error_size,
			    "'%s': expected [ADDRESS]:PORT", endpoint);
			return -1;
		}
		*colon++ = '\0';
		family = AF_INET6;
	} else if ((colon = strrchr(endpoint, ':')) == NULL) {
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
	if (strlen(address) >= sizeof(service->address)) {
		(void)snprintf(error, error_size, "address too long");
		return -1;
	}
	(void)strlcpy(service->address, address, sizeof(service->address));
	if (parse_port(colon + 1, service->port, sizeof(service->port)) == -1) {
		(void)snprintf(error, error_size, "'%s' is not a port number "
		    "(0 to 65535)", colon + 1);
		return -1;
	}
	return 0;
}

/* Apply one key=value option to service. */
static int
parse_option(struct service *service, char *option, char *error,
    size_t error_size)
{
	char	*value;

	if ((value = strchr(option, '=')) == NULL) {
		(void)snprintf(error, error_size, "'%s': expected key=value",
		    option);
		return -1;
	}
	*value++ = '\0';
	if (strcmp(option, "idle") == 0) {
		if (parse_seconds(value, IDLE_SECONDS_MAX,
		    &service->idle_timeout_usec) == -1) {
			(void)snprintf(error, error_size, "idle: '%s' is not a "
			    "number of seconds from 0 to %.0f", value,
			    IDLE_SECONDS_MAX);
			return -1;
		}
		return 0;
	}
	(void)snprintf(error, error_size, "unknown option '%s'", option);
	return -1;
}

/* Fill service from a -l argument; 0, or -1 with a message in error. */
int
service_parse_listen(struct service *service, const char *spec,
    char *error, size_t error_size)
{
	char	*copy, *at, *endpoint, *option, *rest;
	int	 result = -1;

	memset(service, 0, sizeof(*service));
	service->idle_timeout_usec = SERVICE_DEFAULT_IDLE_USEC;
	if ((copy = strdup(spec)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	if ((at = strchr(copy, '@')) == NULL) {
		(void)snprintf(error, error_size,
		    "expected SERVICE@[ADDRESS]:PORT[,key=value...]");
		goto done;
	}
	*at = '\0';
	if ((service->protocol = protocol_find(copy)) == NULL) {
		(void)snprintf(error, error_size,
		    "unknown service '%s' (built in: %s)", copy,
		    protocol_names());
		goto done;
	}
	endpoint = at + 1;
	if ((rest = strchr(endpoint, ',')) != NULL)
		*rest++ = '\0';
	if (parse_endpoint(service, endpoint, error, error_size) == -1)
		goto done;
	while (rest != NULL) {
		option = rest;
		if ((rest = strchr(option, ',')) != NULL)
			*rest++ = '\0';
		if (parse_option(service, option, error, error_size) == -1)
			goto done;
	}
	result = 0;
done:
	free(copy);
	return result;
}
