/*
 * protocol_table.c: the built-in protocols, found by name.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "protocols/protocol_table.h"

static const struct protocol *const builtin_protocols[] = {
	&protocol_echo,
	&protocol_discard,
	&protocol_chargen,
	&protocol_daytime,
	&protocol_time,
	&protocol_poetry,
	&protocol_chat,
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

/* The built-in protocol at index, or NULL past the last. */
const struct protocol *
protocol_at(size_t index)
{
	size_t	count;

	count = sizeof(builtin_protocols) / sizeof(builtin_protocols[0]) - 1;
	return index < count ? builtin_protocols[index] : NULL;
}

/* The names of the built-in protocols, for messages and --help. */
const char *
protocol_names(void)
{
	static char	names[256];
	size_t		i, used = 0;
	int		length;

	if (names[0] != '\0')
		return names;
	for (i = 0; builtin_protocols[i] != NULL; i++) {
		length = snprintf(names + used, sizeof(names) - used, "%s%s",
		    i > 0 ? ", " : "", builtin_protocols[i]->name);
		if (length < 0 || (size_t)length >= sizeof(names) - used)
			break;
		used += (size_t)length;
	}
	return names;
}
