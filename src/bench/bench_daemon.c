/*
 * bench_daemon.c: the resident memory and processor time of a daemon and
 * of its children (a pforkd master and its workers).
 *
 * On Linux each process's parent and times come from /proc/PID/stat and
 * its VmRSS from /proc/PID/status; children are found by scanning /proc
 * for that parent.  Elsewhere, or without /proc, one run of
 * "ps -A -o pid= -o ppid= -o rss= -o time=" gives the same figures.
 * Pages shared between the master and its workers count once per
 * process: callers take differences, in which the shared pages cancel
 * out.  Kernel memory (socket buffers, an epoll set) is in no RSS.
 */
#include "config.h"

#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

/* Add a process to usage if it is pid or a child of pid; 1 if it is pid. */
static int
usage_add(struct daemon_usage *usage, pid_t pid, long process, long parent,
    long kb, double seconds)
{
	if (process != (long)pid && parent != (long)pid)
		return 0;
	usage->rss_kb += kb;
	usage->cpu_seconds += seconds;
	return process == (long)pid;
}

/* The VmRSS of the process of a /proc entry, in kB; 0 if unreadable. */
static long
proc_rss_kb(const char *name)
{
	char	 path[300], line[256];
	long	 kb = 0;
	FILE	*status;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", name);
	if ((status = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	(void)fclose(status);
	return kb;
}

/*
 * Add the process of a /proc entry to usage if it is pid or a child of
 * pid, from its stat and status files; 1 if it is pid itself.
 */
static int
proc_add(const char *name, pid_t pid, struct daemon_usage *usage)
{
	char		 path[300], text[1024], *command_end;
	unsigned long	 user_ticks, system_ticks;
	long		 process = strtol(name, NULL, 10), parent;
	ssize_t		 count;
	int		 fd;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	count = read(fd, text, sizeof(text) - 1);
	(void)close(fd);
	if (count <= 0)
		return 0;
	text[count] = '\0';
	/* The command may hold spaces and parentheses: skip past it. */
	if ((command_end = strrchr(text, ')')) == NULL ||
	    sscanf(command_end + 1, " %*s %ld %*s %*s %*s %*s %*s %*s %*s "
	    "%*s %*s %lu %lu", &parent, &user_ticks, &system_ticks) != 3 ||
	    (process != (long)pid && parent != (long)pid))
		return 0;
	return usage_add(usage, pid, process, parent, proc_rss_kb(name),
	    (double)(user_ticks + system_ticks) / (double)sysconf(_SC_CLK_TCK));
}

/* pid's usage plus its children's, from /proc; -1 if pid is not there. */
static int
proc_usage(pid_t pid, struct daemon_usage *usage)
{
	struct dirent	*entry;
	DIR		*proc;
	int		 found = 0;

	*usage = (struct daemon_usage){ 0, 0 };
	if ((proc = opendir("/proc")) == NULL)
		return -1;
	while ((entry = readdir(proc)) != NULL)
		if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9')
			found |= proc_add(entry->d_name, pid, usage);
	(void)closedir(proc);
	return found ? 0 : -1;
}

/* Seconds from ps(1)'s "[DD-][HH:]MM:SS[.hh]". */
static double
ps_seconds(const char *text)
{
	double	 seconds = 0;
	long	 days = 0;
	char	*end;

	if (strchr(text, '-') != NULL) {
		days = strtol(text, &end, 10);
		text = end + 1;
	}
	for (;;) {
		seconds = seconds * 60 + strtod(text, &end);
		if (*end != ':')
			return seconds + (double)days * 86400;
		text = end + 1;
	}
}

/* pid's usage plus its children's, from ps(1); -1 if pid is not listed. */
static int
ps_usage(pid_t pid, struct daemon_usage *usage)
{
	FILE	*ps;
	char	 line[160], cpu[64];
	long	 process, parent, kb;
	int	 found = 0;

	*usage = (struct daemon_usage){ 0, 0 };
	ps = popen("ps -A -o pid= -o ppid= -o rss= -o time= 2>/dev/null", "r");
	if (ps == NULL)
		return -1;
	while (fgets(line, sizeof(line), ps) != NULL)
		if (sscanf(line, "%ld %ld %ld %63s", &process, &parent, &kb,
		    cpu) == 4)
			found |= usage_add(usage, pid, process, parent, kb,
			    ps_seconds(cpu));
	(void)pclose(ps);
	return found ? 0 : -1;
}

/*
 * Up to max pids of pid's children (a pforkd master's workers, and the
 * children of its program services) into pids; how many, as ps(1) lists
 * them.
 */
size_t
daemon_children(pid_t pid, pid_t *pids, size_t max)
{
	FILE	*ps;
	char	 line[160];
	long	 process, parent;
	size_t	 count = 0;

	ps = popen("ps -A -o pid= -o ppid= 2>/dev/null", "r");
	if (ps == NULL)
		return 0;
	while (fgets(line, sizeof(line), ps) != NULL)
		if (sscanf(line, "%ld %ld", &process, &parent) == 2 &&
		    parent == (long)pid && count < max)
			pids[count++] = (pid_t)process;
	(void)pclose(ps);
	return count;
}

/* The usage of pid and its children; 0, or -1 when it cannot be read. */
int
daemon_usage(pid_t pid, struct daemon_usage *usage)
{
	return proc_usage(pid, usage) == 0 ? 0 : ps_usage(pid, usage);
}

/* Take a sample for -P: both figures -1 without it or when unreadable. */
void
daemon_sample(const struct bench_run *run, struct daemon_usage *usage)
{
	pid_t	pid = (pid_t)run->options->daemon_pid;

	if (pid == 0 || daemon_usage(pid, usage) == -1) {
		usage->rss_kb = -1;
		usage->cpu_seconds = -1;
	}
}
