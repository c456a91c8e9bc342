/*
 * rfc868_time.h: the 32-bit value the time protocol (RFC 868) sends.
 *
 * Not named time.h: with -I pointing here, that name would shadow the
 * system's <time.h>.
 */
#ifndef PFORKD_RFC868_TIME_H
#define PFORKD_RFC868_TIME_H

#include <stdint.h>

/* Seconds from 1900-01-01T00:00:00Z to 1970-01-01T00:00:00Z. */
#define RFC868_EPOCH_OFFSET	2208988800U

uint32_t	rfc868_time(int64_t unix_seconds);

#endif /* PFORKD_RFC868_TIME_H */
