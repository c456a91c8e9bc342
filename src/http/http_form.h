/*
 * http_form.h: request arguments and cookies.
 *
 * Arguments come from the query string and from an
 * application/x-www-form-urlencoded body: '+' and %XX decode, the value
 * must be valid UTF-8, control characters 0x00-0x08 and 0x0E-0x1F become a
 * space (tab, CR and LF stay), then leading and trailing whitespace is
 * stripped.  That is what Tornado does to every argument.
 */
#ifndef PFORKD_HTTP_FORM_H
#define PFORKD_HTTP_FORM_H

#include <stddef.h>

struct http_form_field {
	char	*name;		/* decoded, NUL-terminated */
	char	*value;		/* decoded and cleaned, NUL-terminated */
	size_t	 value_length;	/* may hold NULs turned into spaces: none */
};

struct http_form {
	struct http_form_field	*fields;
	size_t			 count;
	size_t			 capacity;
};

void	 http_form_init(struct http_form *);
void	 http_form_free(struct http_form *);
int	 http_form_parse(struct http_form *, const char *data, size_t length,
	    size_t field_max);
const struct http_form_field *http_form_get(const struct http_form *,
	    const char *name);
int	 http_cookie_get(const char *cookie_header, const char *name,
	    char *value, size_t value_size);
int	 http_utf8_valid(const char *, size_t);

#endif /* PFORKD_HTTP_FORM_H */
