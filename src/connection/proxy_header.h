/*
 * proxy_header.h: the PROXY protocol header a load balancer sends before
 * the client's bytes, versions 1 (text) and 2 (binary), as haproxy's
 * proxy-protocol.txt describes them.
 *
 * The parser is pure and incremental: it is given every byte received so
 * far from the start of the connection and says "need more", "a header of
 * N bytes" or "invalid, because...".  It decides as early as the bytes
 * allow, never looks at a byte past the header's end, and never needs
 * more than PROXY_HEADER_MAX bytes to decide, so a reader that hands it
 * the bytes before the answer is "done" may consume them all, and then
 * exactly the header's length (the rest belongs to the protocol).
 *
 * Strict, like the HTTP parser: version 1 is "PROXY TCP4|TCP6 SRC DST
 * SPORT DPORT\r\n" with single spaces, numeric addresses of the family
 * and decimal ports without leading zeros, at most 107 bytes; or "PROXY
 * UNKNOWN" with anything printable up to the CRLF.  Version 2 is accepted
 * with the LOCAL command (a health check: the real endpoints stay), and
 * with PROXY for TCP over IPv4 or IPv6 (or UNSPEC: the real endpoints
 * stay); UDP and UNIX addresses are refused.  Its TLVs must be well
 * framed and are skipped; the whole header is at most PROXY_HEADER_MAX
 * bytes, the 536-byte payload haproxy's document recommends a receiver
 * accept, which leaves room for the TLVs balancers send (AWS, Azure).
 */
#ifndef PFORKD_PROXY_HEADER_H
#define PFORKD_PROXY_HEADER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#define PROXY_V1_MAX		107	/* a version 1 line, CRLF included */
#define PROXY_V2_FIXED		16	/* signature, command, family, length */
#define PROXY_V2_PAYLOAD_MAX	536	/* addresses and TLVs */
#define PROXY_HEADER_MAX	(PROXY_V2_FIXED + PROXY_V2_PAYLOAD_MAX)
#define PROXY_SIGNATURE_MAX	12	/* bytes that tell a header apart */

/* What proxy_header_parse() found. */
enum proxy_parse {
	PROXY_PARSE_INVALID = -1,	/* reason says why */
	PROXY_PARSE_MORE = 0,		/* every byte so far is header */
	PROXY_PARSE_DONE = 1		/* length bytes of header */
};

struct proxy_header {
	size_t			 length;	/* of the whole header */
	int			 version;	/* 1 or 2 */
	int			 carried;	/* 0: keep the real endpoints */
	struct sockaddr_storage	 source;	/* the client */
	socklen_t		 source_length;
	struct sockaddr_storage	 destination;	/* what it connected to */
	socklen_t		 destination_length;
	const char		*reason;	/* a static string */
};

/*
 * Parse the length bytes received so far (from the connection's first
 * byte).  PROXY_PARSE_DONE fills header; PROXY_PARSE_INVALID sets
 * header->reason.
 */
enum proxy_parse proxy_header_parse(const unsigned char *data, size_t length,
	    struct proxy_header *header);

/*
 * Whether the first bytes of a connection are a PROXY signature ("PROXY "
 * or version 2's twelve bytes): 1 when they are, 0 when they are not, -1
 * when there are too few to tell (none, or the start of one).
 */
int	proxy_header_signature(const unsigned char *data, size_t length);

#endif /* PFORKD_PROXY_HEADER_H */
