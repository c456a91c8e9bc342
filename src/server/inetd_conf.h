/*
 * inetd_conf.h: read an inetd.conf(5) as it is into pforkd's services.
 *
 * A line is "[address:]service socket-type protocol wait|nowait[.max]
 * user[:group] program [argv0 arguments...]" in the forms of OpenBSD's,
 * FreeBSD's and Debian's inetd (user.group, a bare "address:" line,
 * nowait/max-child/per-ip-per-minute/max-child-per-ip, /login-class).
 * Stream TCP lines become services: "internal" ones serve pforkd's
 * built-in of the service's name, the others run their program
 * (server/program_options.h) with stderr to the socket, as inetd does.
 * A line pforkd cannot serve (datagrams, UDP, RPC, unix sockets, an
 * internal service it lacks...) is reported as FILE:LINE:COLUMN and
 * skipped, or in strict mode refuses the whole file.
 */
#ifndef PFORKD_INETD_CONF_H
#define PFORKD_INETD_CONF_H

#include <stddef.h>

struct configuration;

/* Told each skipped line and each warning, "FILE:LINE:COLUMN: ...". */
typedef void	inetd_conf_warn(void *arg, const char *message);

/*
 * Add the services of the inetd.conf at path to configuration.  Reports
 * go to warn (NULL: the log, at warning level).  0, or -1 with
 * "FILE:LINE:COLUMN: message" in error (a strict file's first skipped
 * line, a file that cannot be read, too many services).
 */
int	inetd_conf_load(struct configuration *, const char *path, int strict,
	    inetd_conf_warn *warn, void *arg, char *error, size_t error_size);

#endif /* PFORKD_INETD_CONF_H */
