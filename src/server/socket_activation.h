/*
 * socket_activation.h: listening sockets handed over by a service
 * manager (systemd's LISTEN_FDS protocol) instead of bound by pforkd,
 * and which configured service each one serves.
 */
#ifndef PFORKD_SOCKET_ACTIVATION_H
#define PFORKD_SOCKET_ACTIVATION_H

#include <stddef.h>

#include "server/configuration.h"

#define SOCKET_ACTIVATION_FIRST_FD	3
#define SOCKET_ACTIVATION_MAX		64

int	socket_activation_take(char *error, size_t error_size);
size_t	socket_activation_count(void);
int	socket_activation_fd(size_t index);
int	socket_activation_match(const struct configuration *, size_t index,
	    int *service_index, char *error, size_t error_size);

#endif /* PFORKD_SOCKET_ACTIVATION_H */
