/*
 * fuzz_listen_spec.c: libFuzzer harness of the -l argument,
 * SERVICE@[ADDR]:PORT[,key=value]...
 *
 * Each input (a C string: one with a NUL inside is skipped) goes through
 * both public entry points, service_parse_listen() and
 * configuration_add_listen(), which must agree; an accepted service must
 * hold what service.h promises.  Nothing is prepared, so no file opens.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "connection/service.h"
#include "server/configuration.h"
#include "server/service_setup.h"

#include "fuzz.h"

/* Check one listen address: numeric or empty, and a port up to 65535. */
static void
check_listen(const struct listen_address *listen)
{
	struct in6_addr	 address;
	char		*end;
	unsigned long	 port;

	FUZZ_CHECK(memchr(listen->address, '\0', sizeof(listen->address)) !=
	    NULL);
	FUZZ_CHECK(listen->address[0] == '\0' ||
	    inet_pton(AF_INET, listen->address, &address) == 1 ||
	    inet_pton(AF_INET6, listen->address, &address) == 1);
	FUZZ_CHECK(listen->port[0] >= '0' && listen->port[0] <= '9');
	port = strtoul(listen->port, &end, 10);
	FUZZ_CHECK(*end == '\0' && port <= 65535);
}

/* Check a service that a -l argument made. */
static void
check_service(const struct service *service)
{
	size_t	i;

	FUZZ_CHECK(service->listen_count >= 1 &&
	    service->listen_count <= SERVICE_LISTENS_MAX);
	for (i = 0; i < service->listen_count; i++)
		check_listen(&service->listens[i]);
	FUZZ_CHECK(memchr(service->origin, '\0', sizeof(service->origin)) !=
	    NULL);
}

/* One input: parse it as a -l argument, both ways. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct configuration	configuration;
	struct service			service;
	char				*spec, error[1024];
	int				direct, added;

	if (memchr(data, '\0', size) != NULL || (spec = malloc(size + 1)) ==
	    NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';

	memset(&service, 0, sizeof(service));	/* "no @" leaves it alone */
	error[0] = '\0';
	direct = service_parse_listen(&service, spec, error, sizeof(error));
	FUZZ_CHECK(direct == 0 || (direct == -1 && error[0] != '\0'));
	if (direct == 0)
		check_service(&service);
	service_discard(&service);

	configuration_init(&configuration);
	error[0] = '\0';
	added = configuration_add_listen(&configuration, spec, error,
	    sizeof(error));
	FUZZ_CHECK(added == direct);
	FUZZ_CHECK(configuration.service_count == (added == 0 ? 1u : 0u));
	if (added == -1)
		FUZZ_CHECK(error[0] != '\0');
	else
		check_service(&configuration.services[0]);
	/*
	 * Neither a protocol nor a program (a name that is no built-in,
	 * without a command), or a protocol given program options: the
	 * parse takes it, the check of the whole configuration refuses it.
	 */
	if (added == 0 && (configuration.services[0].protocol == NULL) ==
	    (configuration.services[0].program == NULL)) {
		error[0] = '\0';
		FUZZ_CHECK(configuration_finish(&configuration, error,
		    sizeof(error)) == -1 && error[0] != '\0');
	}
	configuration_release(&configuration);
	free(spec);
	return 0;
}
