/*
 * pid_file.h: the optional pid file, locked while the daemon runs.
 */
#ifndef PFORKD_PID_FILE_H
#define PFORKD_PID_FILE_H

#include <stddef.h>

int	pid_file_create(const char *path, char *error, size_t error_size);
void	pid_file_remove(void);
void	pid_file_forget(void);

#endif /* PFORKD_PID_FILE_H */
