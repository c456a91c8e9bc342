/*
 * log.c: where pforkd's messages go.
 *
 * Targets: "stderr", "syslog[:facility]" and "file:PATH" (reopened on
 * SIGUSR1 so that log rotation works).  Every line on stderr or in a file
 * carries the program name and the pid of the process that wrote it, so the
 * master's and the workers' lines can be told apart.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "compat/compat.h"
#include "util/descriptor.h"
#include "util/log.h"
#include "util/path.h"

enum log_kind { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE };

static enum log_kind	log_kind = LOG_TO_STDERR;
static int		log_level_limit = LOG_LEVEL_NOTICE;
static int		log_fd = STDERR_FILENO;
static char		log_path[1024];

static const struct {
	const char	*name;
	int		 facility;
} syslog_facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 }
};

/* The syslog facility called name, or -1. */
static int
syslog_facility(const char *name)
{
	int	i;

	for (i = 0; syslog_facilities[i].name != NULL; i++)
		if (strcmp(syslog_facilities[i].name, name) == 0)
			return syslog_facilities[i].facility;
	return -1;
}

/* Whether target names a log destination pforkd understands. */
int
log_target_valid(const char *target)
{
	if (strcmp(target, "stderr") == 0 || strcmp(target, "syslog") == 0)
		return 1;
	if (strncmp(target, "syslog:", 7) == 0)
		return syslog_facility(target + 7) != -1;
	if (strncmp(target, "file:", 5) == 0)
		return target[5] != '\0' && strlen(target + 5) < sizeof(log_path);
	return 0;
}

/* Open the log file named by log_path; 0 or -1 with errno. */
static int
log_open_file(void)
{
	int	fd;

	fd = descriptor_open_regular(log_path, O_WRONLY | O_APPEND | O_CREAT,
	    0640);
	if (fd == -1)
		return -1;
	if (log_fd != STDERR_FILENO && log_fd != -1)
		(void)close(log_fd);
	log_fd = fd;
	return 0;
}

/* Send the log to target at the given verbosity; 0 or -1 with errno. */
int
log_open(const char *target, int verbosity)
{
	log_level_limit = verbosity;
	if (target == NULL || strcmp(target, "stderr") == 0) {
		log_kind = LOG_TO_STDERR;
		return 0;
	}
	if (!log_target_valid(target)) {
		errno = EINVAL;
		return -1;
	}
	if (strncmp(target, "syslog", 6) == 0) {
		log_kind = LOG_TO_SYSLOG;
		openlog("pforkd", LOG_PID | LOG_NDELAY, target[6] == ':' ?
		    syslog_facility(target + 7) : LOG_DAEMON);
		return 0;
	}
	(void)strlcpy(log_path, target + 5, sizeof(log_path));
	if (log_open_file() == -1)
		return -1;
	log_kind = LOG_TO_FILE;
	return 0;
}

/*
 * Copy target into resolved, a file:PATH with its path made absolute
 * against the directory pforkd started in; 0, or -1 when too long.
 */
int
log_target_resolve(const char *target, char *resolved, size_t size)
{
	size_t	prefix = strlen("file:");

	if (strncmp(target, "file:", prefix) != 0 || size <= prefix) {
		if (strlcpy(resolved, target, size) >= size)
			return -1;
		return 0;
	}
	memcpy(resolved, "file:", prefix);
	return path_resolve(target + prefix, resolved + prefix, size - prefix);
}

/* The descriptor of a file target, or -1 for other targets. */
int
log_file_descriptor(void)
{
	return log_kind == LOG_TO_FILE ? log_fd : -1;
}

/* Reopen a file target after rotation; other targets need nothing. */
int
log_reopen(void)
{
	if (log_kind != LOG_TO_FILE)
		return 0;
	return log_open_file();
}

/* Close the log target. */
void
log_close(void)
{
	if (log_kind == LOG_TO_SYSLOG)
		closelog();
	else if (log_kind == LOG_TO_FILE && log_fd != -1)
		(void)close(log_fd);
	log_kind = LOG_TO_STDERR;
	log_fd = STDERR_FILENO;
}

/* The verbosity chosen with -v (0 by default). */
int
log_verbosity(void)
{
	return log_level_limit;
}

/* Write one formatted line, with an optional errno text, to the target. */
static void
log_write(enum log_level level, int error, const char *format, va_list ap)
{
	char		 message[1024], line[1200], stamp[32];
	int		 priority, length;
	time_t		 now;
	struct tm	 local;

	if ((int)level > log_level_limit)
		return;
	(void)vsnprintf(message, sizeof(message), format, ap);
	if (error != 0) {
		length = (int)strlen(message);
		(void)snprintf(message + length, sizeof(message) - length,
		    ": %s", strerror(error));
	}
	if (log_kind == LOG_TO_SYSLOG) {
		priority = level == LOG_LEVEL_ERROR ? LOG_ERR :
		    level == LOG_LEVEL_NOTICE ? LOG_NOTICE :
		    level == LOG_LEVEL_INFO ? LOG_INFO : LOG_DEBUG;
		syslog(priority, "%s", message);
		return;
	}
	stamp[0] = '\0';
	if (log_kind == LOG_TO_FILE) {
		now = time(NULL);
		if (localtime_r(&now, &local) != NULL)
			(void)strftime(stamp, sizeof(stamp),
			    "%Y-%m-%dT%H:%M:%S ", &local);
	}
	length = snprintf(line, sizeof(line), "%spforkd[%ld]: %s\n", stamp,
	    (long)getpid(), message);
	if (length < 0)
		return;
	if ((size_t)length >= sizeof(line))
		length = sizeof(line) - 1;
	/* One write per line keeps lines of concurrent processes whole. */
	(void)write(log_fd, line, (size_t)length);
}

/* Log a message at level. */
void
log_message(enum log_level level, const char *format, ...)
{
	va_list	ap;

	va_start(ap, format);
	log_write(level, 0, format, ap);
	va_end(ap);
}

/* Log a message at level followed by the text of errno. */
void
log_errno(enum log_level level, const char *format, ...)
{
	va_list	ap;
	int	error = errno;

	va_start(ap, format);
	log_write(level, error, format, ap);
	va_end(ap);
	errno = error;
}
