/*
 * worker.h: a worker process: accept on the inherited listeners and serve.
 */
#ifndef PFORKD_WORKER_H
#define PFORKD_WORKER_H

#include "server/configuration.h"
#include "server/listener_set.h"
#include "server/privileges.h"
#include "server/scoreboard.h"

/* Exit status of a worker that must not be respawned (nginx's idea). */
#define WORKER_EXIT_FATAL	2

struct worker_setup {
	const struct configuration	*configuration;
	const struct listener_set	*listeners;
	const struct identity		*identity;
	struct scoreboard		*board;
	int				 row;
	int				 lane;	/* its listener lanes */
	int				 lifeline_fd;	/* EOF: master gone */
};

int	worker_main(const struct worker_setup *);

#endif /* PFORKD_WORKER_H */
