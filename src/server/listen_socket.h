/*
 * listen_socket.h: binding the listening sockets of a service.
 */
#ifndef PFORKD_LISTEN_SOCKET_H
#define PFORKD_LISTEN_SOCKET_H

#include <stddef.h>

struct listen_address;
struct service;

#define LISTEN_SOCKETS_PER_ADDRESS	2	/* IPv6 and IPv4 for "any" */
#define LISTEN_BACKLOG			1024

int	listen_socket_open(const struct service *,
	    const struct listen_address *, int lanes, int *fds,
	    size_t *count, char *error, size_t error_size);
int	listen_socket_lane(int fd);
int	listen_socket_family(int fd);
void	listen_socket_describe(int fd, char *text, size_t text_size);

#endif /* PFORKD_LISTEN_SOCKET_H */
