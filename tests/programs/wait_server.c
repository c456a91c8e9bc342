/*
 * wait_server.c: a "wait" service for pforkd's tests, as inetd runs them:
 * fd 0 is the listening socket itself.  It accepts connections on it and
 * answers each with "wait-server PID N\n" (N counts the connections it
 * served), until none arrives for the seconds given as its argument
 * (default 1), then exits so that pforkd watches the listener again.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct pollfd	pfd;
	char		reply[64];
	int		idle_ms = 1000, accepting = 0, served = 0, fd;
	socklen_t	length = sizeof(accepting);

	if (argc > 1)
		idle_ms = atoi(argv[1]) * 1000;
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting,
	    &length) == -1 || !accepting) {
		(void)fprintf(stderr, "wait_server: fd 0 is not a listener\n");
		return 2;
	}
	for (;;) {
		pfd.fd = 0;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, idle_ms) <= 0)
			break;
		if ((fd = accept(0, NULL, NULL)) == -1)
			continue;
		served++;
		(void)snprintf(reply, sizeof(reply), "wait-server %ld %d\n",
		    (long)getpid(), served);
		(void)write(fd, reply, strlen(reply));
		(void)close(fd);
	}
	return 0;
}
