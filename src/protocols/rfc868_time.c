/*
 * rfc868_time.c: the time protocol (RFC 868) over TCP.
 *
 * The server sends the seconds since 1900-01-01T00:00:00Z as 32 bits,
 * most significant byte first, and closes.  Input is ignored.
 *
 * The count overflows 32 bits on 2036-02-07T06:28:16Z (unix 2085978496)
 * and starts again from 0.  From then on, a client that takes the value
 * as plain seconds since 1900 sets its clock back to 1900; clients that
 * read a value with the top bit clear as the next era (RFC 4330, section
 * 3, does so for NTP, which shares the 1900 epoch) keep the right time
 * until 2104.
 * pforkd sends the wrapped value: RFC 868 has no other.
 */
#include "config.h"

#include <stdint.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "protocols/protocol_clock.h"
#include "protocols/protocol_table.h"
#include "protocols/rfc868_time.h"
#include "protocols/short_reply.h"

/* The RFC 868 value for a Unix time: seconds since 1900, modulo 2^32. */
uint32_t
rfc868_time(int64_t unix_seconds)
{
	/* Unsigned arithmetic wraps as RFC 868 needs, also below 1970. */
	return (uint32_t)(((uint64_t)unix_seconds + RFC868_EPOCH_OFFSET) &
	    UINT32_MAX);
}

/* Compose the four bytes for this moment and send them. */
static int
time_open(struct connection *connection)
{
	unsigned char	bytes[4];
	uint32_t	value;

	value = rfc868_time((int64_t)protocol_clock_now());
	bytes[0] = (unsigned char)(value >> 24);
	bytes[1] = (unsigned char)(value >> 16);
	bytes[2] = (unsigned char)(value >> 8);
	bytes[3] = (unsigned char)value;
	return short_reply_start(connection, bytes, sizeof(bytes));
}

const struct protocol protocol_time = {
	.name = "time",
	.open = time_open,
	.release = short_reply_release,
};
