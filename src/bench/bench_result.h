/*
 * bench_result.h: what a run tells: problems on stderr as they happen, and
 * one machine-readable result line on stdout at the end, for example
 *
 *	result mode=echo backend=epoll connections=100 size=64 seconds=5.000
 *	    round_trips=123456 rate=24691.2 p50_us=40 ... errors=0
 *
 * (one line): "result", then key=value pairs separated by single spaces,
 * values without spaces, "errors" last.
 */
#ifndef PFORKD_BENCH_RESULT_H
#define PFORKD_BENCH_RESULT_H

#include <stdint.h>

struct bench_options;
struct daemon_usage;

void			 bench_error(const char *format, ...)
			    __attribute__((format(printf, 1, 2)));
unsigned long long	 bench_error_count(void);

void	result_begin(const struct bench_options *, const char *backend);
void	result_unsigned(const char *key, unsigned long long value);
void	result_decimal(const char *key, double value, int decimals);
void	result_memory(const struct daemon_usage *before,
	    const struct daemon_usage *after, unsigned long long connections);
void	result_cpu(const struct daemon_usage *before,
	    const struct daemon_usage *after, double seconds);
int	result_end(void);

#endif /* PFORKD_BENCH_RESULT_H */
