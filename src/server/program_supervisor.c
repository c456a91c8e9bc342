/*
 * program_supervisor.c: accept for program services and run their
 * children, in the master (see program_supervisor.h for why there).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/connection.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "server/acceptor.h"
#include "server/configuration.h"
#include "server/listener_set.h"
#include "server/program_environment.h"
#include "server/program_options.h"
#include "server/program_spawn.h"
#include "server/program_supervisor.h"
#include "server/rate_limit.h"
#include "server/scoreboard.h"
#include "util/descriptor.h"
#include "util/log.h"

#define PEER_TEXT_MAX		80
#define LOG_LINE_MAX		1024
#define FAILURE_LOG_USEC	(1000 * 1000)	/* one message a burst */
#define WAIT_RETRY_USEC		(1000 * 1000)	/* after a failed wait child */
#define GROUPS_MAX		1024

struct supervised_service;

/* One running child. */
struct child {
	struct child			*next, *previous;
	pid_t				 pid;
	char				 service[SERVICE_NAME_MAX];
	struct supervised_service	*owner;	/* NULL: its service is gone */
	char				 peer[PEER_TEXT_MAX];
	unsigned char			 source[SOURCE_KEY_SIZE];
	uint64_t			 started_usec;
	int				 error_fd;	/* read end */
	int				 wait_fd;	/* -1: nowait */
};

/* The read end of a child's stderr pipe, turned into log lines. */
struct log_pipe {
	struct log_pipe		*next, *previous;
	struct program_supervisor *supervisor;
	int			 fd;
	pid_t			 pid;
	char			 service[SERVICE_NAME_MAX];
	size_t			 length;
	char			 line[LOG_LINE_MAX];
};

/* What the supervisor keeps for one program service of the configuration. */
struct supervised_service {
	struct program_supervisor *supervisor;
	struct service		*service;
	char			 name[SERVICE_NAME_MAX]; /* outlives service */
	size_t			 running;
	struct rate_bucket	 rate;
	struct rate_source_table sources;
	uint64_t		 failure_logged_usec;
	unsigned int		 failures_unlogged;
};

/* One listener of a program service. */
struct listener_watch {
	struct acceptor			 acceptor;  /* fd, service, nowait */
	struct supervised_service	*owner;
	int				 watching;  /* wait services */
	struct child			*wait_child;
	struct timer			 retry_timer;
};

struct program_supervisor {
	struct dispatcher		*dispatcher;
	program_worker_total		*worker_total;
	void				*context;
	struct configuration		*configuration;
	struct supervised_service	*services;
	size_t				 service_count;
	struct listener_watch		*watches;
	size_t				 watch_count;
	struct child			*children;
	size_t				 child_count;
	struct log_pipe			*pipes;
	int				 stopping;
	struct timer			 graceful_timer;
};

static void	wait_ready(struct dispatcher *, int, int, void *);

/* A pipe whose two ends are close-on-exec; 0 or -1 with errno. */
static int
pipe_cloexec(int fds[2])
{
#ifdef HAVE_PIPE2
	return pipe2(fds, O_CLOEXEC);
#else
	if (pipe(fds) == -1)
		return -1;
	if (descriptor_set_cloexec(fds[0]) == -1 ||
	    descriptor_set_cloexec(fds[1]) == -1) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	return 0;
#endif
}

/*
 * Log a spawn failure, once a burst: the first at once, the next ones
 * counted and told with the first of the following second.
 */
static void
log_failure(struct supervised_service *owner, const char *name,
    const char *reason)
{
	uint64_t	now;

	if (owner == NULL) {
		log_message(LOG_LEVEL_WARNING, "%s: %s", name, reason);
		return;
	}
	now = dispatcher_now(owner->supervisor->dispatcher);
	if (owner->failure_logged_usec != 0 &&
	    now - owner->failure_logged_usec < FAILURE_LOG_USEC) {
		owner->failures_unlogged++;
		return;
	}
	if (owner->failures_unlogged > 0)
		log_message(LOG_LEVEL_WARNING, "%s: %s (and %u more failures "
		    "since the last message)", name, reason,
		    owner->failures_unlogged);
	else
		log_message(LOG_LEVEL_WARNING, "%s: %s", name, reason);
	owner->failure_logged_usec = now;
	owner->failures_unlogged = 0;
}

/* Write one log line for a child, with control bytes made visible. */
static void
log_pipe_emit(struct log_pipe *pipe_state, size_t length)
{
	size_t	i;

	if (length > 0 && pipe_state->line[length - 1] == '\r')
		length--;
	for (i = 0; i < length; i++)
		if ((unsigned char)pipe_state->line[i] < 0x20 ||
		    pipe_state->line[i] == 0x7f)
			pipe_state->line[i] = '?';
	log_message(LOG_LEVEL_NOTICE, "%s[%ld]: %.*s", pipe_state->service,
	    (long)pipe_state->pid, (int)length, pipe_state->line);
}

/* Stop reading a stderr pipe: flush its last line, close, free. */
static void
log_pipe_end(struct log_pipe *pipe_state)
{
	struct program_supervisor	*supervisor = pipe_state->supervisor;

	if (pipe_state->length > 0)
		log_pipe_emit(pipe_state, pipe_state->length);
	(void)dispatcher_close(supervisor->dispatcher, pipe_state->fd);
	if (pipe_state->previous != NULL)
		pipe_state->previous->next = pipe_state->next;
	else
		supervisor->pipes = pipe_state->next;
	if (pipe_state->next != NULL)
		pipe_state->next->previous = pipe_state->previous;
	free(pipe_state);
}

/* A child wrote to its stderr: log each whole line (long ones split). */
static void
log_pipe_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct log_pipe	*pipe_state = arg;
	ssize_t		 got;
	char		*newline;
	size_t		 used;

	(void)d;
	(void)events;
	got = read(fd, pipe_state->line + pipe_state->length,
	    sizeof(pipe_state->line) - pipe_state->length);
	if (got == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		log_pipe_end(pipe_state);
		return;
	}
	pipe_state->length += (size_t)got;
	while ((newline = memchr(pipe_state->line, '\n',
	    pipe_state->length)) != NULL) {
		used = (size_t)(newline - pipe_state->line);
		log_pipe_emit(pipe_state, used);
		pipe_state->length -= used + 1;
		memmove(pipe_state->line, newline + 1, pipe_state->length);
	}
	if (pipe_state->length == sizeof(pipe_state->line)) {
		log_pipe_emit(pipe_state, pipe_state->length);
		pipe_state->length = 0;
	}
}

/*
 * Start turning the read end fd of a child's stderr pipe into log lines,
 * before the child exists: if the pipe cannot be watched (no memory, or
 * an fd past select's FD_SETSIZE), the child gets /dev/null instead of a
 * pipe whose reader is gone, which would kill it with SIGPIPE.  The
 * reader, or NULL (fd untouched).
 */
static struct log_pipe *
log_pipe_start(struct program_supervisor *supervisor, int fd,
    const char *service)
{
	struct log_pipe	*pipe_state;

	if ((pipe_state = calloc(1, sizeof(*pipe_state))) == NULL)
		return NULL;
	pipe_state->supervisor = supervisor;
	pipe_state->fd = fd;
	pipe_state->pid = -1;
	(void)snprintf(pipe_state->service, sizeof(pipe_state->service), "%s",
	    service);
	if (descriptor_set_nonblocking(fd) == -1 ||
	    dispatcher_watch(supervisor->dispatcher, fd, EVENT_READ,
	    log_pipe_ready, pipe_state) == -1) {
		free(pipe_state);
		return NULL;
	}
	pipe_state->next = supervisor->pipes;
	if (supervisor->pipes != NULL)
		supervisor->pipes->previous = pipe_state;
	supervisor->pipes = pipe_state;
	return pipe_state;
}

/* A watched stderr pipe for a child: its reader; the write end: *child_end. */
static struct log_pipe *
log_pipe_open(struct program_supervisor *supervisor, const char *service,
    int *child_end)
{
	struct log_pipe	*reader;
	int		 fds[2];

	*child_end = -1;
	if (pipe_cloexec(fds) == -1)
		return NULL;
	if ((reader = log_pipe_start(supervisor, fds[0], service)) == NULL) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return NULL;
	}
	*child_end = fds[1];
	return reader;
}

/* How many running children of owner came from source. */
static size_t
children_from(const struct program_supervisor *supervisor,
    const struct supervised_service *owner,
    const unsigned char source[SOURCE_KEY_SIZE])
{
	const struct child	*child;
	size_t			 count = 0;

	for (child = supervisor->children; child != NULL; child = child->next)
		if (child->owner == owner &&
		    memcmp(child->source, source, SOURCE_KEY_SIZE) == 0)
			count++;
	return count;
}

/* Why a connection from source must be refused, or NULL to admit it. */
static const char *
refusal(struct supervised_service *owner,
    const unsigned char source[SOURCE_KEY_SIZE])
{
	struct program_supervisor	*supervisor = owner->supervisor;
	const struct configuration	*configuration = supervisor->configuration;
	const struct service		*service = owner->service;
	const struct program_options	*options = service->program;
	uint64_t			 now;

	if (configuration->max_connections != 0 &&
	    supervisor->worker_total(supervisor->context) +
	    supervisor->child_count >= configuration->max_connections)
		return "global max-connections reached";
	if (service->max_connections != 0 &&
	    owner->running >= service->max_connections)
		return "service max-connections reached";
	if (service->per_source_max != 0 && children_from(supervisor, owner,
	    source) >= service->per_source_max)
		return "per-source-max reached";
	/*
	 * The source's bucket first: a source over its own limit must not
	 * spend the service's tokens, which every other source shares.
	 */
	now = dispatcher_now(supervisor->dispatcher);
	if (!rate_take_source(&owner->sources, source,
	    options->per_source_rate.count,
	    options->per_source_rate.window_usec, now))
		return "per-source-rate-limit reached";
	if (!rate_take(&owner->rate, options->rate.count,
	    options->rate.window_usec, now)) {
		rate_refund_source(&owner->sources, source,
		    options->per_source_rate.count);
		return "rate-limit reached";
	}
	return NULL;
}

/* Put child at the head of the list and count it. */
static void
child_link(struct program_supervisor *supervisor, struct child *child)
{
	child->next = supervisor->children;
	if (supervisor->children != NULL)
		supervisor->children->previous = child;
	supervisor->children = child;
	supervisor->child_count++;
	if (child->owner != NULL)
		child->owner->running++;
}

/* Take child out of the list and the counts. */
static void
child_unlink(struct program_supervisor *supervisor, struct child *child)
{
	if (child->previous != NULL)
		child->previous->next = child->next;
	else
		supervisor->children = child->next;
	if (child->next != NULL)
		child->next->previous = child->previous;
	supervisor->child_count--;
	if (child->owner != NULL)
		child->owner->running--;
}

/*
 * Fork a child of owner with socket_fd (an accepted connection, or the
 * listener of a wait service); the child, or NULL (logged).
 */
static struct child *
spawn(struct supervised_service *owner, int socket_fd, int connection,
    const char *peer, const unsigned char source[SOURCE_KEY_SIZE],
    const struct program_endpoints *carried)
{
	struct program_supervisor	*supervisor = owner->supervisor;
	const struct program_options	*options = owner->service->program;
	struct program_launch		 launch;
	struct child			*child;
	struct log_pipe			*reader = NULL;
	int				 error_pipe[2], log_end = -1;
	char				 reason[128];

	if ((child = calloc(1, sizeof(*child))) == NULL)
		goto fail;
	if (pipe_cloexec(error_pipe) == -1) {
		free(child);
		goto fail;
	}
	/* Without a watched pipe, fd 2 is /dev/null. */
	if (options->stderr_target == PROGRAM_STDERR_LOG)
		reader = log_pipe_open(supervisor, owner->service->name,
		    &log_end);
	launch.options = options;
	launch.socket_fd = socket_fd;
	launch.connection = connection;
	launch.stderr_fd = log_end;
	launch.error_fd = error_pipe[1];
	launch.carried = carried;
	/*
	 * The environment is made here rather than in the child, whose every
	 * first write to a page of the heap or stack copies it: NULL (out of
	 * memory) leaves it to the child, which fails as it always did.
	 */
	launch.environment = program_environment_make(options, socket_fd,
	    connection, carried);
	child->pid = program_spawn(&launch);
	program_environment_free(launch.environment);
	(void)close(error_pipe[1]);
	if (log_end != -1)
		(void)close(log_end);
	if (child->pid == -1) {
		(void)snprintf(reason, sizeof(reason), "cannot fork: %s",
		    strerror(errno));
		(void)close(error_pipe[0]);
		if (reader != NULL)
			log_pipe_end(reader);
		free(child);
		log_failure(owner, owner->service->name, reason);
		return NULL;
	}
	child->owner = owner;
	child->error_fd = error_pipe[0];
	child->wait_fd = connection ? -1 : socket_fd;
	child->started_usec = dispatcher_now(supervisor->dispatcher);
	(void)snprintf(child->service, sizeof(child->service), "%s",
	    owner->service->name);
	(void)snprintf(child->peer, sizeof(child->peer), "%s", peer);
	(void)memcpy(child->source, source, SOURCE_KEY_SIZE);
	child_link(supervisor, child);
	if (reader != NULL)
		reader->pid = child->pid;
	return child;
fail:
	(void)snprintf(reason, sizeof(reason), "cannot start a child: %s",
	    strerror(errno));
	log_failure(owner, owner->service->name, reason);
	return NULL;
}

/*
 * The acceptor took a connection of a nowait service: run its child.
 * When a PROXY header carried local, peer and local are the child's ends.
 */
static void
program_accepted(struct acceptor *acceptor, int fd,
    const struct sockaddr *peer, unsigned int peer_length,
    const struct sockaddr *local, unsigned int local_length)
{
	struct listener_watch	*watch = acceptor->context;
	struct supervised_service *owner = watch->owner;
	struct program_endpoints carried, *ends = NULL;
	unsigned char		 source[SOURCE_KEY_SIZE];
	const char		*reason;
	char			 text[PEER_TEXT_MAX] = "-";

	source_key_make(peer, owner->supervisor->configuration->ipv6_prefix,
	    source);
	reason = owner->supervisor->stopping ? "stopping" :
	    refusal(owner, source);
	if (reason != NULL || log_verbosity() >= LOG_LEVEL_INFO)
		format_socket_address(peer, (socklen_t)peer_length, text,
		    sizeof(text));
	if (reason != NULL)
		log_message(LOG_LEVEL_INFO, "%s: %s refused: %s",
		    owner->service->name, text, reason);
	else {
		if (local != NULL && peer_length <= sizeof(carried.remote) &&
		    local_length <= sizeof(carried.local)) {
			memset(&carried, 0, sizeof(carried));
			memcpy(&carried.remote, peer, peer_length);
			carried.remote_length = (socklen_t)peer_length;
			memcpy(&carried.local, local, local_length);
			carried.local_length = (socklen_t)local_length;
			ends = &carried;
		}
		(void)spawn(owner, fd, 1, text, source, ends);
	}
	(void)close(fd);
}

/* Watch a wait service's listener again (it may have been made blocking). */
static void
wait_resume(struct listener_watch *watch)
{
	struct program_supervisor	*supervisor = watch->owner->supervisor;

	if (supervisor->stopping || watch->watching ||
	    watch->wait_child != NULL)
		return;
	if (descriptor_set_nonblocking(watch->acceptor.fd) == -1 ||
	    dispatcher_watch(supervisor->dispatcher, watch->acceptor.fd,
	    EVENT_READ, wait_ready, watch) == -1) {
		log_errno(LOG_LEVEL_ERROR, "%s: cannot watch the listener",
		    watch->owner->service->name);
		return;
	}
	watch->watching = 1;
}

/* The retry delay of a wait service is over. */
static void
wait_retry_due(struct dispatcher *d, struct timer *timer, void *arg)
{
	(void)d;
	(void)timer;
	wait_resume(arg);
}

/* Stop watching a wait service's listener. */
static void
wait_pause(struct listener_watch *watch)
{
	if (!watch->watching)
		return;
	(void)dispatcher_unwatch(watch->owner->supervisor->dispatcher,
	    watch->acceptor.fd);
	watch->watching = 0;
}

/* A wait service's listener is readable: hand it to one child. */
static void
wait_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct listener_watch		*watch = arg;
	struct supervised_service	*owner = watch->owner;
	const struct program_options	*options = owner->service->program;
	unsigned char			 none[SOURCE_KEY_SIZE];

	(void)fd;
	(void)events;
	wait_pause(watch);
	if (!rate_take(&owner->rate, options->rate.count,
	    options->rate.window_usec, dispatcher_now(d))) {
		log_message(LOG_LEVEL_INFO, "%s: rate-limit reached: waiting",
		    owner->service->name);
		(void)dispatcher_timer_start(d, &watch->retry_timer,
		    options->rate.window_usec / options->rate.count + 1, 0);
		return;
	}
	memset(none, 0, sizeof(none));
	watch->wait_child = spawn(owner, watch->acceptor.fd, 0, "-", none,
	    NULL);
	if (watch->wait_child == NULL)
		(void)dispatcher_timer_start(d, &watch->retry_timer,
		    WAIT_RETRY_USEC, 0);
}

/* Log how a child ended, at -v: service, peer, pid, time, status. */
static void
log_child_end(const struct child *child, int status, uint64_t now)
{
	double	seconds = (double)(now - child->started_usec) / 1e6;

	if (log_verbosity() < LOG_LEVEL_INFO)
		return;
	if (WIFSIGNALED(status))
		log_message(LOG_LEVEL_INFO, "%s: %s pid %ld ended after %.3f s: "
		    "killed by signal %d", child->service, child->peer,
		    (long)child->pid, seconds, WTERMSIG(status));
	else
		log_message(LOG_LEVEL_INFO, "%s: %s pid %ld ended after %.3f s: "
		    "exit status %d", child->service, child->peer,
		    (long)child->pid, seconds, WEXITSTATUS(status));
}

/* The watch a wait child came from, if its listener is still ours. */
static struct listener_watch *
wait_watch_of(struct program_supervisor *supervisor,
    const struct child *child)
{
	size_t	i;

	for (i = 0; i < supervisor->watch_count; i++)
		if (supervisor->watches[i].wait_child == child)
			return &supervisor->watches[i];
	return NULL;
}

/* A child was reaped: 1 if it was one of ours (now logged), else 0. */
int
program_supervisor_reaped(struct program_supervisor *supervisor, pid_t pid,
    int status)
{
	struct child		*child;
	struct listener_watch	*watch;
	char			 reason[512];
	uint64_t		 now = dispatcher_now(supervisor->dispatcher);
	int			 failed;

	for (child = supervisor->children; child != NULL; child = child->next)
		if (child->pid == pid)
			break;
	if (child == NULL)
		return 0;
	failed = program_spawn_failure(child->error_fd, reason,
	    sizeof(reason));
	(void)close(child->error_fd);
	if (failed)
		log_failure(child->owner, child->service, reason);
	else
		log_child_end(child, status, now);
	child_unlink(supervisor, child);
	if ((watch = wait_watch_of(supervisor, child)) != NULL) {
		watch->wait_child = NULL;
		/* A wait child that could not run, or failed at once: pause. */
		if (failed || ((!WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) &&
		    now - child->started_usec < WAIT_RETRY_USEC))
			(void)dispatcher_timer_start(supervisor->dispatcher,
			    &watch->retry_timer, WAIT_RETRY_USEC, 0);
		else
			wait_resume(watch);
	}
	free(child);
	return 1;
}

/* Send signal_number to every running child's process group. */
void
program_supervisor_signal(struct program_supervisor *supervisor,
    int signal_number)
{
	struct child	*child;

	for (child = supervisor->children; child != NULL; child = child->next)
		/* Each child leads its session; if it left, the pid alone. */
		if (kill(-child->pid, signal_number) == -1)
			(void)kill(child->pid, signal_number);
}

/* Stop watching every listener and forget the watches. */
void
program_supervisor_unwatch(struct program_supervisor *supervisor)
{
	struct listener_watch	*watch;
	size_t			 i;

	for (i = 0; i < supervisor->watch_count; i++) {
		watch = &supervisor->watches[i];
		dispatcher_timer_stop(supervisor->dispatcher,
		    &watch->retry_timer);
		if (watch->owner->service->program->wait)
			wait_pause(watch);
		else
			acceptor_stop(&watch->acceptor);
	}
	free(supervisor->watches);
	supervisor->watches = NULL;
	supervisor->watch_count = 0;
}

/*
 * The user's supplementary groups, for a child that changes identity,
 * resolved here once rather than in every child.  getgrouplist() is not
 * POSIX, but Linux, the BSDs and macOS have it; without it a child gets
 * its primary group alone.
 */
static void
resolve_groups(struct program_options *options, const char *user)
{
#ifdef HAVE_GETGROUPLIST
	gid_t	groups[GROUPS_MAX];
	int	count = GROUPS_MAX;

	free(options->groups);
	options->groups = NULL;
	options->group_count = 0;
	if (!options->change_identity || user[0] == '\0')
		return;
	if (getgrouplist(user, options->gid, groups, &count) == -1 ||
	    count <= 0) {
		log_message(LOG_LEVEL_WARNING, "user %s: more than %d groups: "
		    "its programs get its primary group alone", user,
		    GROUPS_MAX);
		return;
	}
	if ((options->groups = calloc((size_t)count, sizeof(gid_t))) == NULL)
		return;
	(void)memcpy(options->groups, groups, (size_t)count * sizeof(gid_t));
	options->group_count = count;
#else
	(void)options;
	(void)user;
#endif
}

/* The supervised service called name in the new list, or NULL. */
static struct supervised_service *
find_service(struct supervised_service *services, size_t count,
    const char *name)
{
	size_t	i;

	for (i = 0; i < count; i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

/*
 * The program services of configuration, with the rate state of the ones
 * that kept their name; the children follow their service by name.  The
 * old list's services may already be freed (a reload releases the old
 * configuration first): only the names kept here are looked at.
 */
static int
adopt_services(struct program_supervisor *supervisor,
    struct configuration *configuration)
{
	struct supervised_service	*fresh, *old;
	struct service			*service;
	struct child			*child;
	size_t				 i, count = 0;

	if ((fresh = calloc(configuration->service_count + 1,
	    sizeof(*fresh))) == NULL) {
		/* The old list may point into a freed configuration: drop it. */
		for (i = 0; i < supervisor->service_count; i++)
			rate_source_table_free(&supervisor->services[i].sources);
		free(supervisor->services);
		supervisor->services = NULL;
		supervisor->service_count = 0;
		for (child = supervisor->children; child != NULL;
		    child = child->next)
			child->owner = NULL;
		return -1;
	}
	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		if (service->program == NULL)
			continue;
		fresh[count].supervisor = supervisor;
		fresh[count].service = service;
		(void)snprintf(fresh[count].name, sizeof(fresh[count].name),
		    "%s", service->name);
		resolve_groups(service->program, service->program->user[0] ?
		    service->program->user : configuration->user);
		old = find_service(supervisor->services,
		    supervisor->service_count, service->name);
		if (old != NULL) {
			fresh[count].rate = old->rate;
			fresh[count].sources = old->sources;
			old->sources.slots = NULL;
		}
		count++;
	}
	for (i = 0; i < supervisor->service_count; i++)
		rate_source_table_free(&supervisor->services[i].sources);
	free(supervisor->services);
	supervisor->services = fresh;
	supervisor->service_count = count;
	for (child = supervisor->children; child != NULL; child = child->next) {
		child->owner = find_service(fresh, count, child->service);
		if (child->owner != NULL)
			child->owner->running++;
	}
	return 0;
}

/* A wait child still running on fd for a service of this name. */
static struct child *
running_wait_child(struct program_supervisor *supervisor, int fd,
    const char *name)
{
	struct child	*child;

	for (child = supervisor->children; child != NULL; child = child->next)
		if (child->wait_fd == fd && strcmp(child->service, name) == 0)
			return child;
	return NULL;
}

/* Start watching one listener of a program service; 0 or -1. */
static int
watch_listener(struct program_supervisor *supervisor,
    struct listener_watch *watch, struct supervised_service *owner, int fd)
{
	watch->owner = owner;
	timer_init(&watch->retry_timer, wait_retry_due, watch);
	if (owner->service->program->wait) {
		watch->acceptor.fd = fd;
		watch->acceptor.service = owner->service;
		watch->wait_child = running_wait_child(supervisor, fd,
		    owner->service->name);
		wait_resume(watch);
		return 0;
	}
	if (acceptor_start(&watch->acceptor, supervisor->dispatcher,
	    owner->service, fd) == -1)
		return -1;
	watch->acceptor.accepted = program_accepted;
	watch->acceptor.context = watch;
	return 0;
}

/* Watch the program services' listeners of configuration; 0 or -1. */
int
program_supervisor_configure(struct program_supervisor *supervisor,
    struct configuration *configuration, const struct listener_set *set)
{
	const struct listener		*listener;
	struct supervised_service	*owner;
	size_t				 i;

	program_supervisor_unwatch(supervisor);
	supervisor->configuration = configuration;
	if (adopt_services(supervisor, configuration) == -1)
		return -1;
	if ((supervisor->watches = calloc(set->count + 1,
	    sizeof(*supervisor->watches))) == NULL)
		return -1;
	for (i = 0; i < set->count; i++) {
		listener = &set->listeners[i];
		owner = find_service(supervisor->services,
		    supervisor->service_count,
		    configuration->services[listener->service_index].name);
		if (owner == NULL)
			continue;
		if (watch_listener(supervisor,
		    &supervisor->watches[supervisor->watch_count], owner,
		    listener->fd) == -1)
			return -1;
		supervisor->watch_count++;
	}
	return 0;
}

/* The graceful deadline passed: ask the children left to stop. */
static void
graceful_deadline(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct program_supervisor	*supervisor = arg;

	(void)d;
	(void)timer;
	if (supervisor->child_count > 0)
		log_message(LOG_LEVEL_NOTICE, "graceful-timeout: sending "
		    "SIGTERM to %zu program children",
		    supervisor->child_count);
	program_supervisor_signal(supervisor, SIGTERM);
}

/*
 * Stop accepting.  A fast stop (graceful 0) sends SIGTERM to the children
 * now; a graceful one lets them run until graceful_usec, then does.
 */
void
program_supervisor_stop(struct program_supervisor *supervisor, int graceful,
    uint64_t graceful_usec)
{
	supervisor->stopping = 1;
	program_supervisor_unwatch(supervisor);
	if (!graceful) {
		dispatcher_timer_stop(supervisor->dispatcher,
		    &supervisor->graceful_timer);
		program_supervisor_signal(supervisor, SIGTERM);
		return;
	}
	if (!timer_is_pending(&supervisor->graceful_timer))
		(void)dispatcher_timer_start(supervisor->dispatcher,
		    &supervisor->graceful_timer, graceful_usec, 0);
}

/* How many children run. */
size_t
program_supervisor_children(const struct program_supervisor *supervisor)
{
	return supervisor->child_count;
}

/* A supervisor accepting nothing yet. */
struct program_supervisor *
program_supervisor_create(struct dispatcher *d,
    program_worker_total *worker_total, void *context)
{
	struct program_supervisor	*supervisor;

	if ((supervisor = calloc(1, sizeof(*supervisor))) == NULL)
		return NULL;
	supervisor->dispatcher = d;
	supervisor->worker_total = worker_total;
	supervisor->context = context;
	timer_init(&supervisor->graceful_timer, graceful_deadline,
	    supervisor);
	return supervisor;
}

/*
 * In a freshly forked worker: close the pipes' read ends the worker
 * inherited, touching no dispatcher (the master's is not the worker's).
 */
void
program_supervisor_close_after_fork(struct program_supervisor *supervisor)
{
	struct child	*child;
	struct log_pipe	*pipe_state;

	if (supervisor == NULL)
		return;
	for (child = supervisor->children; child != NULL; child = child->next)
		(void)close(child->error_fd);
	for (pipe_state = supervisor->pipes; pipe_state != NULL;
	    pipe_state = pipe_state->next)
		(void)close(pipe_state->fd);
}

/* Free everything; the children, if any run, are left alone. */
void
program_supervisor_free(struct program_supervisor *supervisor)
{
	struct child	*child;
	size_t		 i;

	if (supervisor == NULL)
		return;
	program_supervisor_unwatch(supervisor);
	dispatcher_timer_stop(supervisor->dispatcher,
	    &supervisor->graceful_timer);
	while (supervisor->pipes != NULL)
		log_pipe_end(supervisor->pipes);
	while ((child = supervisor->children) != NULL) {
		child_unlink(supervisor, child);
		(void)close(child->error_fd);
		free(child);
	}
	for (i = 0; i < supervisor->service_count; i++)
		rate_source_table_free(&supervisor->services[i].sources);
	free(supervisor->services);
	free(supervisor);
}
