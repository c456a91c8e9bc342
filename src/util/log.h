/*
 * log.h: pforkd's log: stderr in the foreground, syslog or a file when
 * detached.  Messages below the verbosity chosen with -v are dropped.
 */
#ifndef PFORKD_LOG_H
#define PFORKD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR = -1,
	LOG_LEVEL_WARNING = 0,
	LOG_LEVEL_NOTICE = 0,
	LOG_LEVEL_INFO = 1,	/* -v: one line per connection */
	LOG_LEVEL_DEBUG = 2	/* -vv */
};

int	log_open(const char *target, int verbosity);
int	log_reopen(void);
int	log_file_descriptor(void);
void	log_close(void);
int	log_verbosity(void);
void	log_message(enum log_level, const char *format, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_errno(enum log_level, const char *format, ...)
	    __attribute__((format(printf, 2, 3)));
int	log_target_valid(const char *target);
int	log_target_resolve(const char *target, char *resolved,
	    size_t size);

#endif /* PFORKD_LOG_H */
