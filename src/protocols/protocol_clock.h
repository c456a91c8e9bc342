/*
 * protocol_clock.h: the wall clock the daytime and time protocols read,
 * in one place so that tests can set it.
 */
#ifndef PFORKD_PROTOCOL_CLOCK_H
#define PFORKD_PROTOCOL_CLOCK_H

#include <time.h>

time_t	protocol_clock_now(void);

#endif /* PFORKD_PROTOCOL_CLOCK_H */
