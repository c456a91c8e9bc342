/*
 * master.h: the supervising process: it owns the listeners and the shared
 * scoreboard, forks the workers, replaces those that die and carries out
 * the operator's signals.  It never serves a connection itself.
 */
#ifndef PFORKD_MASTER_H
#define PFORKD_MASTER_H

#include "server/configuration.h"
#include "server/listener_set.h"
#include "server/settings.h"

int	master_run(const struct settings *, struct configuration *,
	    struct listener_set *, int report_fd);

#endif /* PFORKD_MASTER_H */
