/*
 * inetd_mode.h: pforkd -i, one protocol serving one connection that
 * another super-server already accepted.
 */
#ifndef PFORKD_INETD_MODE_H
#define PFORKD_INETD_MODE_H

#include "server/configuration.h"

int	inetd_mode_run(struct configuration *, const char *spec);

#endif /* PFORKD_INETD_MODE_H */
