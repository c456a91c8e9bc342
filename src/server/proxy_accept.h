/*
 * proxy_accept.h: the PROXY header that comes before a connection is
 * handed to its service, for services with "proxy-protocol on".
 *
 * A peer in the service's proxy-from networks (a trusted balancer) must
 * start with a valid header (connection/proxy_header.h) within the header
 * timeout; the address it carries then becomes the peer for the access
 * rules, the caps, the logs and a program's environment.  A peer from
 * anywhere else has the access rules checked on its own address and is
 * served as a direct client, unless its first bytes are a PROXY signature:
 * an untrusted peer that claims to be a balancer is refused.  Its first
 * bytes are waited for at most PROXY_SNIFF_USEC, so a direct client of a
 * protocol that speaks first is served after that short wait.
 *
 * The header is read from the socket without ever taking a byte past its
 * end: each readable event peeks at what is there; bytes the parser wants
 * more after are all header, so they are consumed; once it is complete,
 * exactly its remaining bytes are.  The rest stays in the socket for the
 * protocol or the program.  Nothing blocks: the fd is watched on the
 * process's dispatcher (a worker's, or the master's for program services)
 * and at most PROXY_PENDING_MAX headers are pending in a process, each
 * holding at most PROXY_HEADER_MAX bytes.
 */
#ifndef PFORKD_PROXY_ACCEPT_H
#define PFORKD_PROXY_ACCEPT_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_PENDING_MAX		1024	/* headers awaited at once */
#define PROXY_HEADER_TIMEOUT_USEC	(5 * (uint64_t)1000000)
#define PROXY_SNIFF_USEC		(250 * (uint64_t)1000)

struct acceptor;
struct sockaddr;

/*
 * Take over an accepted connection of the acceptor's service: wait for
 * its header (or its first bytes), then acceptor_deliver() it, or close
 * it and log why at -v.
 */
void	proxy_accept_begin(struct acceptor *, int fd,
	    const struct sockaddr *peer, unsigned int peer_length);

/* Close the connections still pending for acceptor (it stops). */
void	proxy_accept_abandon(struct acceptor *);

/* In a freshly forked process: close and forget every pending one. */
void	proxy_accept_close_after_fork(void);

/* How many headers are pending in this process. */
size_t	proxy_accept_pending(void);

#endif /* PFORKD_PROXY_ACCEPT_H */
