/*
 * balance_test.c: no connection is lost while a worker is killed and a
 * reload replaces a generation, for every accept-balance setting, against
 * the real daemon over loopback.
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

/* Run the load against 2 workers with accept-balance balance. */
static void
run_case(const char *balance)
{
	struct tally	 tally, total = { 0, 0, 0 };
	const char	*arguments[] = { "-d", "-f", current.path, NULL };
	int		 fd, i;
	FILE		*conf;

	(void)snprintf(current.path, sizeof(current.path),
	    "/tmp/balance_test.XXXXXX");
	assert_int_not_equal(fd = mkstemp(current.path), -1);
	assert_non_null(conf = fdopen(fd, "w"));
	(void)fprintf(conf, "workers 2\naccept-balance %s\nper-source-max 0\n"
	    "service daytime {\n\tlisten 127.0.0.1:0\n}\n", balance);
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
	(void)printf("# accept-balance %s: %lu served, %lu cut by the kills, "
	    "%lu lost\n", balance, total.served, total.cut, total.lost);
	assert_int_equal(total.lost, 0);
	assert_true(total.served > 100);
}

/* One shared socket: every worker races for it. */
static void
test_shared(void **state)
{
	(void)state;
	run_case("shared");
}

/* One shared socket, one worker woken (epoll; the same elsewhere). */
static void
test_exclusive(void **state)
{
	(void)state;
	run_case("exclusive");
}

/* The system's best: a socket per worker on Linux and FreeBSD. */
static void
test_auto(void **state)
{
	(void)state;
	run_case("auto");
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
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
