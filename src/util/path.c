/*
 * path.c: relative paths, resolved against the directory pforkd started in.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "util/path.h"

#ifndef PATH_MAX
#define PATH_MAX	4096	/* POSIX allows it to be undefined (Hurd) */
#endif

static char	start_directory[PATH_MAX];

/* Remember the current directory as the base of relative paths; 0/-1. */
int
path_remember_start(void)
{
	if (getcwd(start_directory, sizeof(start_directory)) == NULL) {
		start_directory[0] = '\0';
		return -1;
	}
	return 0;
}

/* The remembered directory, or "" when none was remembered. */
const char *
path_start_directory(void)
{
	return start_directory;
}

/*
 * Write path into resolved (size bytes), prefixed with the start
 * directory when it is relative (as it is when none was remembered);
 * 0, or -1 with ENAMETOOLONG or EINVAL (empty path).
 */
int
path_resolve(const char *path, char *resolved, size_t size)
{
	int	length;

	if (path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (path[0] == '/' || start_directory[0] == '\0')
		length = snprintf(resolved, size, "%s", path);
	else
		length = snprintf(resolved, size, "%s%s%s", start_directory,
		    strcmp(start_directory, "/") == 0 ? "" : "/", path);
	if (length < 0 || (size_t)length >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
