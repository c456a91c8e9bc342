/*
 * master.c: pre-fork supervision, after nginx's master/worker protocol.
 *
 *   SIGCHLD          reap; respawn a current worker into its slot, backing
 *                    off when one keeps dying young (no fork storm);
 *   SIGTERM, SIGINT  fast stop: workers close everything, exit 0;
 *   SIGQUIT          graceful stop: close the listeners, workers finish
 *                    their connections up to graceful-timeout;
 *   SIGHUP           reload: build and check the new configuration, keep
 *                    the sockets of unchanged listeners, start a new
 *                    generation of workers, drain the old one;
 *   SIGUSR1          reopen the log, here and in every worker.
 * Each worker holds the read end of a lifeline pipe whose write end only
 * the master has: if the master dies, the workers see EOF and drain.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connection/peer_wake.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "server/detach.h"
#include "server/master.h"
#include "server/pid_file.h"
#include "server/privileges.h"
#include "server/program_supervisor.h"
#include "server/proxy_accept.h"
#include "server/scoreboard.h"
#include "server/service_manager.h"
#include "server/worker.h"
#include "util/descriptor.h"
#include "util/log.h"

#define YOUNG_DEATH_USEC	(1000 * 1000)
#define RESPAWN_BACKOFF_USEC	(100 * 1000)
#define RESPAWN_BACKOFF_MAX	(10 * 1000 * 1000)
#define FAST_STOP_KILL_USEC	(900 * 1000)
#define GRACEFUL_KILL_GRACE	(2 * 1000 * 1000)
#define STATUS_INTERVAL_USEC	(5 * 1000 * 1000)
#define STATUS_TEXT_MAX		128

enum master_state { MASTER_RUNNING, MASTER_STOPPING };

struct master;

struct worker_slot {
	struct master	*master;
	pid_t		 pid;		/* 0: empty */
	unsigned int	 generation;
	int		 lane;		/* its listener lanes */
	uint64_t	 started_usec;
	unsigned int	 young_deaths;	/* in a row */
	struct timer	 respawn_timer;
};

struct master {
	const struct settings	*settings;
	struct configuration	*configuration;
	struct listener_set	*listeners;
	struct identity		 identity;
	struct scoreboard	*board;
	struct dispatcher	*dispatcher;
	struct program_supervisor *programs;	/* program services */
	unsigned int		 generation;
	struct worker_slot	 slots[SCOREBOARD_ROWS];
	int			 lifeline[2];
	int			 report_fd;
	enum master_state	 state;
	int			 exit_status;
	struct timer		 kill_timer;
	struct timer		 notify_timer;	/* status and watchdog */
	char			 status_text[STATUS_TEXT_MAX];
};

static void	begin_stop(struct master *, int graceful);
static void	stop_when_done(struct master *);
static uint32_t	master_worker_total(void *context);
static void	protocols_after_fork(struct configuration *);

/* The child side of a fork: drop what belongs to the master, then serve. */
static void
worker_child(struct master *master, int row)
{
	struct worker_setup	setup;

	(void)close(master->lifeline[1]);
	service_manager_forget();
	if (master->report_fd != -1)
		(void)close(master->report_fd);
	pid_file_forget();
	/*
	 * The master's dispatcher first: releasing it writes to every timer
	 * still in its heap, and what follows frees structs holding some
	 * (the chat's Redis reader, pending PROXY headers).
	 */
	dispatcher_free_after_fork(master->dispatcher);
	program_supervisor_close_after_fork(master->programs);
	proxy_accept_close_after_fork();
	protocols_after_fork(master->configuration);
	peer_wake_set_lister(NULL, NULL);
	memset(&setup, 0, sizeof(setup));
	setup.configuration = master->configuration;
	setup.listeners = master->listeners;
	setup.identity = &master->identity;
	setup.board = master->board;
	setup.row = row;
	setup.lane = master->slots[row].lane;
	setup.lifeline_fd = master->lifeline[0];
	_exit(worker_main(&setup));
}

/* Fork a worker of the current generation into slot row; 0 or -1. */
static int
fork_worker(struct master *master, int row)
{
	struct worker_slot	*slot = &master->slots[row];
	pid_t			 pid;

	scoreboard_prepare_row(master->board, row, master->generation,
	    master->configuration);
	if ((pid = fork()) == -1) {
		log_errno(LOG_LEVEL_ERROR, "cannot fork a worker");
		scoreboard_clear_row(master->board, row);
		return -1;
	}
	if (pid == 0)
		worker_child(master, row);
	slot->pid = pid;
	slot->generation = master->generation;
	slot->started_usec = dispatcher_now(master->dispatcher);
	scoreboard_set_pid(master->board, row, pid);
	log_message(LOG_LEVEL_INFO, "worker %ld started in slot %d",
	    (long)pid, row);
	return 0;
}

/* Whether a slot is free for a new worker. */
static int
slot_is_free(const struct worker_slot *slot)
{
	return slot->pid == 0 && !timer_is_pending(&slot->respawn_timer);
}

/*
 * Start the current generation's missing workers in free slots, each on
 * a lane (its reuseport sockets) that none of its live workers has: all
 * of them for a new generation; after a reload that found too few free
 * slots (older generations still draining), those still missing, as the
 * older workers leave.  How many are still missing.
 */
static unsigned int
fill_generation(struct master *master)
{
	unsigned char		 lane_used[CONFIGURATION_WORKERS_MAX];
	const struct worker_slot *slot;
	unsigned int		 lane = 0, wanted, missing;
	int			 row;

	wanted = master->configuration->workers;
	missing = wanted;
	memset(lane_used, 0, sizeof(lane_used));
	for (row = 0; row < SCOREBOARD_ROWS; row++) {
		slot = &master->slots[row];
		if (!slot_is_free(slot) && slot->generation ==
		    master->generation && slot->lane >= 0 &&
		    (unsigned int)slot->lane < wanted &&
		    !lane_used[slot->lane]) {
			lane_used[slot->lane] = 1;
			missing--;
		}
	}
	for (row = 0; row < SCOREBOARD_ROWS && missing > 0; row++) {
		if (!slot_is_free(&master->slots[row]))
			continue;
		while (lane_used[lane])
			lane++;
		/* A respawn keeps the lane: it finds what queued there. */
		master->slots[row].lane = (int)lane;
		if (fork_worker(master, row) == -1)
			break;
		lane_used[lane] = 1;
		missing--;
	}
	return missing;
}

/* Fork the configured number of workers into free slots; 0 or -1. */
static int
start_generation(struct master *master)
{
	unsigned int	missing;

	/* Older generations' workers may no longer take the accept token. */
	scoreboard_token_open(master->board, master->generation);
	if ((missing = fill_generation(master)) == 0)
		return 0;
	log_message(LOG_LEVEL_ERROR, "%u of %u workers not started (no free "
	    "worker slot while older generations drain, or no fork): they "
	    "start as older workers leave", missing,
	    master->configuration->workers);
	return -1;
}

/* Send signal_number to every live worker (of older generations only). */
static void
signal_workers(struct master *master, int signal_number, int older_only)
{
	int	row;

	for (row = 0; row < SCOREBOARD_ROWS; row++) {
		if (master->slots[row].pid <= 0)
			continue;
		if (older_only &&
		    master->slots[row].generation == master->generation)
			continue;
		(void)kill(master->slots[row].pid, signal_number);
	}
}

/* The number of live workers. */
static int
live_workers(const struct master *master)
{
	int	row, count = 0;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (master->slots[row].pid > 0 ||
		    timer_is_pending(&master->slots[row].respawn_timer))
			count++;
	return count;
}

/* The status line for the service manager: workers and connections. */
static void
format_status(const struct master *master, char *text, size_t text_size)
{
	int	row, running = 0;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (master->slots[row].pid > 0)
			running++;
	(void)snprintf(text, text_size, "%d workers, %lu connections",
	    running, (unsigned long)scoreboard_total(master->board));
}

/* Tell the service manager pforkd serves, with a fresh status line. */
static void
notify_ready(struct master *master)
{
	format_status(master, master->status_text,
	    sizeof(master->status_text));
	service_manager_notify("READY=1\nSTATUS=%s", master->status_text);
}

/* The notify timer: the watchdog's keep-alive and a changed status. */
static void
notify_tick(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct master	*master = arg;
	char		 text[STATUS_TEXT_MAX];

	(void)d;
	(void)timer;
	if (service_manager_watchdog_interval() > 0)
		service_manager_notify("WATCHDOG=1");
	format_status(master, text, sizeof(text));
	if (strcmp(text, master->status_text) == 0)
		return;
	(void)memcpy(master->status_text, text, sizeof(text));
	service_manager_notify("STATUS=%s", text);
}

/* Start the notify timer, when a service manager listens; 0 or -1. */
static int
notify_timer_start(struct master *master)
{
	uint64_t	interval = service_manager_watchdog_interval();

	timer_init(&master->notify_timer, notify_tick, master);
	if (!service_manager_active())
		return 0;
	/* A long watchdog limit is pinged more often than needed: harmless. */
	if (interval == 0 || interval > STATUS_INTERVAL_USEC)
		interval = STATUS_INTERVAL_USEC;
	return dispatcher_timer_start(master->dispatcher,
	    &master->notify_timer, interval, interval);
}

/* A respawn delay is over: fork the replacement. */
static void
respawn_due(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct worker_slot	*slot = arg;
	struct master		*master = slot->master;

	(void)d;
	(void)timer;
	if (master->state != MASTER_RUNNING ||
	    slot->generation != master->generation)
		return;
	if (fork_worker(master, (int)(slot - master->slots)) == -1)
		(void)dispatcher_timer_start(master->dispatcher,
		    &slot->respawn_timer, RESPAWN_BACKOFF_MAX, 0);
}

/* Replace the worker of slot, at once or after a crash-loop back-off. */
static void
schedule_respawn(struct master *master, struct worker_slot *slot)
{
	uint64_t	delay = 0, lived;
	unsigned int	i;

	lived = dispatcher_now(master->dispatcher) - slot->started_usec;
	slot->young_deaths = lived < YOUNG_DEATH_USEC ?
	    slot->young_deaths + 1 : 0;
	if (slot->young_deaths > 1) {
		delay = RESPAWN_BACKOFF_USEC;
		for (i = 2; i < slot->young_deaths &&
		    delay < RESPAWN_BACKOFF_MAX; i++)
			delay *= 2;
		if (delay > RESPAWN_BACKOFF_MAX)
			delay = RESPAWN_BACKOFF_MAX;
		log_message(LOG_LEVEL_WARNING, "slot %d: worker died %u "
		    "times within a second of starting; next one in %llu ms",
		    (int)(slot - master->slots), slot->young_deaths,
		    (unsigned long long)(delay / 1000));
	}
	(void)dispatcher_timer_start(master->dispatcher, &slot->respawn_timer,
	    delay, 0);
}

/* Log how a worker ended. */
static void
log_worker_exit(pid_t pid, int status, int expected)
{
	if (WIFSIGNALED(status))
		log_message(expected ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING,
		    "worker %ld killed by signal %d", (long)pid,
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 || !expected)
		log_message(LOG_LEVEL_WARNING, "worker %ld exited with "
		    "status %d", (long)pid, WEXITSTATUS(status));
	else
		log_message(LOG_LEVEL_INFO, "worker %ld exited", (long)pid);
}

/* The slot of a worker pid, or NULL. */
static struct worker_slot *
find_slot(struct master *master, pid_t pid)
{
	int	row;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (master->slots[row].pid == pid)
			return &master->slots[row];
	return NULL;
}

/* Let protocols release what a dead worker may hold in shared memory. */
static void
tell_protocols_worker_died(struct master *master, pid_t pid)
{
	struct service	*service;
	size_t		 i;

	for (i = 0; i < master->configuration->service_count; i++) {
		service = &master->configuration->services[i];
		if (service->protocol != NULL &&
		    service->protocol->worker_died != NULL)
			service->protocol->worker_died(service, pid);
	}
}

/* Start the protocols' work in the master for configuration; 0 or -1. */
static int
start_protocols(struct master *master, struct configuration *configuration)
{
	struct service	*service;
	size_t		 i;

	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		if (service->protocol != NULL &&
		    service->protocol->master_start != NULL &&
		    service->protocol->master_start(service,
		    master->dispatcher) == -1)
			return -1;
	}
	return 0;
}

/* Stop the protocols' work in the master for configuration. */
static void
stop_protocols(struct configuration *configuration)
{
	struct service	*service;
	size_t		 i;

	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		if (service->protocol != NULL &&
		    service->protocol->master_stop != NULL)
			service->protocol->master_stop(service);
	}
}

/* In a new worker: protocols let go of what their master part holds. */
static void
protocols_after_fork(struct configuration *configuration)
{
	struct service	*service;
	size_t		 i;

	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		if (service->protocol != NULL &&
		    service->protocol->after_fork != NULL)
			service->protocol->after_fork(service);
	}
}

/* The live workers' pids, for the protocols' wake-ups (peer_wake). */
static size_t
master_worker_pids(void *context, pid_t *pids, size_t max)
{
	struct master	*master = context;
	size_t		 count = 0;
	int		 row;

	for (row = 0; row < SCOREBOARD_ROWS && count < max; row++)
		if (master->slots[row].pid > 0)
			pids[count++] = master->slots[row].pid;
	return count;
}

/* One worker was reaped: clear its row and decide on a replacement. */
static void
worker_exited(struct master *master, pid_t pid, int status)
{
	struct worker_slot	*slot;
	int			 current;

	if ((slot = find_slot(master, pid)) == NULL)
		return;
	slot->pid = 0;
	scoreboard_clear_row(master->board, (int)(slot - master->slots));
	tell_protocols_worker_died(master, pid);
	current = master->state == MASTER_RUNNING &&
	    slot->generation == master->generation;
	log_worker_exit(pid, status, !current);
	if (!current) {
		/* Its slot may be the one a reload found missing. */
		if (master->state == MASTER_RUNNING)
			(void)fill_generation(master);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_FATAL) {
		log_message(LOG_LEVEL_ERROR, "worker %ld cannot run: not "
		    "respawning it", (long)pid);
		return;
	}
	schedule_respawn(master, slot);
}

/* SIGCHLD: reap every exited child (signals coalesce). */
static void
reap_children(struct master *master)
{
	pid_t	pid;
	int	status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!program_supervisor_reaped(master->programs, pid, status))
			worker_exited(master, pid, status);
	if (live_workers(master) > 0)
		return;
	if (master->state == MASTER_RUNNING) {
		log_message(LOG_LEVEL_ERROR, "no worker can run: exiting");
		master->exit_status = 1;
		begin_stop(master, 0);
		return;
	}
	stop_when_done(master);
}

/* Once every worker and every program child has gone, stop the loop. */
static void
stop_when_done(struct master *master)
{
	if (live_workers(master) == 0 &&
	    program_supervisor_children(master->programs) == 0)
		dispatcher_stop(master->dispatcher);
}

/* Stop deadline passed: kill what is left. */
static void
kill_stragglers(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct master	*master = arg;

	(void)d;
	(void)timer;
	log_message(LOG_LEVEL_WARNING, "workers did not stop in time: "
	    "sending SIGKILL");
	signal_workers(master, SIGKILL, 0);
	program_supervisor_signal(master->programs, SIGKILL);
}

/* Begin a fast (SIGTERM) or graceful (SIGQUIT) stop. */
static void
begin_stop(struct master *master, int graceful)
{
	uint64_t	deadline;
	int		row;

	log_message(LOG_LEVEL_NOTICE, "%s stop", graceful ? "graceful" :
	    "fast");
	if (master->state == MASTER_STOPPING && graceful)
		return;	/* a fast stop is never downgraded */
	if (master->state != MASTER_STOPPING)
		service_manager_notify("STOPPING=1");
	master->state = MASTER_STOPPING;
	for (row = 0; row < SCOREBOARD_ROWS; row++)
		dispatcher_timer_stop(master->dispatcher,
		    &master->slots[row].respawn_timer);
	program_supervisor_stop(master->programs, graceful,
	    master->configuration->graceful_timeout_usec);
	listener_set_close(master->listeners);
	signal_workers(master, graceful ? SIGQUIT : SIGTERM, 0);
	deadline = graceful ? master->configuration->graceful_timeout_usec +
	    GRACEFUL_KILL_GRACE : FAST_STOP_KILL_USEC;
	(void)dispatcher_timer_start(master->dispatcher, &master->kill_timer,
	    deadline, 0);
	stop_when_done(master);
}

/* Swap in a checked configuration and its listeners; old ones drain. */
static void
switch_generation(struct master *master, struct configuration *fresh,
    struct listener_set *listeners, const struct identity *identity)
{
	/* Unwatch before closing: a child may share a listener (epoll). */
	program_supervisor_unwatch(master->programs);
	/* What is left in the old set was removed from the configuration. */
	listener_set_close(master->listeners);
	free(master->listeners);
	stop_protocols(master->configuration);
	configuration_release(master->configuration);
	free(master->configuration);
	master->listeners = listeners;
	master->configuration = fresh;
	master->identity = *identity;
	master->generation++;
	listener_set_log(listeners, fresh);
	if (start_protocols(master, fresh) == -1)
		log_message(LOG_LEVEL_ERROR, "reload: a protocol's work in the "
		    "master did not start");
	if (program_supervisor_configure(master->programs, fresh,
	    listeners) == -1)
		log_errno(LOG_LEVEL_ERROR, "reload: cannot watch the program "
		    "services' listeners");
	(void)start_generation(master);	/* says what is missing */
	signal_workers(master, SIGQUIT, 1);
	log_message(LOG_LEVEL_NOTICE, "reloaded: %zu services, %zu "
	    "listeners, %u workers (generation %u)", fresh->service_count,
	    listeners->count, fresh->workers, master->generation);
}

/* SIGHUP: reload if the new configuration is valid, else keep serving. */
static void
reload(struct master *master)
{
	struct configuration	*fresh;
	struct listener_set	*listeners;
	struct identity		 identity;
	char			 error[512];

	service_manager_reloading();
	fresh = calloc(1, sizeof(*fresh));
	listeners = malloc(sizeof(*listeners));
	if (fresh == NULL || listeners == NULL) {
		(void)snprintf(error, sizeof(error), "%s", strerror(errno));
		goto refuse;
	}
	if (settings_build(master->settings, fresh, error,
	    sizeof(error)) == -1 || identity_resolve(&identity, fresh->user,
	    fresh->group, error, sizeof(error)) == -1 ||
	    listener_set_open(listeners, fresh, master->listeners, error,
	    sizeof(error)) == -1)
		goto refuse;
	switch_generation(master, fresh, listeners, &identity);
	notify_ready(master);
	return;
refuse:
	log_message(LOG_LEVEL_ERROR, "reload refused, the current "
	    "configuration stays: %s", error);
	if (fresh != NULL)
		configuration_release(fresh);
	free(fresh);
	free(listeners);
	/* Still serving, as before: the manager must not wait forever. */
	notify_ready(master);
}

/*
 * Give a log file to the workers' user, so that workers running as that
 * user (-u) can reopen it after rotation as nginx's do: the master, still
 * root, creates the new file, then hands it over before it signals them.
 */
static void
log_hand_to_workers(const struct master *master)
{
	int	fd = log_file_descriptor();

	if (fd == -1 || !master->identity.change)
		return;
	if (fchown(fd, master->identity.uid, master->identity.gid) == -1)
		log_errno(LOG_LEVEL_WARNING, "cannot give the log to user %s",
		    master->identity.name);
}

/* Every signal the master handles. */
static void
master_signal(struct dispatcher *d, int signal_number, void *arg)
{
	struct master	*master = arg;

	(void)d;
	switch (signal_number) {
	case SIGCHLD:
		reap_children(master);
		break;
	case SIGHUP:
		if (master->state == MASTER_RUNNING)
			reload(master);
		break;
	case SIGUSR1:
		if (log_reopen() == -1)
			log_errno(LOG_LEVEL_ERROR, "cannot reopen the log");
		log_hand_to_workers(master);
		signal_workers(master, SIGUSR1, 0);
		break;
	case SIGQUIT:
		begin_stop(master, 1);
		break;
	default:
		begin_stop(master, 0);
		break;
	}
}

/* The connections the workers serve, for program services' global cap. */
static uint32_t
master_worker_total(void *context)
{
	struct master	*master = context;

	return scoreboard_total(master->board);
}

/* Set up signals, the lifeline and the slots; 0 or -1 with a message. */
static int
master_prepare(struct master *master, char *error, size_t error_size)
{
	static const int	signals[] = {
		SIGCHLD, SIGHUP, SIGUSR1, SIGQUIT, SIGTERM, SIGINT
	};
	size_t			i;

	peer_wake_ignore();
	if (identity_resolve(&master->identity, master->configuration->user,
	    master->configuration->group, error, error_size) == -1)
		return -1;
	log_hand_to_workers(master);
	if ((master->board = scoreboard_create()) == NULL ||
	    (master->dispatcher = dispatcher_create(
	    master->configuration->backend[0] ?
	    master->configuration->backend : NULL)) == NULL ||
	    (master->programs = program_supervisor_create(master->dispatcher,
	    master_worker_total, master)) == NULL ||
	    pipe(master->lifeline) == -1 ||
	    descriptor_set_cloexec(master->lifeline[0]) == -1 ||
	    descriptor_set_cloexec(master->lifeline[1]) == -1)
		goto system_error;
	if (program_supervisor_configure(master->programs,
	    master->configuration, master->listeners) == -1)
		goto system_error;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (dispatcher_signal(master->dispatcher, signals[i],
		    master_signal, master) == -1)
			goto system_error;
	for (i = 0; i < SCOREBOARD_ROWS; i++) {
		master->slots[i].master = master;
		timer_init(&master->slots[i].respawn_timer, respawn_due,
		    &master->slots[i]);
	}
	timer_init(&master->kill_timer, kill_stragglers, master);
	if (notify_timer_start(master) == -1)
		goto system_error;
	peer_wake_set_lister(master_worker_pids, master);
	if (start_protocols(master, master->configuration) == -1) {
		(void)snprintf(error, error_size, "a protocol's work in the "
		    "master did not start");
		return -1;
	}
	return 0;
system_error:
	(void)snprintf(error, error_size, "%s", strerror(errno));
	return -1;
}

/*
 * Supervise until stopped.  Takes ownership of configuration and
 * listeners (both heap-allocated); returns the exit status.
 */
int
master_run(const struct settings *settings, struct configuration
    *configuration, struct listener_set *listeners, int report_fd)
{
	static struct master	master;
	char			error[512];

	master.settings = settings;
	master.configuration = configuration;
	master.listeners = listeners;
	master.report_fd = report_fd;
	master.lifeline[0] = master.lifeline[1] = -1;
	if (master_prepare(&master, error, sizeof(error)) == -1 ||
	    start_generation(&master) == -1) {
		if (master.dispatcher != NULL)
			(void)snprintf(error, sizeof(error), "cannot start the "
			    "workers");
		log_message(LOG_LEVEL_ERROR, "%s", error);
		detach_report(report_fd, error);
		signal_workers(&master, SIGKILL, 0);
		program_supervisor_free(master.programs);
		listener_set_close(listeners);
		free(listeners);
		configuration_release(configuration);
		free(configuration);
		return 1;
	}
	listener_set_log(listeners, configuration);
	log_message(LOG_LEVEL_NOTICE, "pforkd %s: %u workers, backend %s",
	    PACKAGE_VERSION, configuration->workers,
	    configuration->backend[0] ? configuration->backend : "default");
	detach_report(report_fd, NULL);
	master.report_fd = -1;
	/* Detached, the master is not the process the manager started. */
	if (!settings->foreground)
		service_manager_notify("MAINPID=%ld", (long)getpid());
	notify_ready(&master);
	if (dispatcher_run(master.dispatcher) == -1) {
		log_errno(LOG_LEVEL_ERROR, "master event loop failed");
		signal_workers(&master, SIGKILL, 0);
		master.exit_status = 1;
	}
	program_supervisor_free(master.programs);
	listener_set_close(master.listeners);
	free(master.listeners);
	stop_protocols(master.configuration);
	configuration_release(master.configuration);
	free(master.configuration);
	dispatcher_free(master.dispatcher);
	scoreboard_destroy(master.board);
	(void)close(master.lifeline[0]);
	(void)close(master.lifeline[1]);
	return master.exit_status;
}
