/*
 * bench_main.c: pforkd-bench's command line and its table of modes.  It
 * checks the options against the chosen mode, fills in the mode's
 * defaults, prepares the process (fd limit, SIGPIPE, the pattern) and
 * hands over to the run.
 *
 *	pforkd-bench mode [-a address] [-b backend] [-c connections] ...
 *
 * The mode may also follow the options, as the single operand.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/select.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "event/dispatcher.h"
#include "util/parse_number.h"

#define EXIT_USAGE		2
#define COMMON_OPTIONS		"abhPpt"
#define OPTION_STRING		"a:B:b:c:D:f:hn:P:p:s:t:"
#define CONNECTIONS_MAX		1000000
#define DURATION_MAX		86400.0		/* seconds */
#define DELAY_MAX		3600.0		/* seconds, as pforkd */
#define FD_SPARE		32	/* stdio, the dispatcher, popen */

/* The modes, in the order -h lists them. */
static const struct bench_mode *const modes[] = {
	&bench_echo, &bench_connect, &bench_stream, &bench_poetry,
	&bench_idle, &bench_chat, NULL
};

/* The command line before the mode's defaults are applied. */
struct command_line {
	const char	*mode_name;
	const char	*address;
	unsigned int	 port;
	char		 given[128];	/* given['c'] != 0: -c was given */
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
	    "[-n count] [-P pid]\n"
	    "                    [-p port] [-s size] [-t seconds]\n");
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
	    "  -n count        stop after count round trips (echo), "
	    "connections (connect)\n"
	    "                  or bytes echoed (stream), if before -t\n"
	    "  -P pid          the daemon's pid: report its memory (RSS, with "
	    "its children)\n"
	    "  -p port         the server's port\n"
	    "  -s size         bytes per message (echo, connect, idle) or per "
	    "write (stream)\n"
	    "  -t seconds      how long to measure (idle: to hold; poetry: at "
	    "most)\n"
	    "Output: one line \"result mode=... errors=N\" on stdout. Exit 0, "
	    "1 on errors, 2 on usage.\n");
}

/* Report a usage error and exit 2. */
static void
usage_error(const char *message, const char *argument)
{
	if (argument != NULL)
		(void)fprintf(stderr, "pforkd-bench: %s '%s'\n", message,
		    argument);
	else
		(void)fprintf(stderr, "pforkd-bench: %s\n", message);
	(void)fprintf(stderr, "pforkd-bench -h lists the modes and options\n");
	exit(EXIT_USAGE);
}

/* Parse a count from minimum to maximum; exit 2 with message if bad. */
static unsigned int
count_argument(const char *text, unsigned long minimum,
    unsigned long maximum, const char *message)
{
	unsigned int	count;

	if (parse_count(text, maximum, &count) == -1 || count < minimum)
		usage_error(message, text);
	return count;
}

/* Parse a positive 64-bit count; exit 2 if bad. */
static unsigned long long
large_count_argument(const char *text, const char *message)
{
	unsigned long long	 count;
	char			*end;

	if (text[0] < '0' || text[0] > '9')
		usage_error(message, text);
	errno = 0;
	count = strtoull(text, &end, 10);
	if (*end != '\0' || errno != 0 || count == 0)
		usage_error(message, text);
	return count;
}

/* Parse seconds from above 0 (or from 0) to maximum; exit 2 if bad. */
static uint64_t
seconds_argument(const char *text, double maximum, int zero_allowed,
    const char *message)
{
	uint64_t	usec;

	if (parse_seconds(text, maximum, &usec) == -1 ||
	    (usec == 0 && !zero_allowed))
		usage_error(message, text);
	return usec;
}

/* Take one option into options and line; exit 2 on a bad one. */
static void
take_option(int option, struct bench_options *options,
    struct command_line *line)
{
	switch (option) {
	case 'a':
		line->address = optarg;
		break;
	case 'B':
		options->chunk_bytes = count_argument(optarg, 1, 65536,
		    "-B takes bytes per chunk from 1 to 65536, not");
		break;
	case 'b':
		if (dispatcher_find_backend(optarg) == NULL)
			usage_error("unknown backend (see -h):", optarg);
		options->backend = optarg;
		break;
	case 'c':
		options->connections = count_argument(optarg, 1,
		    CONNECTIONS_MAX, "-c takes connections from 1 to "
		    "1000000, not");
		break;
	case 'D':
		options->delay_usec = seconds_argument(optarg, DELAY_MAX, 1,
		    "-D takes seconds from 0 to 3600, not");
		break;
	case 'f':
		options->poem_path = optarg;
		break;
	case 'n':
		options->count_limit = large_count_argument(optarg,
		    "-n takes a positive count, not");
		break;
	case 'P':
		options->daemon_pid = (pid_t)count_argument(optarg, 1, INT_MAX,
		    "-P takes a process ID, not");
		break;
	case 'p':
		line->port = count_argument(optarg, 1, 65535,
		    "-p takes a port from 1 to 65535, not");
		break;
	case 's':
		options->size = count_argument(optarg, 1, BENCH_SIZE_MAX,
		    "-s takes bytes from 1 to 65536, not");
		break;
	case 't':
		options->duration_usec = seconds_argument(optarg, DURATION_MAX,
		    0, "-t takes seconds, above 0 and up to 86400, not");
		break;
	default:
		usage(stderr);
		exit(EXIT_USAGE);
	}
	line->given[option] = 1;
}

/* Find a mode by name; exit 2 if there is none. */
static const struct bench_mode *
find_mode(const char *name)
{
	const struct bench_mode	*const *mode;

	for (mode = modes; *mode != NULL; mode++)
		if (strcmp((*mode)->name, name) == 0)
			return *mode;
	usage_error("unknown mode (see -h):", name);
	return NULL;
}

/* Refuse options the mode has no use for; exit 2. */
static void
check_options_apply(const struct bench_mode *mode,
    const struct command_line *line)
{
	char		 flag[3] = "-";
	const char	*letter;

	for (letter = OPTION_STRING; *letter != '\0'; letter++) {
		if (*letter == ':' || !line->given[(unsigned char)*letter] ||
		    strchr(COMMON_OPTIONS, *letter) != NULL ||
		    strchr(mode->options, *letter) != NULL)
			continue;
		flag[1] = *letter;
		(void)fprintf(stderr, "pforkd-bench: %s does not apply to "
		    "mode %s\n", flag, mode->name);
		exit(EXIT_USAGE);
	}
}

/* Fill in what the command line left to the mode's defaults. */
static void
apply_defaults(struct bench_options *options, struct command_line *line)
{
	const struct bench_mode	*mode = options->mode;

	if (line->port == 0)
		line->port = mode->default_port;
	if (options->connections == 0)
		options->connections = mode->default_connections;
	if (options->size == 0)
		options->size = mode->default_size;
	if (options->duration_usec == 0)
		options->duration_usec = mode->default_duration_usec;
	if (!line->given['B'])
		options->chunk_bytes = 10;
	if (!line->given['D'])
		options->delay_usec = 700000;
}

/* Check what only the whole command line can tell; exit 2. */
static void
check_run(const struct bench_options *options)
{
	struct daemon_usage	 usage;
	const char		*backend = options->backend;
	int			 limit;

	if (strcmp(options->mode->name, "poetry") == 0 &&
	    options->poem_path == NULL)
		usage_error("poetry needs -f, the poem the service sends",
		    NULL);
	if (backend == NULL)
		backend = backend_ops_name(dispatcher_backends()[0]);
	limit = backend_ops_fd_limit(dispatcher_find_backend(backend));
	if (limit != 0 && options->connections + FD_SPARE > (unsigned)limit) {
		(void)fprintf(stderr, "pforkd-bench: %s cannot watch fds past "
		    "%d: use at most %d connections or another backend\n",
		    backend, limit, limit - FD_SPARE);
		exit(EXIT_USAGE);
	}
	if (options->daemon_pid != 0 && daemon_usage(options->daemon_pid,
	    &usage) == -1) {
		(void)fprintf(stderr, "pforkd-bench: cannot read the memory of "
		    "process %ld (-P): no such process, or no /proc and no "
		    "ps\n", (long)options->daemon_pid);
		exit(EXIT_USAGE);
	}
}

/* Parse the command line into options; exit 2 on a usage error. */
static void
parse_command_line(int argc, char **argv, struct bench_options *options)
{
	struct command_line	line;
	char			error[160];
	int			option;

	memset(&line, 0, sizeof(line));
	line.address = "127.0.0.1";
	if (argc > 1 && argv[1][0] != '-') {
		/* The mode first: drop it and let getopt see the rest. */
		line.mode_name = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((option = getopt(argc, argv, OPTION_STRING)) != -1) {
		if (option == 'h') {
			usage(stdout);
			exit(0);
		}
		take_option(option, options, &line);
	}
	if (line.mode_name == NULL && optind < argc)
		line.mode_name = argv[optind++];
	if (line.mode_name == NULL)
		usage_error("which mode? (see -h)", NULL);
	if (optind != argc)
		usage_error("unexpected argument", argv[optind]);
	options->mode = find_mode(line.mode_name);
	check_options_apply(options->mode, &line);
	apply_defaults(options, &line);
	if (bench_target_parse(&options->target, line.address, line.port,
	    error, sizeof(error)) == -1)
		usage_error(error, NULL);
	check_run(options);
}

int
main(int argc, char **argv)
{
	static struct bench_options	options;

	(void)signal(SIGPIPE, SIG_IGN);
	parse_command_line(argc, argv, &options);
	bench_raise_fd_limit((size_t)options.connections + FD_SPARE);
	pattern_init();
	return bench_run(&options);
}
