/*
 * daytime.h: the line the daytime protocol (RFC 867) sends.
 */
#ifndef PFORKD_DAYTIME_H
#define PFORKD_DAYTIME_H

#include <stddef.h>
#include <time.h>

/* "Sun Nov 22 09:06:04 2026\r\n" plus room for a five-digit year. */
#define DAYTIME_LINE_MAX	64

size_t	daytime_format(time_t when, char *buffer, size_t size);

#endif /* PFORKD_DAYTIME_H */
