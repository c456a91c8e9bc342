/*
 * configuration.c: read pforkd.conf, add -l services and the bundled
 * defaults, and check the whole before it is used.
 *
 * The grammar is line based: a statement is a keyword and one value;
 * "service NAME {" opens a block that "}" closes on its own line; "#"
 * starts a comment anywhere outside double quotes; "include PATH" reads
 * another file (relative to the including file).  Every error names
 * FILE:LINE:COLUMN.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "configuration.h"
#include "dispatcher.h"
#include "log.h"
#include "privileges.h"
#include "protocol.h"

#define LINE_MAX_LENGTH		4096
#define TOKENS_PER_LINE		4
#define SECONDS_LIMIT		(365 * 24 * 3600.0)

struct token {
	char	text[LINE_MAX_LENGTH];
	int	column;
	int	quoted;
};

struct parse_state {
	struct configuration	*configuration;
	const char		*path;
	int			 line;
	struct service		*service;	/* the open block, or NULL */
	int			 block_line;
	int			 depth;
	char			*error;
	size_t			 error_size;
};

/* Report an error at a column of the current line; always -1. */
static int
parse_error(struct parse_state *state, int column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int
parse_error(struct parse_state *state, int column, const char *format, ...)
{
	char	message[512];
	va_list	ap;

	va_start(ap, format);
	(void)vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	(void)snprintf(state->error, state->error_size, "%s:%d:%d: %s",
	    state->path, state->line, column, message);
	return -1;
}

/* Read one quoted string starting at text[*at] (the quote) into token. */
static int
lex_quoted(struct parse_state *state, const char *text, size_t *at,
    struct token *token)
{
	size_t	length = 0, start = *at;

	token->quoted = 1;
	for ((*at)++; text[*at] != '"'; (*at)++) {
		if (text[*at] == '\0' || text[*at] == '\n')
			return parse_error(state, (int)start + 1,
			    "unterminated string");
		if (text[*at] == '\\' && (text[*at + 1] == '"' ||
		    text[*at + 1] == '\\'))
			(*at)++;
		token->text[length++] = text[*at];
	}
	(*at)++;
	token->text[length] = '\0';
	return 0;
}

/* Split a line into at most TOKENS_PER_LINE tokens; the count or -1. */
static int
lex_line(struct parse_state *state, const char *text, struct token *tokens)
{
	size_t	at = 0, length;
	int	count = 0;

	for (;;) {
		while (text[at] == ' ' || text[at] == '\t' || text[at] == '\r')
			at++;
		if (text[at] == '\0' || text[at] == '\n' || text[at] == '#')
			return count;
		if (count == TOKENS_PER_LINE)
			return parse_error(state, (int)at + 1, "unexpected "
			    "'%.40s'", text + at);
		tokens[count].column = (int)at + 1;
		tokens[count].quoted = 0;
		if (text[at] == '"') {
			if (lex_quoted(state, text, &at, &tokens[count]) == -1)
				return -1;
		} else if (text[at] == '{' || text[at] == '}') {
			tokens[count].text[0] = text[at++];
			tokens[count].text[1] = '\0';
		} else {
			length = strcspn(text + at, " \t\r\n#{}\"");
			memcpy(tokens[count].text, text + at, length);
			tokens[count].text[length] = '\0';
			at += length;
		}
		count++;
	}
}

/* Whether token is the bare punctuation mark text. */
static int
is_mark(const struct token *token, const char *mark)
{
	return !token->quoted && strcmp(token->text, mark) == 0;
}

static int	parse_file(struct parse_state *, const char *path);

/* "include PATH": read PATH relative to the including file. */
static int
parse_include(struct parse_state *state, const struct token *value)
{
	char		 path[CONFIGURATION_PATH_MAX];
	const char	*slash;
	FILE		*file;
	int		 length;
	struct parse_state inner = *state;

	if (state->service != NULL)
		return parse_error(state, value->column - 8,
		    "include is not allowed inside a service block");
	if (state->depth >= CONFIGURATION_INCLUDE_DEPTH)
		return parse_error(state, value->column, "includes nested "
		    "deeper than %d", CONFIGURATION_INCLUDE_DEPTH);
	slash = strrchr(state->path, '/');
	if (value->text[0] == '/' || slash == NULL)
		length = snprintf(path, sizeof(path), "%s", value->text);
	else
		length = snprintf(path, sizeof(path), "%.*s/%s",
		    (int)(slash - state->path), state->path, value->text);
	if (length < 0 || (size_t)length >= sizeof(path))
		return parse_error(state, value->column, "path too long");
	if ((file = fopen(path, "r")) == NULL)
		return parse_error(state, value->column, "cannot open '%s': "
		    "%s", value->text, strerror(errno));
	(void)fclose(file);
	inner.depth++;
	inner.path = path;
	inner.line = 0;
	return parse_file(&inner, path);
}

/* A global keyword with its value; 0 or -1. */
static int
parse_global(struct parse_state *state, const struct token *keyword,
    const struct token *value)
{
	struct configuration	*c = state->configuration;
	const char		*key = keyword->text, *text = value->text;
	struct identity		 identity;
	char			 message[256];
	unsigned int		 number;

	if (strcmp(key, "workers") == 0) {
		if (strcmp(text, "auto") == 0)
			c->workers = 0;
		else if (parse_count(text, CONFIGURATION_WORKERS_MAX,
		    &number) == -1 || number == 0)
			return parse_error(state, value->column, "workers: "
			    "'%s' is not auto or a number from 1 to %d", text,
			    CONFIGURATION_WORKERS_MAX);
		else
			c->workers = number;
	} else if (strcmp(key, "backend") == 0) {
		if (dispatcher_find_backend(text) == NULL)
			return parse_error(state, value->column, "unknown "
			    "backend '%s' (see pforkd -V)", text);
		(void)strlcpy(c->backend, text, sizeof(c->backend));
	} else if (strcmp(key, "user") == 0 || strcmp(key, "group") == 0) {
		if (identity_resolve(&identity, key[0] == 'u' ? text : "root",
		    key[0] == 'g' ? text : NULL, message,
		    sizeof(message)) == -1)
			return parse_error(state, value->column, "%s", message);
		(void)strlcpy(key[0] == 'u' ? c->user : c->group, text,
		    sizeof(c->user));
	} else if (strcmp(key, "log") == 0) {
		if (!log_target_valid(text))
			return parse_error(state, value->column, "log: '%s' is "
			    "not stderr, syslog[:facility] or file:PATH", text);
		(void)strlcpy(c->log_target, text, sizeof(c->log_target));
	} else if (strcmp(key, "pid-file") == 0) {
		(void)strlcpy(c->pid_file, text, sizeof(c->pid_file));
	} else if (strcmp(key, "max-connections") == 0 ||
	    strcmp(key, "per-source-max") == 0) {
		if (parse_count(text, 1000000, &number) == -1)
			return parse_error(state, value->column, "%s: '%s' is "
			    "not a whole number from 0 to 1000000", key, text);
		*(key[0] == 'm' ? &c->max_connections : &c->per_source_max) =
		    number;
	} else if (strcmp(key, "ipv6-prefix") == 0) {
		if (parse_count(text, 128, &number) == -1 || number == 0)
			return parse_error(state, value->column, "ipv6-prefix: "
			    "'%s' is not a number from 1 to 128", text);
		c->ipv6_prefix = number;
	} else if (strcmp(key, "idle") == 0 || strcmp(key, "lifetime") == 0 ||
	    strcmp(key, "graceful-timeout") == 0) {
		if (parse_seconds(text, SECONDS_LIMIT, key[0] == 'i' ?
		    &c->idle_timeout_usec : key[0] == 'l' ? &c->lifetime_usec :
		    &c->graceful_timeout_usec) == -1)
			return parse_error(state, value->column, "%s: '%s' is "
			    "not a number of seconds from 0 to %.0f", key, text,
			    SECONDS_LIMIT);
	} else if (strcmp(key, "include") == 0) {
		return parse_include(state, value);
	} else if (strcmp(key, "listen") == 0 || strcmp(key, "protocol") == 0)
		return parse_error(state, keyword->column, "'%s' belongs in a "
		    "service block", key);
	else
		return parse_error(state, keyword->column, "unknown keyword "
		    "'%s'", key);
	return 0;
}

/* "service NAME {": open a block; 0 or -1. */
static int
open_service(struct parse_state *state, const struct token *tokens,
    int count)
{
	struct configuration	*c = state->configuration;
	struct service		*service;
	size_t			 i;

	if (state->service != NULL)
		return parse_error(state, tokens[0].column, "service blocks "
		    "do not nest (the block opened on line %d is still open)",
		    state->block_line);
	if (count < 2 || is_mark(&tokens[1], "{"))
		return parse_error(state, tokens[0].column, "service needs a "
		    "name");
	if (count < 3 || !is_mark(&tokens[2], "{"))
		return parse_error(state, count < 3 ? tokens[1].column +
		    (int)strlen(tokens[1].text) : tokens[2].column,
		    "expected '{' after the service name");
	if (count > 3)
		return parse_error(state, tokens[3].column, "unexpected '%s'",
		    tokens[3].text);
	if (strlen(tokens[1].text) >= SERVICE_NAME_MAX || tokens[1].text[0] ==
	    '\0')
		return parse_error(state, tokens[1].column, "service names "
		    "have 1 to %d characters", SERVICE_NAME_MAX - 1);
	for (i = 0; i < c->service_count; i++)
		if (strcmp(c->services[i].name, tokens[1].text) == 0)
			return parse_error(state, tokens[1].column, "service "
			    "'%s' is already defined at %s", tokens[1].text,
			    c->services[i].origin);
	if (c->service_count == CONFIGURATION_SERVICES_MAX)
		return parse_error(state, tokens[0].column, "more than %d "
		    "services", CONFIGURATION_SERVICES_MAX);
	service = &c->services[c->service_count++];
	service_init(service, tokens[1].text);
	(void)snprintf(service->origin, sizeof(service->origin), "%s:%d:%d",
	    state->path, state->line, tokens[0].column);
	state->service = service;
	state->block_line = state->line;
	return 0;
}

/* One line's tokens; 0 or -1. */
static int
parse_statement(struct parse_state *state, struct token *tokens, int count)
{
	char	message[512];

	if (count == 0)
		return 0;
	if (is_mark(&tokens[0], "}")) {
		if (state->service == NULL)
			return parse_error(state, tokens[0].column,
			    "'}' without an open service block");
		if (count > 1)
			return parse_error(state, tokens[1].column,
			    "unexpected '%s' after '}'", tokens[1].text);
		state->service = NULL;
		return 0;
	}
	if (!tokens[0].quoted && strcmp(tokens[0].text, "service") == 0)
		return open_service(state, tokens, count);
	if (tokens[0].quoted || is_mark(&tokens[0], "{"))
		return parse_error(state, tokens[0].column, "expected a "
		    "keyword, found '%s'", tokens[0].text);
	if (count < 2 || is_mark(&tokens[1], "{") || is_mark(&tokens[1], "}"))
		return parse_error(state, tokens[0].column, "%s needs a value",
		    tokens[0].text);
	if (count > 2)
		return parse_error(state, tokens[2].column, "unexpected '%s' "
		    "after the value of %s", tokens[2].text, tokens[0].text);
	if (state->service == NULL)
		return parse_global(state, &tokens[0], &tokens[1]);
	if (strcmp(tokens[0].text, "include") == 0)
		return parse_error(state, tokens[0].column, "include is not "
		    "allowed inside a service block");
	if (service_set_option(state->service, tokens[0].text,
	    tokens[1].text, message, sizeof(message)) == -1)
		return parse_error(state, strncmp(message, "unknown option",
		    14) == 0 ? tokens[0].column : tokens[1].column, "%s",
		    message);
	return 0;
}

/*
 * Read one line into text (without its newline); its length, -1 at end of
 * file, -2 for a line that is too long, -3 for a NUL byte.  The rest of a
 * bad line is consumed.
 */
static long
read_line(FILE *file, char *text, size_t size)
{
	size_t	length = 0;
	long	verdict = 0;
	int	c;

	while ((c = getc(file)) != EOF && c != '\n') {
		if (c == '\0' && verdict == 0)
			verdict = -3;
		else if (length + 1 >= size && verdict == 0)
			verdict = -2;
		else if (verdict == 0)
			text[length++] = (char)c;
	}
	text[length] = '\0';
	if (c == EOF && length == 0 && verdict == 0)
		return -1;
	return verdict != 0 ? verdict : (long)length;
}

/* Read and parse one file; 0 or -1. */
static int
parse_file(struct parse_state *state, const char *path)
{
	static struct token	 tokens[TOKENS_PER_LINE];
	char			 text[LINE_MAX_LENGTH + 1];
	FILE			*file;
	long			 length;
	int			 count, result = 0;

	if ((file = fopen(path, "r")) == NULL) {
		(void)snprintf(state->error, state->error_size,
		    "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (result == 0 && (length = read_line(file, text,
	    sizeof(text))) != -1) {
		state->line++;
		if (length == -2)
			result = parse_error(state, 1, "line longer than %d "
			    "bytes", LINE_MAX_LENGTH);
		else if (length == -3)
			result = parse_error(state, 1, "NUL byte in the line");
		else if ((count = lex_line(state, text, tokens)) == -1)
			result = -1;
		else
			result = parse_statement(state, tokens, count);
	}
	if (result == 0 && state->service != NULL) {
		state->line = state->block_line;
		result = parse_error(state, 1, "service '%s' is not closed "
		    "with '}'", state->service->name);
	}
	(void)fclose(file);
	return result;
}

/* Built-in defaults, no services. */
void
configuration_init(struct configuration *configuration)
{
	memset(configuration, 0, sizeof(*configuration));
	configuration->ipv6_prefix = CONFIGURATION_DEFAULT_IPV6_PREFIX;
	configuration->idle_timeout_usec = SERVICE_DEFAULT_IDLE_USEC;
	configuration->graceful_timeout_usec =
	    CONFIGURATION_DEFAULT_GRACEFUL_USEC;
}

/* Read a configuration file and its includes; 0 or -1 with a message. */
int
configuration_load_file(struct configuration *configuration,
    const char *path, char *error, size_t error_size)
{
	struct parse_state	state;

	memset(&state, 0, sizeof(state));
	state.configuration = configuration;
	state.path = path;
	state.error = error;
	state.error_size = error_size;
	return parse_file(&state, path);
}

/* Add a service from a -l argument; 0 or -1 with a message. */
int
configuration_add_listen(struct configuration *configuration,
    const char *spec, char *error, size_t error_size)
{
	char	message[400];

	if (configuration->service_count == CONFIGURATION_SERVICES_MAX) {
		(void)snprintf(error, error_size, "-l %s: more than %d "
		    "services", spec, CONFIGURATION_SERVICES_MAX);
		return -1;
	}
	if (service_parse_listen(&configuration->services[
	    configuration->service_count], spec, message,
	    sizeof(message)) == -1) {
		service_discard(&configuration->services[
		    configuration->service_count]);
		(void)snprintf(error, error_size, "-l %s: %s", spec, message);
		return -1;
	}
	configuration->service_count++;
	return 0;
}

/* Add the bundled default services on 127.0.0.1; 0 or -1. */
int
configuration_add_defaults(struct configuration *configuration,
    char *error, size_t error_size)
{
	static const char *const defaults[] = {
		"echo@127.0.0.1:7007",
		"discard@127.0.0.1:7009",
		"daytime@127.0.0.1:7013",
		"chargen@127.0.0.1:7019",
		"time@127.0.0.1:7037",
		"poetry@127.0.0.1:10000,file=ecstasy.txt",
		"poetry@127.0.0.1:10001,file=fascination.txt",
		"poetry@127.0.0.1:10002,file=science.txt",
		NULL
	};
	size_t	i;

	for (i = 0; defaults[i] != NULL; i++) {
		if (configuration_add_listen(configuration, defaults[i], error,
		    error_size) == -1)
			return -1;
		(void)snprintf(configuration->services[
		    configuration->service_count - 1].origin,
		    sizeof(configuration->services[0].origin),
		    "built-in default %s", defaults[i]);
	}
	return 0;
}

/* Whether two listen addresses collide (same port, overlapping address). */
static int
listens_collide(const struct listen_address *a, const struct listen_address
    *b)
{
	if (strcmp(a->port, "0") == 0 || strcmp(a->port, b->port) != 0)
		return 0;
	/* An empty address is every address of both families. */
	return a->address[0] == '\0' || b->address[0] == '\0' ||
	    strcmp(a->address, b->address) == 0;
}

/* Check that no listen address of service index is used before it. */
static int
check_collisions(const struct configuration *configuration, size_t index,
    char *error, size_t error_size)
{
	const struct service	*service = &configuration->services[index];
	const struct service	*other;
	size_t			 i, a, b;

	for (i = 0; i <= index; i++) {
		other = &configuration->services[i];
		for (a = 0; a < service->listen_count; a++)
			for (b = 0; b < (i == index ? a : other->listen_count);
			    b++) {
				if (!listens_collide(&service->listens[a],
				    &other->listens[b]))
					continue;
				(void)snprintf(error, error_size, "%s: address "
				    "'%s' port %s is already used by service "
				    "'%s' (%s)", service->origin,
				    service->listens[a].address,
				    service->listens[a].port, other->name,
				    other->origin);
				return -1;
			}
	}
	return 0;
}

/* Fill unset options from the globals and check the whole; 0 or -1. */
int
configuration_finish(struct configuration *configuration, char *error,
    size_t error_size)
{
	struct service	*service;
	char		 message[400];
	size_t		 i;

	if (configuration->service_count == 0) {
		(void)snprintf(error, error_size, "no services configured");
		return -1;
	}
	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		if (!(service->explicit & SERVICE_SET_IDLE))
			service->idle_timeout_usec =
			    configuration->idle_timeout_usec;
		if (!(service->explicit & SERVICE_SET_LIFETIME))
			service->lifetime_usec = configuration->lifetime_usec;
		if (!(service->explicit & SERVICE_SET_PER_SOURCE_MAX))
			service->per_source_max =
			    configuration->per_source_max;
		if (service->protocol == NULL) {
			(void)snprintf(error, error_size, "%s: service '%s' "
			    "needs a protocol", service->origin, service->name);
			return -1;
		}
		if (service->listen_count == 0) {
			(void)snprintf(error, error_size, "%s: service '%s' "
			    "has no listen address", service->origin,
			    service->name);
			return -1;
		}
		if (check_collisions(configuration, i, error, error_size) == -1)
			return -1;
		if (service_prepare(service, message, sizeof(message)) == -1) {
			(void)snprintf(error, error_size, "%s: %s",
			    service->origin, message);
			return -1;
		}
	}
	return 0;
}

/* Free what the services' protocols allocated. */
void
configuration_release(struct configuration *configuration)
{
	size_t	i;

	for (i = 0; i < configuration->service_count; i++)
		service_discard(&configuration->services[i]);
	configuration->service_count = 0;
}
