/*
 * privileges.h: the identity workers run as, and the OS sandbox they enter.
 */
#ifndef PFORKD_PRIVILEGES_H
#define PFORKD_PRIVILEGES_H

#include <sys/types.h>
#include <stddef.h>

struct identity {
	int	change;		/* 0: keep the current user */
	uid_t	uid;
	gid_t	gid;
	char	name[64];
};

int	identity_resolve(struct identity *, const char *user,
	    const char *group, char *error, size_t error_size);
int	identity_assume(const struct identity *);
void	sandbox_enter(void);

#endif /* PFORKD_PRIVILEGES_H */
