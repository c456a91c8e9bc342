/*
 * bench_memory.h: how much memory the daemon under test holds (-P).
 */
#ifndef PFORKD_BENCH_MEMORY_H
#define PFORKD_BENCH_MEMORY_H

#include <sys/types.h>

long	daemon_rss_kb(pid_t);

#endif /* PFORKD_BENCH_MEMORY_H */
