/*
 * settings.h: where a configuration comes from: the file given with -f,
 * the inetd.conf files of -I, the -l arguments, and the command-line
 * flags that override the file.
 * Start-up, -n and every reload build the configuration the same way.
 */
#ifndef PFORKD_SETTINGS_H
#define PFORKD_SETTINGS_H

#include <stddef.h>

#include "server/configuration.h"

#define SETTINGS_LISTENS_MAX	CONFIGURATION_SERVICES_MAX
#define SETTINGS_INETD_MAX	8

/*
 * Paths given on the command line are kept made absolute against the
 * directory pforkd started in (it runs in / once detached, and reloads
 * read them again).
 */
struct settings {
	const char	*file;			/* -f, or NULL */
	const char	*listens[SETTINGS_LISTENS_MAX];	/* -l */
	size_t		 listen_count;
	const char	*inetd;			/* -i, or NULL */
	size_t		 inetd_conf_count;	/* -I */
	char		 inetd_conf[SETTINGS_INETD_MAX][CONFIGURATION_PATH_MAX];
	const char	*backend;		/* -b */
	const char	*log_target;		/* -L */
	const char	*pid_file;		/* -p */
	const char	*user;			/* -u user[:group] */
	unsigned int	 workers;		/* -w, 0 = unset */
	int		 foreground;		/* -d */
	int		 verbosity;		/* -v count */
	char		 file_path[CONFIGURATION_PATH_MAX];
	char		 log_path[CONFIGURATION_PATH_MAX];
	char		 pid_path[CONFIGURATION_PATH_MAX];
};

int	settings_build(const struct settings *, struct configuration *,
	    char *error, size_t error_size);

#endif /* PFORKD_SETTINGS_H */
