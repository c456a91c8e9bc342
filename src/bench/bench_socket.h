/*
 * bench_socket.h: the sockets of pforkd-bench: the loopback-only target,
 * non-blocking connects, and opening many connections a few at a time.
 */
#ifndef PFORKD_BENCH_SOCKET_H
#define PFORKD_BENCH_SOCKET_H

#include <stddef.h>

struct bench_target;

/*
 * Opens connections 0 to total - 1, at most limit at once: start() is
 * called for the next index while fewer than limit are opening, and the
 * mode calls launcher_opened() when one is open (or has failed).  The
 * listen queue of the server then never overflows into SYN retries.
 */
struct launcher {
	size_t	 total;
	size_t	 limit;
	size_t	 started;
	size_t	 opening;
	int	 filling;	/* inside launcher_fill() */
	void	(*start)(size_t index, void *arg);
	void	*arg;
};

int	bench_target_parse(struct bench_target *, const char *address,
	    unsigned int port, char *error, size_t error_size);
int	bench_socket_connect(const struct bench_target *);
int	bench_socket_error(int fd);
int	bench_socket_no_delay(int fd);
int	bench_socket_reset_on_close(int fd);
void	bench_raise_fd_limit(size_t wanted);

void	launcher_init(struct launcher *, size_t total, size_t limit,
	    void (*start)(size_t, void *), void *arg);
void	launcher_fill(struct launcher *);
void	launcher_opened(struct launcher *);
int	launcher_done(const struct launcher *);

#endif /* PFORKD_BENCH_SOCKET_H */
