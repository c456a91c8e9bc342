/*
 * test_util.h: small helpers shared by pforkd's test programs.
 *
 * Nothing here knows about cmocka: the helpers make connected fd pairs,
 * fill and drain them, raise the fd limit, keep a list of fds to close
 * after a failed test and arm a watchdog that ends a hung test program
 * with a clear message, and the processes the harness started for it,
 * instead of letting it hang.  Functions that can fail return -1 with
 * errno set.
 */
#ifndef PFORKD_TEST_UTIL_H
#define PFORKD_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A growable list of fds that a test owns and must close. */
struct test_fd_list {
	int	*fds;
	size_t	 count;
	size_t	 capacity;
};

/* Time. */
void		 test_sleep_usec(uint64_t usec);
void		 test_sleep_until_after(uint64_t usec);

/* fd flags and pairs; every fd made here is non-blocking and close-on-exec. */
int		 test_pipe(int fds[2]);
int		 test_socketpair(int fds[2]);
int		 test_tcp_pair(int fds[2]);

/* Moving bytes through non-blocking fds. */
int		 test_send_byte(int fd);
size_t		 test_fill(int fd);
size_t		 test_drain(int fd);
int		 test_local_port(int fd);

/* Files: the source tree, and removing a scratch folder with its files. */
const char	*test_srcdir(void);
int		 test_remove_tree(const char *directory);

/* Reproducible pseudo-random inputs for the fuzz loops. */
uint32_t	 test_random(uint32_t *seed);
size_t		 test_random_pieces(uint32_t *seed, char *data, size_t length,
		    const char *const *pieces, size_t piece_count,
		    size_t most, unsigned int raw_one_in);

/* Limits. */
long		 test_raise_nofile(void);
size_t		 test_stream_buffer_max(void);

/* Watchdog: ends the whole program if a test outlives it. */
void		 test_watchdog_arm(unsigned int seconds, const char *what);
void		 test_watchdog_disarm(void);

/* Lists of fds to close. */
void		 test_fd_list_init(struct test_fd_list *);
int		 test_fd_list_add(struct test_fd_list *, int fd);
int		 test_fd_list_remove(struct test_fd_list *, int fd);
void		 test_fd_list_close_all(struct test_fd_list *);

#endif /* PFORKD_TEST_UTIL_H */
