/*
 * resp_command.h: encode a Redis command as RESP2 requires, an array of
 * bulk strings, so any byte may travel in an argument.
 */
#ifndef PFORKD_RESP_COMMAND_H
#define PFORKD_RESP_COMMAND_H

#include <stddef.h>

struct buffer;

/* One argument: its bytes, and their count. */
struct resp_argument {
	const char	*bytes;
	size_t		 length;
};

int	resp_command_append(struct buffer *, const struct resp_argument *,
	    size_t count);
int	resp_command_strings(struct buffer *, const char *const *words,
	    size_t count);

#endif /* PFORKD_RESP_COMMAND_H */
