/*
 * http_form.h: request arguments and cookies.
 *
 * Arguments come from the query string, from an
 * application/x-www-form-urlencoded body ('+' and %XX decode) and from a
 * multipart/form-data body (its fields without a filename, taken as sent).
 * Every name and value must be valid UTF-8; in a value, control
 * characters 0x00-0x08 and 0x0E-0x1F become a space (tab, CR and LF
 * stay), then leading and trailing whitespace, Unicode's as Python's
 * str.strip() sees it, is stripped.  That is what Tornado does to every
 * argument.  An argument given more than once has all its values in the
 * form, in order; http_form_get() answers with the last one, as Tornado's
 * get_argument() does.  So does a cookie sent more than once.
 */
#ifndef PFORKD_HTTP_FORM_H
#define PFORKD_HTTP_FORM_H

#include <stddef.h>

#include "http/http_request.h"

#define HTTP_BOUNDARY_MAX	70	/* RFC 2046: 1 to 70 bytes */

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
int	 http_form_parse_multipart(struct http_form *,
	    const char *content_type, const char *body, size_t length,
	    size_t field_max);
int	 http_form_read(struct http_form *, const struct http_request *,
	    size_t field_max);
const struct http_form_field *http_form_get(const struct http_form *,
	    const char *name);
int	 http_cookie_get(const char *cookie_header, const char *name,
	    char *value, size_t value_size);
int	 http_request_cookie(const struct http_request *, const char *name,
	    char *value, size_t value_size);
int	 http_utf8_valid(const char *, size_t);

#endif /* PFORKD_HTTP_FORM_H */
