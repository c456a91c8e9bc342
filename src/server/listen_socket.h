/*
 * listen_socket.h: binding the listening sockets of a service.
 */
#ifndef PFORKD_LISTEN_SOCKET_H
#define PFORKD_LISTEN_SOCKET_H

#include <stddef.h>

struct service;

#define LISTEN_SOCKETS_PER_SERVICE	2	/* IPv6 and IPv4 */
#define LISTEN_BACKLOG			1024

int	listen_socket_open(const struct service *, int *fds, size_t *count,
	    char *error, size_t error_size);
int	socket_set_nonblocking(int fd);
int	socket_set_cloexec(int fd);
void	listen_socket_describe(int fd, char *text, size_t text_size);

#endif /* PFORKD_LISTEN_SOCKET_H */
