/*
 * connection.h: one accepted client connection, whatever its protocol.
 *
 * The server owns the connection's life: it accepts, starts the protocol,
 * enforces the idle timeout, counts bytes, and logs one line per connection
 * at -v when it ends.  Protocols read and write through the helpers here so
 * the counts stay right and SIGPIPE is never raised.
 */
#ifndef PFORKD_CONNECTION_H
#define PFORKD_CONNECTION_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

#include "event/dispatcher.h"

struct service;

#define CONNECTION_PEER_MAX	56	/* "[IPv6]:port" */

struct connection {
	struct dispatcher	*dispatcher;
	const struct service	*service;
	int			 fd;
	struct timer		 idle_timer;
	uint64_t		 started_usec;
	uint64_t		 last_activity_usec;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 stalled_usec;	/* since the last byte went */
	int			 stalled;	/* a write came up short */
	size_t			 output_queued;	/* bytes held to send */
	void			*protocol_state;
	void			*admission;	/* the server's; opaque here */
	struct connection	*previous;
	struct connection	*next;
	/* Waiting for room in the output budget: what to call then. */
	void			(*budget_resume)(struct connection *);
	struct connection	*budget_previous;
	struct connection	*budget_next;
	char			 peer[CONNECTION_PEER_MAX];
};

/*
 * How the server counts connections in and out (its scoreboard).  A
 * connection keeps record_size bytes for it, opaque to protocols; admit()
 * fills them in or refuses with a reason, leave() undoes what it counted.
 */
struct connection_admission {
	size_t	  record_size;
	int	(*admit)(void *context, const struct service *,
		    const struct sockaddr *peer, void *record,
		    const char **refusal);
	void	(*leave)(void *context, void *record);
	void	 *context;
};

void	 connection_use_admission(const struct connection_admission *);
int	 connection_start(struct dispatcher *, const struct service *, int fd,
	    const struct sockaddr *, socklen_t);
void	 connection_finish(struct connection *, const char *reason);
void	 connection_finish_all(const char *reason);
size_t	 connection_count(void);
void	 connection_touch(struct connection *);
ssize_t	 connection_read(struct connection *, void *, size_t);
ssize_t	 connection_write(struct connection *, const void *, size_t);
ssize_t	 connection_write_vector(struct connection *,
	    const struct iovec *, int count);
struct connection *connection_longest_stalled(void);
void	 format_socket_address(const struct sockaddr *, socklen_t, char *,
	    size_t);

#endif /* PFORKD_CONNECTION_H */
