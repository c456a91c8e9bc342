/*
 * service.h: one configured service: a protocol, where it listens, and
 * the limits that apply to its connections.
 */
#ifndef PFORKD_SERVICE_H
#define PFORKD_SERVICE_H

#include <stdint.h>

struct protocol;

#define SERVICE_ADDRESS_MAX	64
#define SERVICE_PORT_MAX	8

struct service {
	const struct protocol	*protocol;
	char			 address[SERVICE_ADDRESS_MAX]; /* "" = any */
	char			 port[SERVICE_PORT_MAX];
	uint64_t		 idle_timeout_usec;	/* 0 = none */
};

#define SERVICE_DEFAULT_IDLE_USEC	(300 * (uint64_t)1000000)

int	service_parse_listen(struct service *, const char *spec,
	    char *error, size_t error_size);

#endif /* PFORKD_SERVICE_H */
