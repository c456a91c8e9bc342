/*
 * scoreboard.h: connection counts shared by the master and every worker.
 *
 * One anonymous shared mapping, made by the master before it forks, holds
 * one row per worker.  Each row has exactly one writer, the worker that
 * owns it (Apache's scoreboard idea), so no lock is needed; a worker that
 * dies, even by SIGKILL, leaves a row the master simply clears.  Caps are
 * checked by summing the rows: the sums are exact, and two workers
 * admitting at the same instant can overshoot a cap by at most one
 * connection each.
 *
 * With accept-balance mutex the board also holds the accept token, the
 * one word every worker may write: the worker holding it watches the
 * shared listeners, the others do not (nginx's accept mutex, without a
 * lock: a compare-and-swap, since OpenBSD has no process-shared mutex).
 */
#ifndef PFORKD_SCOREBOARD_H
#define PFORKD_SCOREBOARD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

#include "server/configuration.h"

#define SCOREBOARD_ROWS		(3 * CONFIGURATION_WORKERS_MAX)
#define SOURCE_KEY_SIZE		17	/* family byte + up to 16 bytes */

struct scoreboard;
struct service;

/* What a connection must remember to be counted out again. */
struct admission {
	int		slot;		/* its service's name slot */
	int		source_counted;
	unsigned char	source[SOURCE_KEY_SIZE];
};

struct scoreboard *scoreboard_create(void);
void	 scoreboard_destroy(struct scoreboard *);
void	 scoreboard_prepare_row(struct scoreboard *, int row,
	    unsigned int generation, const struct configuration *);
size_t	 scoreboard_source_capacity(const struct scoreboard *);
void	 scoreboard_set_pid(struct scoreboard *, int row, pid_t);
void	 scoreboard_clear_row(struct scoreboard *, int row);
int	 scoreboard_admit(struct scoreboard *, int row,
	    const struct configuration *, int service_index,
	    const struct sockaddr *peer, struct admission *,
	    const char **refusal);
void	 scoreboard_leave(struct scoreboard *, int row,
	    const struct admission *);
uint32_t scoreboard_total(const struct scoreboard *);
uint32_t scoreboard_row_total(const struct scoreboard *, int row);
pid_t	 scoreboard_row_pid(const struct scoreboard *, int row);
size_t	 scoreboard_other_pids(const struct scoreboard *, int row,
	    pid_t *pids, size_t max);
/*
 * The accept token (accept-balance mutex): one word, taken with a
 * compare-and-swap, saying which worker watches the shared listeners.
 */
void	 scoreboard_token_open(struct scoreboard *, unsigned int generation);
int	 scoreboard_token_take(struct scoreboard *, int row);
void	 scoreboard_token_release(struct scoreboard *, int row);
int	 scoreboard_token_holder(struct scoreboard *);
void	 scoreboard_token_accepted(struct scoreboard *, uint32_t now_msec);
uint32_t scoreboard_token_quiet_msec(const struct scoreboard *,
	    uint32_t now_msec);
uint32_t scoreboard_generation_others(const struct scoreboard *, int row);
uint32_t scoreboard_share_headroom(uint32_t mine, uint32_t sum,
	    unsigned int workers);
void	 source_key_make(const struct sockaddr *, unsigned int ipv6_prefix,
	    unsigned char key[SOURCE_KEY_SIZE]);

#endif /* PFORKD_SCOREBOARD_H */
