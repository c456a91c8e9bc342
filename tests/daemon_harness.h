/*
 * daemon_harness.h: start the real pforkd for integration tests, learn its
 * ports from its log, talk to it over loopback, and stop it by pid.
 * The harness_must_ functions are for cmocka cases: they fail the case.
 *
 * What the harness starts reads /dev/null and writes nothing to the test's
 * own stdout (under automake's driver the TAP pipe, which a process left
 * running would keep open); what still runs when the test program exits
 * is stopped then, by pid.
 */
#ifndef PFORKD_DAEMON_HARNESS_H
#define PFORKD_DAEMON_HARNESS_H

#include <sys/types.h>
#include <stddef.h>

#define HARNESS_LOG_MAX		65536
#define HARNESS_PORTS_MAX	16
#define HARNESS_LEFTOVER_MS	3000	/* leftovers: SIGTERM, then SIGKILL */

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

/* A daemon and a scratch directory for its files, removed after the case. */
struct scratch_fixture {
	char			directory[256];
	char			config[320];	/* DIRECTORY/pforkd.conf */
	char			pid_file[320];	/* DIRECTORY/pforkd.pid */
	struct daemon_process	daemon;
};

/* cmocka setup and teardown making and removing a scratch_fixture. */
int	harness_scratch_setup(void **state);
int	harness_scratch_teardown(void **state);
void	harness_must_write_file(const char *path, const char *text);

/* Fixtures of backend_cases_init() for cases run per backend. */
int	harness_fixture_setup(void **state);
int	harness_fixture_teardown(void **state);

/* Running the daemon; each returns 0 or -1. */
int	harness_start(struct daemon_process *, const char *const *arguments,
	    size_t listeners);
int	harness_read_log(struct daemon_process *, int timeout_ms);
int	harness_wait_log(struct daemon_process *, const char *needle,
	    int timeout_ms);
int	harness_stop(struct daemon_process *, int signal_number,
	    int timeout_ms);
int	harness_spawn_program(struct daemon_process *,
	    const char *const *argv);
int	harness_find_program(const char *name, char *path, size_t path_size);
int	harness_run(const char *const *arguments, char *output,
	    size_t output_size, int timeout_ms);
int	harness_listening_port(const char *line);
const char *harness_pforkd_path(void);

/* Stopping what a failed case left running, by pid, within a bound. */
void	harness_stop_leftover(struct daemon_process *);
int	harness_stop_detached(const char *pid_file, int timeout_ms);
int	harness_reap(pid_t pid, int timeout_ms);
size_t	harness_stop_spawned(int timeout_ms);

/* The same, failing the cmocka case (with the log) when they fail. */
void	harness_must_start(struct daemon_process *,
	    const char *const *arguments, size_t listeners);
void	harness_must_start_backend(struct backend_fixture *, int verbose,
	    const char *const *listens);
void	harness_must_start_listen(struct backend_fixture *, int verbose,
	    const char *format, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
void	harness_must_stop(struct daemon_process *, int timeout_ms);
int	harness_must_connect(const struct daemon_process *,
	    size_t port_index);
void	harness_must_log(struct daemon_process *, const char *needle,
	    int timeout_ms);

/* Talking to it over loopback. */
int	harness_connect(const char *address, int port);
int	harness_connect_from(int port, unsigned int index);
int	harness_read_exact(int fd, void *buffer, size_t length,
	    int timeout_ms);
ssize_t	harness_read_until_eof(int fd, void *buffer, size_t size,
	    int timeout_ms);
int	harness_write_all(int fd, const void *buffer, size_t length);
int	harness_have_ipv6_loopback(void);
int	harness_free_port(int type);

#endif /* PFORKD_DAEMON_HARNESS_H */
