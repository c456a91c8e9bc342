/*
 * bench_main.c: pforkd-bench's command line and its table of modes.  It
 * checks the options against the chosen mode, fills in the mode's
 * defaults, prepares the process (fd limit, SIGPIPE, the pattern) and
 * hands over to the run.
 *
 *	pforkd-bench mode [-a address] [-b backend] [-c connections] ...
 *
 * The mode may also follow the options, as the single operand.  The
 * options that take a value are an option table (util/option_table.h),
 * which checks each against its range.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "compat/compat.h"
#include "event/dispatcher.h"
#include "util/option_table.h"

#define EXIT_USAGE		2
#define COMMON_OPTIONS		"abhLPpqt"
#define OPTION_STRING		"a:B:b:c:D:f:hL:n:P:p:q:s:t:"
#define FD_SPARE		32	/* stdio, the dispatcher, popen */
#define OPTION(member)		OPTION_FIELD(struct bench_options, member)

static option_setter	store_limit;

/* The modes, in the order -h lists them. */
static const struct bench_mode *const modes[] = {
	&bench_echo, &bench_connect, &bench_stream, &bench_poetry,
	&bench_idle, &bench_chat, NULL
};

/* The options that take a value, named as typed, and their ranges. */
static const struct option_keyword option_keywords[] = {
	{ .name = "-a", .type = OPTION_TEXT, OPTION(address), .low = 1 },
	{ .name = "-B", .type = OPTION_COUNT, OPTION(chunk_bytes), .low = 1,
	    .high = 65536, .initial = 10 },
	{ .name = "-b", .type = OPTION_TEXT, OPTION(backend), .low = 1 },
	{ .name = "-c", .type = OPTION_COUNT, OPTION(connections), .low = 1,
	    .high = 1000000 },
	{ .name = "-D", .type = OPTION_SECONDS, OPTION(delay_usec),
	    .high = 3600, .initial = 700000 },
	{ .name = "-f", .type = OPTION_TEXT, OPTION(poem_path), .low = 1 },
	{ .name = "-L", .type = OPTION_TEXT, OPTION(log_path), .low = 1 },
	{ .name = "-n", .type = OPTION_CUSTOM, OPTION(count_limit),
	    .set = store_limit },
	{ .name = "-P", .type = OPTION_COUNT, OPTION(daemon_pid), .low = 1,
	    .high = INT_MAX },
	{ .name = "-p", .type = OPTION_COUNT, OPTION(port), .low = 1,
	    .high = 65535 },
	{ .name = "-q", .type = OPTION_COUNT, OPTION(second_port), .low = 1,
	    .high = 65535 },
	{ .name = "-s", .type = OPTION_COUNT, OPTION(size), .low = 1,
	    .high = BENCH_SIZE_MAX },
	{ .name = "-t", .type = OPTION_SECONDS_ABOVE_ZERO,
	    OPTION(duration_usec), .high = 86400 },
	{ .name = NULL }
};

static const struct option_table option_table = {
	option_keywords, sizeof(struct bench_options), 0
};

/* Print the modes with their defaults. */
static void
print_modes(FILE *stream)
{
	const struct bench_mode	*const *next, *mode;

	for (next = modes; (mode = *next) != NULL; next++) {
		(void)fprintf(stream, "  %-8s %s\n           (port %u, -c %u",
		    mode->name, mode->summary, mode->default_port,
		    mode->default_connections);
		if (mode->default_size != 0)
			(void)fprintf(stream, ", -s %u", mode->default_size);
		if (mode->default_duration_usec != 0)
			(void)fprintf(stream, ", -t %.0f",
			    (double)mode->default_duration_usec / 1e6);
		else
			(void)fprintf(stream, ", -t: until the poem ends");
		(void)fprintf(stream, ")\n");
	}
}

/*
 * Print the synopsis to stream: on stdout (-h) the modes and options
 * follow, on stderr (a usage error) only a pointer to -h.
 */
static void
usage(FILE *stream)
{
	(void)fprintf(stream,
	    "usage: pforkd-bench mode [-h] [-a address] [-B bytes] "
	    "[-b backend]\n"
	    "                    [-c connections] [-D delay] [-f file] "
	    "[-L log] [-n count]\n"
	    "                    [-P pid] [-p port] [-q port] [-s size] "
	    "[-t seconds]\n");
	if (stream != stdout) {
		(void)fprintf(stream,
		    "pforkd-bench -h lists the modes and options\n");
		return;
	}
	(void)fprintf(stream, "modes:\n");
	print_modes(stream);
	(void)fprintf(stream, "options:\n"
	    "  -a address      loopback address of the server: 127.0.0.1 "
	    "(default) or ::1\n"
	    "  -B bytes        poetry: bytes per chunk the service sends "
	    "(default 10)\n"
	    "  -b backend      the client's event backend, one of:");
	(void)fprintf(stream, " %s", dispatcher_backend_names());
	(void)fprintf(stream, "\n"
	    "  -c connections  concurrent connections or clients\n"
	    "  -D delay        poetry: seconds between chunks (default 0.7)\n"
	    "  -f file         poetry: the poem the service sends, to check "
	    "against\n"
	    "  -h              print this help and exit\n"
	    "  -L log          the daemon's -v log: report each worker's "
	    "share of the\n"
	    "                  connections (with -P, its children are the "
	    "workers)\n"
	    "  -n count        stop after count round trips (echo), "
	    "connections (connect)\n"
	    "                  or bytes echoed (stream), if before -t; "
	    "chat: messages to post\n"
	    "  -P pid          the daemon's pid: report its memory (RSS, with "
	    "its children)\n"
	    "  -p port         the server's port\n"
	    "  -q port         chat: a second server's port (another host "
	    "on the same Redis\n"
	    "                  stream): odd connections go there, even ones "
	    "to -p\n"
	    "  -s size         bytes per message (echo, connect, idle) or per "
	    "write (stream)\n"
	    "  -t seconds      how long to measure (idle: to hold; poetry: at "
	    "most)\n"
	    "Output: one line \"result mode=... errors=N\" on stdout. Exit 0, "
	    "1 on errors, 2 on usage.\n");
}

/* Report a usage error and exit 2. */
static void
usage_error(const char *format, ...)
{
	va_list	arguments;

	va_start(arguments, format);
	(void)fprintf(stderr, "pforkd-bench: ");
	(void)vfprintf(stderr, format, arguments);
	(void)fprintf(stderr, "\npforkd-bench -h lists the modes and "
	    "options\n");
	va_end(arguments);
	exit(EXIT_USAGE);
}

/* -n: a positive count of up to 64 bits; 0, or -1 with a message. */
static int
store_limit(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	unsigned long long	*limit = option_field(base, keyword);
	char			*end;

	errno = 0;
	if (value[0] >= '0' && value[0] <= '9' &&
	    (*limit = strtoull(value, &end, 10)) != 0 && *end == '\0' &&
	    errno == 0)
		return 0;
	(void)snprintf(error, error_size, "%s: '%s' is not a positive count",
	    keyword->name, value);
	return -1;
}

/* Find a mode by name; exit 2 if there is none. */
static const struct bench_mode *
find_mode(const char *name)
{
	const struct bench_mode	*const *mode;

	for (mode = modes; *mode != NULL; mode++)
		if (strcmp((*mode)->name, name) == 0)
			return *mode;
	usage_error("unknown mode (see -h): '%s'", name);
	return NULL;
}

/* Refuse options the mode has no use for; exit 2. */
static void
check_options_apply(const struct bench_mode *mode, const char *given)
{
	const char	*letter;

	for (letter = OPTION_STRING; *letter != '\0'; letter++)
		if (*letter != ':' && given[(unsigned char)*letter] &&
		    strchr(COMMON_OPTIONS, *letter) == NULL &&
		    strchr(mode->options, *letter) == NULL)
			usage_error("-%c does not apply to mode %s", *letter,
			    mode->name);
}

/* Fill in what the command line left to the mode's defaults. */
static void
apply_defaults(struct bench_options *options)
{
	const struct bench_mode	*mode = options->mode;

	if (options->address[0] == '\0')
		(void)strlcpy(options->address, "127.0.0.1",
		    sizeof(options->address));
	if (options->port == 0)
		options->port = mode->default_port;
	if (options->connections == 0)
		options->connections = mode->default_connections;
	if (options->size == 0)
		options->size = mode->default_size;
	if (options->duration_usec == 0)
		options->duration_usec = mode->default_duration_usec;
}

/*
 * Fill in the target from -a and -p: a numeric address ("127.0.0.1",
 * "::1" or "[::1]"), and a loopback one, or exit 2.  pforkd-bench is a
 * load generator: pointed at another machine it would be a flood.
 */
static void
parse_target(struct bench_target *target, const char *address,
    unsigned int port)
{
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&target->address;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&target->address;
	const char		*start = address;
	char			 host[64] = "";
	size_t			 length = strlen(address);
	int			 loopback = 0;

	if (length > 2 && address[0] == '[' && address[length - 1] == ']') {
		start++;
		length -= 2;
	}
	if (length < sizeof(host))
		(void)snprintf(host, sizeof(host), "%.*s", (int)length, start);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		target->address_length = sizeof(*v4);
		loopback = ntohl(v4->sin_addr.s_addr) >> 24 == 127;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		target->address_length = sizeof(*v6);
		loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
	} else
		usage_error("-a takes a numeric loopback address (127.0.0.1 "
		    "or ::1), not '%s'", address);
	if (!loopback)
		usage_error("refusing to load '%s': only loopback addresses "
		    "(127.0.0.0/8, ::1) are allowed", address);
	(void)snprintf(target->text, sizeof(target->text), v4->sin_family ==
	    AF_INET ? "%s:%u" : "[%s]:%u", host, port);
}

/* Check what only the whole command line can tell; exit 2. */
static void
check_run(struct bench_options *options)
{
	struct daemon_usage	 usage;
	const char		*backend = options->backend;
	int			 limit;

	if (strcmp(options->mode->name, "poetry") == 0 &&
	    options->poem_path[0] == '\0')
		usage_error("poetry needs -f, the poem the service sends");
	if (backend[0] == '\0')
		(void)strlcpy(options->backend, backend_ops_name(
		    dispatcher_backends()[0]), sizeof(options->backend));
	else if (dispatcher_find_backend(backend) == NULL)
		usage_error("unknown backend (see -h): '%s'", backend);
	limit = backend_ops_fd_limit(dispatcher_find_backend(backend));
	if (limit != 0 && options->connections + FD_SPARE > (unsigned)limit)
		usage_error("%s cannot watch fds past %d: use at most %d "
		    "connections or another backend", backend, limit,
		    limit - FD_SPARE);
	if (options->daemon_pid != 0 && daemon_usage((pid_t)
	    options->daemon_pid, &usage) == -1)
		usage_error("cannot read the memory of process %u (-P): no "
		    "such process, or no /proc and no ps",
		    options->daemon_pid);
}

/* Parse the command line into options; exit 2 on a usage error. */
static void
parse_command_line(int argc, char **argv, struct bench_options *options)
{
	const char	*mode_name = NULL;
	char		 given[128], name[3] = "-", error[160];
	int		 option;

	memset(given, 0, sizeof(given));
	option_table_defaults(&option_table, options);
	if (argc > 1 && argv[1][0] != '-') {
		/* The mode first: drop it and let getopt see the rest. */
		mode_name = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((option = getopt(argc, argv, OPTION_STRING)) != -1) {
		if (option == 'h') {
			usage(stdout);
			exit(0);
		}
		name[1] = (char)option;
		switch (option_table_set(&option_table, options, name, optarg,
		    error, sizeof(error))) {
		case 0:
			usage(stderr);
			exit(EXIT_USAGE);
		case -1:
			usage_error("%s", error);
		}
		given[(unsigned char)option] = 1;
	}
	if (mode_name == NULL && optind < argc)
		mode_name = argv[optind++];
	if (mode_name == NULL)
		usage_error("which mode? (see -h)");
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	options->mode = find_mode(mode_name);
	check_options_apply(options->mode, given);
	apply_defaults(options);
	parse_target(&options->target, options->address, options->port);
	if (options->second_port != 0)
		parse_target(&options->second_target, options->address,
		    options->second_port);
	check_run(options);
}

/* Raise the soft fd limit to the hard one; warn when below wanted. */
static void
raise_fd_limit(size_t wanted)
{
	struct rlimit	limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		return;
	if (limit.rlim_cur != limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &limit) == -1)
			(void)getrlimit(RLIMIT_NOFILE, &limit);
	}
	if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted)
		(void)fprintf(stderr, "pforkd-bench: the fd limit (%llu) is "
		    "below the %zu this run needs; raise ulimit -Hn\n",
		    (unsigned long long)limit.rlim_cur, wanted);
}

int
main(int argc, char **argv)
{
	static struct bench_options	options;

	(void)signal(SIGPIPE, SIG_IGN);
	parse_command_line(argc, argv, &options);
	raise_fd_limit((size_t)options.connections + FD_SPARE);
	pattern_init();
	return bench_run(&options);
}
