/*
 * daemon_harness.h: start the real pforkd for integration tests, learn its
 * ports from its log, talk to it over loopback, and stop it by pid.
 */
#ifndef PFORKD_DAEMON_HARNESS_H
#define PFORKD_DAEMON_HARNESS_H

#include <sys/types.h>
#include <stddef.h>

#define HARNESS_LOG_MAX		65536
#define HARNESS_PORTS_MAX	16

struct daemon_process {
	pid_t	pid;
	int	log_fd;			/* read end of the daemon's stderr */
	char	log[HARNESS_LOG_MAX];
	size_t	log_length;
	int	ports[HARNESS_PORTS_MAX];	/* in "listening on" order */
	size_t	port_count;
};

/* One case of a per-backend integration test: a backend and its daemon. */
struct backend_fixture {
	const char		*backend;
	struct daemon_process	 daemon;
};

int	harness_fixture_setup(void **state);
int	harness_fixture_teardown(void **state);
int	harness_start(struct daemon_process *, const char *const *arguments,
	    size_t listeners);
int	harness_read_log(struct daemon_process *, int timeout_ms);
int	harness_wait_log(struct daemon_process *, const char *needle,
	    int timeout_ms);
int	harness_stop(struct daemon_process *, int signal_number,
	    int timeout_ms);
int	harness_run(const char *const *arguments, char *output,
	    size_t output_size, int timeout_ms);
int	harness_connect(const char *address, int port);
int	harness_read_exact(int fd, void *buffer, size_t length,
	    int timeout_ms);
ssize_t	harness_read_until_eof(int fd, void *buffer, size_t size,
	    int timeout_ms);
int	harness_write_all(int fd, const void *buffer, size_t length);
const char *harness_pforkd_path(void);
int	harness_have_ipv6_loopback(void);

#endif /* PFORKD_DAEMON_HARNESS_H */
