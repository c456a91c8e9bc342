/*
 * resp_command.c: encode Redis commands (RESP2 arrays of bulk strings).
 */
#include "config.h"

#include <string.h>

#include "redis/resp_command.h"
#include "util/buffer.h"

/* Append a command of count arguments to out; 0 or -1 (out of memory). */
int
resp_command_append(struct buffer *out, const struct resp_argument *arguments,
    size_t count)
{
	size_t	i, start = out->length;

	if (buffer_printf(out, "*%zu\r\n", count) == -1)
		goto fail;
	for (i = 0; i < count; i++) {
		if (buffer_printf(out, "$%zu\r\n", arguments[i].length) ==
		    -1 || buffer_append(out, arguments[i].bytes,
		    arguments[i].length) == -1 ||
		    buffer_append(out, "\r\n", 2) == -1)
			goto fail;
	}
	return 0;
fail:
	out->length = start;	/* nothing half-written is ever sent */
	return -1;
}

/* Append a command whose arguments are C strings; 0 or -1. */
int
resp_command_strings(struct buffer *out, const char *const *words,
    size_t count)
{
	struct resp_argument	arguments[16];
	size_t			i;

	if (count > sizeof(arguments) / sizeof(arguments[0]))
		return -1;
	for (i = 0; i < count; i++) {
		arguments[i].bytes = words[i];
		arguments[i].length = strlen(words[i]);
	}
	return resp_command_append(out, arguments, count);
}
