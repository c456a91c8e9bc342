/*
 * bench_daemon.h: what the daemon under test uses (-P): its resident
 * memory and its processor time, with its children (a master's workers).
 */
#ifndef PFORKD_BENCH_DAEMON_H
#define PFORKD_BENCH_DAEMON_H

#include <sys/types.h>

struct daemon_usage {
	long	rss_kb;		/* summed VmRSS */
	double	cpu_seconds;	/* user + system time since each started */
};

int	daemon_usage(pid_t, struct daemon_usage *);
void	daemon_sample(pid_t, struct daemon_usage *);

#endif /* PFORKD_BENCH_DAEMON_H */
