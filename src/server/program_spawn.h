/*
 * program_spawn.h: start one child of a program service, clean.
 *
 * The master forks; the child alone does the rest, so the master is back
 * to accepting while the child sets itself up: its own session, default
 * signal dispositions and an empty mask, the socket as fd 0 and 1, fd 2
 * as the service says, nothing else open, umask, working directory,
 * resource limits, nice value, user and group, a clean environment with
 * the tcpserver/s6 and systemd per-connection variables, then execve().
 * A failure on the way is written to error_fd (close-on-exec, so a
 * successful exec leaves it empty) and the child exits 127; the master
 * reads the reason when it reaps the child.
 */
#ifndef PFORKD_PROGRAM_SPAWN_H
#define PFORKD_PROGRAM_SPAWN_H

#include <sys/types.h>
#include <stddef.h>

struct program_endpoints;
struct program_options;

/* What one child is started with. */
struct program_launch {
	const struct program_options	*options;
	int				 socket_fd; /* connection or listener */
	int				 connection; /* 1: socket_fd is accepted */
	int				 stderr_fd; /* log pipe's write end, or -1 */
	int				 error_fd;  /* where a failure is told */
	const struct program_endpoints	*carried; /* by a PROXY header, or NULL */
	char				**environment; /* NULL: child makes it */
};

#define PROGRAM_EXIT_SPAWN_FAILED	127

/* Fork a child that runs the program; its pid, or -1 with errno. */
pid_t	program_spawn(const struct program_launch *);

/*
 * After the child ended: the reason it could not run, read from the read
 * end of its error pipe; 1 with text filled, 0 when it ran.
 */
int	program_spawn_failure(int error_read_fd, char *text, size_t size);

#endif /* PFORKD_PROGRAM_SPAWN_H */
