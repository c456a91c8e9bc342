/*
 * test_util.c: helpers shared by pforkd's test programs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"
#include "util/array.h"
#include "util/descriptor.h"

#define NOFILE_UNLIMITED_TARGET	65536	/* what "no hard limit" is raised to */
#define FILL_CHUNK		65536

static char	watchdog_message[512];
static size_t	watchdog_message_length;

/* Sleep for usec microseconds, resuming after signals. */
void
test_sleep_usec(uint64_t usec)
{
	struct timespec	request, remaining;

	request.tv_sec = (time_t)(usec / 1000000);
	request.tv_nsec = (long)(usec % 1000000) * 1000;
	while (nanosleep(&request, &remaining) == -1 && errno == EINTR)
		request = remaining;
}

/* Sleep until the monotonic clock has passed usec. */
void
test_sleep_until_after(uint64_t usec)
{
	uint64_t	now;

	while ((now = monotonic_usec()) <= usec)
		test_sleep_usec(usec - now + 1);
}

/* Close fd keeping errno; returns -1 for the caller to pass on. */
static int
close_failed(int fd)
{
	int	saved_errno = errno;

	(void)close(fd);
	errno = saved_errno;
	return -1;
}

/* Make both fds of a fresh pair non-blocking and close-on-exec. */
static int
prepare_pair(int fds[2])
{
	if (descriptor_set_nonblocking(fds[0]) == 0 &&
	    descriptor_set_nonblocking(fds[1]) == 0 &&
	    descriptor_set_cloexec(fds[0]) == 0 &&
	    descriptor_set_cloexec(fds[1]) == 0)
		return 0;
	(void)close_failed(fds[0]);
	return close_failed(fds[1]);
}

/* A pipe: fds[0] reads, fds[1] writes. */
int
test_pipe(int fds[2])
{
	if (pipe(fds) == -1)
		return -1;
	return prepare_pair(fds);
}

/* A connected AF_UNIX stream socket pair. */
int
test_socketpair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return -1;
	return prepare_pair(fds);
}

/* A blocking listening socket on 127.0.0.1, any port; *port gets it. */
static int
tcp_listen(uint16_t *port)
{
	struct sockaddr_in	sin;
	socklen_t		length = sizeof(sin);
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &length) == -1)
		return close_failed(fd);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A connected TCP loopback pair: fds[0] connected, fds[1] accepted. */
int
test_tcp_pair(int fds[2])
{
	uint16_t	port;
	int		listener;

	if ((listener = tcp_listen(&port)) == -1)
		return -1;
	if ((fds[0] = harness_connect("127.0.0.1", port)) == -1)
		return close_failed(listener);
	while ((fds[1] = accept(listener, NULL, NULL)) == -1) {
		if (errno != EINTR) {
			(void)close_failed(fds[0]);
			return close_failed(listener);
		}
	}
	(void)close(listener);
	return prepare_pair(fds);
}

/* Write one byte; 0 or -1 with errno. */
int
test_send_byte(int fd)
{
	ssize_t	written;

	while ((written = write(fd, "x", 1)) == -1 && errno == EINTR)
		continue;
	return written == 1 ? 0 : -1;
}

/* Write into a non-blocking fd until it would block; returns bytes written. */
size_t
test_fill(int fd)
{
	static const char	zeros[FILL_CHUNK];
	size_t			total = 0, chunk = sizeof(zeros);
	ssize_t			written;

	while (chunk > 0) {
		written = write(fd, zeros, chunk);
		if (written > 0)
			total += (size_t)written;
		else if (written == -1 && errno == EINTR)
			continue;
		else
			chunk /= 2;	/* top up the last bytes of space */
	}
	return total;
}

/* Read from a non-blocking fd until it would block or ends; returns bytes. */
size_t
test_drain(int fd)
{
	char	buffer[FILL_CHUNK];
	size_t	total = 0;
	ssize_t	got;

	for (;;) {
		got = read(fd, buffer, sizeof(buffer));
		if (got > 0)
			total += (size_t)got;
		else if (got == -1 && errno == EINTR)
			continue;
		else
			return total;
	}
}

/* The third figure of a Linux tcp_rmem/tcp_wmem file, or 0. */
static size_t
read_buffer_limit(const char *path)
{
	FILE		*file;
	unsigned long	 low, initial, high;
	int		 fields;

	if ((file = fopen(path, "r")) == NULL)
		return 0;
	fields = fscanf(file, "%lu %lu %lu", &low, &initial, &high);
	(void)fclose(file);
	return fields == 3 ? (size_t)high : 0;
}

/*
 * The most one loopback TCP connection can hold in kernel buffers on the
 * way from one end to the other: the sender's send buffer and the
 * receiver's receive buffer, each at its autotuning maximum.  Linux tells
 * it in /proc (some machines allow 32 MiB of receive buffer); elsewhere
 * assume 16 MiB, more than the BSDs' defaults.
 */
size_t
test_stream_buffer_max(void)
{
	size_t	receive, send;

	receive = read_buffer_limit("/proc/sys/net/ipv4/tcp_rmem");
	send = read_buffer_limit("/proc/sys/net/ipv4/tcp_wmem");
	if (receive == 0 || send == 0)
		return 16 * 1024 * 1024;
	return receive + send;
}

/* The local port of a socket (IPv4 or IPv6), or -1. */
int
test_local_port(int fd)
{
	struct sockaddr_storage	address;
	socklen_t		length = sizeof(address);

	if (getsockname(fd, (struct sockaddr *)&address, &length) == -1)
		return -1;
	if (address.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
	return ntohs(((struct sockaddr_in *)&address)->sin_port);
}

/* Raise the soft fd limit as far as allowed; returns it, or -1. */
long
test_raise_nofile(void)
{
	struct rlimit	limit;
	rlim_t		target;

	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		return -1;
	target = limit.rlim_max;
	if (target == RLIM_INFINITY || target > (rlim_t)INT_MAX)
		target = NOFILE_UNLIMITED_TARGET;
	/* Some systems refuse more than a kernel-wide cap: back off. */
	while (target > limit.rlim_cur) {
		limit.rlim_cur = target;
		if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
			break;
		if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
			return -1;
		target /= 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		return -1;
	if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > LONG_MAX)
		return LONG_MAX;
	return (long)limit.rlim_cur;
}

/*
 * SIGALRM handler: report the hung test, stop what the harness started
 * for it (by pid), and end the program.
 */
static void
watchdog_fired(int signal_number)
{
	(void)signal_number;
	(void)write(STDOUT_FILENO, watchdog_message, watchdog_message_length);
	(void)write(STDERR_FILENO, watchdog_message, watchdog_message_length);
	(void)harness_stop_spawned(1000);
	_exit(1);
}

/* End the program with a TAP "Bail out!" unless disarmed within seconds. */
void
test_watchdog_arm(unsigned int seconds, const char *what)
{
	struct sigaction	action;
	int			length;

	length = snprintf(watchdog_message, sizeof(watchdog_message),
	    "Bail out! watchdog: %s still running after %u s\n", what,
	    seconds);
	if (length < 0)
		length = 0;
	if ((size_t)length >= sizeof(watchdog_message))
		length = (int)sizeof(watchdog_message) - 1;
	watchdog_message_length = (size_t)length;
	memset(&action, 0, sizeof(action));
	action.sa_handler = watchdog_fired;
	(void)sigemptyset(&action.sa_mask);
	(void)sigaction(SIGALRM, &action, NULL);
	(void)alarm(seconds);
}

/* Cancel the watchdog. */
void
test_watchdog_disarm(void)
{
	(void)alarm(0);
}

/* Start an empty list. */
void
test_fd_list_init(struct test_fd_list *list)
{
	list->fds = NULL;
	list->count = 0;
	list->capacity = 0;
}

/* Remember fd; 0 or -1 with errno ENOMEM. */
int
test_fd_list_add(struct test_fd_list *list, int fd)
{
	int	*fds;

	fds = array_grow(list->fds, &list->capacity, list->count + 1,
	    sizeof(*fds), 16, SIZE_MAX / sizeof(*fds));
	if (fds == NULL)
		return -1;
	list->fds = fds;
	list->fds[list->count++] = fd;
	return 0;
}

/* Forget fd without closing it; -1 with errno ENOENT if not listed. */
int
test_fd_list_remove(struct test_fd_list *list, int fd)
{
	size_t	i;

	for (i = list->count; i > 0; i--) {
		if (list->fds[i - 1] == fd) {
			list->fds[i - 1] = list->fds[--list->count];
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

/* Close every listed fd and empty the list. */
void
test_fd_list_close_all(struct test_fd_list *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		(void)close(list->fds[i]);
	free(list->fds);
	test_fd_list_init(list);
}

/* The top of the source tree: $top_srcdir, else ".". */
const char *
test_srcdir(void)
{
	const char	*top = getenv("top_srcdir");

	return top != NULL && top[0] != '\0' ? top : ".";
}

/* nftw callback: remove one entry, children first. */
static int
remove_entry(const char *path, const struct stat *status, int type,
    struct FTW *where)
{
	(void)status;
	(void)where;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) == -1 ? -1 : 0;
}

/* Remove directory and everything in it; 0 or -1. */
int
test_remove_tree(const char *directory)
{
	return nftw(directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A small fixed-seed generator (xorshift32): every run tries the same. */
uint32_t
test_random(uint32_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

/*
 * Append up to most random choices to data at length: one raw byte in
 * raw_one_in of them, otherwise one of the pieces; the new length.
 */
size_t
test_random_pieces(uint32_t *seed, char *data, size_t length,
    const char *const *pieces, size_t piece_count, size_t most,
    unsigned int raw_one_in)
{
	const char	*piece;
	size_t		 count;

	for (count = test_random(seed) % (most + 1); count > 0; count--) {
		if (test_random(seed) % raw_one_in == 0) {
			data[length++] = (char)(test_random(seed) & 0xff);
			continue;
		}
		piece = pieces[test_random(seed) % piece_count];
		memcpy(data + length, piece, strlen(piece));
		length += strlen(piece);
	}
	return length;
}
