/*
 * fuzz.h: what every libFuzzer harness of tests/fuzz/ shares.
 *
 * A harness defines LLVMFuzzerTestOneInput() and checks what the code
 * under test promises with FUZZ_CHECK: a broken promise prints where and
 * aborts, which libFuzzer reports as a crash and saves the input.
 */
#ifndef PFORKD_FUZZ_H
#define PFORKD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(condition) do {					\
	if (!(condition)) {						\
		(void)fprintf(stderr, "%s:%d: check failed: %s\n",	\
		    __FILE__, __LINE__, #condition);			\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* PFORKD_FUZZ_H */
