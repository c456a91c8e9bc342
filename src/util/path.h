/*
 * path.h: relative paths, resolved against the directory pforkd started in.
 *
 * A detached daemon runs in /, and reloads long after start-up: a path
 * the operator wrote relative to where they started pforkd must keep
 * meaning the same file.  main() remembers the directory first thing.
 */
#ifndef PFORKD_PATH_H
#define PFORKD_PATH_H

#include <stddef.h>

int		 path_remember_start(void);
const char	*path_start_directory(void);
int		 path_resolve(const char *path, char *resolved, size_t size);

#endif /* PFORKD_PATH_H */
