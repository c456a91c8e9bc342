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
#include <stdint.h>

#include "dispatcher.h"
#include "scoreboard.h"

struct configuration;
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
	void			*protocol_state;
	struct admission	 admission;	/* counted in the scoreboard */
	int			 admitted;
	struct connection	*previous;
	struct connection	*next;
	char			 peer[CONNECTION_PEER_MAX];
};

void	 connection_use_scoreboard(struct scoreboard *, int row,
	    const struct configuration *);
int	 connection_start(struct dispatcher *, const struct service *, int fd,
	    const struct sockaddr *, socklen_t);
void	 connection_finish(struct connection *, const char *reason);
void	 connection_finish_all(const char *reason);
size_t	 connection_count(void);
void	 connection_touch(struct connection *);
ssize_t	 connection_read(struct connection *, void *, size_t);
ssize_t	 connection_write(struct connection *, const void *, size_t);
void	 format_socket_address(const struct sockaddr *, socklen_t, char *,
	    size_t);

#endif /* PFORKD_CONNECTION_H */
