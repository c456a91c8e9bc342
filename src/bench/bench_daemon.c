/*
 * bench_daemon.c: the resident memory and processor time of a daemon and
 * of its children (a pforkd master and its workers).
 *
 * On Linux each process's VmRSS comes from /proc/PID/status, and its
 * parent and times from /proc/PID/stat; children are found by scanning
 * /proc for that parent.  Elsewhere, or without /proc, one run of
 * "ps -A -o pid= -o ppid= -o rss= -o time=" gives the same figures, the
 * time to the second only.  Pages shared between the master and its
 * workers count once per process: callers take differences, in which the
 * shared pages cancel out.  Kernel memory (socket buffers, an epoll set)
 * is in no RSS.
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

/* The VmRSS of the process named by a /proc entry, or -1. */
static long
proc_rss_kb(const char *name)
{
	char	 path[300], line[256];
	long	 kb = -1;
	FILE	*status;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", name);
	if ((status = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	(void)fclose(status);
	return kb;
}

/*
 * The parent and the user + system seconds of the process named by a
 * /proc entry, from /proc/NAME/stat; 0 or -1.
 */
static int
proc_stat(const char *name, long *parent, double *cpu_seconds)
{
	char		 path[300], text[1024], *parenthesis;
	unsigned long	 user_ticks, system_ticks;
	ssize_t		 count;
	long		 ticks_per_second;
	int		 fd;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	count = read(fd, text, sizeof(text) - 1);
	(void)close(fd);
	if (count <= 0)
		return -1;
	text[count] = '\0';
	/* The command may hold spaces and parentheses: skip past it. */
	if ((parenthesis = strrchr(text, ')')) == NULL ||
	    sscanf(parenthesis + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u "
	    "%*u %lu %lu", parent, &user_ticks, &system_ticks) != 3)
		return -1;
	if ((ticks_per_second = sysconf(_SC_CLK_TCK)) <= 0)
		ticks_per_second = 100;
	*cpu_seconds = (double)(user_ticks + system_ticks) /
	    (double)ticks_per_second;
	return 0;
}

/* pid's usage plus its children's, from /proc; -1 without /proc. */
static int
proc_tree_usage(pid_t pid, struct daemon_usage *usage)
{
	struct dirent	*entry;
	DIR		*proc;
	char		 name[32];
	double		 seconds;
	long		 parent, kb;

	(void)snprintf(name, sizeof(name), "%ld", (long)pid);
	if ((usage->rss_kb = proc_rss_kb(name)) == -1 ||
	    proc_stat(name, &parent, &usage->cpu_seconds) == -1)
		return -1;
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while ((entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9' ||
		    proc_stat(entry->d_name, &parent, &seconds) == -1 ||
		    parent != (long)pid)
			continue;
		usage->cpu_seconds += seconds;
		if ((kb = proc_rss_kb(entry->d_name)) > 0)
			usage->rss_kb += kb;
	}
	(void)closedir(proc);
	return 0;
}

/* Seconds from ps(1)'s "[[DD-]HH:]MM:SS"; -1 if it is not that. */
static double
ps_time_seconds(const char *text)
{
	long	days = 0, parts[3] = { 0, 0, 0 }, value;
	char	*end;
	int	count = 0;

	for (;;) {
		value = strtol(text, &end, 10);
		if (end == text)
			return -1;
		if (*end == '-' && count == 0 && days == 0) {
			days = value;
		} else {
			if (count == 3)
				return -1;
			parts[count++] = value;
		}
		if (*end != ':' && *end != '-')
			break;
		text = end + 1;
	}
	if (count == 2)
		return (double)(days * 86400 + parts[0] * 60 + parts[1]);
	if (count == 3)
		return (double)(days * 86400 + parts[0] * 3600 +
		    parts[1] * 60 + parts[2]);
	return -1;
}

/* pid's usage plus its children's, from ps(1); -1 if pid is not listed. */
static int
ps_tree_usage(pid_t pid, struct daemon_usage *usage)
{
	FILE	*ps;
	char	 line[160], time[64];
	long	 process, parent, kb;
	double	 seconds;
	int	 found = 0;

	usage->rss_kb = 0;
	usage->cpu_seconds = 0;
	ps = popen("ps -A -o pid= -o ppid= -o rss= -o time= 2>/dev/null", "r");
	if (ps == NULL)
		return -1;
	while (fgets(line, sizeof(line), ps) != NULL) {
		if (sscanf(line, "%ld %ld %ld %63s", &process, &parent, &kb,
		    time) != 4)
			continue;
		if (process != (long)pid && parent != (long)pid)
			continue;
		if (process == (long)pid)
			found = 1;
		usage->rss_kb += kb;
		if ((seconds = ps_time_seconds(time)) > 0)
			usage->cpu_seconds += seconds;
	}
	(void)pclose(ps);
	return found ? 0 : -1;
}

/* The usage of pid and its children; 0, or -1 when it cannot be read. */
int
daemon_usage(pid_t pid, struct daemon_usage *usage)
{
	if (proc_tree_usage(pid, usage) == 0)
		return 0;
	return ps_tree_usage(pid, usage);
}

/* Take a sample for -P: both figures -1 without pid or when unreadable. */
void
daemon_sample(pid_t pid, struct daemon_usage *usage)
{
	if (pid == 0 || daemon_usage(pid, usage) == -1) {
		usage->rss_kb = -1;
		usage->cpu_seconds = -1;
	}
}
