/*
 * protocol.h: what a built-in protocol provides to the server.
 *
 * A protocol serves one accepted connection: open() starts it (watching
 * the fd, arming timers through the dispatcher), and release() frees what
 * open() allocated when the connection ends for any reason.  Protocols know
 * the dispatcher and the connection, never a backend or a listener.
 */
#ifndef PFORKD_PROTOCOL_H
#define PFORKD_PROTOCOL_H

struct connection;

struct protocol {
	const char	*name;
	/* Start serving; 0, or -1 when the connection must be closed. */
	int		(*open)(struct connection *);
	/* Free protocol state; called once, from connection_finish(). */
	void		(*release)(struct connection *);
};

const struct protocol	*protocol_find(const char *name);
const char		*protocol_names(void);

extern const struct protocol protocol_echo;
extern const struct protocol protocol_discard;
extern const struct protocol protocol_chargen;
extern const struct protocol protocol_daytime;
extern const struct protocol protocol_time;

#endif /* PFORKD_PROTOCOL_H */
