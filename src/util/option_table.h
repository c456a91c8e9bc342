/*
 * option_table.h: keywords declared as tables, set from "key value" text.
 *
 * Whoever has settings (the global configuration, a service, a protocol)
 * declares one struct option_table: its keywords, each with a type, a
 * range, a default and the offset of the field it fills in a struct.
 * option_table_set() applies one key and value to such a struct, with one
 * message per type for a bad value; option_table_defaults() gives a fresh
 * struct every keyword's default.  A keyword that needs more than a range
 * check provides its own setter, which may store through option_store().
 */
#ifndef PFORKD_OPTION_TABLE_H
#define PFORKD_OPTION_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* What a keyword's field holds, and how its value is checked. */
enum option_type {
	OPTION_COUNT,		/* unsigned int, from low to high */
	OPTION_SECONDS,		/* uint64_t microseconds; 0 to high seconds */
	OPTION_SECONDS_ABOVE_ZERO, /* the same, but 0 is refused */
	OPTION_TEXT,		/* a char array; low 1 refuses "" */
	OPTION_PATH,		/* a char array holding an absolute path */
	OPTION_CUSTOM		/* stored by set() alone; no default */
};

struct option_keyword;

/* Check value and store it in base; 0, or -1 with a message in error. */
typedef int option_setter(void *base, const struct option_keyword *,
    const char *value, char *error, size_t error_size);

/* One keyword: its value's type and range, its default, its field. */
struct option_keyword {
	const char		*name;		/* NULL ends a table */
	enum option_type	 type;
	size_t			 offset;	/* of the field in the base */
	size_t			 size;		/* of that field */
	unsigned long		 low, high;	/* the range; see the types */
	uint64_t		 initial;	/* a count or microseconds */
	unsigned int		 flag;		/* set in the mask when given */
	option_setter		*set;		/* instead of the type's own */
};

/* The keywords of one struct, its size, and where its flags are kept. */
struct option_table {
	const struct option_keyword	*keywords;
	size_t				 base_size;	/* of the struct */
	size_t				 mask_offset;	/* of an unsigned int */
};

/* .offset and .size of the field member of a struct of that type. */
#define OPTION_FIELD(type, member) \
	.offset = offsetof(type, member), \
	.size = sizeof(((type *)NULL)->member)

const struct option_keyword *option_find(const struct option_table *,
	    const char *name);
int	option_table_set(const struct option_table *, void *base,
	    const char *name, const char *value, char *error,
	    size_t error_size);
int	option_store(void *base, const struct option_keyword *,
	    const char *value, char *error, size_t error_size);
void	*option_field(void *base, const struct option_keyword *);
void	option_table_defaults(const struct option_table *, void *base);

#endif /* PFORKD_OPTION_TABLE_H */
