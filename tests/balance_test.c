/*
 * balance_test.c: no connection is lost while a worker is killed and a
 * reload replaces a generation, for every accept-balance setting, against
 * the real daemon over loopback; and that mutex spreads long connections.
 *
 * LOADERS child processes open daytime connections one after another for
 * LOAD_USEC and read each to its end.  Meanwhile the test SIGKILLs a
 * worker, reloads (SIGHUP: a new generation, the old one drains), and
 * SIGKILLs a worker of the new generation.  A connection the kernel had
 * queued on a listening socket that then closed is reset (RST); one a
 * killed worker had already accepted ends without its line but with an
 * orderly close (its socket had nothing unread), which no strategy can
 * prevent.  So the case fails on any reset, refusal or timeout, and counts
 * the cut ones apart.  With reuseport the master keeps every worker's
 * socket, so what queued there waits for the next worker of that lane.
 * A case that fails part way leaves its loaders and daemon to its
 * teardown, which stops them by pid.
 *
 * With mutex, at 2 and 4 workers, every worker of the new generation is
 * then killed at once, the accept token's holder among them: if the
 * master did not free it, the new workers would never accept again.
 *
 * The share case holds SHARED_CONNECTIONS echo connections open over 4
 * workers with accept-balance mutex and counts, from the -v log, how many
 * each worker served: every one must hold about an even share.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
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

#define LOADERS		4
#define LOAD_USEC	(3 * (uint64_t)1000000)
#define READ_TIMEOUT_MS	5000
#define TALLY_WAIT_MS	((int)(LOAD_USEC / 1000) + READ_TIMEOUT_MS + 2000)
#define EXIT_WAIT_MS	1000	/* a loader that sent its tally exits */
#define WORKERS_MAX	16
#define SHARED_CONNECTIONS	40
#define SHARE_WORKERS	4

/* What one loader saw. */
struct tally {
	unsigned long	served;		/* the line, then EOF */
	unsigned long	cut;		/* EOF without a line */
	unsigned long	lost;		/* refused, reset, timed out */
};

/* What a case started, for its teardown to stop. */
struct balance_case {
	struct daemon_process	daemon;
	pid_t			loaders[LOADERS];	/* 0: none */
	int			tallies[2];	/* the loaders' pipe, or -1 */
	char			path[32];	/* the configuration file */
};

static struct balance_case	current;

/* Open connections to port until the time is up; the tally on fd. */
static void
loader(int port, int fd)
{
	struct tally	tally = { 0, 0, 0 };
	uint64_t	end = monotonic_usec() + LOAD_USEC;
	char		reply[256];
	ssize_t		got;
	int		client;

	while (monotonic_usec() < end) {
		if ((client = harness_connect("127.0.0.1", port)) == -1) {
			tally.lost++;
			continue;
		}
		got = harness_read_until_eof(client, reply, sizeof(reply),
		    READ_TIMEOUT_MS);
		if (got > 0 && reply[got - 1] == '\n')
			tally.served++;
		else if (got == 0)
			tally.cut++;
		else
			tally.lost++;
		(void)close(client);
	}
	(void)write(fd, &tally, sizeof(tally));
	_exit(0);
}

/* Up to max pids of the children of parent, as ps(1) lists them. */
static size_t
children_of(pid_t parent, pid_t *pids, size_t max)
{
	FILE	*ps;
	char	 line[128];
	long	 pid, ppid;
	size_t	 count = 0;

	if ((ps = popen("ps -A -o pid= -o ppid=", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), ps) != NULL)
		if (sscanf(line, "%ld %ld", &pid, &ppid) == 2 &&
		    ppid == (long)parent && count < max)
			pids[count++] = (pid_t)pid;
	(void)pclose(ps);
	return count;
}

/* Kill every worker of daemon at once with SIGKILL. */
static void
kill_every_worker(pid_t daemon)
{
	pid_t	pids[WORKERS_MAX];
	size_t	count = children_of(daemon, pids, WORKERS_MAX), i;

	assert_true(count > 0);
	for (i = 0; i < count; i++)
		assert_int_equal(kill(pids[i], SIGKILL), 0);
}

/* Kill one worker of daemon at random with SIGKILL. */
static void
kill_a_worker(pid_t daemon)
{
	pid_t	pids[WORKERS_MAX];
	size_t	count = children_of(daemon, pids, WORKERS_MAX);

	assert_true(count > 0);
	assert_int_equal(kill(pids[(size_t)rand() % count], SIGKILL), 0);
}

/* Sleep for usec microseconds. */
static void
pause_usec(uint64_t usec)
{
	(void)poll(NULL, 0, (int)(usec / 1000));
}

/*
 * Run the load against workers workers with accept-balance balance; with
 * kill_all, kill every worker of the new generation at the end.
 */
static void
run_case(const char *balance, int workers, int kill_all)
{
	struct tally	 tally, total = { 0, 0, 0 };
	const char	*arguments[] = { "-d", "-f", current.path, NULL };
	int		 fd, i;
	FILE		*conf;

	(void)snprintf(current.path, sizeof(current.path),
	    "/tmp/balance_test.XXXXXX");
	assert_int_not_equal(fd = mkstemp(current.path), -1);
	assert_non_null(conf = fdopen(fd, "w"));
	(void)fprintf(conf, "workers %d\naccept-balance %s\n"
	    "per-source-max 0\nservice daytime {\n\tlisten 127.0.0.1:0\n}\n",
	    workers, balance);
	(void)fclose(conf);
	harness_must_start(&current.daemon, arguments, 1);
	assert_int_equal(pipe(current.tallies), 0);
	for (i = 0; i < LOADERS; i++) {
		assert_int_not_equal(current.loaders[i] = fork(), -1);
		if (current.loaders[i] == 0)
			loader(current.daemon.ports[0], current.tallies[1]);
	}
	(void)close(current.tallies[1]);
	current.tallies[1] = -1;
	pause_usec(LOAD_USEC / 5);
	kill_a_worker(current.daemon.pid);
	pause_usec(LOAD_USEC / 5);
	assert_int_equal(kill(current.daemon.pid, SIGHUP), 0);
	pause_usec(LOAD_USEC / 5);
	kill_a_worker(current.daemon.pid);
	if (kill_all) {
		pause_usec(LOAD_USEC / 10);
		kill_every_worker(current.daemon.pid);
	}
	for (i = 0; i < LOADERS; i++) {
		if (harness_read_exact(current.tallies[0], &tally,
		    sizeof(tally), TALLY_WAIT_MS) == -1)
			fail_msg("no tally from loader %d within %d ms", i,
			    TALLY_WAIT_MS);
		total.served += tally.served;
		total.cut += tally.cut;
		total.lost += tally.lost;
	}
	for (i = 0; i < LOADERS; i++) {
		assert_int_equal(harness_reap(current.loaders[i], EXIT_WAIT_MS),
		    0);
		current.loaders[i] = 0;
	}
	harness_must_stop(&current.daemon, 5000);
	(void)printf("# accept-balance %s, %d workers: %lu served, %lu cut by "
	    "the kills, %lu lost\n", balance, workers, total.served, total.cut,
	    total.lost);
	assert_int_equal(total.lost, 0);
	assert_true(total.served > 100);
}

/* One shared socket: every worker races for it. */
static void
test_shared(void **state)
{
	(void)state;
	run_case("shared", 2, 0);
}

/* One shared socket, one worker woken (epoll; the same elsewhere). */
static void
test_exclusive(void **state)
{
	(void)state;
	run_case("exclusive", 2, 0);
}

/* The system's best: a socket per worker on Linux and FreeBSD. */
static void
test_auto(void **state)
{
	(void)state;
	run_case("auto", 2, 0);
}

/* The accept token in the scoreboard, 2 workers; the holder killed. */
static void
test_mutex_2(void **state)
{
	(void)state;
	run_case("mutex", 2, 1);
}

/* The accept token, 4 workers; the holder killed. */
static void
test_mutex_4(void **state)
{
	(void)state;
	run_case("mutex", 4, 1);
}

/* How many "closed after" lines of the -v log each worker wrote. */
static size_t
served_per_worker(const char *log, long *pids, unsigned long *served,
    size_t max)
{
	const char	*line;
	size_t		 count = 0, i;
	long		 pid;

	for (line = log; line != NULL && *line != '\0';
	    line = strchr(line, '\n') != NULL ? strchr(line, '\n') + 1 : NULL) {
		if (sscanf(line, "pforkd[%ld]: echo: ", &pid) != 1 ||
		    strstr(line, " closed after ") == NULL ||
		    strstr(line, " closed after ") > strchr(line, '\n'))
			continue;
		for (i = 0; i < count && pids[i] != pid; i++)
			continue;
		if (i == count) {
			if (count == max)
				continue;
			pids[count] = pid;
			served[count++] = 0;
		}
		served[i]++;
	}
	return count;
}

/*
 * accept-balance mutex spreads long connections: SHARED_CONNECTIONS echo
 * connections opened one after another and held over SHARE_WORKERS
 * workers; each worker serves between half and one and a half of an even
 * share (the rule allows a sixteenth and one connection above it).
 */
static void
test_mutex_share(void **state)
{
	const char		*arguments[] = { "-d", "-v", "-f",
				    current.path, NULL };
	int			clients[SHARED_CONNECTIONS];
	long			pids[WORKERS_MAX];
	unsigned long		served[WORKERS_MAX], even;
	size_t			workers, i, lines;
	uint64_t		deadline;
	int			fd;
	char			byte;
	FILE			*conf;

	(void)state;
	(void)snprintf(current.path, sizeof(current.path),
	    "/tmp/balance_test.XXXXXX");
	assert_int_not_equal(fd = mkstemp(current.path), -1);
	assert_non_null(conf = fdopen(fd, "w"));
	(void)fprintf(conf, "workers %d\naccept-balance mutex\n"
	    "per-source-max 0\nservice echo {\n\tlisten 127.0.0.1:0\n}\n",
	    SHARE_WORKERS);
	(void)fclose(conf);
	harness_must_start(&current.daemon, arguments, 1);
	for (i = 0; i < SHARED_CONNECTIONS; i++) {
		clients[i] = harness_must_connect(&current.daemon, 0);
		byte = (char)('a' + i % 26);
		assert_int_equal(harness_write_all(clients[i], &byte, 1), 0);
		assert_int_equal(harness_read_exact(clients[i], &byte, 1,
		    READ_TIMEOUT_MS), 0);
		assert_int_equal(byte, 'a' + i % 26);
	}
	for (i = 0; i < SHARED_CONNECTIONS; i++)
		(void)close(clients[i]);
	deadline = monotonic_usec() + 5 * (uint64_t)1000000;
	do {
		(void)harness_read_log(&current.daemon, 100);
		workers = served_per_worker(current.daemon.log, pids, served,
		    WORKERS_MAX);
		for (i = 0, lines = 0; i < workers; i++)
			lines += served[i];
	} while (lines < SHARED_CONNECTIONS && monotonic_usec() < deadline);
	harness_must_stop(&current.daemon, 5000);
	(void)printf("# accept-balance mutex, %d workers, %d long "
	    "connections:", SHARE_WORKERS, SHARED_CONNECTIONS);
	for (i = 0; i < workers; i++)
		(void)printf(" %lu", served[i]);
	(void)printf("\n");
	assert_int_equal(lines, SHARED_CONNECTIONS);
	assert_int_equal(workers, SHARE_WORKERS);
	even = SHARED_CONNECTIONS / SHARE_WORKERS;
	for (i = 0; i < workers; i++) {
		assert_true(served[i] >= even / 2);
		assert_true(served[i] <= even + even / 2);
	}
}

/* Before a case: nothing started yet. */
static int
case_setup(void **state)
{
	(void)state;
	memset(&current, 0, sizeof(current));
	current.daemon.pid = -1;
	current.tallies[0] = current.tallies[1] = -1;
	return 0;
}

/* After a case, passed or failed: no loader, no daemon, no file left. */
static int
case_teardown(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < LOADERS; i++)
		if (current.loaders[i] > 0)
			(void)harness_reap(current.loaders[i], 0);
	for (i = 0; i < 2; i++)
		if (current.tallies[i] != -1)
			(void)close(current.tallies[i]);
	harness_stop_leftover(&current.daemon);
	if (current.path[0] != '\0')
		(void)unlink(current.path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_shared, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_exclusive, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_auto, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_mutex_2, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_mutex_4, case_setup,
		    case_teardown),
		cmocka_unit_test_setup_teardown(test_mutex_share, case_setup,
		    case_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
