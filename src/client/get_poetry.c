/*
 * get_poetry.c: get-poetry, the asynchronous slow poetry client.
 *
 * Every server named on the command line is connected at once, without
 * blocking, on pforkd's own dispatcher: a connect in progress is watched
 * for writability and its outcome read with SO_ERROR, then the socket is
 * read until EOF, which ends the poem.  Progress, per-task totals and the
 * elapsed time are printed in the format of the classic tutorial client.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "event/dispatcher.h"
#include "util/descriptor.h"
#include "util/parse_number.h"

#define EXIT_USAGE		2
#define DEFAULT_HOST		"127.0.0.1"
#define READ_CHUNK		(64 * 1024)
#define TIME_LIMIT_MAX		(365 * 24 * 3600.0)
#define HOST_MAX		64		/* numeric, without brackets */
#define NAME_MAX_LENGTH		(HOST_MAX + 16)	/* "[HOST]:PORT" */

enum task_state {
	TASK_CONNECTING,
	TASK_READING,
	TASK_FINISHED,
	TASK_FAILED
};

struct run;

/* One server to get a poem from. */
struct task {
	struct run		*run;
	unsigned int		 number;		/* from 1 */
	char			 host[HOST_MAX];
	char			 port[12];
	char			 name[NAME_MAX_LENGTH];	/* HOST:PORT */
	struct sockaddr_storage	 address;
	socklen_t		 address_length;
	int			 fd;
	enum task_state		 state;
	char			 failure[80];		/* why it failed */
	unsigned long long	 bytes;
	int			 save_fd;		/* -o, else -1 */
	char			*save_path;
};

/* The whole run. */
struct run {
	struct dispatcher	*dispatcher;
	struct task		*tasks;
	size_t			 task_count;
	size_t			 running;
	int			 quiet;
	const char		*save_folder;
	uint64_t		 time_limit_usec;	/* 0 = none */
	struct timer		 deadline;
	uint64_t		 started_usec;
};

static char	read_buffer[READ_CHUNK];

/* Print the usage message to stream. */
static void
usage(FILE *stream)
{
	(void)fprintf(stream, "usage: get-poetry [-q] [-b backend] [-o dir] "
	    "[-t seconds] [host:]port ...\n");
}

/* Report a usage error and exit 2. */
static void
usage_error(const char *message, const char *argument)
{
	(void)fprintf(stderr, "get-poetry: %s '%s'\n", message, argument);
	usage(stderr);
	exit(EXIT_USAGE);
}

/* Parse a port number from 1 to 65535 into task->port; 0 or -1. */
static int
parse_port(struct task *task, const char *text)
{
	unsigned int	port;

	if (parse_count(text, 65535, &port) == -1 || port == 0)
		return -1;
	(void)snprintf(task->port, sizeof(task->port), "%u", port);
	return 0;
}

/* Fill the socket address of task from its host and port; 0 or -1. */
static int
resolve_numeric(struct task *task, int family)
{
	struct sockaddr_in	*v4 = (struct sockaddr_in *)&task->address;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)&task->address;
	uint16_t		 port = (uint16_t)atoi(task->port);

	memset(&task->address, 0, sizeof(task->address));
	if (family == AF_INET) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		task->address_length = sizeof(*v4);
		return inet_pton(AF_INET, task->host, &v4->sin_addr) == 1 ?
		    0 : -1;
	}
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(port);
	task->address_length = sizeof(*v6);
	return inet_pton(AF_INET6, task->host, &v6->sin6_addr) == 1 ? 0 : -1;
}

/* Split "[HOST:]PORT" (HOST numeric IPv4 or [IPv6]) into task; exit 2. */
static void
parse_address(struct task *task, const char *argument)
{
	char		 copy[NAME_MAX_LENGTH];
	const char	*port = copy;
	char		*colon, *bracket;
	int		 family = AF_INET;

	if (strlcpy(copy, argument, sizeof(copy)) >= sizeof(copy))
		usage_error("address too long:", argument);
	(void)strlcpy(task->host, DEFAULT_HOST, sizeof(task->host));
	if (copy[0] == '[') {
		if ((bracket = strchr(copy, ']')) == NULL || bracket[1] != ':')
			usage_error("expected [IPV6]:PORT, not", argument);
		*bracket = '\0';
		(void)strlcpy(task->host, copy + 1, sizeof(task->host));
		port = bracket + 2;
		family = AF_INET6;
	} else if ((colon = strchr(copy, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL)
			usage_error("write IPv6 addresses in brackets, "
			    "[IPV6]:PORT, not", argument);
		*colon = '\0';
		(void)strlcpy(task->host, copy, sizeof(task->host));
		port = colon + 1;
	}
	if (parse_port(task, port) == -1)
		usage_error("expected a port from 1 to 65535 in", argument);
	if (resolve_numeric(task, family) == -1)
		usage_error(family == AF_INET ? "expected a numeric IPv4 "
		    "address in" : "expected a numeric IPv6 address in",
		    argument);
	(void)snprintf(task->name, sizeof(task->name),
	    family == AF_INET ? "%s:%s" : "[%s]:%s", task->host, task->port);
}

/* Parse the command line into run; exit 2 on a usage error. */
static void
parse_command_line(int argc, char **argv, struct run *run,
    const char **backend)
{
	size_t	i;
	int	option;

	while ((option = getopt(argc, argv, "b:o:qt:")) != -1) {
		switch (option) {
		case 'b':
			if (dispatcher_find_backend(optarg) == NULL)
				usage_error("unknown backend", optarg);
			*backend = optarg;
			break;
		case 'o':
			run->save_folder = optarg;
			break;
		case 'q':
			run->quiet = 1;
			break;
		case 't':
			if (parse_seconds(optarg, TIME_LIMIT_MAX,
			    &run->time_limit_usec) == -1 ||
			    run->time_limit_usec == 0)
				usage_error("-t takes a positive number of "
				    "seconds, not", optarg);
			break;
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind == argc) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	run->task_count = (size_t)(argc - optind);
	if ((run->tasks = calloc(run->task_count, sizeof(*run->tasks))) ==
	    NULL) {
		(void)fprintf(stderr, "get-poetry: %s\n", strerror(errno));
		exit(1);
	}
	for (i = 0; i < run->task_count; i++) {
		run->tasks[i].run = run;
		run->tasks[i].number = (unsigned int)i + 1;
		run->tasks[i].fd = -1;
		run->tasks[i].save_fd = -1;
		parse_address(&run->tasks[i], argv[optind + (int)i]);
	}
}

/* Why a connection failed, in the words a user looks for. */
static const char *
failure_reason(int error)
{
	switch (error) {
	case ECONNREFUSED:
		return "connection refused";
	case ENETUNREACH:
		return "network unreachable";
	case EHOSTUNREACH:
		return "host unreachable";
	case ETIMEDOUT:
		return "timed out";
	case ECONNRESET:
		return "connection reset";
	case EPIPE:
		return "connection reset (broken pipe)";
	default:
		return strerror(error);
	}
}

/* Stop watching and close the task's socket. */
static void
task_close(struct run *run, struct task *task)
{
	if (task->fd == -1)
		return;
	(void)dispatcher_unwatch(run->dispatcher, task->fd);
	(void)close(task->fd);
	task->fd = -1;
}

/* Close the task's file; remove it when the poem is incomplete. */
static void
task_close_file(struct task *task)
{
	if (task->save_fd == -1)
		return;
	if (close(task->save_fd) == -1 && task->state == TASK_FINISHED) {
		task->state = TASK_FAILED;
		(void)strlcpy(task->failure, "cannot save the poem",
		    sizeof(task->failure));
	}
	task->save_fd = -1;
	if (task->state == TASK_FAILED)
		(void)unlink(task->save_path);
}

/* The task failed: say which server and why; it counts as finished. */
static void
task_fail(struct run *run, struct task *task, const char *reason)
{
	(void)strlcpy(task->failure, reason, sizeof(task->failure));
	task_close(run, task);
	task->state = TASK_FAILED;
	task_close_file(task);
	(void)fprintf(stderr, "Task %u failed: %s: %s\n", task->number,
	    task->name, reason);
	run->running--;
}

/* The server closed: the poem is complete. */
static void
task_finish(struct run *run, struct task *task)
{
	task_close(run, task);
	task->state = TASK_FINISHED;
	task_close_file(task);
	if (task->state == TASK_FAILED) {
		(void)fprintf(stderr, "Task %u failed: %s: %s\n", task->number,
		    task->name, task->failure);
	} else if (!run->quiet)
		(void)printf("Task %u finished\n", task->number);
	run->running--;
}

/* Append bytes to the task's file; 0 or -1 with errno. */
static int
task_save(struct task *task, const char *bytes, size_t length)
{
	ssize_t	written;

	while (task->save_fd != -1 && length > 0) {
		written = write(task->save_fd, bytes, length);
		if (written == -1 && errno == EINTR)
			continue;
		if (written == -1)
			return -1;
		bytes += written;
		length -= (size_t)written;
	}
	return 0;
}

/* Read what arrived: print it, save it, or notice the end. */
static void
task_read(struct run *run, struct task *task)
{
	char	reason[80];
	ssize_t	count;

	do
		count = read(task->fd, read_buffer, sizeof(read_buffer));
	while (count == -1 && errno == EINTR);
	if (count == 0) {
		task_finish(run, task);
		return;
	}
	if (count == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			task_fail(run, task, failure_reason(errno));
		return;
	}
	task->bytes += (unsigned long long)count;
	if (!run->quiet)
		(void)printf("Task %u: got %zd bytes of poetry from %s\n",
		    task->number, count, task->name);
	if (task_save(task, read_buffer, (size_t)count) == -1) {
		(void)snprintf(reason, sizeof(reason), "cannot save the poem: "
		    "%s", strerror(errno));
		task_fail(run, task, reason);
	}
}

/*
 * A connect in progress ended: SO_ERROR tells how.  Some systems report
 * the pending error as getsockopt()'s own failure instead (Solaris did),
 * so both forms are accepted.
 */
static void
task_connected(struct run *run, struct task *task)
{
	socklen_t	length = sizeof(int);
	int		error = 0;

	if (getsockopt(task->fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1)
		error = errno;
	if (error != 0) {
		task_fail(run, task, failure_reason(error));
		return;
	}
	task->state = TASK_READING;
	if (dispatcher_set_events(run->dispatcher, task->fd, EVENT_READ) == -1)
		task_fail(run, task, failure_reason(errno));
}

/* The task's socket is ready. */
static void
task_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct task	*task = arg;
	struct run	*run = task->run;

	(void)d;
	(void)fd;
	(void)events;
	if (task->state == TASK_CONNECTING)
		task_connected(run, task);
	else
		task_read(run, task);
}

/* Whether an earlier task than task has the same host and port. */
static int
repeated_address(const struct run *run, const struct task *task)
{
	const struct task	*earlier;

	for (earlier = run->tasks; earlier < task; earlier++)
		if (strcmp(earlier->host, task->host) == 0 &&
		    strcmp(earlier->port, task->port) == 0)
			return 1;
	return 0;
}

/*
 * Create the file for -o: FOLDER/HOST-PORT.txt, or FOLDER/HOST-PORT-N.txt
 * for a server named again as task N.  0, or -1 with a message printed.
 */
static int
task_open_file(struct run *run, struct task *task)
{
	size_t	size;

	size = strlen(run->save_folder) + sizeof(task->host) +
	    sizeof(task->port) + 32;
	if ((task->save_path = malloc(size)) == NULL)
		goto failed;
	if (repeated_address(run, task))
		(void)snprintf(task->save_path, size, "%s/%s-%s-%u.txt",
		    run->save_folder, task->host, task->port, task->number);
	else
		(void)snprintf(task->save_path, size, "%s/%s-%s.txt",
		    run->save_folder, task->host, task->port);
	task->save_fd = open(task->save_path, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0666);
	if (task->save_fd == -1)
		goto failed;
	return 0;
failed:
	(void)fprintf(stderr, "get-poetry: %s: %s\n", task->save_path != NULL ?
	    task->save_path : run->save_folder, strerror(errno));
	return -1;
}

/* Make a non-blocking, close-on-exec socket for task; 0 or -1. */
static int
task_socket(struct task *task)
{
	task->fd = socket(task->address.ss_family, SOCK_STREAM, 0);
	if (task->fd == -1)
		return -1;
	if (descriptor_set_nonblocking(task->fd) == -1 ||
	    descriptor_set_cloexec(task->fd) == -1) {
		(void)close(task->fd);
		task->fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Start connecting task without blocking.  A failure known at once (no
 * route, for instance) fails only this task.  A connect(2) interrupted
 * by a signal goes on asynchronously (POSIX), just as EINPROGRESS does.
 */
static void
task_start(struct run *run, struct task *task)
{
	int	events = EVENT_WRITE;

	run->running++;
	task->state = TASK_CONNECTING;
	if (task_socket(task) == -1) {
		task_fail(run, task, strerror(errno));
		return;
	}
	if (connect(task->fd, (struct sockaddr *)&task->address,
	    task->address_length) == 0) {
		task->state = TASK_READING;
		events = EVENT_READ;
	} else if (errno != EINPROGRESS && errno != EINTR) {
		task_fail(run, task, failure_reason(errno));
		return;
	}
	if (dispatcher_watch(run->dispatcher, task->fd, events, task_ready,
	    task) == -1)
		task_fail(run, task, strerror(errno));
}

/* -t expired: every task still running fails. */
static void
deadline_reached(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct run	*run = arg;
	size_t		 i;

	(void)d;
	(void)timer;
	for (i = 0; i < run->task_count; i++)
		if (run->tasks[i].state == TASK_CONNECTING ||
		    run->tasks[i].state == TASK_READING)
			task_fail(run, &run->tasks[i], "timed out");
}

/* Print each task's total and the elapsed time; the count of poems. */
static size_t
print_summary(const struct run *run)
{
	const struct task	*task;
	uint64_t		 elapsed = monotonic_usec() - run->started_usec;
	size_t			 poems = 0;

	for (task = run->tasks; task < run->tasks + run->task_count; task++) {
		(void)printf("Task %u: %llu bytes of poetry", task->number,
		    task->bytes);
		if (task->state == TASK_FAILED)
			(void)printf(" (failed: %s)", task->failure);
		else
			poems++;
		(void)printf("\n");
	}
	(void)printf("Got %zu poems in %llu:%02u:%02u.%06u\n", poems,
	    (unsigned long long)(elapsed / 3600000000U),
	    (unsigned int)(elapsed / 60000000U % 60),
	    (unsigned int)(elapsed / 1000000U % 60),
	    (unsigned int)(elapsed % 1000000U));
	return poems;
}

/* Open every -o file before any connection; 0 or -1. */
static int
open_files(struct run *run)
{
	size_t	i;

	if (run->save_folder == NULL)
		return 0;
	for (i = 0; i < run->task_count; i++)
		if (task_open_file(run, &run->tasks[i]) == -1)
			goto failed;
	return 0;
failed:
	while (i-- > 0) {
		run->tasks[i].state = TASK_FAILED;
		task_close_file(&run->tasks[i]);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static struct run	 run;
	const char		*backend = NULL;
	size_t			 i;

	/* Progress lines appear as they happen, also through a pipe. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	parse_command_line(argc, argv, &run, &backend);
	if (open_files(&run) == -1)
		return 1;
	if ((run.dispatcher = dispatcher_create(backend)) == NULL) {
		(void)fprintf(stderr, "get-poetry: cannot start the %s "
		    "backend: %s\n", backend != NULL ? backend : "default",
		    strerror(errno));
		return 1;
	}
	run.started_usec = monotonic_usec();
	timer_init(&run.deadline, deadline_reached, &run);
	if (run.time_limit_usec != 0 && dispatcher_timer_start(run.dispatcher,
	    &run.deadline, run.time_limit_usec, 0) == -1) {
		(void)fprintf(stderr, "get-poetry: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < run.task_count; i++)
		task_start(&run, &run.tasks[i]);
	while (run.running > 0)
		if (dispatcher_run_once(run.dispatcher, -1) == -1 &&
		    errno != EINTR) {
			(void)fprintf(stderr, "get-poetry: %s\n",
			    strerror(errno));
			return 1;
		}
	return print_summary(&run) == run.task_count ? 0 : 1;
}
