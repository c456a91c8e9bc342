/*
 * bench.h: pforkd-bench: one run skeleton, the modes that fill it in, and
 * the tools they share.
 *
 * Every run goes the same way (bench_run.c): open -c connections to a
 * loopback target, at most BENCH_OPENING_MAX at a time and within
 * BENCH_OPEN_TIMEOUT_USEC; measure for -t seconds or until the mode's
 * count is reached; give what is still under way BENCH_DRAIN_USEC to
 * finish; print one result line.  A mode (bench_MODE.c) is a struct
 * bench_mode: its defaults and the callbacks that say what its connections
 * do.  Adding a mode is one such file and one line in bench_main.c.
 */
#ifndef PFORKD_BENCH_H
#define PFORKD_BENCH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "event/dispatcher.h"

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
	struct bench_target	 second_target;	/* -q; odd connections */
	char			 address[64];	/* -a */
	char			 backend[16];	/* -b, or the best */
	uint64_t		 duration_usec;	/* -t; 0: the mode decides */
	unsigned int		 port;		/* -p */
	unsigned int		 second_port;	/* -q; 0: none */
	unsigned int		 connections;	/* -c */
	unsigned int		 size;		/* -s */
	unsigned long long	 count_limit;	/* -n; 0: no limit */
	unsigned int		 daemon_pid;	/* -P; 0: none */
	unsigned int		 chunk_bytes;	/* -B, poetry */
	uint64_t		 delay_usec;	/* -D, poetry */
	char			 poem_path[4096]; /* -f, poetry */
	char			 log_path[4096]; /* -L: the daemon's -v log */
};

/* The daemon under test (-P): memory and processor time, with children. */
struct daemon_usage {
	long	rss_kb;		/* summed resident memory; -1: not read */
	double	cpu_seconds;	/* user + system time; -1: not read */
};

/* Latencies, in the log-linear histogram of bench_stats.c; zeroed: empty. */
#define HISTOGRAM_SUB_BUCKET_BITS	6
#define HISTOGRAM_SUB_BUCKETS		(1 << HISTOGRAM_SUB_BUCKET_BITS)
#define HISTOGRAM_BUCKETS \
	((64 - HISTOGRAM_SUB_BUCKET_BITS + 1) * HISTOGRAM_SUB_BUCKETS)

struct histogram {
	uint64_t	counts[HISTOGRAM_BUCKETS];
	uint64_t	total;
	uint64_t	largest;
};

struct bench_run;

/*
 * One connection.  The run owns fd and the opening; the mode uses state
 * and the pattern fields: bytes offset to offset + size of the pattern
 * (a message), of which sent went out and received came back checked.
 * The run starts offset at pattern_start(index).
 */
struct bench_connection {
	struct bench_run	*run;
	size_t			 index;
	int			 fd;		/* -1: closed */
	int			 events;	/* what fd is watched for */
	int			 connecting;	/* connect(2) in progress */
	int			 settled;	/* no longer opening */
	int			 state;		/* the mode's */
	uint64_t		 stamp_usec;	/* connect(2), or the mode's */
	uint64_t		 offset;
	uint64_t		 size;
	uint64_t		 sent;
	uint64_t		 received;
};

/*
 * A workload: its defaults and callbacks.  setup: before the first
 * connect (-1: give up).  connected: the connect worked; the mode calls
 * bench_opened() once the connection counts as open.  readable, writable:
 * the socket is ready.  measure, then start for each open connection: the
 * measurement starts.  end, then stop for each open connection: it ends;
 * the mode stops or closes its connections, and the run is over once
 * none is left.  report: the mode's fields of the result line.  Only
 * connected and report are required.
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
	unsigned int	 helpers;		/* connections before the -c */
	int		 measure_at_launch;	/* not once all are open */
	int		 error_ends_run;	/* a failure spoils the rest */
	int		 no_delay;		/* TCP_NODELAY on its sockets */
	int		 reset_on_close;	/* SO_LINGER 0: no TIME_WAIT */
	int		(*setup)(struct bench_run *);
	void		(*connected)(struct bench_connection *);
	void		(*readable)(struct bench_connection *);
	void		(*writable)(struct bench_connection *);
	void		(*measure)(struct bench_run *);
	void		(*start)(struct bench_connection *);
	void		(*end)(struct bench_run *);
	void		(*stop)(struct bench_connection *);
	void		(*report)(const struct bench_run *);
};

/* One run, as bench_run.c drives it and the modes read it. */
struct bench_run {
	const struct bench_options	*options;
	const struct bench_mode		*mode;
	struct dispatcher		*dispatcher;
	struct bench_connection		*connections;
	size_t				 total;		/* to open */
	size_t				 started;
	size_t				 opening;
	size_t				 open_count;
	size_t				 live;		/* fds open */
	int				 filling;
	int				 measuring;
	int				 ending;
	int				 finished;
	uint64_t			 duration_usec;
	uint64_t			 launch_usec;	/* first connect */
	uint64_t			 open_usec;	/* all open */
	uint64_t			 start_usec;	/* measurement */
	uint64_t			 end_usec;
	double				 seconds;	/* start to end */
	double				 open_seconds;	/* launch to open */
	struct histogram		 histogram;
	struct timer			 open_timeout;
	struct timer			 end;		/* -t, then the drain */
	struct daemon_usage		 before;	/* -P: first connect */
	struct daemon_usage		 opened;	/* all open */
	struct daemon_usage		 start;		/* measurement */
	struct daemon_usage		 ended;
};

extern const struct bench_mode	bench_echo, bench_connect, bench_stream,
				bench_poetry, bench_idle, bench_chat;

/* bench_run.c: the run skeleton. */
int	bench_run(const struct bench_options *);
void	bench_connect_to(struct bench_connection *);
int	bench_want(struct bench_connection *, int events);
void	bench_opened(struct bench_connection *);
void	bench_close(struct bench_connection *);
void	bench_fail(struct bench_connection *, const char *format, ...)
	    __attribute__((format(printf, 2, 3)));
void	bench_end(struct bench_run *);
void	bench_each(struct bench_run *, void (*)(struct bench_connection *));
ssize_t	bench_read(struct bench_connection *, void *, size_t);
ssize_t	bench_write(struct bench_connection *, const void *, size_t);

/* bench_pattern.c: the bytes sent, so that every byte back is checked. */
void		pattern_init(void);
uint64_t	pattern_start(size_t connection_index);
int		pattern_send(struct bench_connection *, uint64_t length);
ssize_t		pattern_receive(struct bench_connection *);
ssize_t		bench_receive(struct bench_connection *,
		    const void *expected, uint64_t due);
void		message_start(struct bench_connection *);
void		message_send(struct bench_connection *);
int		message_receive(struct bench_connection *);

/* bench_stats.c and bench_daemon.c */
void		histogram_record(struct histogram *, uint64_t value);
uint64_t	histogram_percentile(const struct histogram *, double percent);
double		histogram_ms(const struct histogram *, double percent);
int		daemon_usage(pid_t, struct daemon_usage *);
size_t		daemon_children(pid_t, pid_t *, size_t);
void		daemon_sample(const struct bench_run *, struct daemon_usage *);

/* bench_result.c: errors on stderr, the result line on stdout. */
void	bench_error(const char *format, ...)
	    __attribute__((format(printf, 1, 2)));
unsigned long long bench_error_count(void);
void	result_begin(const struct bench_run *);
double	result_rate(const struct bench_run *, double amount);
void	result_latency_us(const struct histogram *);
void	result_memory(const struct daemon_usage *before,
	    const struct daemon_usage *after, unsigned long long connections);
int	result_end(const struct bench_run *);

/* bench_share.c: -L, the workers' shares of the connections. */
int	share_begin(const struct bench_options *);
void	share_report(const struct bench_run *);

#endif /* PFORKD_BENCH_H */
