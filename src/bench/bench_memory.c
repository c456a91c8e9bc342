/*
 * bench_memory.c: the resident memory of a daemon and of its children (a
 * pforkd master and its workers), in kB.
 *
 * On Linux each process's VmRSS comes from /proc/PID/status and children
 * are found by their parent in /proc/PID/stat.  Elsewhere, or when /proc
 * is not mounted, "ps -A -o pid= -o ppid= -o rss=" gives the same figures.
 * Pages shared between the master and its workers count once per process:
 * callers take differences, in which the shared pages cancel out.  Kernel
 * memory (socket buffers, the epoll set) is not part of any RSS.
 */
#include "config.h"

#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_memory.h"

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

/* The parent of the process named by a /proc entry, or -1. */
static long
proc_parent(const char *name)
{
	char	 path[300], text[512], *parenthesis;
	long	 parent = -1;
	ssize_t	 count;
	int	 fd;

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
	    sscanf(parenthesis + 1, " %*c %ld", &parent) != 1)
		return -1;
	return parent;
}

/* pid's RSS plus its children's, from /proc; -1 without /proc. */
static long
proc_tree_rss_kb(pid_t pid)
{
	struct dirent	*entry;
	DIR		*proc;
	char		 name[32];
	long		 total, kb;

	(void)snprintf(name, sizeof(name), "%ld", (long)pid);
	if ((total = proc_rss_kb(name)) == -1)
		return -1;
	if ((proc = opendir("/proc")) == NULL)
		return total;
	while ((entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '1' || entry->d_name[0] > '9' ||
		    proc_parent(entry->d_name) != (long)pid)
			continue;
		if ((kb = proc_rss_kb(entry->d_name)) > 0)
			total += kb;
	}
	(void)closedir(proc);
	return total;
}

/* pid's RSS plus its children's, from ps(1); -1 when pid is not listed. */
static long
ps_tree_rss_kb(pid_t pid)
{
	FILE	*ps;
	char	 line[128];
	long	 process, parent, kb, total = 0;
	int	 found = 0;

	ps = popen("ps -A -o pid= -o ppid= -o rss= 2>/dev/null", "r");
	if (ps == NULL)
		return -1;
	while (fgets(line, sizeof(line), ps) != NULL) {
		if (sscanf(line, "%ld %ld %ld", &process, &parent, &kb) != 3)
			continue;
		if (process == (long)pid)
			found = 1;
		if (process == (long)pid || parent == (long)pid)
			total += kb;
	}
	(void)pclose(ps);
	return found ? total : -1;
}

/* The RSS in kB of pid and its children, or -1 when it cannot be read. */
long
daemon_rss_kb(pid_t pid)
{
	long	kb;

	if ((kb = proc_tree_rss_kb(pid)) != -1)
		return kb;
	return ps_tree_rss_kb(pid);
}
