/*
 * protocol_table.c: the built-in protocols, found by name.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "protocol.h"

static const struct protocol *const builtin_protocols[] = {
	&protocol_echo,
	NULL
};

/* The built-in protocol called name, or NULL. */
const struct protocol *
protocol_find(const char *name)
{
	size_t	i;

	for (i = 0; builtin_protocols[i] != NULL; i++)
		if (strcmp(builtin_protocols[i]->name, name) == 0)
			return builtin_protocols[i];
	return NULL;
}

/* The names of the built-in protocols, for messages and --help. */
const char *
protocol_names(void)
{
	return "echo";
}
