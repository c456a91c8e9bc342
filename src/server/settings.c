/*
 * settings.c: build a configuration from the file, -I, -l and the flags.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "server/configuration.h"
#include "server/settings.h"

/* Apply the flags that override the file's global settings. */
static void
apply_overrides(const struct settings *settings,
    struct configuration *configuration)
{
	const char	*colon;
	size_t		 length;

	if (settings->backend != NULL)
		(void)strlcpy(configuration->backend, settings->backend,
		    sizeof(configuration->backend));
	if (settings->log_target != NULL)
		(void)strlcpy(configuration->log_target, settings->log_target,
		    sizeof(configuration->log_target));
	if (settings->pid_file != NULL)
		(void)strlcpy(configuration->pid_file, settings->pid_file,
		    sizeof(configuration->pid_file));
	if (settings->workers != 0)
		configuration->workers = settings->workers;
	if (settings->user != NULL) {
		colon = strchr(settings->user, ':');
		length = colon ? (size_t)(colon - settings->user) :
		    strlen(settings->user);
		if (length >= sizeof(configuration->user))
			length = sizeof(configuration->user) - 1;
		memcpy(configuration->user, settings->user, length);
		configuration->user[length] = '\0';
		(void)strlcpy(configuration->group, colon ? colon + 1 : "",
		    sizeof(configuration->group));
	}
}

/* The number of online CPUs, within 1 and the worker cap. */
static unsigned int
online_cpus(void)
{
	long	count = sysconf(_SC_NPROCESSORS_ONLN);

	if (count < 1)
		return 1;
	if (count > CONFIGURATION_WORKERS_MAX)
		return CONFIGURATION_WORKERS_MAX;
	return (unsigned int)count;
}

/* Build and validate a configuration; 0, or -1 with a message. */
int
settings_build(const struct settings *settings,
    struct configuration *configuration, char *error, size_t error_size)
{
	size_t	i;

	configuration_init(configuration);
	if (settings->inetd != NULL) {
		if (configuration_add_inetd(configuration, settings->inetd,
		    error, error_size) == -1)
			return -1;
		apply_overrides(settings, configuration);
		configuration->workers = 1;
		return configuration_finish(configuration, error, error_size);
	}
	if (settings->file != NULL && configuration_load_file(configuration,
	    settings->file, error, error_size) == -1)
		return -1;
	for (i = 0; i < settings->inetd_conf_count; i++)
		if (configuration_load_inetd(configuration,
		    settings->inetd_conf[i], 0, error, error_size) == -1)
			return -1;
	for (i = 0; i < settings->listen_count; i++)
		if (configuration_add_listen(configuration,
		    settings->listens[i], error, error_size) == -1)
			return -1;
	if (settings->file == NULL && settings->listen_count == 0 &&
	    settings->inetd_conf_count == 0 &&
	    configuration_add_defaults(configuration, error, error_size) == -1)
		return -1;
	apply_overrides(settings, configuration);
	if (configuration->workers == 0)
		configuration->workers = online_cpus();
	return configuration_finish(configuration, error, error_size);
}
