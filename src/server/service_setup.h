/*
 * service_setup.h: filling in a service from the configuration.
 *
 * The same option keys serve the configuration file (as "key value" lines
 * in a service block) and -l (as ",key=value"): service_set_option() is
 * the one place that applies them.
 */
#ifndef PFORKD_SERVICE_SETUP_H
#define PFORKD_SERVICE_SETUP_H

#include <stddef.h>

#include "connection/service.h"

void	service_init(struct service *, const char *name);
int	service_set_option(struct service *, const char *key,
	    const char *value, char *error, size_t error_size);
int	service_add_listen(struct service *, const char *endpoint,
	    char *error, size_t error_size);
int	service_parse_listen(struct service *, const char *spec,
	    char *error, size_t error_size);
int	service_prepare(struct service *, char *error, size_t error_size);
void	service_discard(struct service *);

#endif /* PFORKD_SERVICE_SETUP_H */
