/*
 * listen_spec.c: parse a -l argument, SERVICE@[ADDR]:PORT[,key=value]...,
 * and a -i argument, SERVICE[,key=value]..., which has no address.
 *
 * ADDR is a numeric IPv4 address, a bracketed numeric IPv6 address, or
 * empty for every address of both families.  The keys are the same as the
 * configuration file's service keywords (service_set_option()), but for
 * listen and protocol, which the argument gives in its own way.
 *
 * "command=" must be the last key of -l: its value is the rest of the
 * argument, commas included, so that a command's words may hold commas.
 * With a command, SERVICE is a name of the operator's choosing; without
 * one, it must be a built-in protocol (configuration_finish() says so).
 * -i serves a built-in protocol alone and refuses a command.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "server/program_options.h"
#include "server/service_setup.h"

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
	if (service_block_keyword(option)) {
		(void)snprintf(error, error_size, "'%s' is not an option of "
		    "-l", option);
		return -1;
	}
	return service_set_option(service, option, value, error, error_size);
}

/* Apply the comma-separated key=value options of rest (may be NULL). */
static int
parse_options(struct service *service, char *rest, char *error,
    size_t error_size)
{
	char	*option;

	while (rest != NULL) {
		option = rest;
		/* command= takes the rest of the argument, commas included. */
		if (strncmp(option, "command=", 8) == 0)
			rest = NULL;
		else if ((rest = strchr(option, ',')) != NULL)
			*rest++ = '\0';
		if (parse_option(service, option, error, error_size) == -1)
			return -1;
	}
	return 0;
}

/*
 * Name service name, with the protocol of that name if there is one;
 * with need_protocol, 0 or -1 when there is none.
 */
static int
init_named(struct service *service, const char *name, const char *flag,
    const char *spec, int need_protocol, char *error, size_t error_size)
{
	service_init(service, name);
	(void)snprintf(service->origin, sizeof(service->origin), "%s %s",
	    flag, spec);
	if (service->protocol != NULL || !need_protocol)
		return 0;
	(void)snprintf(error, error_size, "unknown service '%s' (built in: "
	    "%s)", name, protocol_names());
	return -1;
}

/* Fill service from a -i argument; 0, or -1 with a message in error. */
int
service_parse_inetd(struct service *service, const char *spec,
    char *error, size_t error_size)
{
	char	*copy, *rest;
	int	 result = -1;

	if ((copy = strdup(spec)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	if ((rest = strchr(copy, ',')) != NULL)
		*rest++ = '\0';
	if (init_named(service, copy, "-i", spec, 1, error, error_size) == 0 &&
	    parse_options(service, rest, error, error_size) == 0)
		result = 0;
	if (result == 0 && service->program != NULL) {
		(void)snprintf(error, error_size, "-i serves a built-in "
		    "protocol: 'command' and the program keywords are not for "
		    "-i");
		result = -1;
	}
	free(copy);
	return result;
}

/* Fill service from a -l argument; 0, or -1 with a message in error. */
int
service_parse_listen(struct service *service, const char *spec,
    char *error, size_t error_size)
{
	char	*copy, *at, *endpoint, *rest;
	int	 result = -1;

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
	if (init_named(service, copy, "-l", spec, 0, error, error_size) == -1)
		goto done;
	endpoint = at + 1;
	if ((rest = strchr(endpoint, ',')) != NULL)
		*rest++ = '\0';
	if (service_add_listen(service, endpoint, error, error_size) == -1 ||
	    parse_options(service, rest, error, error_size) == -1)
		goto done;
	result = 0;
done:
	free(copy);
	return result;
}
