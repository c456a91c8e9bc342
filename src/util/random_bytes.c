/*
 * random_bytes.c: unpredictable bytes from the kernel.
 *
 * arc4random_buf() (the BSDs, macOS, glibc 2.36 and later) never fails and
 * never blocks; elsewhere (musl, older glibc) the bytes come from
 * /dev/urandom, which every supported system has.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/random_bytes.h"

static const char	alphanumeric[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Fill bytes with random data; 0 or -1 with errno. */
int
random_bytes(void *bytes, size_t length)
{
#if HAVE_ARC4RANDOM_BUF
	arc4random_buf(bytes, length);
	return 0;
#else
	unsigned char	*cursor = bytes;
	ssize_t		 got;
	int		 fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (length > 0) {
		got = read(fd, cursor, length);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			(void)close(fd);
			errno = got == 0 ? EIO : errno;
			return -1;
		}
		cursor += got;
		length -= (size_t)got;
	}
	(void)close(fd);
	return 0;
#endif
}

/* Write length random letters and digits, then a NUL; 0 or -1. */
int
random_alphanumeric(char *text, size_t length)
{
	unsigned char	batch[64];
	size_t		i = 0, used = sizeof(batch);

	while (i < length) {
		if (used == sizeof(batch)) {
			if (random_bytes(batch, sizeof(batch)) == -1)
				return -1;
			used = 0;
		}
		/* 248 = 4 * 62: drop the rest; every character as likely. */
		if (batch[used] < 248)
			text[i++] = alphanumeric[batch[used] % 62];
		used++;
	}
	text[length] = '\0';
	return 0;
}
