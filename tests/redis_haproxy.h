/*
 * redis_haproxy.h: the real redis-server and haproxy that the several-host
 * tests start on 127.0.0.1, on free ports, and stop by their pids.  Plain
 * functions returning 0 or -1, usable from cmocka cases and TAP programs.
 */
#ifndef PFORKD_REDIS_HAPROXY_H
#define PFORKD_REDIS_HAPROXY_H

#include <stddef.h>

#include "daemon_harness.h"

#define REDIS_REPLY_MAX		65536
#define STACK_PATH_MAX		1024

struct redis_server {
	struct daemon_process	process;	/* its pid and stderr */
	char			path[STACK_PATH_MAX];
	int			port;
	const char		*password;	/* the test's AUTH, or NULL */
};

struct haproxy_server {
	struct daemon_process	process;
	char			path[STACK_PATH_MAX];
	char			config[STACK_PATH_MAX];
	int			port;
	const char		*cookie;	/* sticky in mode http, or NULL */
};

int	stack_free_port(void);
int	redis_server_start(struct redis_server *, const char *const *extra);
int	redis_server_stop(struct redis_server *);
int	redis_server_command(const struct redis_server *,
	    const char *const *argv, char *reply, size_t reply_size);
int	haproxy_server_start(struct haproxy_server *, const char *mode,
	    const int *backend_ports, size_t backends);
int	haproxy_server_stop(struct haproxy_server *);

#endif /* PFORKD_REDIS_HAPROXY_H */
