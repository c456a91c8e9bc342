/*
 * poetry_load.c: load a running poetry service with many slow readers and
 * measure it: how late each chunk comes against its schedule, and how
 * much memory the daemon spends per open connection.
 *
 *	poetry_load [-b backend] [-c connecting] [-n clients] [-p pid]...
 *	    [-B bytes] [-D delay] -f file [host:]port
 *
 * Every client connects without blocking (at most `connecting' handshakes
 * in flight, so the listen queue never overflows and no SYN is retried),
 * reads until EOF and checks each byte against the file.  The service must
 * be configured with the same bytes and delay as given here: chunk k of a
 * connection is due at the time its connect(2) was called plus k delays,
 * and its lateness is when the read that completed it returned, minus
 * that.  The p50, p99 and maximum over every chunk of every client are
 * printed.
 *
 * Memory (Linux, from /proc): the VmRSS of each -p pid and of its children
 * (a master's workers) is summed before the first connection and again
 * once every client has its first chunk; the difference over the number of
 * clients is the daemon's memory per connection, the kernel's socket
 * buffers not included.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "dispatcher.h"
#include "service.h"

#define EXIT_USAGE		2
#define PIDS_MAX		16
#define READ_CHUNK		(64 * 1024)
#define FILE_MAX		(16 * 1024 * 1024)
#define CLIENTS_MAX		1000000UL
#define DEFAULT_CLIENTS		1000
#define DEFAULT_CONNECTING	256
#define DEFAULT_BYTES		10
#define DEFAULT_DELAY_USEC	700000
#define GRACE_USEC		(60 * (uint64_t)1000000)

struct load;

/* One slow reader. */
struct client {
	struct load	*load;
	int		 fd;
	int		 connected;
	uint64_t	 started_usec;	/* when connect(2) was called */
	size_t		 received;
};

/* The whole measurement. */
struct load {
	struct dispatcher	*dispatcher;
	struct sockaddr_storage	 address;
	socklen_t		 address_length;
	char			*poem;
	size_t			 poem_length;
	unsigned int		 bytes;
	uint64_t		 delay_usec;
	struct client		*clients;
	size_t			 client_count;
	size_t			 next_client;	/* the next to connect */
	size_t			 connecting;	/* handshakes in flight */
	size_t			 connecting_max;
	size_t			 with_first_chunk;
	size_t			 finished;
	size_t			 failed;
	int64_t			*lateness;	/* usec, one per chunk */
	size_t			 lateness_count;
	size_t			 lateness_capacity;
	pid_t			 pids[PIDS_MAX];
	size_t			 pid_count;
	long			 rss_before_kb;
	long			 rss_open_kb;
	uint64_t		 started_usec;
	uint64_t		 all_connected_usec;
	struct timer		 deadline;
};

static char	read_buffer[READ_CHUNK];

/* Print the usage message and exit 2. */
static void
usage(void)
{
	(void)fprintf(stderr, "usage: poetry_load [-b backend] [-c connecting] "
	    "[-n clients] [-p pid]...\n"
	    "                   [-B bytes] [-D delay] -f file [host:]port\n");
	exit(EXIT_USAGE);
}

/* Report a failure of the measurement itself and exit 1. */
static void
fatal(const char *what)
{
	(void)fprintf(stderr, "poetry_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Read the whole file at path into load; exit 1 on failure. */
static void
read_poem(struct load *load, const char *path)
{
	ssize_t	count;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fatal(path);
	if ((load->poem = malloc(FILE_MAX)) == NULL)
		fatal("malloc");
	while ((count = read(fd, load->poem + load->poem_length,
	    FILE_MAX - load->poem_length)) > 0)
		load->poem_length += (size_t)count;
	if (count == -1)
		fatal(path);
	(void)close(fd);
	if (load->poem_length == 0) {
		(void)fprintf(stderr, "poetry_load: %s is empty\n", path);
		exit(1);
	}
}

/* Parse "[HOST:]PORT" (numeric IPv4 or [IPv6]) into load; exit 2. */
static void
parse_address(struct load *load, const char *argument)
{
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&load->address;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&load->address;
	char			 host[64] = "127.0.0.1";
	const char		*port = argument, *colon;
	unsigned int		 number;

	if ((colon = strrchr(argument, ':')) != NULL) {
		if ((size_t)(colon - argument) >= sizeof(host))
			usage();
		memcpy(host, argument, (size_t)(colon - argument));
		host[colon - argument] = '\0';
		port = colon + 1;
	}
	if (parse_count(port, 65535, &number) == -1 || number == 0)
		usage();
	memset(&load->address, 0, sizeof(load->address));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)number);
		load->address_length = sizeof(*v6);
		if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) != 1)
			usage();
		return;
	}
	v4->sin_family = AF_INET;
	v4->sin_port = htons((uint16_t)number);
	load->address_length = sizeof(*v4);
	if (inet_pton(AF_INET, host, &v4->sin_addr) != 1)
		usage();
}

/* Take one option into load; exit 2 on a bad one. */
static void
take_option(struct load *load, int option, const char **backend,
    const char **file)
{
	unsigned int	count = 0;

	switch (option) {
	case 'b':
		*backend = optarg;
		break;
	case 'B':
		if (parse_count(optarg, 65536, &load->bytes) == -1 ||
		    load->bytes == 0)
			usage();
		break;
	case 'c':
		if (parse_count(optarg, CLIENTS_MAX, &count) == -1 ||
		    count == 0)
			usage();
		load->connecting_max = count;
		break;
	case 'D':
		if (parse_seconds(optarg, 3600, &load->delay_usec) == -1)
			usage();
		break;
	case 'f':
		*file = optarg;
		break;
	case 'n':
		if (parse_count(optarg, CLIENTS_MAX, &count) == -1 ||
		    count == 0)
			usage();
		load->client_count = count;
		break;
	case 'p':
		if (load->pid_count == PIDS_MAX ||
		    parse_count(optarg, 0x7fffffffUL, &count) == -1)
			usage();
		load->pids[load->pid_count++] = (pid_t)count;
		break;
	default:
		usage();
	}
}

/* Parse the command line into load. */
static void
parse_command_line(int argc, char **argv, struct load *load,
    const char **backend)
{
	const char	*file = NULL;
	int		 option;

	load->client_count = DEFAULT_CLIENTS;
	load->connecting_max = DEFAULT_CONNECTING;
	load->bytes = DEFAULT_BYTES;
	load->delay_usec = DEFAULT_DELAY_USEC;
	while ((option = getopt(argc, argv, "b:B:c:D:f:n:p:")) != -1)
		take_option(load, option, backend, &file);
	if (file == NULL || optind != argc - 1)
		usage();
	parse_address(load, argv[optind]);
	read_poem(load, file);
}

/* The VmRSS of pid in kB, or 0 when it cannot be read. */
static long
process_rss_kb(pid_t pid)
{
	char	path[64], line[256];
	long	kb = 0;
	FILE	*status;

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((status = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	(void)fclose(status);
	return kb;
}

/* The parent of the process whose /proc entry is name, or -1. */
static long
parent_of(const char *name)
{
	char	path[300], text[512], *paren;
	long	parent = -1;
	ssize_t	count;
	int	fd;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	count = read(fd, text, sizeof(text) - 1);
	(void)close(fd);
	if (count <= 0)
		return -1;
	text[count] = '\0';
	/* The command name may hold spaces and parentheses: skip past it. */
	if ((paren = strrchr(text, ')')) == NULL ||
	    sscanf(paren + 1, " %*c %ld", &parent) != 1)
		return -1;
	return parent;
}

/* The summed VmRSS in kB of pid's children. */
static long
children_rss_kb(pid_t pid)
{
	struct dirent	*entry;
	DIR		*proc;
	long		 kb = 0;

	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while ((entry = readdir(proc)) != NULL)
		if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9' &&
		    parent_of(entry->d_name) == (long)pid)
			kb += process_rss_kb((pid_t)atol(entry->d_name));
	(void)closedir(proc);
	return kb;
}

/* The daemon's VmRSS in kB: every -p pid and its children. */
static long
daemon_rss_kb(const struct load *load)
{
	long	kb = 0;
	size_t	i;

	for (i = 0; i < load->pid_count; i++)
		kb += process_rss_kb(load->pids[i]) +
		    children_rss_kb(load->pids[i]);
	return kb;
}

/* Record how late chunk k of client came, arriving at now. */
static void
record_chunk(struct load *load, const struct client *client, size_t k,
    uint64_t now)
{
	int64_t	*bigger;
	size_t	 capacity;

	if (load->lateness_count == load->lateness_capacity) {
		capacity = load->lateness_capacity == 0 ? 65536 :
		    load->lateness_capacity * 2;
		bigger = realloc(load->lateness, capacity * sizeof(*bigger));
		if (bigger == NULL)
			fatal("realloc");
		load->lateness = bigger;
		load->lateness_capacity = capacity;
	}
	load->lateness[load->lateness_count++] = (int64_t)now -
	    (int64_t)(client->started_usec + k * load->delay_usec);
}

/* Record the chunks that bytes from..to (exclusive) completed. */
static void
record_chunks(struct load *load, const struct client *client, size_t from,
    size_t to, uint64_t now)
{
	size_t	k, end;

	for (k = from / load->bytes; ; k++) {
		end = (k + 1) * load->bytes;
		if (end > load->poem_length)
			end = load->poem_length;
		if (end > to)
			break;
		if (end > from)
			record_chunk(load, client, k, now);
		if (end == load->poem_length)
			break;
	}
}

/* Stop watching and close a client's socket. */
static void
client_close(struct load *load, struct client *client)
{
	(void)dispatcher_unwatch(load->dispatcher, client->fd);
	(void)close(client->fd);
	client->fd = -1;
	load->finished++;
}

/* A client failed: say why, once per kind of failure is enough. */
static void
client_fail(struct load *load, struct client *client, const char *why)
{
	if (load->failed++ < 10)
		(void)fprintf(stderr, "poetry_load: client %zu: %s\n",
		    (size_t)(client - load->clients), why);
	if (!client->connected)
		load->connecting--;
	client_close(load, client);
}

static void	start_clients(struct load *);

/* Read what arrived, check it against the poem, time its chunks. */
static void
client_read(struct load *load, struct client *client)
{
	uint64_t	now;
	ssize_t		count;

	count = read(client->fd, read_buffer, sizeof(read_buffer));
	if (count == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (count == -1) {
		client_fail(load, client, strerror(errno));
		return;
	}
	if (count == 0) {
		if (client->received != load->poem_length)
			client_fail(load, client, "poem cut short");
		else
			client_close(load, client);
		return;
	}
	now = dispatcher_now(load->dispatcher);
	if (client->received + (size_t)count > load->poem_length ||
	    memcmp(read_buffer, load->poem + client->received,
	    (size_t)count) != 0) {
		client_fail(load, client, "bytes differ from the file");
		return;
	}
	if (client->received == 0 && ++load->with_first_chunk ==
	    load->client_count)
		load->rss_open_kb = daemon_rss_kb(load);
	record_chunks(load, client, client->received, client->received +
	    (size_t)count, now);
	client->received += (size_t)count;
}

/* A connect finished: check SO_ERROR, then read. */
static void
client_connected(struct load *load, struct client *client)
{
	socklen_t	length = sizeof(int);
	int		error = 0;

	if (getsockopt(client->fd, SOL_SOCKET, SO_ERROR, &error, &length) ==
	    -1)
		error = errno;
	if (error != 0) {
		client_fail(load, client, strerror(error));
		return;
	}
	client->connected = 1;
	load->connecting--;
	if (dispatcher_set_events(load->dispatcher, client->fd, EVENT_READ) ==
	    -1)
		client_fail(load, client, strerror(errno));
	start_clients(load);
}

/* A client's socket is ready. */
static void
client_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct client	*client = arg;

	(void)d;
	(void)fd;
	(void)events;
	if (client->connected)
		client_read(client->load, client);
	else
		client_connected(client->load, client);
}

/* Start one client's connect without blocking. */
static void
client_start(struct load *load, struct client *client)
{
	int	flags;

	client->load = load;
	load->connecting++;
	client->started_usec = monotonic_usec();
	client->fd = socket(load->address.ss_family, SOCK_STREAM, 0);
	if (client->fd == -1)
		fatal("socket (raise the fd limit?)");
	if ((flags = fcntl(client->fd, F_GETFL)) == -1 ||
	    fcntl(client->fd, F_SETFL, flags | O_NONBLOCK) == -1)
		fatal("fcntl");
	if (connect(client->fd, (struct sockaddr *)&load->address,
	    load->address_length) == -1 && errno != EINPROGRESS) {
		client_fail(load, client, strerror(errno));
		return;
	}
	if (dispatcher_watch(load->dispatcher, client->fd, EVENT_WRITE,
	    client_ready, client) == -1)
		client_fail(load, client, strerror(errno));
}

/* Start connects until `connecting' handshakes are in flight. */
static void
start_clients(struct load *load)
{
	while (load->next_client < load->client_count &&
	    load->connecting < load->connecting_max)
		client_start(load, &load->clients[load->next_client++]);
	if (load->next_client == load->client_count &&
	    load->connecting == 0 && load->all_connected_usec == 0)
		load->all_connected_usec = monotonic_usec();
}

/* The run took far longer than the poem should: give up. */
static void
deadline_reached(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct load	*load = arg;
	size_t		 i;

	(void)d;
	(void)timer;
	for (i = 0; i < load->next_client; i++)
		if (load->clients[i].fd != -1)
			client_fail(load, &load->clients[i], "timed out");
	load->failed += load->client_count - load->next_client;
	load->finished += load->client_count - load->next_client;
	load->next_client = load->client_count;
}

/* Order two lateness samples. */
static int
compare_lateness(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sample at percentile p (0 to 100) of the sorted samples. */
static double
percentile_ms(const struct load *load, double p)
{
	size_t	index = (size_t)(p / 100.0 * (double)(load->lateness_count -
		    1) + 0.5);

	return (double)load->lateness[index] / 1000.0;
}

/* Print what was measured. */
static void
report(struct load *load)
{
	uint64_t	now = monotonic_usec();

	(void)printf("clients: %zu, %zu verified, %zu failed, in %.1f s "
	    "(all connected after %.3f s)\n", load->client_count,
	    load->client_count - load->failed, load->failed,
	    (double)(now - load->started_usec) / 1e6,
	    load->all_connected_usec == 0 ? 0.0 :
	    (double)(load->all_connected_usec - load->started_usec) / 1e6);
	if (load->lateness_count > 0) {
		qsort(load->lateness, load->lateness_count,
		    sizeof(*load->lateness), compare_lateness);
		(void)printf("lateness of %zu chunks against connect + k * "
		    "delay: p50 %.3f ms, p99 %.3f ms, max %.3f ms, min "
		    "%.3f ms\n", load->lateness_count, percentile_ms(load, 50),
		    percentile_ms(load, 99), percentile_ms(load, 100),
		    percentile_ms(load, 0));
	}
	if (load->pid_count > 0 && load->rss_open_kb > 0)
		(void)printf("daemon RSS: %ld kB before, %ld kB with %zu "
		    "connections open: %.0f bytes per connection\n",
		    load->rss_before_kb, load->rss_open_kb, load->client_count,
		    (double)(load->rss_open_kb - load->rss_before_kb) *
		    1024.0 / (double)load->client_count);
}

/* Raise the soft fd limit to the hard one. */
static void
raise_fd_limit(size_t clients)
{
	struct rlimit	limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		fatal("getrlimit");
	limit.rlim_cur = limit.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &limit);
	if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < clients + 16)
		(void)fprintf(stderr, "poetry_load: the fd limit (%llu) is "
		    "below %zu clients\n", (unsigned long long)limit.rlim_cur,
		    clients);
}

int
main(int argc, char **argv)
{
	static struct load	 load;
	const char		*backend = NULL;
	uint64_t		 expected;

	(void)signal(SIGPIPE, SIG_IGN);
	parse_command_line(argc, argv, &load, &backend);
	raise_fd_limit(load.client_count);
	if ((load.clients = calloc(load.client_count,
	    sizeof(*load.clients))) == NULL)
		fatal("calloc");
	if ((load.dispatcher = dispatcher_create(backend)) == NULL)
		fatal("dispatcher_create");
	load.rss_before_kb = daemon_rss_kb(&load);
	expected = (load.poem_length + load.bytes - 1) / load.bytes *
	    load.delay_usec;
	timer_init(&load.deadline, deadline_reached, &load);
	if (dispatcher_timer_start(load.dispatcher, &load.deadline,
	    expected * 2 + GRACE_USEC, 0) == -1)
		fatal("timer");
	load.started_usec = monotonic_usec();
	while (load.finished < load.client_count) {
		start_clients(&load);
		if (dispatcher_run_once(load.dispatcher, -1) == -1 &&
		    errno != EINTR)
			fatal("dispatcher");
	}
	report(&load);
	return load.failed == 0 ? 0 : 1;
}
