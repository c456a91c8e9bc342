/*
 * descriptor.h: the flags pforkd sets on the descriptors it opens.
 */
#ifndef PFORKD_DESCRIPTOR_H
#define PFORKD_DESCRIPTOR_H

int	descriptor_set_nonblocking(int fd);
int	descriptor_set_cloexec(int fd);

#endif /* PFORKD_DESCRIPTOR_H */
