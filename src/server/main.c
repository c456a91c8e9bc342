/*
 * main.c: pforkd's command line and start-up order: build and check the
 * configuration, bind every listener, detach (reporting failures back to
 * the shell), write the pid file, then hand over to the master.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/protocol.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "protocols/protocol_table.h"
#include "server/configuration.h"
#include "server/detach.h"
#include "server/inetd_mode.h"
#include "server/listener_set.h"
#include "server/master.h"
#include "server/pid_file.h"
#include "server/service_manager.h"
#include "server/settings.h"
#include "server/socket_activation.h"
#include "util/descriptor.h"
#include "util/log.h"
#include "util/path.h"

#define EXIT_USAGE	2

/* The manual's SYNOPSIS, for a usage error and for -h. */
#define SYNOPSIS \
	"usage: pforkd [-dhnVv] [-b backend] [-f file] [-I inetd.conf] " \
	"[-L log]\n" \
	"              [-l listen] [-p pidfile] [-u user[:group]] " \
	"[-w workers]\n" \
	"       pforkd -i service[,key=value...] [-dv] [-b backend] [-L log]\n"

/* Print the synopsis and a pointer to -h on stderr; exit 2. */
static void
usage(void)
{
	(void)fputs(SYNOPSIS, stderr);
	(void)fputs("pforkd -h describes the options\n", stderr);
	exit(EXIT_USAGE);
}

/* Print the synopsis and every option on stdout, for -h. */
static void
help(void)
{
	(void)fputs(SYNOPSIS, stdout);
	(void)printf("  -b backend  event backend, one of:");
	(void)printf(" %s", dispatcher_backend_names());
	(void)printf(" (default: the first)\n"
	    "  -d          stay in the foreground and log to stderr\n"
	    "  -f file     read the configuration file (see pforkd.conf(5))\n"
	    "  -h          print this help and exit\n"
	    "  -I file     read the services of an inetd.conf (repeatable;\n"
	    "              lines it cannot serve are reported and skipped)\n"
	    "  -i service  serve the one connection on the standard input\n"
	    "              (inetd mode), SERVICE[,key=value]..., then exit\n"
	    "  -L log      log to stderr, syslog[:facility] or file:PATH\n"
	    "  -l listen   serve SERVICE@[ADDRESS]:PORT[,key=value]...\n"
	    "              (repeatable; services: %s)\n"
	    "  -n          check the configuration and exit\n"
	    "  -p pidfile  write the master's pid to pidfile, locked\n"
	    "  -u user     run the workers as user[:group]\n"
	    "  -V          print the version and the compiled backends\n"
	    "  -v          more verbose (-v: one line per connection, "
	    "-vv: debug)\n"
	    "  -w workers  number of worker processes (default: online CPUs)\n"
	    "Without -f, -I or -l: the bundled defaults on 127.0.0.1 (echo "
	    "7007,\ndiscard 7009, daytime 7013, chargen 7019, time 7037, "
	    "poetry 10000-10002,\nchat 8888).\n",
	    protocol_names());
}

/* Print the version and the backends compiled in, best first. */
static void
print_version(void)
{
	(void)printf("pforkd %s\nbackends:", PACKAGE_VERSION);
	(void)printf(" %s", dispatcher_backend_names());
	(void)printf("\n");
}

/* Exit with a usage error about an option's argument. */
static void
bad_argument(const char *message, const char *argument)
{
	(void)fprintf(stderr, "pforkd: %s '%s'\n", message, argument);
	exit(EXIT_USAGE);
}

/* Record one option; returns 1 when the caller should check the config. */
static int
take_option(int option, struct settings *settings)
{
	unsigned long	 workers;
	char		*end;

	switch (option) {
	case 'b':
		if (dispatcher_find_backend(optarg) == NULL)
			bad_argument("unknown backend (see pforkd -V):", optarg);
		settings->backend = optarg;
		break;
	case 'd':
		settings->foreground = 1;
		break;
	case 'f':
		if (path_resolve(optarg, settings->file_path,
		    sizeof(settings->file_path)) == -1)
			bad_argument("-f: too long a path:", optarg);
		settings->file = settings->file_path;
		break;
	case 'I':
		if (settings->inetd_conf_count == SETTINGS_INETD_MAX)
			bad_argument("too many -I options at", optarg);
		if (path_resolve(optarg, settings->inetd_conf[
		    settings->inetd_conf_count],
		    sizeof(settings->inetd_conf[0])) == -1)
			bad_argument("-I: too long a path:", optarg);
		settings->inetd_conf_count++;
		break;
	case 'i':
		settings->inetd = optarg;
		break;
	case 'L':
		if (!log_target_valid(optarg))
			bad_argument("-L takes stderr, syslog[:facility] or "
			    "file:PATH, not", optarg);
		if (log_target_resolve(optarg, settings->log_path,
		    sizeof(settings->log_path)) == -1)
			bad_argument("-L: too long a path:", optarg);
		settings->log_target = settings->log_path;
		break;
	case 'l':
		if (settings->listen_count == SETTINGS_LISTENS_MAX)
			bad_argument("too many -l options at", optarg);
		settings->listens[settings->listen_count++] = optarg;
		break;
	case 'n':
		return 1;
	case 'p':
		if (path_resolve(optarg, settings->pid_path,
		    sizeof(settings->pid_path)) == -1)
			bad_argument("-p: too long a path:", optarg);
		settings->pid_file = settings->pid_path;
		break;
	case 'u':
		settings->user = optarg;
		break;
	case 'v':
		settings->verbosity++;
		break;
	case 'w':
		errno = 0;
		workers = strtoul(optarg, &end, 10);
		if (*end != '\0' || errno != 0 || workers < 1 ||
		    workers > CONFIGURATION_WORKERS_MAX)
			bad_argument("-w takes a number of workers from 1 to "
			    "64, not", optarg);
		settings->workers = (unsigned int)workers;
		break;
	default:
		usage();
	}
	return 0;
}

/* Parse the command line; sets *check_only for -n. */
static void
parse_command_line(int argc, char **argv, struct settings *settings,
    int *check_only)
{
	int	option;

	while ((option = getopt(argc, argv, "b:df:hI:i:L:l:np:u:Vvw:")) != -1) {
		if (option == 'h') {
			help();
			exit(0);
		}
		if (option == 'V') {
			print_version();
			exit(0);
		}
		if (take_option(option, settings))
			*check_only = 1;
	}
	if (optind != argc) {
		(void)fprintf(stderr, "pforkd: unexpected argument '%s'\n",
		    argv[optind]);
		usage();
	}
	if (settings->inetd != NULL && (settings->file != NULL ||
	    settings->listen_count > 0 || settings->pid_file != NULL ||
	    settings->workers != 0 || settings->user != NULL ||
	    settings->inetd_conf_count > 0)) {
		(void)fprintf(stderr, "pforkd: -i takes none of -f, -I, -l, "
		    "-p, -u and -w\n");
		usage();
	}
}

/* Open the log: -L or the file's "log", else stderr with -d, else syslog. */
static void
open_log(const struct settings *settings,
    const struct configuration *configuration)
{
	const char	*target = configuration->log_target;

	if (target[0] == '\0')
		target = settings->foreground ? "stderr" : "syslog";
	if (log_open(target, settings->verbosity) == -1) {
		(void)fprintf(stderr, "pforkd: cannot open log %s: %s\n",
		    target, descriptor_open_error(errno));
		exit(1);
	}
}

/*
 * Take the sockets a service manager passed (LISTEN_FDS from fd 3, when
 * LISTEN_PID is this process), then close whatever else whoever started
 * pforkd left open, before anything of ours is opened, so that no worker
 * or child inherits it.  Exits when the passed sockets are unusable.
 */
static void
close_inherited_descriptors(void)
{
	char	error[256];

	if (socket_activation_take(error, sizeof(error)) == -1) {
		(void)fprintf(stderr, "pforkd: %s\n", error);
		exit(1);
	}
	descriptor_close_inherited(SOCKET_ACTIVATION_FIRST_FD,
	    (int)socket_activation_count());
}

int
main(int argc, char **argv)
{
	static struct settings	 settings;
	struct configuration	*configuration;
	struct listener_set	*listeners;
	char			 error[512];
	int			 check_only = 0, report_fd = -1, status = 1;

	close_inherited_descriptors();
	/* Before anything forks or starts a program: see service_manager.c. */
	(void)service_manager_open();
	/* Relative paths mean the same file after detaching to /. */
	if (path_remember_start() == -1)
		(void)fprintf(stderr, "pforkd: cannot tell the current "
		    "directory (%s): relative paths stay relative\n",
		    strerror(errno));
	(void)signal(SIGPIPE, SIG_IGN);
	parse_command_line(argc, argv, &settings, &check_only);
	service_check_only = check_only;
	configuration = calloc(1, sizeof(*configuration));
	listeners = malloc(sizeof(*listeners));
	if (configuration == NULL || listeners == NULL) {
		(void)fprintf(stderr, "pforkd: %s\n", strerror(errno));
		goto done;
	}
	if (settings_build(&settings, configuration, error,
	    sizeof(error)) == -1) {
		(void)fprintf(stderr, "pforkd: %s\n", error);
		goto done;
	}
	if (check_only) {
		(void)printf("pforkd: configuration OK: %zu service%s\n",
		    configuration->service_count,
		    configuration->service_count == 1 ? "" : "s");
		status = 0;
		goto done;
	}
	if (settings.inetd != NULL) {
		open_log(&settings, configuration);
		status = inetd_mode_run(configuration, settings.inetd);
		log_close();
		goto done;
	}
	if (listener_set_open(listeners, configuration, NULL, error,
	    sizeof(error)) == -1) {
		(void)fprintf(stderr, "pforkd: cannot listen: %s\n", error);
		goto done;
	}
	open_log(&settings, configuration);
	if (!settings.foreground && (report_fd = detach_begin()) == -1) {
		(void)fprintf(stderr, "pforkd: cannot detach: %s\n",
		    strerror(errno));
		listener_set_close(listeners);
		goto done;
	}
	if (pid_file_create(configuration->pid_file, error,
	    sizeof(error)) == -1) {
		log_message(LOG_LEVEL_ERROR, "%s", error);
		if (settings.foreground)
			(void)fprintf(stderr, "pforkd: %s\n", error);
		detach_report(report_fd, error);
		listener_set_close(listeners);
		goto done;
	}
	/* The master takes both and frees them. */
	status = master_run(&settings, configuration, listeners, report_fd);
	configuration = NULL;
	listeners = NULL;
	pid_file_remove();
	log_close();
done:
	if (configuration != NULL)
		configuration_release(configuration);
	free(configuration);
	free(listeners);
	return status;
}
