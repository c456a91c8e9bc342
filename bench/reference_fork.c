/*
 * reference_fork.c: the smallest inetd, what pforkd's program services are
 * measured against.
 *
 *	reference_fork PORT PROGRAM [ARGUMENT ...]
 *
 * One process on 127.0.0.1:PORT (0 asks for a free port; the line
 * "listening on 127.0.0.1:PORT" names it), blocking in accept().  Each
 * connection gets a child that makes the socket its fds 0 and 1 and runs
 * PROGRAM with the arguments given and the environment inherited; the
 * parent closes its copy and reaps the children that ended, without
 * waiting, before each accept (SIGCHLD interrupts a waiting accept).
 * Nothing else: no limits, no identity, no clean environment, no signal
 * or fd clean-up beyond a close-on-exec listener.  Serves until a signal
 * such as SIGTERM or SIGINT ends it (their default action).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SIGCHLD: only there to interrupt accept(); the loop reaps. */
static void
child_ended(int signal_number)
{
	(void)signal_number;
}

/* Bind 127.0.0.1:port and print it; the fd or -1. */
static int
open_listener(unsigned int port)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);
	int			fd, on = 1;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&address, sizeof(address)) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || listen(fd, 1024) == -1 ||
	    getsockname(fd, (struct sockaddr *)&address, &length) == -1)
		return -1;
	(void)printf("listening on 127.0.0.1:%u\n", ntohs(address.sin_port));
	(void)fflush(stdout);
	return fd;
}

/* The child: the socket becomes fds 0 and 1, then the program runs. */
static void
run_program(int fd, char **argv)
{
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1)
		_exit(127);
	if (fd > 1)
		(void)close(fd);
	(void)execv(argv[0], argv);
	_exit(127);
}

/* Accept on PORT for good, a child running PROGRAM for each connection. */
int
main(int argc, char **argv)
{
	struct sigaction	action;
	int			listen_fd, fd;
	char			*end;
	unsigned long		port;

	if (argc < 3 || (port = strtoul(argv[1], &end, 10)) > 65535 ||
	    *end != '\0' || argv[1][0] == '\0') {
		(void)fprintf(stderr, "usage: reference_fork port program "
		    "[argument ...]\n");
		return 2;
	}
	memset(&action, 0, sizeof(action));
	action.sa_handler = child_ended;	/* no SA_RESTART */
	action.sa_flags = SA_NOCLDSTOP;
	(void)sigaction(SIGCHLD, &action, NULL);
	if ((listen_fd = open_listener((unsigned int)port)) == -1) {
		perror("reference_fork");
		return 1;
	}
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
		if ((fd = accept(listen_fd, NULL, NULL)) == -1)
			continue;	/* EINTR, or a connection gone */
		switch (fork()) {
		case 0:
			run_program(fd, argv + 2);
			break;
		case -1:
			perror("reference_fork: fork");
			break;
		}
		(void)close(fd);
	}
}
