/*
 * privileges.c: drop root in the workers, after the master has bound the
 * listeners, in the order that cannot be undone: supplementary groups,
 * group, then user.  The master keeps its identity so that a reload can
 * bind new (possibly privileged) ports and reopen the log.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "compat/compat.h"
#include "server/privileges.h"

/* Look up user (and group, or the user's own) for the workers; 0 or -1. */
int
identity_resolve(struct identity *identity, const char *user,
    const char *group, char *error, size_t error_size)
{
	struct passwd	*password_entry;
	struct group	*group_entry;

	memset(identity, 0, sizeof(*identity));
	if (user == NULL || user[0] == '\0')
		return 0;
	if ((password_entry = getpwnam(user)) == NULL) {
		(void)snprintf(error, error_size, "unknown user '%s'", user);
		return -1;
	}
	identity->change = 1;
	identity->uid = password_entry->pw_uid;
	identity->gid = password_entry->pw_gid;
	(void)strlcpy(identity->name, user, sizeof(identity->name));
	if (group != NULL && group[0] != '\0') {
		if ((group_entry = getgrnam(group)) == NULL) {
			(void)snprintf(error, error_size, "unknown group '%s'",
			    group);
			return -1;
		}
		identity->gid = group_entry->gr_gid;
	}
	/* Checked here, so a reload is refused rather than its workers. */
	if (geteuid() != 0 && (identity->uid != geteuid() ||
	    identity->gid != getegid())) {
		(void)snprintf(error, error_size, "cannot run the workers as "
		    "'%s': only root can switch users", user);
		return -1;
	}
	return 0;
}

/* Become identity for good; 0 or -1 with errno. */
int
identity_assume(const struct identity *identity)
{
	if (!identity->change)
		return 0;
	if (getuid() == identity->uid && geteuid() == identity->uid &&
	    getgid() == identity->gid)
		return 0;
	if (setgroups(1, &identity->gid) == -1 ||
	    setgid(identity->gid) == -1 || setuid(identity->uid) == -1)
		return -1;
	/* Paranoia: getting root back must now be impossible. */
	if (identity->uid != 0 && setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * Enter what sandbox the OS offers a worker.  Linux: no_new_privs, so no
 * exec'd program can gain privileges (prctl, Linux 3.5+).  OpenBSD's
 * pledge and FreeBSD's Capsicum belong here too; neither is built yet, and
 * a comment is more honest than an untested seam.
 */
void
sandbox_enter(void)
{
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_NO_NEW_PRIVS)
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#endif
}
