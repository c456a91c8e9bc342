/*
 * bench.h: what every part of pforkd-bench shares: the options of a run
 * and the table of modes.
 *
 * A mode is one workload (echo, connect, stream, poetry, idle, chat).
 * Each lives in its own bench_MODE.c, exports one run function and one
 * entry in the table of bench_modes.c; adding a mode means adding both and
 * nothing else.
 */
#ifndef PFORKD_BENCH_H
#define PFORKD_BENCH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define BENCH_SIZE_MAX		65536	/* -s: one contiguous pattern slice */
#define BENCH_OPENING_MAX	256	/* connections opening at once */
#define BENCH_OPEN_TIMEOUT_USEC	(30 * (uint64_t)1000000)
#define BENCH_DRAIN_USEC	(5 * (uint64_t)1000000)

/* Where the load goes: a loopback address and port, checked. */
struct bench_target {
	struct sockaddr_storage	 address;
	socklen_t		 address_length;
	char			 text[64];	/* "127.0.0.1:7007" */
};

/* One run's settings, from the command line and the mode's defaults. */
struct bench_options {
	const struct bench_mode	*mode;
	struct bench_target	 target;
	const char		*backend;	/* -b; NULL: the best */
	uint64_t		 duration_usec;	/* -t; 0: the mode decides */
	unsigned int		 connections;	/* -c */
	unsigned int		 size;		/* -s */
	unsigned long long	 count_limit;	/* -n; 0: no limit */
	pid_t			 daemon_pid;	/* -P; 0: none */
	unsigned int		 chunk_bytes;	/* -B, poetry */
	uint64_t		 delay_usec;	/* -D, poetry */
	const char		*poem_path;	/* -f, poetry */
};

/*
 * One workload.  run() measures, prints the result line and returns the
 * exit status: 0, or 1 when anything failed or did not verify.
 */
struct bench_mode {
	const char	*name;
	const char	*summary;		/* one line for -h */
	const char	*options;		/* its option letters beyond
						   the common ones */
	unsigned int	 default_port;
	unsigned int	 default_connections;
	unsigned int	 default_size;		/* 0: -s does not apply */
	uint64_t	 default_duration_usec;	/* 0: until the work ends */
	int		(*run)(const struct bench_options *);
};

/* The modes, in bench_modes.c; NULL-terminated by a zero name. */
extern const struct bench_mode	bench_modes[];

int	bench_echo_run(const struct bench_options *);
int	bench_connect_run(const struct bench_options *);
int	bench_stream_run(const struct bench_options *);
int	bench_poetry_run(const struct bench_options *);
int	bench_idle_run(const struct bench_options *);
int	bench_chat_run(const struct bench_options *);

#endif /* PFORKD_BENCH_H */
