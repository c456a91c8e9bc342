/*
 * random_bytes.h: unpredictable bytes for tokens and identifiers.
 */
#ifndef PFORKD_RANDOM_BYTES_H
#define PFORKD_RANDOM_BYTES_H

#include <stddef.h>

int	random_bytes(void *, size_t);
int	random_alphanumeric(char *, size_t length);

#endif /* PFORKD_RANDOM_BYTES_H */
