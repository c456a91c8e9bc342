/*
 * service.h: one configured service: a protocol, where it listens, and
 * the limits that apply to its connections.
 *
 * This is the description every layer above the dispatcher shares: the
 * connection reads its timeouts, a protocol keeps its own options in
 * protocol_data, and the server fills it in from the configuration file
 * and -l (see server/service_setup.h).
 */
#ifndef PFORKD_SERVICE_H
#define PFORKD_SERVICE_H

#include <stddef.h>
#include <stdint.h>

struct access_rules;
struct program_options;
struct protocol;

#define SERVICE_NAME_MAX	64
#define SERVICE_ADDRESS_MAX	64
#define SERVICE_PORT_MAX	8
#define SERVICE_LISTENS_MAX	8

struct listen_address {
	char	address[SERVICE_ADDRESS_MAX];	/* numeric; "" = any */
	char	port[SERVICE_PORT_MAX];
};

/* Bits of service->explicit: options set for this service itself. */
#define SERVICE_SET_IDLE		0x01
#define SERVICE_SET_LIFETIME		0x02
#define SERVICE_SET_MAX_CONNECTIONS	0x04
#define SERVICE_SET_PER_SOURCE_MAX	0x08
#define SERVICE_SET_SEND_TIMEOUT	0x10
#define SERVICE_SET_PROTOCOL		0x20	/* named, not implied by the name */
#define SERVICE_SET_PROXY_PROTOCOL	0x40

struct service {
	char			 name[SERVICE_NAME_MAX];
	const struct protocol	*protocol;
	struct listen_address	 listens[SERVICE_LISTENS_MAX];
	size_t			 listen_count;
	uint64_t		 idle_timeout_usec;	/* 0 = none */
	uint64_t		 lifetime_usec;		/* 0 = none */
	uint64_t		 send_timeout_usec;	/* 0 = none */
	unsigned int		 max_connections;	/* 0 = no cap */
	unsigned int		 per_source_max;	/* 0 = no cap */
	unsigned int		 explicit;		/* SERVICE_SET_* */
	char			 origin[128];	/* "FILE:LINE:COL" or "-l ..." */
	void			*protocol_data;	/* the protocol's options */
	/* The server's own parts; protocols never look at them. */
	struct program_options	*program;	/* a program service, or NULL */
	struct access_rules	*access_rules;	/* allow/deny; NULL = all */
	unsigned int		 proxy_protocol; /* 1: PROXY headers taken */
	struct access_rules	*proxy_from;	/* who may send them */
};

#define SERVICE_DEFAULT_IDLE_USEC	(300 * (uint64_t)1000000)
#define SERVICE_DEFAULT_SEND_USEC	(60 * (uint64_t)1000000)

/* Set by pforkd -n: prepare() checks, but opens nothing exclusive. */
extern int	service_check_only;

#endif /* PFORKD_SERVICE_H */
