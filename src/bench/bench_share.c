/*
 * bench_share.c: -L, how the connections of a run spread over the
 * daemon's workers.
 *
 * pforkd at -v logs one line per connection as it closes, carrying the
 * pid of the worker that served it ("pforkd[PID]: SERVICE: PEER closed
 * after ...").  Before the first connect the size of that log is noted;
 * after the run the lines appended since are counted by pid, once the
 * log has stopped growing for SHARE_QUIET_USEC (a server logs a close only
 * when it has read the client's, which may trail the run) or after
 * SHARE_WAIT_USEC.  With -P the workers are the daemon's children, so a
 * worker that served nothing counts with a share of 0; without it, the
 * pids seen.  The result line gains
 *
 *	workers=N served=COUNT worker_share=A/B/... spread_max_pct=X
 *
 * shares in percent, largest first; spread_max_pct is the largest gap
 * between a worker's share and an even one, as a percentage of the even
 * share (0: perfectly even; 15: some worker within 0.85 to 1.15 of it).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "event/dispatcher.h"

#define SHARE_WORKERS_MAX	256
#define SHARE_QUIET_USEC	(300 * 1000)
#define SHARE_WAIT_USEC		(5 * (uint64_t)1000000)

struct share {
	long			pid;
	unsigned long long	count;
};

static off_t	log_start = -1;

/* The size of the file at path, or -1. */
static off_t
log_size(const char *path)
{
	struct stat	status;

	return stat(path, &status) == -1 ? -1 : status.st_size;
}

/* Note where the log ends before the run; -1 when it cannot be read. */
int
share_begin(const struct bench_options *options)
{
	if (options->log_path[0] == '\0')
		return 0;
	if ((log_start = log_size(options->log_path)) == -1) {
		(void)fprintf(stderr, "pforkd-bench: -L %s: cannot read it\n",
		    options->log_path);
		return -1;
	}
	return 0;
}

/* Wait until the log stops growing, for at most SHARE_WAIT_USEC. */
static void
share_wait_quiet(const char *path)
{
	uint64_t	deadline = monotonic_usec() + SHARE_WAIT_USEC;
	uint64_t	changed = monotonic_usec();
	off_t		last = log_size(path), now;

	while (monotonic_usec() < deadline &&
	    monotonic_usec() - changed < SHARE_QUIET_USEC) {
		(void)usleep(50 * 1000);
		if ((now = log_size(path)) != last) {
			last = now;
			changed = monotonic_usec();
		}
	}
}

/* Count pid once more in shares (adding it when new); the count of pids. */
static size_t
share_count(struct share *shares, size_t count, long pid,
    unsigned long long amount)
{
	size_t	i;

	for (i = 0; i < count; i++)
		if (shares[i].pid == pid) {
			shares[i].count += amount;
			return count;
		}
	if (count == SHARE_WORKERS_MAX)
		return count;
	shares[count].pid = pid;
	shares[count].count = amount;
	return count + 1;
}

/* Largest count first. */
static int
share_compare(const void *a, const void *b)
{
	const struct share	*x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* The pids in the log lines of closed connections after log_start. */
static size_t
share_read_log(const char *path, struct share *shares, size_t count)
{
	FILE	*log;
	char	 line[1024], *at;
	long	 pid;

	if ((log = fopen(path, "r")) == NULL || fseeko(log, log_start,
	    SEEK_SET) == -1) {
		if (log != NULL)
			(void)fclose(log);
		bench_error("-L %s: cannot read it", path);
		return count;
	}
	while (fgets(line, sizeof(line), log) != NULL)
		if (strstr(line, " closed after ") != NULL &&
		    (at = strstr(line, "pforkd[")) != NULL &&
		    sscanf(at + 7, "%ld]", &pid) == 1)
			count = share_count(shares, count, pid, 1);
	(void)fclose(log);
	return count;
}

/* With -L, add the workers' shares of the run's connections. */
void
share_report(const struct bench_run *run)
{
	static struct share	 shares[SHARE_WORKERS_MAX];
	pid_t			 children[SHARE_WORKERS_MAX];
	unsigned long long	 served = 0;
	size_t			 count = 0, workers, i;
	double			 even, spread = 0, share;
	const char		*path = run->options->log_path;

	if (path[0] == '\0' || log_start == -1)
		return;
	share_wait_quiet(path);
	workers = run->options->daemon_pid == 0 ? 0 :
	    daemon_children((pid_t)run->options->daemon_pid, children,
	    SHARE_WORKERS_MAX);
	for (i = 0; i < workers; i++)
		count = share_count(shares, count, (long)children[i], 0);
	count = share_read_log(path, shares, count);
	for (i = 0; i < count; i++)
		served += shares[i].count;
	qsort(shares, count, sizeof(shares[0]), share_compare);
	(void)printf(" workers=%zu served=%llu worker_share=", count, served);
	if (served == 0 || count == 0) {
		(void)printf("- spread_max_pct=-");
		return;
	}
	even = 100.0 / (double)count;
	for (i = 0; i < count; i++) {
		share = 100.0 * (double)shares[i].count / (double)served;
		(void)printf("%s%.1f", i == 0 ? "" : "/", share);
		if (fabs(share - even) / even * 100.0 > spread)
			spread = fabs(share - even) / even * 100.0;
	}
	(void)printf(" spread_max_pct=%.1f", spread);
}
