/*
 * descriptor.h: the flags pforkd sets on the descriptors it opens, safe
 * opening of files in places others may write, reading a small file
 * whole, and closing what a process inherited.
 */
#ifndef PFORKD_DESCRIPTOR_H
#define PFORKD_DESCRIPTOR_H

#include <sys/types.h>

int		 descriptor_set_nonblocking(int fd);
int		 descriptor_set_cloexec(int fd);
int		 descriptor_open_regular(const char *path, int flags,
		    mode_t mode);
const char	*descriptor_open_error(int errnum);
size_t		 descriptor_read_up_to(int fd, void *buffer, size_t size);
void		 descriptor_close_inherited(int keep_first, int keep_count);

#endif /* PFORKD_DESCRIPTOR_H */
