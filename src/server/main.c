/*
 * main.c: pforkd's command line and start-up.
 *
 * For now one process binds every listener, builds its dispatcher and
 * serves; the pre-fork master comes next and reuses these pieces.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acceptor.h"
#include "connection.h"
#include "detach.h"
#include "dispatcher.h"
#include "listen_socket.h"
#include "log.h"
#include "protocol.h"
#include "service.h"

#define SERVICES_MAX	64

static const char *const default_services[] = {
	"echo@127.0.0.1:7007",
	NULL
};

struct options {
	const char	*backend;
	const char	*listen[SERVICES_MAX];
	size_t		 listen_count;
	int		 foreground;
	int		 verbosity;
};

struct server {
	struct service	 services[SERVICES_MAX];
	size_t		 service_count;
#define LISTENERS_MAX	(SERVICES_MAX * LISTEN_SOCKETS_PER_ADDRESS)
	int		 listen_fds[LISTENERS_MAX];
	const struct service *listen_services[LISTENERS_MAX];
	struct acceptor	 acceptors[LISTENERS_MAX];
	size_t		 listen_count;
};

/* Print the names of the compiled backends, best first, to stream. */
static void
print_backend_names(FILE *stream)
{
	const struct backend_ops *const *backend;

	for (backend = dispatcher_backends(); *backend != NULL; backend++)
		(void)fprintf(stream, " %s", backend_ops_name(*backend));
}

/* Print the usage message to stream. */
static void
usage(FILE *stream)
{
	(void)fprintf(stream, "usage: pforkd [-dhVv] [-b backend] "
	    "[-l listen]...\n  -b backend  event backend, one of:");
	print_backend_names(stream);
	(void)fprintf(stream, " (default: the first)\n"
	    "  -d          stay in the foreground and log to stderr\n"
	    "  -h          print this help and exit\n"
	    "  -l listen   serve SERVICE@[ADDRESS]:PORT[,idle=SECONDS]\n"
	    "              (repeatable; services: %s)\n"
	    "  -V          print the version and the compiled backends\n"
	    "  -v          more verbose: one line per connection\n"
	    "Without -l: echo on 127.0.0.1:7007.\n", protocol_names());
}

/* Print the version and the backends compiled in, best first. */
static void
print_version(void)
{
	(void)printf("pforkd %s\nbackends:", PACKAGE_VERSION);
	print_backend_names(stdout);
	(void)printf("\n");
}

/* Parse the command line into options; exits on -h, -V and errors. */
static void
parse_options(int argc, char **argv, struct options *options)
{
	int	c;

	while ((c = getopt(argc, argv, "b:dhl:Vv")) != -1) {
		switch (c) {
		case 'b':
			if (dispatcher_find_backend(optarg) == NULL) {
				(void)fprintf(stderr, "pforkd: unknown backend "
				    "'%s' (see pforkd -V)\n", optarg);
				exit(2);
			}
			options->backend = optarg;
			break;
		case 'd':
			options->foreground = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'l':
			if (options->listen_count == SERVICES_MAX) {
				(void)fprintf(stderr, "pforkd: at most %d -l "
				    "options\n", SERVICES_MAX);
				exit(2);
			}
			options->listen[options->listen_count++] = optarg;
			break;
		case 'V':
			print_version();
			exit(0);
		case 'v':
			options->verbosity++;
			break;
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		(void)fprintf(stderr, "pforkd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		exit(2);
	}
}

/* Parse the services named by -l, or the defaults; 0 or -1. */
static int
load_services(struct server *server, const struct options *options)
{
	char		 error[256];
	const char	*spec;
	size_t		 i, count;

	count = options->listen_count;
	for (i = 0; count == 0 ? default_services[i] != NULL : i < count;
	    i++) {
		spec = count == 0 ? default_services[i] : options->listen[i];
		if (service_parse_listen(&server->services[i], spec, error,
		    sizeof(error)) == -1) {
			(void)fprintf(stderr, "pforkd: -l %s: %s\n", spec,
			    error);
			return -1;
		}
		server->service_count++;
	}
	return 0;
}

/* Bind every service's sockets; 0, or -1 after printing why. */
static int
bind_services(struct server *server)
{
	char	error[256];
	size_t	i, j, count;
	int	fds[LISTEN_SOCKETS_PER_ADDRESS];

	for (i = 0; i < server->service_count; i++) {
		if (listen_socket_open(&server->services[i],
		    &server->services[i].listens[0], fds, &count,
		    error, sizeof(error)) == -1) {
			(void)fprintf(stderr, "pforkd: cannot listen: %s\n",
			    error);
			return -1;
		}
		for (j = 0; j < count; j++) {
			server->listen_services[server->listen_count] =
			    &server->services[i];
			server->listen_fds[server->listen_count++] = fds[j];
		}
	}
	return 0;
}

/* SIGTERM or SIGINT: stop now. */
static void
stop_requested(struct dispatcher *d, int signal_number, void *arg)
{
	(void)arg;
	log_message(LOG_LEVEL_NOTICE, "%s: stopping",
	    signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
	dispatcher_stop(d);
}

/* Start accepting on every listener and announce where. */
static int
start_serving(struct server *server, struct dispatcher *d)
{
	char	where[CONNECTION_PEER_MAX];
	size_t	i;

	for (i = 0; i < server->listen_count; i++) {
		if (acceptor_start(&server->acceptors[i], d,
		    server->listen_services[i], server->listen_fds[i]) == -1) {
			log_errno(LOG_LEVEL_ERROR, "cannot watch a listener");
			return -1;
		}
		listen_socket_describe(server->listen_fds[i], where,
		    sizeof(where));
		log_message(LOG_LEVEL_NOTICE, "%s: listening on %s",
		    server->listen_services[i]->name, where);
	}
	return 0;
}

/* Close every listener. */
static void
stop_serving(struct server *server)
{
	size_t	i;

	for (i = 0; i < server->listen_count; i++) {
		acceptor_stop(&server->acceptors[i]);
		(void)close(server->listen_fds[i]);
	}
}

int
main(int argc, char **argv)
{
	static struct server	 server;
	struct options		 options;
	struct dispatcher	*d;
	int			 report_fd = -1;
	char			 message[256];

	memset(&options, 0, sizeof(options));
	(void)signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv, &options);
	if (load_services(&server, &options) == -1 ||
	    bind_services(&server) == -1)
		return 1;
	(void)log_open(options.foreground ? "stderr" : "syslog",
	    options.verbosity);
	if (!options.foreground && (report_fd = detach_begin()) == -1) {
		(void)fprintf(stderr, "pforkd: cannot detach: %s\n",
		    strerror(errno));
		return 1;
	}
	if ((d = dispatcher_create(options.backend)) == NULL ||
	    dispatcher_signal(d, SIGTERM, stop_requested, NULL) == -1 ||
	    dispatcher_signal(d, SIGINT, stop_requested, NULL) == -1 ||
	    start_serving(&server, d) == -1) {
		(void)snprintf(message, sizeof(message), "cannot start the "
		    "event loop: %s", strerror(errno));
		log_message(LOG_LEVEL_ERROR, "%s", message);
		detach_failed(report_fd, message);
		return 1;
	}
	log_message(LOG_LEVEL_NOTICE, "pforkd %s serving with %s",
	    PACKAGE_VERSION, dispatcher_backend_name(d));
	detach_succeeded(report_fd);
	if (dispatcher_run(d) == -1)
		log_errno(LOG_LEVEL_ERROR, "event loop failed");
	stop_serving(&server);
	connection_finish_all("server stopping");
	dispatcher_free(d);
	log_close();
	return 0;
}
