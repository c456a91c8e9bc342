/*
 * program_environment.h: the environment a program service's child gets.
 *
 * Nothing of pforkd's own environment but what the service names in
 * pass-environment; PATH=/usr/bin:/bin unless the service sets PATH;
 * the service's environment settings; and for a connection the variables
 * programs written for tcpserver and s6 (PROTO, TCPLOCALIP, TCPLOCALPORT,
 * TCPREMOTEIP, TCPREMOTEPORT) and for systemd's Accept=yes (REMOTE_ADDR,
 * REMOTE_PORT) read.  Later sources replace earlier ones, so the
 * per-connection variables always tell the truth.  Behind a balancer
 * that sent a PROXY header, they tell the client and the address it
 * connected to, as the header carried them, not the socket's ends.
 */
#ifndef PFORKD_PROGRAM_ENVIRONMENT_H
#define PFORKD_PROGRAM_ENVIRONMENT_H

#include <sys/types.h>
#include <sys/socket.h>

struct program_options;

/* The ends of a connection as a PROXY header carried them. */
struct program_endpoints {
	struct sockaddr_storage	remote;		/* the client */
	socklen_t		remote_length;
	struct sockaddr_storage	local;		/* where it connected */
	socklen_t		local_length;
};

#define PROGRAM_DEFAULT_PATH	"PATH=/usr/bin:/bin"

/*
 * The environment for a child whose socket is fd (an accepted connection
 * when connection is 1, else the listener), whose ends are carried when
 * not NULL, else the socket's own: a NULL-terminated array from malloc,
 * or NULL with errno.  The master makes it before fork(), so the child
 * only reads it; a child whose master could not makes its own.
 */
char	**program_environment_make(const struct program_options *, int fd,
	    int connection, const struct program_endpoints *carried);

/* Free what program_environment_make() returned; NULL is fine. */
void	  program_environment_free(char **);

#endif /* PFORKD_PROGRAM_ENVIRONMENT_H */
