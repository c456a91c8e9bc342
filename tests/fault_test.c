/*
 * fault_test.c: the real daemon under faults, over loopback.
 *
 *   - a worker killed with SIGKILL under an echo load: only its own
 *     connections fail, the others' echo on, a new worker takes its place;
 *   - SIGHUP during a connect/echo/close loop: no connection refused,
 *     reset or cut short;
 *   - SIGQUIT while a poetry client is mid-poem: it gets the whole poem
 *     within graceful-timeout, and the daemon exits 0;
 *   - the master killed with SIGKILL: the workers leave by themselves
 *     within graceful-timeout, and a new daemon binds the same port at
 *     once;
 *   - RLIMIT_NOFILE exhausted: more clients than descriptors, and the
 *     daemon does not spin (its CPU time over two seconds stays low), and
 *     serves again once the clients leave;
 *   - a reload that finds no free worker slot, three generations of 64
 *     workers still there: the missing workers start as the old ones
 *     leave, and the daemon serves on.
 *
 * Every loop is bounded in count and time, only 127.0.0.1 is used, and
 * only the daemons started here and their workers are signalled, by pid.
 * The figures go out as TAP comments.  Worker lists and CPU times come from
 * /proc: without it, the cases that need it are left out.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define WORKERS_MAX		256	/* every scoreboard row and more */
#define LOAD_CONNECTIONS	24
#define LOAD_ROUNDS		40
#define LOAD_KILL_ROUND		10
#define RELOAD_LOOP_MAX		6000	/* client TIME_WAITs: ports */
#define RELOAD_PACE_USEC	300
#define RELOAD_LOOP_MS		1600
#define RELOAD_EVERY_MS		500	/* the first at 100 ms */
#define RELOADS			3
#define GRACEFUL_SECONDS	3
#define NOFILE_LIMIT		32
#define NOFILE_CLIENTS		120
#define SPIN_WINDOW_MS		2000
#define SPIN_CPU_MS_MAX		200
#define ECHO_WAIT_MS		2000
#define SLOT_WORKERS		64	/* CONFIGURATION_WORKERS_MAX */
#define SLOT_GENERATIONS	3	/* 3 x 64: every scoreboard row */
#define SLOT_WAIT_MS		20000

/* One test's daemon, its workers and its scratch folder. */
struct fault {
	struct daemon_process	daemon;
	pid_t			workers[WORKERS_MAX];
	size_t			worker_count;
	char			folder[64];
};

static struct fault	fault;

/* Milliseconds since an earlier monotonic_usec(). */
static unsigned long
ms_since(uint64_t start)
{
	return (unsigned long)((monotonic_usec() - start) / 1000);
}

/* Sleep for usec microseconds. */
static void
sleep_usec(long usec)
{
	struct timespec	pause = { usec / 1000000, (usec % 1000000) * 1000L };

	while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
		continue;
}

/*
 * Read /proc/PID/stat: the parent, the state letter and the user plus
 * system CPU time in clock ticks; 0, or -1 when the process is gone.
 */
static int
proc_stat(pid_t pid, pid_t *parent, char *state, unsigned long long *ticks)
{
	char			 path[64], line[1024], *after;
	unsigned long long	 user, system;
	long			 ppid;
	FILE			*file;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((file = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), file) == NULL) {
		(void)fclose(file);
		return -1;
	}
	(void)fclose(file);
	/* The command may hold spaces and parentheses: start after the last. */
	if ((after = strrchr(line, ')')) == NULL ||
	    sscanf(after + 1, " %c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", state, &ppid, &user, &system) != 4)
		return -1;
	*parent = (pid_t)ppid;
	*ticks = user + system;
	return 0;
}

/* Whether pid is gone: no such process, or a zombie nobody reaped yet. */
static int
process_gone(pid_t pid)
{
	unsigned long long	ticks;
	pid_t			parent;
	char			state;

	return proc_stat(pid, &parent, &state, &ticks) == -1 || state == 'Z';
}

/* List the children of parent into fault.workers; how many. */
static size_t
find_workers(pid_t parent)
{
	unsigned long long	 ticks;
	struct dirent		*entry;
	DIR			*proc;
	pid_t			 pid, ppid;
	char			 state;

	fault.worker_count = 0;
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while ((entry = readdir(proc)) != NULL &&
	    fault.worker_count < WORKERS_MAX) {
		if ((pid = (pid_t)atol(entry->d_name)) <= 0)
			continue;
		if (proc_stat(pid, &ppid, &state, &ticks) == 0 &&
		    ppid == parent && state != 'Z')
			fault.workers[fault.worker_count++] = pid;
	}
	(void)closedir(proc);
	return fault.worker_count;
}

/* Wait until the master has count live workers; 0 or -1. */
static int
wait_workers(size_t count, int timeout_ms)
{
	uint64_t	start = monotonic_usec();

	while (find_workers(fault.daemon.pid) != count) {
		if (ms_since(start) > (unsigned long)timeout_ms)
			return -1;
		sleep_usec(20000);
	}
	return 0;
}

/* CPU time of the master and its workers, in milliseconds. */
static unsigned long long
daemon_cpu_ms(void)
{
	unsigned long long	ticks, total = 0;
	pid_t			parent;
	size_t			i;
	char			state;

	if (proc_stat(fault.daemon.pid, &parent, &state, &ticks) == 0)
		total += ticks;
	for (i = 0; i < fault.worker_count; i++)
		if (proc_stat(fault.workers[i], &parent, &state, &ticks) == 0)
			total += ticks;
	return total * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK);
}

/* Write text to name in the scratch folder; its path goes to path. */
static void
write_scratch(const char *name, const char *text, char *path, size_t size)
{
	FILE	*file;

	(void)snprintf(path, size, "%s/%s", fault.folder, name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
}

/* Send a line and read it back within the echo wait; 0 or -1. */
static int
echo_round(int fd, const char *line)
{
	char	back[256];
	size_t	length = strlen(line);

	if (harness_write_all(fd, line, length) == -1 ||
	    harness_read_exact(fd, back, length, ECHO_WAIT_MS) == -1)
		return -1;
	return memcmp(back, line, length) == 0 ? 0 : -1;
}

/* A new connection echoes a line within the echo wait; 0 or -1. */
static int
echo_once(int port)
{
	int	fd, result;

	if ((fd = harness_connect("127.0.0.1", port)) == -1)
		return -1;
	result = echo_round(fd, "ping\n");
	(void)close(fd);
	return result;
}

/*
 * The socket inode of the server's end of a loopback connection from
 * client_port to server_port, from /proc/net/tcp; 0 if not found.
 */
static unsigned long
server_inode(unsigned int server_port, unsigned int client_port)
{
	char		 line[512];
	unsigned int	 local, remote;
	unsigned long	 inode, found = 0;
	FILE		*file;

	if ((file = fopen("/proc/net/tcp", "r")) == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof(line), file) != NULL)
		if (sscanf(line, " %*d: %*x:%x %*x:%x %*x %*x:%*x %*x:%*x "
		    "%*x %*u %*u %lu", &local, &remote, &inode) == 3 &&
		    local == server_port && remote == client_port)
			found = inode;
	(void)fclose(file);
	return found;
}

/* Whether process pid holds the socket with this inode. */
static int
holds_socket(pid_t pid, unsigned long inode)
{
	struct dirent	*entry;
	DIR		*fds;
	char		 path[320], link[64], want[64];
	ssize_t		 length;
	int		 held = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	(void)snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((fds = opendir(path)) == NULL)
		return 0;
	while (!held && (entry = readdir(fds)) != NULL) {
		(void)snprintf(path, sizeof(path), "/proc/%ld/fd/%s",
		    (long)pid, entry->d_name);
		length = readlink(path, link, sizeof(link) - 1);
		if (length > 0) {
			link[length] = '\0';
			held = strcmp(link, want) == 0;
		}
	}
	(void)closedir(fds);
	return held;
}

/* Which worker (an index) serves the connection fd; -1 if unknown. */
static int
worker_serving(int fd, int port)
{
	unsigned long	inode;
	size_t		i;

	if ((inode = server_inode((unsigned int)port, test_local_port(fd))) == 0)
		return -1;
	for (i = 0; i < fault.worker_count; i++)
		if (holds_socket(fault.workers[i], inode))
			return (int)i;
	return -1;
}

/* Start the daemon with arguments and learn its workers, given /proc. */
static void
start_daemon(const char *const *arguments, size_t workers)
{
	assert_int_equal(harness_start(&fault.daemon, arguments, 1), 0);
	if (access("/proc/self/stat", R_OK) == 0)
		assert_int_equal(wait_workers(workers, 5000), 0);
}

/* A worker killed under load: only its own connections notice. */
static void
test_worker_killed_under_load(void **state)
{
	const char	*arguments[] = { "-d", "-w", "3", "-l",
			    "echo@127.0.0.1:0", NULL };
	int		 fds[LOAD_CONNECTIONS], owner[LOAD_CONNECTIONS];
	int		 failed[LOAD_CONNECTIONS], port, victim = 0;
	unsigned int	 per_worker[WORKERS_MAX] = { 0 };
	unsigned int	 victim_errors = 0, other_errors = 0, rounds = 0;
	char		 line[64];
	size_t		 i, round;

	(void)state;
	start_daemon(arguments, 3);
	port = fault.daemon.ports[0];
	for (i = 0; i < LOAD_CONNECTIONS; i++) {
		fds[i] = harness_connect("127.0.0.1", port);
		assert_true(fds[i] != -1);
		assert_int_equal(echo_round(fds[i], "hello\n"), 0);
		owner[i] = worker_serving(fds[i], port);
		assert_true(owner[i] >= 0);
		per_worker[owner[i]]++;
		failed[i] = 0;
	}
	for (i = 1; i < fault.worker_count; i++)
		if (per_worker[i] > per_worker[victim])
			victim = (int)i;
	for (round = 0; round < LOAD_ROUNDS; round++) {
		if (round == LOAD_KILL_ROUND)
			assert_int_equal(kill(fault.workers[victim], SIGKILL), 0);
		for (i = 0; i < LOAD_CONNECTIONS; i++) {
			if (failed[i])
				continue;
			(void)snprintf(line, sizeof(line), "round %zu of %zu\n",
			    round, i);
			if (echo_round(fds[i], line) == 0) {
				rounds++;
				continue;
			}
			failed[i] = 1;
			if (owner[i] == victim)
				victim_errors++;
			else
				other_errors++;
		}
	}
	for (i = 0; i < LOAD_CONNECTIONS; i++)
		(void)close(fds[i]);
	print_message("# worker kill: %d connections, %u/%u/%u per worker, "
	    "killed the one with %u: %u of its connections cut, %u errors "
	    "elsewhere, %u round trips\n", LOAD_CONNECTIONS, per_worker[0],
	    per_worker[1], per_worker[2], per_worker[victim], victim_errors,
	    other_errors, rounds);
	assert_int_equal(other_errors, 0);
	assert_int_equal(victim_errors, per_worker[victim]);
	/* The master puts a new worker in its place. */
	assert_int_equal(wait_workers(3, 5000), 0);
	assert_int_equal(echo_once(port), 0);
	assert_int_equal(harness_stop(&fault.daemon, SIGTERM, 3000), 0);
}

/* One connect, echo, close; counts what went wrong into the counters. */
static void
connect_echo_close(int port, unsigned int *refused, unsigned int *reset,
    unsigned int *cut)
{
	int	fd;

	if ((fd = harness_connect("127.0.0.1", port)) == -1) {
		(*refused)++;
		return;
	}
	errno = 0;
	if (echo_round(fd, "x\n") == -1) {
		if (errno == ECONNRESET || errno == EPIPE)
			(*reset)++;
		else
			(*cut)++;
	}
	(void)close(fd);
}

/* How many times needle occurs in text. */
static unsigned int
count_in(const char *text, const char *needle)
{
	unsigned int	count = 0;

	while ((text = strstr(text, needle)) != NULL) {
		count++;
		text += strlen(needle);
	}
	return count;
}

/* SIGHUP during a connect/echo/close loop: nothing refused or reset. */
static void
test_reload_under_connections(void **state)
{
	const char	*arguments[] = { "-d", "-w", "2", "-l",
			    "echo@127.0.0.1:0", NULL };
	unsigned int	 refused = 0, reset = 0, cut = 0, made = 0;
	unsigned int	 reloads = 0;
	uint64_t	 start, deadline;
	int		 port;

	(void)state;
	start_daemon(arguments, 2);
	port = fault.daemon.ports[0];
	start = monotonic_usec();
	while (made < RELOAD_LOOP_MAX && ms_since(start) < RELOAD_LOOP_MS) {
		if (reloads < RELOADS && ms_since(start) >= 100 +
		    reloads * RELOAD_EVERY_MS) {
			assert_int_equal(kill(fault.daemon.pid, SIGHUP), 0);
			reloads++;
		}
		connect_echo_close(port, &refused, &reset, &cut);
		if (++made % 64 == 0)
			(void)harness_read_log(&fault.daemon, 0);
		sleep_usec(RELOAD_PACE_USEC);
	}
	deadline = monotonic_usec() + 3000 * 1000;
	while (count_in(fault.daemon.log, "reloaded") < reloads &&
	    monotonic_usec() < deadline)
		(void)harness_read_log(&fault.daemon, 100);
	print_message("# reload: %u connections in %lu ms across %u SIGHUPs "
	    "(%u reloads logged): %u refused, %u reset, %u cut short\n", made,
	    ms_since(start), reloads, count_in(fault.daemon.log, "reloaded"),
	    refused, reset, cut);
	assert_int_equal(refused + reset + cut, 0);
	assert_int_equal(reloads, RELOADS);
	assert_int_equal(count_in(fault.daemon.log, "reloaded"), RELOADS);
	assert_int_equal(harness_stop(&fault.daemon, SIGTERM, 3000), 0);
}

/* SIGQUIT mid-poem: the client still gets the whole poem, then EOF. */
static void
test_graceful_stop_mid_poem(void **state)
{
	static char	 poem[4096], got[8192];
	const char	*arguments[] = { "-d", "-f", NULL, NULL };
	char		 poem_path[128], conf_path[128], conf[512];
	uint64_t	 signalled;
	ssize_t		 length;
	size_t		 i, first = 40;
	int		 fd, status;

	(void)state;
	for (i = 0; i + 1 < 1200; i++)
		poem[i] = i % 60 == 59 ? '\n' : (char)('a' + i % 26);
	poem[i] = '\0';
	write_scratch("poem.txt", poem, poem_path, sizeof(poem_path));
	(void)snprintf(conf, sizeof(conf), "graceful-timeout %d\n"
	    "workers 2\n"
	    "service poetry {\n\tlisten 127.0.0.1:0\n\tfile %s\n"
	    "\tbytes 40\n\tdelay 0.03\n}\n", GRACEFUL_SECONDS, poem_path);
	write_scratch("poetry.conf", conf, conf_path, sizeof(conf_path));
	arguments[2] = conf_path;
	start_daemon(arguments, 2);
	fd = harness_connect("127.0.0.1", fault.daemon.ports[0]);
	assert_true(fd != -1);
	assert_int_equal(harness_read_exact(fd, got, first, 2000), 0);
	signalled = monotonic_usec();
	assert_int_equal(kill(fault.daemon.pid, SIGQUIT), 0);
	length = harness_read_until_eof(fd, got + first, sizeof(got) - first,
	    (GRACEFUL_SECONDS + 2) * 1000);
	(void)close(fd);
	status = harness_stop(&fault.daemon, 0, (GRACEFUL_SECONDS + 3) * 1000);
	print_message("# graceful stop: %zd bytes after SIGQUIT, poem of %zu, "
	    "EOF %lu ms after the signal, daemon exit %d\n", length,
	    strlen(poem), ms_since(signalled), status);
	assert_true(length >= 0);
	assert_int_equal((size_t)length + first, strlen(poem));
	assert_memory_equal(got, poem, strlen(poem));
	assert_int_equal(status, 0);
}

/* The master killed: the workers leave, the port is free again at once. */
static void
test_master_killed(void **state)
{
	const char	*arguments[] = { "-d", "-f", NULL, NULL };
	char		 conf_path[128], conf[256], listen[64];
	const char	*again[] = { "-d", "-w", "1", "-l", listen, NULL };
	uint64_t	 killed;
	size_t		 i, left = 0;
	int		 fd, port, status;

	(void)state;
	(void)snprintf(conf, sizeof(conf), "graceful-timeout %d\nworkers 2\n"
	    "service echo {\n\tlisten 127.0.0.1:0\n}\n", GRACEFUL_SECONDS);
	write_scratch("echo.conf", conf, conf_path, sizeof(conf_path));
	arguments[2] = conf_path;
	start_daemon(arguments, 2);
	port = fault.daemon.ports[0];
	/* A connection left open: a worker drains it, within the deadline. */
	fd = harness_connect("127.0.0.1", port);
	assert_true(fd != -1);
	assert_int_equal(echo_round(fd, "before\n"), 0);
	killed = monotonic_usec();
	assert_int_equal(kill(fault.daemon.pid, SIGKILL), 0);
	assert_int_equal(waitpid(fault.daemon.pid, &status, 0),
	    fault.daemon.pid);
	fault.daemon.pid = -1;
	(void)close(fault.daemon.log_fd);
	do {
		for (i = 0, left = 0; i < fault.worker_count; i++)
			left += !process_gone(fault.workers[i]);
		if (left > 0)
			sleep_usec(20000);
	} while (left > 0 && ms_since(killed) < (GRACEFUL_SECONDS + 3) *
	    1000UL);
	print_message("# master kill: %zu workers gone %lu ms after SIGKILL "
	    "(graceful-timeout %d s), %zu left\n", fault.worker_count,
	    ms_since(killed), GRACEFUL_SECONDS, left);
	(void)close(fd);
	assert_int_equal(left, 0);
	fault.worker_count = 0;
	(void)snprintf(listen, sizeof(listen), "echo@127.0.0.1:%d", port);
	killed = monotonic_usec();
	assert_int_equal(harness_start(&fault.daemon, again, 1), 0);
	print_message("# master kill: a new daemon bound port %d after %lu "
	    "ms\n", port, ms_since(killed));
	assert_int_equal(fault.daemon.ports[0], port);
	assert_int_equal(echo_once(port), 0);
	assert_int_equal(harness_stop(&fault.daemon, SIGTERM, 3000), 0);
}

/* Start a non-blocking connect to 127.0.0.1:port; the fd or -1. */
static int
connect_nonblocking(int port)
{
	struct sockaddr_in	address;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)port);
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) ==
	    -1 && errno != EINPROGRESS) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Start the daemon with its descriptors limited to NOFILE_LIMIT. */
static void
start_limited_daemon(const char *const *arguments)
{
	struct rlimit	saved, limited;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	limited = saved;
	limited.rlim_cur = NOFILE_LIMIT;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &limited), 0);
	/* The daemon inherits the limit; this process gets its own back. */
	(void)harness_start(&fault.daemon, arguments, 1);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_true(fault.daemon.pid > 0 && fault.daemon.port_count == 1);
	assert_int_equal(wait_workers(1, 5000), 0);
}

/* More clients than descriptors: no spin, and service comes back. */
static void
test_descriptor_exhaustion(void **state)
{
	const char		*arguments[] = { "-d", "-w", "1", "-l",
				    "echo@127.0.0.1:0", NULL };
	int			 fds[NOFILE_CLIENTS];
	unsigned long long	 before, cpu;
	unsigned int		 opened = 0, served = 0;
	uint64_t		 start;
	size_t			 i;
	int			 port, recovered = -1;

	(void)state;
	start_limited_daemon(arguments);
	port = fault.daemon.ports[0];
	for (i = 0; i < NOFILE_CLIENTS; i++)
		if ((fds[i] = connect_nonblocking(port)) != -1)
			opened++;
	sleep_usec(300000);		/* let the worker accept what it can */
	before = daemon_cpu_ms();
	sleep_usec(SPIN_WINDOW_MS * 1000L);
	cpu = daemon_cpu_ms() - before;
	/* The first clients were accepted: they echo. */
	for (i = 0; i < 4; i++)
		if (fds[i] != -1 && echo_round(fds[i], "early\n") == 0)
			served++;
	for (i = 0; i < NOFILE_CLIENTS; i++)
		if (fds[i] != -1)
			(void)close(fds[i]);
	start = monotonic_usec();
	while (recovered == -1 && ms_since(start) < 5000) {
		recovered = echo_once(port);
		if (recovered == -1)
			sleep_usec(50000);
	}
	/* The worker did run out of descriptors. */
	assert_int_equal(harness_wait_log(&fault.daemon, "accept paused",
	    1000), 0);
	print_message("# fd exhaustion: RLIMIT_NOFILE %d, %u clients, daemon "
	    "CPU %llu ms over %d ms, %u of 4 early clients served, serving "
	    "again %lu ms after they left\n", NOFILE_LIMIT, opened, cpu,
	    SPIN_WINDOW_MS, served, ms_since(start));
	assert_true(opened > NOFILE_LIMIT);
	assert_true(cpu < SPIN_CPU_MS_MAX);
	assert_int_equal(served, 4);
	assert_int_equal(recovered, 0);
	assert_int_equal(harness_stop(&fault.daemon, SIGTERM, 3000), 0);
}

/* Whether every pid of pids is gone. */
static int
all_gone(const pid_t *pids, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++)
		if (!process_gone(pids[i]))
			return 0;
	return 1;
}

/* Send signal_number to every pid of pids. */
static void
signal_each(const pid_t *pids, size_t count, int signal_number)
{
	size_t	i;

	for (i = 0; i < count; i++)
		assert_int_equal(kill(pids[i], signal_number), 0);
}

/* The master's live workers that are not in old (count of them) into new. */
static size_t
workers_not_in(const pid_t *old, size_t old_count, pid_t *new, size_t max)
{
	size_t	i, j, count = 0;

	(void)find_workers(fault.daemon.pid);
	for (i = 0; i < fault.worker_count && count < max; i++) {
		for (j = 0; j < old_count && old[j] != fault.workers[i]; j++)
			continue;
		if (j == old_count)
			new[count++] = fault.workers[i];
	}
	return count;
}

/*
 * A reload that finds no free worker slot.  Three generations of 64
 * workers fill every row of the scoreboard; each is stopped (SIGSTOP)
 * before the next reload, so it cannot drain.  The fourth reload starts
 * none and says so.  Once the first generation may run again, it drains
 * and leaves, and its slots go to the missing workers; once the others
 * leave too, 64 workers of the newest generation serve.  (Before, the
 * missing workers were never started, and when the old ones had gone the
 * master exited: "no worker can run".)
 */
static void
test_reload_without_free_slot(void **state)
{
	const char	*arguments[] = { "-d", "-w", "64", "-l",
			    "echo@127.0.0.1:0", NULL };
	static pid_t	 stopped[SLOT_GENERATIONS * SLOT_WORKERS];
	size_t		 generation, count = 0;
	uint64_t	 start;

	(void)state;
	assert_int_equal(harness_start(&fault.daemon, arguments, 1), 0);
	for (generation = 0; generation < SLOT_GENERATIONS; generation++) {
		if (generation > 0)
			assert_int_equal(kill(fault.daemon.pid, SIGHUP), 0);
		assert_int_equal(wait_workers(count + SLOT_WORKERS,
		    SLOT_WAIT_MS), 0);
		assert_int_equal(workers_not_in(stopped, count, stopped +
		    count, SLOT_WORKERS), SLOT_WORKERS);
		signal_each(stopped + count, SLOT_WORKERS, SIGSTOP);
		count += SLOT_WORKERS;
	}
	assert_int_equal(kill(fault.daemon.pid, SIGHUP), 0);
	assert_int_equal(harness_wait_log(&fault.daemon, "64 of 64 workers "
	    "not started", SLOT_WAIT_MS), 0);
	assert_int_equal(find_workers(fault.daemon.pid), count);
	/* The first generation drains and leaves: its slots are refilled. */
	start = monotonic_usec();
	signal_each(stopped, SLOT_WORKERS, SIGCONT);
	while (ms_since(start) < SLOT_WAIT_MS && (!all_gone(stopped,
	    SLOT_WORKERS) || find_workers(fault.daemon.pid) != count))
		sleep_usec(50000);
	assert_true(all_gone(stopped, SLOT_WORKERS));
	assert_int_equal(find_workers(fault.daemon.pid), count);
	/* The others leave: the newest generation alone serves. */
	signal_each(stopped + SLOT_WORKERS, count - SLOT_WORKERS, SIGCONT);
	assert_int_equal(wait_workers(SLOT_WORKERS, SLOT_WAIT_MS), 0);
	assert_int_equal(echo_once(fault.daemon.ports[0]), 0);
	print_message("# no free slot: 64 workers missing after the fourth "
	    "reload, all started as the old generations left, in %lu ms\n",
	    ms_since(start));
	assert_int_equal(harness_stop(&fault.daemon, SIGTERM, 5000), 0);
}

/* Make the scratch folder and an empty fault record. */
static int
setup(void **state)
{
	(void)state;
	memset(&fault, 0, sizeof(fault));
	fault.daemon.pid = -1;
	(void)snprintf(fault.folder, sizeof(fault.folder),
	    "/tmp/pforkd-fault-XXXXXX");
	return mkdtemp(fault.folder) == NULL ? -1 : 0;
}

/* Kill what a failed case left running, by pid, and remove the folder. */
static int
teardown(void **state)
{
	static const char *const	 names[] = { "poem.txt",
					    "poetry.conf", "echo.conf" };
	char				 path[128];
	size_t				 i;

	(void)state;
	harness_stop_leftover(&fault.daemon);
	for (i = 0; i < fault.worker_count; i++)
		if (!process_gone(fault.workers[i]))
			(void)kill(fault.workers[i], SIGKILL);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", fault.folder,
		    names[i]);
		(void)unlink(path);
	}
	(void)rmdir(fault.folder);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest	all[] = {
		cmocka_unit_test_setup_teardown(test_reload_under_connections,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_graceful_stop_mid_poem,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_killed_under_load,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_killed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_exhaustion,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_without_free_slot,
		    setup, teardown),
	};
	struct stat		proc;

	(void)signal(SIGPIPE, SIG_IGN);
	/* Without /proc, only the cases that do not read it. */
	if (stat("/proc/self/stat", &proc) == -1) {
		const struct CMUnitTest	some[] = { all[0], all[1] };

		return cmocka_run_group_tests_name("fault", some, NULL, NULL);
	}
	return cmocka_run_group_tests_name("fault", all, NULL, NULL);
}
