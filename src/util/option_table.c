/*
 * option_table.c: set keywords declared in tables, with one message per
 * type for a value that does not fit.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "compat/compat.h"
#include "util/option_table.h"
#include "util/parse_number.h"
#include "util/path.h"

#define PATH_RESOLVED_MAX	4096

/* The field of the base that keyword fills. */
void *
option_field(void *base, const struct option_keyword *keyword)
{
	return (char *)base + keyword->offset;
}

/* The keyword of the table called name, or NULL. */
const struct option_keyword *
option_find(const struct option_table *table, const char *name)
{
	const struct option_keyword	*keyword;

	for (keyword = table->keywords; keyword->name != NULL; keyword++)
		if (strcmp(keyword->name, name) == 0)
			return keyword;
	return NULL;
}

/* A whole number from low to high; 0, or -1 with a message. */
static int
store_count(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	unsigned int	count;

	if (parse_count(value, keyword->high, &count) == -1 ||
	    count < keyword->low) {
		(void)snprintf(error, error_size, "%s: '%s' is not a whole "
		    "number from %lu to %lu", keyword->name, value,
		    keyword->low, keyword->high);
		return -1;
	}
	*(unsigned int *)option_field(base, keyword) = count;
	return 0;
}

/* Seconds, fractions allowed, up to high, kept in microseconds; 0 or -1. */
static int
store_seconds(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	uint64_t	usec;
	int		above_zero;

	above_zero = keyword->type == OPTION_SECONDS_ABOVE_ZERO;
	if (parse_seconds(value, (double)keyword->high, &usec) == 0 &&
	    (usec > 0 || !above_zero)) {
		*(uint64_t *)option_field(base, keyword) = usec;
		return 0;
	}
	(void)snprintf(error, error_size, "%s: '%s' is not a number of "
	    "seconds %s %lu", keyword->name, value, above_zero ?
	    "above 0 and up to" : "from 0 to", keyword->high);
	return -1;
}

/* Text that fits its array, not empty if low is 1; 0 or -1. */
static int
store_text(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (value[0] == '\0' && keyword->low > 0) {
		(void)snprintf(error, error_size, "%s: the value is empty",
		    keyword->name);
		return -1;
	}
	if (strlen(value) >= keyword->size) {
		(void)snprintf(error, error_size, "%s: the value is longer "
		    "than %zu bytes", keyword->name, keyword->size - 1);
		return -1;
	}
	(void)strlcpy(option_field(base, keyword), value, keyword->size);
	return 0;
}

/*
 * A path, made absolute against the directory pforkd started in (a
 * detached daemon runs in /), that fits its array; 0 or -1.
 */
static int
store_path(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	char	resolved[PATH_RESOLVED_MAX];

	if (value[0] == '\0')
		return store_text(base, keyword, value, error, error_size);
	if (path_resolve(value, resolved, sizeof(resolved)) == -1) {
		(void)snprintf(error, error_size, "%s: '%s' makes too long a "
		    "path", keyword->name, value);
		return -1;
	}
	return store_text(base, keyword, resolved, error, error_size);
}

/* Check value as keyword's type says and store it; 0 or -1. */
int
option_store(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	switch (keyword->type) {
	case OPTION_COUNT:
		return store_count(base, keyword, value, error, error_size);
	case OPTION_SECONDS:
	case OPTION_SECONDS_ABOVE_ZERO:
		return store_seconds(base, keyword, value, error, error_size);
	case OPTION_TEXT:
		return store_text(base, keyword, value, error, error_size);
	case OPTION_PATH:
		return store_path(base, keyword, value, error, error_size);
	case OPTION_CUSTOM:
		break;
	}
	(void)snprintf(error, error_size, "%s: the keyword has no setter",
	    keyword->name);
	return -1;
}

/*
 * Set the keyword called name in base, and its flag in the mask: 1, 0 when
 * the table has no such keyword, or -1 with a message for a bad value.
 */
int
option_table_set(const struct option_table *table, void *base,
    const char *name, const char *value, char *error, size_t error_size)
{
	const struct option_keyword	*keyword;
	int				 result;

	if ((keyword = option_find(table, name)) == NULL)
		return 0;
	if (keyword->set != NULL)
		result = keyword->set(base, keyword, value, error, error_size);
	else
		result = option_store(base, keyword, value, error, error_size);
	if (result == -1)
		return -1;
	if (keyword->flag != 0)
		*(unsigned int *)((char *)base + table->mask_offset) |=
		    keyword->flag;
	return 1;
}

/* Give every keyword of the table its default in base. */
void
option_table_defaults(const struct option_table *table, void *base)
{
	const struct option_keyword	*keyword;

	for (keyword = table->keywords; keyword->name != NULL; keyword++)
		switch (keyword->type) {
		case OPTION_COUNT:
			*(unsigned int *)option_field(base, keyword) =
			    (unsigned int)keyword->initial;
			break;
		case OPTION_SECONDS:
		case OPTION_SECONDS_ABOVE_ZERO:
			*(uint64_t *)option_field(base, keyword) =
			    keyword->initial;
			break;
		case OPTION_TEXT:
		case OPTION_PATH:
			*(char *)option_field(base, keyword) = '\0';
			break;
		case OPTION_CUSTOM:
			break;
		}
}
