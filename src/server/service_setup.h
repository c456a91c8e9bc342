/*
 * service_setup.h: filling in a service from the configuration.
 *
 * The same option keys serve the configuration file (as "key value" lines
 * in a service block) and -l (as ",key=value"): service_set_option() is
 * the one place that applies them, through the option tables below and the
 * table of the service's protocol (connection/protocol.h).
 */
#ifndef PFORKD_SERVICE_SETUP_H
#define PFORKD_SERVICE_SETUP_H

#include <stddef.h>

#include "connection/service.h"

#define SERVICE_SECONDS_MAX	(365UL * 24 * 3600)	/* idle, lifetime */
#define SERVICE_CONNECTIONS_MAX	1000000UL

struct option_keyword;
struct option_table;

/* listen and protocol, which -l writes in its own way. */
extern const struct option_table	service_block_option_table;
/*
 * idle, lifetime, send-timeout, max-connections, per-source-max, allow,
 * deny, proxy-protocol, proxy-from.
 */
extern const struct option_table	service_option_table;

void	service_init(struct service *, const char *name);
int	service_set_option(struct service *, const char *key,
	    const char *value, char *error, size_t error_size);
int	service_block_keyword(const char *key);
int	service_has_option(const struct service *, const char *key);
int	service_add_listen(struct service *, const char *endpoint,
	    char *error, size_t error_size);
int	service_parse_listen(struct service *, const char *spec,
	    char *error, size_t error_size);
int	service_parse_inetd(struct service *, const char *spec,
	    char *error, size_t error_size);
int	service_prepare(struct service *, char *error, size_t error_size);
void	service_discard(struct service *);
/* The setter of an on/off keyword whose field is an unsigned int. */
int	service_set_switch(void *base, const struct option_keyword *,
	    const char *value, char *error, size_t error_size);

#endif /* PFORKD_SERVICE_SETUP_H */
