/*
 * hardening_test.c: what an outside audit found, kept from coming back.
 *
 * Files pforkd writes as root refuse symbolic links; nothing a process
 * inherited stays open in the master or the workers, and workers hold no
 * writable descriptor to the chat cache file; after SIGUSR1 every process
 * writes to the new log, workers running as nobody too; workers orphaned
 * by a killed master keep a new daemon off their cache file.  Each case
 * starts the real daemon on loopback and stops it by its pid.
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
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define PIDS_MAX	8
#define WAIT_MS		5000
#define MANY_SOURCES	1100	/* past the 1,024 the old table held */

struct scratch {
	char			directory[32];
	char			path[300];	/* the last scratch_path() */
	struct daemon_process	daemon;
	struct daemon_process	second;
	pid_t			orphan;		/* worker left by its master */
};

/* The path of name in the case's scratch directory. */
static const char *
scratch_path(struct scratch *scratch, const char *name)
{
	(void)snprintf(scratch->path, sizeof(scratch->path), "%s/%s",
	    scratch->directory, name);
	return scratch->path;
}

/* Write text to path, failing the case on error. */
static void
write_text(const char *path, const char *text)
{
	FILE	*file = fopen(path, "w");

	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* Whether the file at path contains needle (a missing file does not). */
static int
file_contains(const char *path, const char *needle)
{
	static char	text[65536];
	FILE		*file = fopen(path, "r");
	size_t		 length;

	if (file == NULL)
		return 0;
	length = fread(text, 1, sizeof(text) - 1, file);
	text[length] = '\0';
	(void)fclose(file);
	return strstr(text, needle) != NULL;
}

/* Wait until path contains needle; 0, or -1 after timeout_ms. */
static int
wait_file_contains(const char *path, const char *needle, int timeout_ms)
{
	uint64_t	deadline = monotonic_usec() +
			    (uint64_t)timeout_ms * 1000;

	while (!file_contains(path, needle)) {
		if (monotonic_usec() >= deadline)
			return -1;
		(void)usleep(10000);
	}
	return 0;
}

/* The pids of the workers the daemon's log (text) says it started. */
static size_t
workers_in(const char *text, pid_t *pids, size_t max)
{
	const char	*cursor = text, *space;
	size_t		 count = 0;

	while (count < max && (cursor = strstr(cursor, "worker ")) != NULL) {
		cursor += strlen("worker ");
		space = strchr(cursor, ' ');
		if (space != NULL && strncmp(space, " started", 8) == 0)
			pids[count++] = (pid_t)atol(cursor);
	}
	return count;
}

/* Whether a process with pid exists (and is not a zombie we reaped). */
static int
process_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

/*
 * Check pid's open files (Linux /proc): none is forbidden, and any that
 * is the file at read_only_path is open read-only.  The count checked.
 */
static int
check_open_files(pid_t pid, const char *forbidden, const char *read_only_path)
{
	char		 path[PATH_MAX], target[PATH_MAX], line[128];
	struct dirent	*entry;
	DIR		*listing;
	FILE		*info;
	ssize_t		 length;
	int		 count = 0;
	unsigned int	 flags;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((listing = opendir(path)) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while ((entry = readdir(listing)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%ld/fd/%s",
		    (long)pid, entry->d_name);
		if ((length = readlink(path, target, sizeof(target) - 1)) < 0)
			continue;
		target[length] = '\0';
		count++;
		if (strcmp(target, forbidden) == 0)
			fail_msg("pid %ld keeps fd %s open on %s", (long)pid,
			    entry->d_name, target);
		if (strcmp(target, read_only_path) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%s",
		    (long)pid, entry->d_name);
		assert_non_null(info = fopen(path, "r"));
		flags = 0;
		while (fgets(line, sizeof(line), info) != NULL)
			(void)sscanf(line, "flags: %o", &flags);
		(void)fclose(info);
		if ((flags & O_ACCMODE) != O_RDONLY)
			fail_msg("pid %ld holds %s open for writing (fd %s)",
			    (long)pid, target, entry->d_name);
	}
	(void)closedir(listing);
	return count;
}

/* Wait until the daemon's log names count started workers; their pids. */
static void
wait_workers(struct daemon_process *daemon, pid_t *pids, size_t count)
{
	uint64_t	deadline = monotonic_usec() + WAIT_MS * 1000;

	while (workers_in(daemon->log, pids, PIDS_MAX) < count) {
		if (monotonic_usec() >= deadline ||
		    harness_read_log(daemon, 20) == -1)
			fail_msg("%zu workers did not start; log:\n%s", count,
			    daemon->log);
	}
}

/* Files pforkd writes as root refuse a symbolic link; its target stays. */
static void
test_symbolic_links_refused(void **state)
{
	struct scratch	*scratch = *state;
	char		 victim[300], output[4096], option[400];
	const char	*pid_arguments[] = { "-d", "-p", option, "-l",
			    "echo@127.0.0.1:0", NULL };
	const char	*log_arguments[] = { "-d", "-L", option, "-l",
			    "echo@127.0.0.1:0", NULL };
	const char	*cache_arguments[] = { "-d", "-l", option, NULL };
	int		 status;

	(void)snprintf(victim, sizeof(victim), "%s",
	    scratch_path(scratch, "victim"));
	write_text(victim, "precious\n");
	assert_int_equal(symlink(victim, scratch_path(scratch, "link")), 0);

	(void)snprintf(option, sizeof(option), "%s", scratch->path);
	status = harness_run(pid_arguments, output, sizeof(output), WAIT_MS);
	assert_int_not_equal(status, 0);
	if (strstr(output, "symbolic link") == NULL)
		fail_msg("pid file: %s", output);

	(void)snprintf(option, sizeof(option), "file:%s",
	    scratch_path(scratch, "link"));
	status = harness_run(log_arguments, output, sizeof(output), WAIT_MS);
	assert_int_not_equal(status, 0);
	if (strstr(output, "symbolic link") == NULL)
		fail_msg("log file: %s", output);

	(void)snprintf(option, sizeof(option), "chat@127.0.0.1:0,"
	    "cache-file=%s", scratch_path(scratch, "link"));
	status = harness_run(cache_arguments, output, sizeof(output), WAIT_MS);
	assert_int_not_equal(status, 0);
	if (strstr(output, "symbolic link") == NULL)
		fail_msg("cache file: %s", output);

	assert_true(file_contains(victim, "precious\n"));
}

/*
 * A descriptor the starter leaves open reaches neither the master nor a
 * worker, and the chat cache file is open read-only in every process.
 */
static void
test_descriptor_hygiene(void **state)
{
	struct scratch	*scratch = *state;
	char		 inherited[300], cache[300], option[400];
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l",
			    "echo@127.0.0.1:0", "-l", option, NULL };
	pid_t		 workers[PIDS_MAX];
	size_t		 i;
	int		 leak;

	(void)snprintf(inherited, sizeof(inherited), "%s",
	    scratch_path(scratch, "inherited"));
	(void)snprintf(cache, sizeof(cache), "%s",
	    scratch_path(scratch, "chat.cache"));
	(void)snprintf(option, sizeof(option), "chat@127.0.0.1:0,"
	    "cache-file=%s", cache);
	/* Opened without O_CLOEXEC: the daemon starts with it open. */
	leak = open(inherited, O_WRONLY | O_CREAT, 0600);
	assert_true(leak > 2);
	assert_int_equal(harness_start(&scratch->daemon, arguments, 2), 0);
	(void)close(leak);
	wait_workers(&scratch->daemon, workers, 2);
	assert_true(check_open_files(scratch->daemon.pid, inherited,
	    cache) > 0);
	for (i = 0; i < 2; i++)
		assert_true(check_open_files(workers[i], inherited,
		    cache) > 0);
	assert_int_equal(harness_stop(&scratch->daemon, SIGTERM, WAIT_MS), 0);
}

/* Send one line through the echo service on port; fails the case. */
static void
echo_once(int port)
{
	char	reply[6];
	int	fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
	assert_int_equal(harness_read_exact(fd, reply, 6, WAIT_MS), 0);
	(void)close(fd);
}

/*
 * Log rotation with workers running as nobody: after the file is moved
 * away and SIGUSR1 sent, the workers' lines go to the new file.
 */
static void
test_log_rotation_as_nobody(void **state)
{
	struct scratch	*scratch = *state;
	char		 log[300], rotated[300], target[320], listen[64];
	const char	*arguments[] = { "-d", "-v", "-w", "1", "-u", "nobody",
			    "-L", target, "-l", listen, NULL };
	int		 port = harness_free_port(SOCK_STREAM);

	/* Workers running as nobody must reach the log's directory. */
	assert_int_equal(chmod(scratch->directory, 0711), 0);
	(void)snprintf(log, sizeof(log), "%s", scratch_path(scratch, "log"));
	(void)snprintf(rotated, sizeof(rotated), "%s",
	    scratch_path(scratch, "log.1"));
	(void)snprintf(target, sizeof(target), "file:%s", log);
	(void)snprintf(listen, sizeof(listen), "echo@127.0.0.1:%d", port);
	assert_int_equal(harness_start(&scratch->daemon, arguments, 0), 0);
	if (wait_file_contains(log, " started", WAIT_MS) == -1)
		fail_msg("no worker started");
	echo_once(port);
	assert_int_equal(wait_file_contains(log, "closed after", WAIT_MS), 0);

	assert_int_equal(rename(log, rotated), 0);
	assert_int_equal(kill(scratch->daemon.pid, SIGUSR1), 0);
	/* The master makes the new file, then signals the workers. */
	if (wait_file_contains(log, "", WAIT_MS) == -1)
		fail_msg("SIGUSR1 made no new log file");
	(void)usleep(200000);
	echo_once(port);
	if (wait_file_contains(log, "closed after", WAIT_MS) == -1)
		fail_msg("the worker did not write to the new log");
	assert_false(file_contains(rotated, "cannot reopen"));
	assert_false(file_contains(log, "cannot reopen"));
	assert_int_equal(harness_stop(&scratch->daemon, SIGTERM, WAIT_MS), 0);
}

/*
 * Workers orphaned by a master killed with SIGKILL keep their cache file:
 * a new daemon on it is refused, with a message, until they are gone.
 */
static void
test_orphans_keep_cache_file(void **state)
{
	struct scratch	*scratch = *state;
	char		 option[400], output[4096];
	const char	*arguments[] = { "-d", "-v", "-w", "1", "-l", option,
			    NULL };
	const char	*request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char		 reply[12];
	pid_t		 workers[PIDS_MAX];
	uint64_t	 deadline;
	int		 client;

	(void)snprintf(option, sizeof(option), "chat@127.0.0.1:0,"
	    "cache-file=%s", scratch_path(scratch, "chat.cache"));
	assert_int_equal(harness_start(&scratch->daemon, arguments, 1), 0);
	wait_workers(&scratch->daemon, workers, 1);
	/* A served keep-alive connection keeps the orphan draining. */
	client = harness_connect("127.0.0.1", scratch->daemon.ports[0]);
	assert_true(client >= 0);
	assert_int_equal(harness_write_all(client, request,
	    strlen(request)), 0);
	assert_int_equal(harness_read_exact(client, reply, 12, WAIT_MS), 0);
	assert_memory_equal(reply, "HTTP/1.1 200", 12);
	(void)harness_stop(&scratch->daemon, SIGKILL, WAIT_MS);
	scratch->orphan = workers[0];
	assert_true(process_alive(workers[0]));

	assert_int_not_equal(harness_run(arguments, output, sizeof(output),
	    WAIT_MS), 0);
	if (strstr(output, "in use by another process") == NULL)
		fail_msg("second daemon: %s", output);

	assert_int_equal(kill(workers[0], SIGKILL), 0);
	deadline = monotonic_usec() + WAIT_MS * 1000;
	while (process_alive(workers[0]) && monotonic_usec() < deadline)
		(void)usleep(10000);
	scratch->orphan = 0;
	(void)close(client);
	assert_int_equal(harness_start(&scratch->second, arguments, 1), 0);
	assert_int_equal(harness_stop(&scratch->second, SIGTERM, WAIT_MS), 0);
}

/* The pid in the pid file at path, or 0 (waits up to WAIT_MS for it). */
static pid_t
read_pid_file(const char *path)
{
	uint64_t	 deadline = monotonic_usec() + WAIT_MS * 1000;
	char		 text[32];
	FILE		*file;

	while ((file = fopen(path, "r")) == NULL &&
	    monotonic_usec() < deadline)
		(void)usleep(10000);
	if (file == NULL)
		return 0;
	text[0] = '\0';
	(void)fgets(text, sizeof(text), file);
	(void)fclose(file);
	return (pid_t)atol(text);
}

/* Stop the detached daemon pid with SIGTERM, SIGKILL after WAIT_MS. */
static void
stop_detached(pid_t pid)
{
	uint64_t	deadline = monotonic_usec() + WAIT_MS * 1000;

	(void)kill(pid, SIGTERM);
	while (process_alive(pid) && monotonic_usec() < deadline)
		(void)usleep(10000);
	if (process_alive(pid)) {
		(void)kill(pid, SIGKILL);
		fail_msg("detached pforkd %ld did not stop", (long)pid);
	}
}

/*
 * Relative paths mean the directory pforkd was started in, before and
 * after it detaches: -f, -p, -L file:, and a service's file, cache-file
 * and assets, at start-up and on reload.
 */
static void
test_relative_paths_detached(void **state)
{
	struct scratch	*scratch = *state;
	char		 here[PATH_MAX], configuration[1024], output[4096];
	char		 poem[16];
	const char	*arguments[] = { "-f", "rel.conf", "-p", "rel.pid",
			    "-L", "file:rel.log", "-v", NULL };
	int		 echo_port = harness_free_port(SOCK_STREAM);
	int		 poetry_port = harness_free_port(SOCK_STREAM);
	int		 chat_port = harness_free_port(SOCK_STREAM), fd;
	pid_t		 pid;

	assert_int_equal(mkdir(scratch_path(scratch, "assets"), 0755), 0);
	write_text(scratch_path(scratch, "assets/index.html"), "<p>@XSRF@ "
	    "@MESSAGES@</p>\n");
	write_text(scratch_path(scratch, "assets/chat.js"), "\n");
	write_text(scratch_path(scratch, "assets/chat.css"), "\n");
	write_text(scratch_path(scratch, "poem.txt"), "relative verse\n");
	(void)snprintf(configuration, sizeof(configuration), "workers 1\n"
	    "service echo {\n listen 127.0.0.1:%d\n}\n"
	    "service poetry {\n listen 127.0.0.1:%d\n file poem.txt\n"
	    " delay 0\n}\n"
	    "service chat {\n listen 127.0.0.1:%d\n cache-file chat.cache\n"
	    " assets assets\n}\n", echo_port, poetry_port, chat_port);
	write_text(scratch_path(scratch, "rel.conf"), configuration);

	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(scratch->directory), 0);
	if (harness_run(arguments, output, sizeof(output), WAIT_MS) != 0) {
		assert_int_equal(chdir(here), 0);
		fail_msg("pforkd did not start: %s", output);
	}
	assert_int_equal(chdir(here), 0);
	pid = read_pid_file(scratch_path(scratch, "rel.pid"));
	assert_true(pid > 1);
	assert_int_equal(access(scratch_path(scratch, "chat.cache"), F_OK), 0);
	assert_int_equal(kill(pid, SIGHUP), 0);
	if (wait_file_contains(scratch_path(scratch, "rel.log"), "reloaded",
	    WAIT_MS) == -1)
		fail_msg("the reload did not happen");
	assert_false(file_contains(scratch->path, "reload refused"));
	echo_once(echo_port);
	fd = harness_connect("127.0.0.1", poetry_port);
	assert_true(fd >= 0);
	assert_int_equal(harness_read_exact(fd, poem, 15, WAIT_MS), 0);
	assert_memory_equal(poem, "relative verse\n", 15);
	(void)close(fd);
	stop_detached(pid);
	assert_int_not_equal(access(scratch_path(scratch, "rel.pid"), F_OK),
	    0);
}

/* Whether the server closes fd (refused) within timeout_ms: 1, else 0. */
static int
closed_by_server(int fd, int timeout_ms)
{
	char	byte;

	return harness_read_until_eof(fd, &byte, 1, timeout_ms) == 0;
}

/*
 * Caps count the workers of an older generation still draining: with
 * max-connections 2 held by the old worker, a reload admits nothing new
 * until one of them closes.
 */
static void
test_caps_across_reload(void **state)
{
	struct scratch	*scratch = *state;
	char		 configuration[320];
	const char	*arguments[] = { "-d", "-v", "-w", "1", "-f",
			    configuration, NULL };
	int		 port = harness_free_port(SOCK_STREAM), held[2], extra;
	int		 i;

	(void)snprintf(configuration, sizeof(configuration), "%s",
	    scratch_path(scratch, "caps.conf"));
	(void)snprintf(scratch->path, sizeof(scratch->path),
	    "graceful-timeout 30\nservice echo {\n listen 127.0.0.1:%d\n"
	    " max-connections 2\n}\n", port);
	write_text(configuration, scratch->path);
	assert_int_equal(harness_start(&scratch->daemon, arguments, 1), 0);
	for (i = 0; i < 2; i++) {
		held[i] = harness_connect("127.0.0.1", port);
		assert_true(held[i] >= 0);
		assert_int_equal(harness_write_all(held[i], "x", 1), 0);
		assert_int_equal(harness_read_exact(held[i], configuration, 1,
		    WAIT_MS), 0);
	}
	assert_int_equal(kill(scratch->daemon.pid, SIGHUP), 0);
	if (harness_wait_log(&scratch->daemon, "reloaded", WAIT_MS) == -1)
		fail_msg("no reload: %s", scratch->daemon.log);
	/* The new worker must see the old one's two connections. */
	extra = harness_connect("127.0.0.1", port);
	assert_true(extra >= 0);
	if (!closed_by_server(extra, WAIT_MS))
		fail_msg("a third connection was admitted after the reload");
	(void)close(extra);
	assert_int_equal(harness_wait_log(&scratch->daemon,
	    "service max-connections reached", WAIT_MS), 0);
	(void)close(held[0]);
	(void)usleep(200000);
	extra = harness_connect("127.0.0.1", port);
	assert_true(extra >= 0);
	assert_int_equal(harness_write_all(extra, "y", 1), 0);
	assert_int_equal(harness_read_exact(extra, configuration, 1, WAIT_MS),
	    0);
	(void)close(extra);
	(void)close(held[1]);
	assert_int_equal(harness_stop(&scratch->daemon, SIGTERM, WAIT_MS), 0);
}

/*
 * More distinct sources than the old fixed table held (1,024), with
 * per-source-max 1: every one is admitted, none refused for want of room.
 */
static void
test_many_sources_admitted(void **state)
{
	struct scratch	*scratch = *state;
	char		 listen[96], reply;
	const char	*arguments[] = { "-d", "-w", "1", "-l", listen, NULL };
	int		*fds;
	unsigned int	 i;

	(void)snprintf(listen, sizeof(listen), "echo@127.0.0.1:0,"
	    "per-source-max=1");
	assert_int_equal(harness_start(&scratch->daemon, arguments, 1), 0);
	fds = calloc(MANY_SOURCES, sizeof(*fds));
	assert_non_null(fds);
	for (i = 0; i < MANY_SOURCES; i++)
		if ((fds[i] = harness_connect_from(scratch->daemon.ports[0],
		    i)) == -1)
			fail_msg("connect from source %u: %s", i,
			    strerror(errno));
	for (i = 0; i < MANY_SOURCES; i++) {
		if (harness_write_all(fds[i], "s", 1) == -1 ||
		    harness_read_exact(fds[i], &reply, 1, WAIT_MS) == -1)
			fail_msg("source %u was refused: %s", i,
			    strstr(scratch->daemon.log, "refused") ?
			    strstr(scratch->daemon.log, "refused") : "");
	}
	/* A second connection from one source is still refused. */
	i = (unsigned int)harness_connect_from(scratch->daemon.ports[0], 7);
	assert_true((int)i >= 0);
	assert_true(closed_by_server((int)i, WAIT_MS));
	(void)close((int)i);
	for (i = 0; i < MANY_SOURCES; i++)
		(void)close(fds[i]);
	free(fds);
	assert_int_equal(harness_stop(&scratch->daemon, SIGTERM, WAIT_MS), 0);
}

/* A scratch directory for the case. */
static int
setup(void **state)
{
	struct scratch	*scratch = calloc(1, sizeof(*scratch));

	if (scratch == NULL)
		return -1;
	(void)snprintf(scratch->directory, sizeof(scratch->directory),
	    "/tmp/pforkd-hardening.XXXXXX");
	if (mkdtemp(scratch->directory) == NULL) {
		free(scratch);
		return -1;
	}
	scratch->daemon.pid = scratch->second.pid = -1;
	*state = scratch;
	return 0;
}

/*
 * Stop what a failed case left running, by pid: its daemons, the detached
 * one whose pid is in rel.pid, an orphaned worker; remove the scratch.
 */
static int
teardown(void **state)
{
	struct scratch	*scratch = *state;

	harness_stop_leftover(&scratch->daemon);
	harness_stop_leftover(&scratch->second);
	(void)harness_stop_detached(scratch_path(scratch, "rel.pid"),
	    HARNESS_LEFTOVER_MS);
	if (scratch->orphan > 0 && process_alive(scratch->orphan))
		(void)kill(scratch->orphan, SIGKILL);
	(void)test_remove_tree(scratch->directory);
	free(scratch);
	return 0;
}

/*
 * Cases that cannot run here are left out with a note: cmocka prints a
 * skipped case as "not ok # SKIP", which automake's TAP driver counts as
 * a failure.
 */
int
main(void)
{
	struct CMUnitTest	tests[7];
	struct rlimit		limit;
	size_t			count = 0;

	(void)signal(SIGPIPE, SIG_IGN);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_caps_across_reload, setup, teardown);
	/* The daemon inherits the raised limit: both ends need the fds. */
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	    limit.rlim_max >= 2 * MANY_SOURCES + 64) {
		limit.rlim_cur = 2 * MANY_SOURCES + 64;
		(void)setrlimit(RLIMIT_NOFILE, &limit);
		tests[count++] = (struct CMUnitTest)
		    cmocka_unit_test_setup_teardown(test_many_sources_admitted,
		    setup, teardown);
	} else
		(void)printf("# skipped many sources: the fd limit is too "
		    "low\n");
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_symbolic_links_refused, setup, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_orphans_keep_cache_file, setup, teardown);
	tests[count++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
	    test_relative_paths_detached, setup, teardown);
	/* Linux /proc lists a process's descriptors. */
	if (access("/proc/self/fdinfo", R_OK) == 0)
		tests[count++] = (struct CMUnitTest)
		    cmocka_unit_test_setup_teardown(test_descriptor_hygiene,
		    setup, teardown);
	else
		(void)printf("# skipped descriptor hygiene: no /proc\n");
	if (geteuid() == 0)
		tests[count++] = (struct CMUnitTest)
		    cmocka_unit_test_setup_teardown(
		    test_log_rotation_as_nobody, setup, teardown);
	else
		(void)printf("# skipped log rotation as nobody: not root\n");
	return _cmocka_run_group_tests("hardening", tests, count, NULL,
	    NULL);
}
