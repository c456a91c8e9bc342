/*
 * configuration.h: pforkd's whole configuration, from pforkd.conf, -l
 * arguments and command-line flags, validated before it is used.
 *
 * A configuration is a plain value: the master parses a new one on SIGHUP
 * and only swaps it in when it is valid, so an error never disturbs the
 * running one.
 */
#ifndef PFORKD_CONFIGURATION_H
#define PFORKD_CONFIGURATION_H

#include <stddef.h>
#include <stdint.h>

#include "connection/service.h"

#define CONFIGURATION_SERVICES_MAX	256	/* an inetd.conf may have many */
#define CONFIGURATION_WORKERS_MAX	64
#define CONFIGURATION_PATH_MAX		1024
#define CONFIGURATION_INCLUDE_DEPTH	8

struct configuration {
	unsigned int	workers;		/* 0 = online CPUs */
	int		accept_balance;		/* ACCEPT_BALANCE_* */
	char		backend[16];		/* "" = best */
	char		user[64];		/* "" = do not change */
	char		group[64];		/* "" = the user's group */
	char		log_target[CONFIGURATION_PATH_MAX]; /* "" = default */
	char		pid_file[CONFIGURATION_PATH_MAX];   /* "" = none */
	unsigned int	max_connections;	/* all services; 0 = no cap */
	unsigned int	per_source_max;		/* default for services */
	unsigned int	ipv6_prefix;		/* per-source grouping, /64 */
	uint64_t	idle_timeout_usec;	/* default for services */
	uint64_t	lifetime_usec;		/* default for services */
	uint64_t	send_timeout_usec;	/* default for services */
	unsigned int	output_budget_mib;	/* per worker; 0 = none */
	uint64_t	graceful_timeout_usec;	/* SIGQUIT and reload drain */
	struct access_rules *access_rules;	/* default for services */
	unsigned int	proxy_protocol;		/* default for services */
	struct access_rules *proxy_from;	/* default for services */
	struct service	services[CONFIGURATION_SERVICES_MAX];
	size_t		service_count;
	int		inetd;			/* -i: one connection on fd 0 */
	unsigned int	inetd_conf_strict;	/* inetd-conf-strict yes */
};

/* How the workers share a listener's connections (pforkd.8). */
#define ACCEPT_BALANCE_AUTO		0	/* the best the system has */
#define ACCEPT_BALANCE_SHARED		1	/* one socket, all race */
#define ACCEPT_BALANCE_EXCLUSIVE	2	/* one socket, one woken */
#define ACCEPT_BALANCE_REUSEPORT	3	/* a socket per worker */
#define ACCEPT_BALANCE_MUTEX		4	/* one socket, a token */

#define CONFIGURATION_DEFAULT_GRACEFUL_USEC	(30 * (uint64_t)1000000)
#define CONFIGURATION_DEFAULT_IPV6_PREFIX	64
#define CONFIGURATION_DEFAULT_OUTPUT_BUDGET	64	/* MiB */
#define CONFIGURATION_OUTPUT_BUDGET_MAX		1000000	/* MiB */

struct option_table;

/* The global keywords: workers, backend, user, log, idle... */
extern const struct option_table	configuration_option_table;

/* accept-balance as it applies here: auto resolved. */
int	configuration_accept_balance(const struct configuration *);

/* Built-in defaults, no services. */
void	configuration_init(struct configuration *);

/*
 * Read a configuration file (and its includes) into configuration.  On
 * error, error holds "FILE:LINE:COLUMN: message" and -1 is returned.
 */
int	configuration_load_file(struct configuration *, const char *path,
	    char *error, size_t error_size);

/*
 * Add the services of an inetd.conf (server/inetd_conf.h); a strict file
 * is refused on its first line pforkd cannot serve, a lenient one has
 * such lines reported and skipped.  0, or -1 with a message.
 */
int	configuration_load_inetd(struct configuration *, const char *path,
	    int strict, char *error, size_t error_size);

/* Add a service from a -l argument; on error "-l ARG: message". */
int	configuration_add_inetd(struct configuration *, const char *spec,
	    char *error, size_t error_size);
int	configuration_add_listen(struct configuration *, const char *spec,
	    char *error, size_t error_size);

/* Add the bundled default services (used with neither -f nor -l). */
int	configuration_add_defaults(struct configuration *, char *error,
	    size_t error_size);

/*
 * Fill each service's unset options from the global defaults and check
 * the whole: every service has a protocol and a listen address, no two
 * listeners share an address and port.  0, or -1 with a message.
 */
int	configuration_finish(struct configuration *, char *error,
	    size_t error_size);

/*
 * Free what the services allocated (poems, program options...) and the
 * access rules, the global list and the services'.
 */
void	configuration_release(struct configuration *);

#endif /* PFORKD_CONFIGURATION_H */
