/*
 * configuration.c: read pforkd.conf, add -l services and the bundled
 * defaults, and check the whole before it is used.
 *
 * A statement is one line: a keyword and exactly one value.  "service NAME
 * {" opens a block that a lone "}" closes; "include PATH" reads another
 * file, at the top level only.  The tokens come from config_lexer.c; every
 * error names FILE:LINE:COLUMN.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "event/dispatcher.h"
#include "protocols/protocol_table.h"
#include "server/access_rules.h"
#include "server/config_lexer.h"
#include "server/configuration.h"
#include "server/inetd_conf.h"
#include "server/program_options.h"
#include "server/service_setup.h"
#include "util/log.h"
#include "util/option_table.h"

struct parser {
	struct configuration	*configuration;
	const char		*path;
	struct config_lexer	*lexer;
	struct service		*service;	/* the open block, or NULL */
	int			 block_line;	/* where it was opened */
	int			 block_column;
	int			 depth;		/* of includes */
	char			*error;
	size_t			 error_size;
};

/* Report an error at a column of the current line; always -1. */
static int
parse_error(struct parser *parser, int column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int
parse_error(struct parser *parser, int column, const char *format, ...)
{
	va_list	ap;

	va_start(ap, format);
	config_error_at(parser->error, parser->error_size, parser->path,
	    parser->lexer->line, column, format, ap);
	va_end(ap);
	return -1;
}

/* workers: auto (0, one per processor) or a count. */
static int
set_workers(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (strcmp(value, "auto") == 0) {
		*(unsigned int *)option_field(base, keyword) = 0;
		return 0;
	}
	if (option_store(base, keyword, value, error, error_size) == 0)
		return 0;
	(void)snprintf(error, error_size, "%s: '%s' is not auto or a number "
	    "from %lu to %lu", keyword->name, value, keyword->low,
	    keyword->high);
	return -1;
}

/* backend: one of those compiled in, which an error lists. */
static int
set_backend(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (dispatcher_find_backend(value) != NULL)
		return option_store(base, keyword, value, error, error_size);
	(void)snprintf(error, error_size, "unknown backend '%s' (compiled in: "
	    "%s)", value, dispatcher_backend_names());
	return -1;
}

/* The names of accept-balance, by ACCEPT_BALANCE_* value. */
static const char *const accept_balance_names[] = {
	"auto", "shared", "exclusive", "reuseport", "mutex", NULL
};

/*
 * accept-balance: auto, shared, exclusive, reuseport or mutex; reuseport
 * only where it balances (Linux's SO_REUSEPORT, FreeBSD's
 * SO_REUSEPORT_LB).
 */
static int
set_accept_balance(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	int	i;

	for (i = 0; accept_balance_names[i] != NULL; i++)
		if (strcmp(value, accept_balance_names[i]) == 0)
			break;
	if (accept_balance_names[i] == NULL) {
		(void)snprintf(error, error_size, "%s: '%s' is not auto, "
		    "shared, exclusive, reuseport or mutex", keyword->name,
		    value);
		return -1;
	}
#ifndef HAVE_REUSEPORT_BALANCING
	if (i == ACCEPT_BALANCE_REUSEPORT) {
		(void)snprintf(error, error_size, "%s: this system has no "
		    "SO_REUSEPORT that balances connections", keyword->name);
		return -1;
	}
#endif
	*(int *)option_field(base, keyword) = i;
	return 0;
}

/*
 * What accept-balance auto means here: a socket per worker where the
 * kernel spreads connections over them (as even as the accept token, and
 * without its wake-ups: pforkd.8), else one shared socket and the token.
 */
int
configuration_accept_balance(const struct configuration *configuration)
{
	if (configuration->accept_balance != ACCEPT_BALANCE_AUTO)
		return configuration->accept_balance;
#ifdef HAVE_REUSEPORT_BALANCING
	return ACCEPT_BALANCE_REUSEPORT;
#else
	return ACCEPT_BALANCE_MUTEX;
#endif
}

/* group: a group the system knows. */
static int
set_group(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (value[0] == '\0' || getgrnam(value) == NULL) {
		(void)snprintf(error, error_size, "unknown group '%s'", value);
		return -1;
	}
	return option_store(base, keyword, value, error, error_size);
}

/* user: NAME or NAME:GROUP, both known to the system. */
static int
set_user(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	char		 name[sizeof(((struct configuration *)NULL)->user)];
	const char	*colon = strchr(value, ':');
	size_t		 length;

	length = colon != NULL ? (size_t)(colon - value) : strlen(value);
	if (length >= sizeof(name)) {
		(void)snprintf(error, error_size, "%s: the name is longer than "
		    "%zu bytes", keyword->name, sizeof(name) - 1);
		return -1;
	}
	memcpy(name, value, length);
	name[length] = '\0';
	if (name[0] == '\0' || getpwnam(name) == NULL) {
		(void)snprintf(error, error_size, "unknown user '%s'", name);
		return -1;
	}
	if (colon != NULL && option_table_set(&configuration_option_table, base,
	    "group", colon + 1, error, error_size) == -1)
		return -1;
	return option_store(base, keyword, name, error, error_size);
}

/* log: stderr, syslog[:FACILITY] or file:PATH. */
static int
set_log(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	char	target[sizeof(((struct configuration *)0)->log_target)];

	if (!log_target_valid(value)) {
		(void)snprintf(error, error_size, "%s: '%s' is not stderr, "
		    "syslog[:FACILITY] or file:PATH", keyword->name, value);
		return -1;
	}
	if (log_target_resolve(value, target, sizeof(target)) == -1) {
		(void)snprintf(error, error_size, "%s: '%s' makes too long a "
		    "path", keyword->name, value);
		return -1;
	}
	return option_store(base, keyword, target, error, error_size);
}

/* inetd-conf-strict: yes or no. */
static int
set_yes_no(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	unsigned int	*field = option_field(base, keyword);

	if (strcmp(value, "yes") == 0)
		*field = 1;
	else if (strcmp(value, "no") == 0)
		*field = 0;
	else {
		(void)snprintf(error, error_size, "%s: '%s' is not yes or no",
		    keyword->name, value);
		return -1;
	}
	return 0;
}

#define GLOBAL(member)	OPTION_FIELD(struct configuration, member)

/* The global keywords, outside service blocks. */
static const struct option_keyword global_keywords[] = {
	{ .name = "workers", .type = OPTION_COUNT, GLOBAL(workers),
	    .low = 1, .high = CONFIGURATION_WORKERS_MAX, .set = set_workers },
	{ .name = "backend", .type = OPTION_TEXT, GLOBAL(backend),
	    .set = set_backend },
	{ .name = "accept-balance", .type = OPTION_CUSTOM,
	    GLOBAL(accept_balance), .set = set_accept_balance },
	{ .name = "user", .type = OPTION_TEXT, GLOBAL(user),
	    .set = set_user },
	{ .name = "group", .type = OPTION_TEXT, GLOBAL(group),
	    .set = set_group },
	{ .name = "log", .type = OPTION_TEXT, GLOBAL(log_target),
	    .set = set_log },
	{ .name = "pid-file", .type = OPTION_PATH, GLOBAL(pid_file) },
	{ .name = "max-connections", .type = OPTION_COUNT,
	    GLOBAL(max_connections), .high = SERVICE_CONNECTIONS_MAX },
	{ .name = "per-source-max", .type = OPTION_COUNT,
	    GLOBAL(per_source_max), .high = SERVICE_CONNECTIONS_MAX },
	{ .name = "ipv6-prefix", .type = OPTION_COUNT, GLOBAL(ipv6_prefix),
	    .low = 1, .high = 128,
	    .initial = CONFIGURATION_DEFAULT_IPV6_PREFIX },
	{ .name = "idle", .type = OPTION_SECONDS, GLOBAL(idle_timeout_usec),
	    .high = SERVICE_SECONDS_MAX,
	    .initial = SERVICE_DEFAULT_IDLE_USEC },
	{ .name = "lifetime", .type = OPTION_SECONDS, GLOBAL(lifetime_usec),
	    .high = SERVICE_SECONDS_MAX },
	{ .name = "send-timeout", .type = OPTION_SECONDS,
	    GLOBAL(send_timeout_usec), .high = SERVICE_SECONDS_MAX,
	    .initial = SERVICE_DEFAULT_SEND_USEC },
	{ .name = "output-budget", .type = OPTION_COUNT,
	    GLOBAL(output_budget_mib), .high = CONFIGURATION_OUTPUT_BUDGET_MAX,
	    .initial = CONFIGURATION_DEFAULT_OUTPUT_BUDGET },
	{ .name = "graceful-timeout", .type = OPTION_SECONDS,
	    GLOBAL(graceful_timeout_usec), .high = SERVICE_SECONDS_MAX,
	    .initial = CONFIGURATION_DEFAULT_GRACEFUL_USEC },
	{ .name = "allow", .type = OPTION_CUSTOM, GLOBAL(access_rules),
	    .set = access_rules_set_keyword },
	{ .name = "deny", .type = OPTION_CUSTOM, GLOBAL(access_rules),
	    .set = access_rules_set_keyword },
	{ .name = "inetd-conf-strict", .type = OPTION_CUSTOM,
	    GLOBAL(inetd_conf_strict), .set = set_yes_no },
	{ .name = "proxy-protocol", .type = OPTION_CUSTOM,
	    GLOBAL(proxy_protocol), .set = service_set_switch },
	{ .name = "proxy-from", .type = OPTION_CUSTOM, GLOBAL(proxy_from),
	    .set = access_rules_set_keyword },
	{ .name = NULL }
};

/* They set the fields of a struct configuration. */
const struct option_table configuration_option_table = {
	.keywords = global_keywords,
	.base_size = sizeof(struct configuration),
};

/* Check that the statement has exactly one value; 0 or -1. */
static int
check_value(struct parser *parser)
{
	const struct config_token	*t = parser->lexer->tokens;

	if (parser->lexer->count < 2)
		return parse_error(parser, t[0].column, "'%s' needs a value",
		    t[0].text);
	if (config_token_is(&t[1], "{") || config_token_is(&t[1], "}"))
		return parse_error(parser, t[1].column, "expected a value for "
		    "'%s', found '%s'", t[0].text, t[1].text);
	if (parser->lexer->count > 2)
		return parse_error(parser, t[2].column, "unexpected '%s' after "
		    "the value of '%s' (quote a value that holds spaces)",
		    t[2].text, t[0].text);
	return 0;
}

static int	parse_stream(struct parser *, FILE *);

/* Resolve an include path against the including file's directory. */
static int
include_path(const char *including, const char *name, char *path,
    size_t size)
{
	const char	*slash = strrchr(including, '/');
	int		 length;

	if (name[0] == '/' || slash == NULL)
		length = snprintf(path, size, "%s", name);
	else
		length = snprintf(path, size, "%.*s/%s",
		    (int)(slash - including), including, name);
	return length < 0 || (size_t)length >= size ? -1 : 0;
}

/* "include PATH": parse another file at this point; 0 or -1. */
static int
parse_include(struct parser *parser, const struct config_token *value)
{
	struct parser	 inner;
	char		 path[CONFIGURATION_PATH_MAX];
	FILE		*file;
	int		 result;

	if (value->text[0] == '\0')
		return parse_error(parser, value->column,
		    "include needs a path");
	if (parser->depth == CONFIGURATION_INCLUDE_DEPTH)
		return parse_error(parser, value->column,
		    "includes nest deeper than %d files",
		    CONFIGURATION_INCLUDE_DEPTH);
	if (include_path(parser->path, value->text, path, sizeof(path)) == -1)
		return parse_error(parser, value->column, "include path too "
		    "long");
	if ((file = fopen(path, "r")) == NULL)
		return parse_error(parser, value->column,
		    "cannot open '%s': %s", value->text, strerror(errno));
	inner = *parser;
	inner.path = path;
	inner.depth++;
	result = parse_stream(&inner, file);
	(void)fclose(file);
	return result;
}

/* "inetd-conf PATH": add the services of an inetd.conf; 0 or -1. */
static int
parse_inetd_conf(struct parser *parser, const struct config_token *value)
{
	char	path[CONFIGURATION_PATH_MAX];

	if (value->text[0] == '\0')
		return parse_error(parser, value->column,
		    "inetd-conf needs a path");
	if (include_path(parser->path, value->text, path, sizeof(path)) == -1)
		return parse_error(parser, value->column, "inetd-conf path too "
		    "long");
	if (access(path, R_OK) == -1)
		return parse_error(parser, value->column,
		    "cannot open '%s': %s", value->text, strerror(errno));
	return configuration_load_inetd(parser->configuration, path,
	    (int)parser->configuration->inetd_conf_strict, parser->error,
	    parser->error_size);
}

/* A global statement; 0 or -1. */
static int
parse_global(struct parser *parser)
{
	const struct config_token	*t = parser->lexer->tokens;
	char				 message[400];

	if (option_find(&configuration_option_table, t[0].text) == NULL) {
		if (service_block_keyword(t[0].text))
			return parse_error(parser, t[0].column, "'%s' belongs "
			    "in a service block", t[0].text);
		return parse_error(parser, t[0].column, "unknown keyword '%s'",
		    t[0].text);
	}
	if (check_value(parser) == -1)
		return -1;
	if (option_table_set(&configuration_option_table, parser->configuration,
	    t[0].text, t[1].text, message, sizeof(message)) == -1)
		return parse_error(parser, t[1].column, "%s", message);
	return 0;
}

/* A statement inside a service block; 0 or -1. */
static int
parse_service_option(struct parser *parser)
{
	const struct config_token	*t = parser->lexer->tokens;
	char				 message[400];

	if (strcmp(t[0].text, "include") == 0 ||
	    strcmp(t[0].text, "inetd-conf") == 0)
		return parse_error(parser, t[0].column, "%s is allowed "
		    "only outside service blocks", t[0].text);
	if (!service_has_option(parser->service, t[0].text) &&
	    option_find(&configuration_option_table, t[0].text) != NULL)
		return parse_error(parser, t[0].column, "'%s' is a global "
		    "keyword: move it out of service '%s'", t[0].text,
		    parser->service->name);
	if (check_value(parser) == -1)
		return -1;
	if (service_set_option(parser->service, t[0].text, t[1].text,
	    message, sizeof(message)) == 0)
		return 0;
	/* An unknown key is the keyword's fault, a bad value the value's. */
	return parse_error(parser, service_has_option(parser->service,
	    t[0].text) ? t[1].column : t[0].column, "%s", message);
}

/* The service called name, or NULL. */
static const struct service *
find_service(const struct configuration *configuration, const char *name)
{
	size_t	i;

	for (i = 0; i < configuration->service_count; i++)
		if (strcmp(configuration->services[i].name, name) == 0)
			return &configuration->services[i];
	return NULL;
}

/* Start a service called name->text and make it the open block. */
static int
add_service(struct parser *parser, const struct config_token *keyword,
    const struct config_token *name)
{
	struct configuration	*c = parser->configuration;
	const struct service	*other;
	struct service		*service;

	if (name->text[0] == '\0' || strlen(name->text) >= SERVICE_NAME_MAX)
		return parse_error(parser, name->column, "a service name has 1 "
		    "to %d bytes", SERVICE_NAME_MAX - 1);
	if ((other = find_service(c, name->text)) != NULL)
		return parse_error(parser, name->column, "service '%s' is "
		    "already defined at %s", name->text, other->origin);
	if (c->service_count == CONFIGURATION_SERVICES_MAX)
		return parse_error(parser, keyword->column, "more than %d "
		    "services", CONFIGURATION_SERVICES_MAX);
	service = &c->services[c->service_count++];
	service_init(service, name->text);
	(void)snprintf(service->origin, sizeof(service->origin), "%s:%d:%d",
	    parser->path, parser->lexer->line, keyword->column);
	parser->service = service;
	parser->block_line = parser->lexer->line;
	parser->block_column = keyword->column;
	return 0;
}

/* "service NAME {": open a block; 0 or -1. */
static int
open_service(struct parser *parser)
{
	const struct config_token	*t = parser->lexer->tokens;
	int				 count = parser->lexer->count;

	if (parser->service != NULL)
		return parse_error(parser, t[0].column, "service blocks do not "
		    "nest (service '%s', opened on line %d, is not closed)",
		    parser->service->name, parser->block_line);
	if (count < 2 || config_token_is(&t[1], "{") ||
	    config_token_is(&t[1], "}"))
		return parse_error(parser, count < 2 ? t[0].column :
		    t[1].column, "service needs a name");
	if (count < 3 || !config_token_is(&t[2], "{"))
		return parse_error(parser, count < 3 ? t[1].column +
		    t[1].width : t[2].column, "expected '{' after the service "
		    "name, on the same line");
	if (count > 3)
		return parse_error(parser, t[3].column, "unexpected '%s' after "
		    "'{' (one statement per line)", t[3].text);
	return add_service(parser, &t[0], &t[1]);
}

/* "}": close the open block; 0 or -1. */
static int
close_service(struct parser *parser)
{
	const struct config_token	*t = parser->lexer->tokens;

	if (parser->service == NULL)
		return parse_error(parser, t[0].column, "'}' without an open "
		    "service block");
	if (parser->lexer->count > 1)
		return parse_error(parser, t[1].column, "unexpected '%s' after "
		    "'}'", t[1].text);
	parser->service = NULL;
	return 0;
}

/* The statement on the lexer's current line; 0 or -1. */
static int
parse_statement(struct parser *parser)
{
	const struct config_token	*keyword = &parser->lexer->tokens[0];

	if (parser->lexer->count == 0)
		return 0;
	if (config_token_is(keyword, "}"))
		return close_service(parser);
	if (config_token_is(keyword, "{"))
		return parse_error(parser, keyword->column,
		    "'{' belongs on the line of its 'service'");
	if (keyword->quoted)
		return parse_error(parser, keyword->column,
		    "expected a keyword, found the string \"%s\"",
		    keyword->text);
	if (strcmp(keyword->text, "service") == 0)
		return open_service(parser);
	if (parser->service != NULL)
		return parse_service_option(parser);
	if (strcmp(keyword->text, "include") == 0)
		return check_value(parser) == -1 ? -1 :
		    parse_include(parser, &parser->lexer->tokens[1]);
	if (strcmp(keyword->text, "inetd-conf") == 0)
		return check_value(parser) == -1 ? -1 :
		    parse_inetd_conf(parser, &parser->lexer->tokens[1]);
	return parse_global(parser);
}

/* Parse an open file to its end; 0 or -1. */
static int
parse_stream(struct parser *parser, FILE *file)
{
	struct config_lexer	lexer;
	int			status;

	config_lexer_init(&lexer, file);
	parser->lexer = &lexer;
	while ((status = config_lexer_next(&lexer)) == 1)
		if (parse_statement(parser) == -1)
			return -1;
	if (status == -1)
		return parse_error(parser, lexer.error_column, "%s",
		    lexer.error);
	if (parser->service == NULL)
		return 0;
	/* The lexer is done: point at where the block was opened. */
	lexer.line = parser->block_line;
	return parse_error(parser, parser->block_column, "service '%s' is not "
	    "closed: '}' is missing before the end of the file",
	    parser->service->name);
}

/* Built-in defaults, no services. */
void
configuration_init(struct configuration *configuration)
{
	memset(configuration, 0, sizeof(*configuration));
	option_table_defaults(&configuration_option_table, configuration);
}

/* Read a configuration file and its includes; 0 or -1 with a message. */
int
configuration_load_file(struct configuration *configuration,
    const char *path, char *error, size_t error_size)
{
	struct parser	 parser;
	FILE		*file;
	int		 result;

	if ((file = fopen(path, "r")) == NULL) {
		(void)snprintf(error, error_size, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	memset(&parser, 0, sizeof(parser));
	parser.configuration = configuration;
	parser.path = path;
	parser.error = error;
	parser.error_size = error_size;
	result = parse_stream(&parser, file);
	(void)fclose(file);
	return result;
}

/* Add the services of an inetd.conf, reporting to the log; 0 or -1. */
int
configuration_load_inetd(struct configuration *configuration,
    const char *path, int strict, char *error, size_t error_size)
{
	return inetd_conf_load(configuration, path, strict, NULL, NULL, error,
	    error_size);
}

/* Add a service from a -l argument; 0 or -1 with a message. */
int
configuration_add_listen(struct configuration *configuration,
    const char *spec, char *error, size_t error_size)
{
	struct service	*service;
	char		 message[400];

	if (configuration->service_count == CONFIGURATION_SERVICES_MAX) {
		(void)snprintf(error, error_size, "-l %s: more than %d "
		    "services", spec, CONFIGURATION_SERVICES_MAX);
		return -1;
	}
	service = &configuration->services[configuration->service_count];
	if (service_parse_listen(service, spec, message,
	    sizeof(message)) == -1) {
		service_discard(service);
		(void)snprintf(error, error_size, "-l %s: %s", spec, message);
		return -1;
	}
	configuration->service_count++;
	return 0;
}

/* Make the one service of -i, which listens nowhere; 0 or -1. */
int
configuration_add_inetd(struct configuration *configuration,
    const char *spec, char *error, size_t error_size)
{
	struct service	*service = &configuration->services[0];
	char		 message[400];

	if (service_parse_inetd(service, spec, message,
	    sizeof(message)) == -1) {
		service_discard(service);
		(void)snprintf(error, error_size, "-i %s: %s", spec, message);
		return -1;
	}
	configuration->service_count = 1;
	configuration->inetd = 1;
	return 0;
}

/* Add the bundled default services on 127.0.0.1; 0 or -1. */
int
configuration_add_defaults(struct configuration *configuration,
    char *error, size_t error_size)
{
	static const struct {
		const char	*protocol;
		const char	*spec;
	} defaults[] = {
		{ "echo",	"echo@127.0.0.1:7007" },
		{ "discard",	"discard@127.0.0.1:7009" },
		{ "daytime",	"daytime@127.0.0.1:7013" },
		{ "chargen",	"chargen@127.0.0.1:7019" },
		{ "time",	"time@127.0.0.1:7037" },
		{ "poetry",	"poetry@127.0.0.1:10000,file=ecstasy.txt" },
		{ "poetry",	"poetry@127.0.0.1:10001,file=fascination.txt" },
		{ "poetry",	"poetry@127.0.0.1:10002,file=science.txt" },
		{ "chat",	"chat@127.0.0.1:8888" },
	};
	struct service	*service;
	size_t		 i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (protocol_find(defaults[i].protocol) == NULL)
			continue;
		if (configuration_add_listen(configuration, defaults[i].spec,
		    error, error_size) == -1)
			return -1;
		service = &configuration->services[
		    configuration->service_count - 1];
		(void)snprintf(service->origin, sizeof(service->origin),
		    "built-in default %s", defaults[i].spec);
	}
	return 0;
}

/* Whether a numeric address (never "") is its family's any-address. */
static int
is_wildcard(int family, const unsigned char *bytes)
{
	static const unsigned char	zero[sizeof(struct in6_addr)];

	return memcmp(bytes, zero, family == AF_INET ?
	    sizeof(struct in_addr) : sizeof(struct in6_addr)) == 0;
}

/* Whether two listen addresses cannot both be bound. */
static int
listens_collide(const struct listen_address *a,
    const struct listen_address *b)
{
	unsigned char	bytes_a[sizeof(struct in6_addr)];
	unsigned char	bytes_b[sizeof(struct in6_addr)];
	int		family_a, family_b;

	if (strcmp(a->port, b->port) != 0 || strcmp(a->port, "0") == 0)
		return 0;
	/* "" is every address of both families. */
	if (a->address[0] == '\0' || b->address[0] == '\0')
		return 1;
	family_a = strchr(a->address, ':') != NULL ? AF_INET6 : AF_INET;
	family_b = strchr(b->address, ':') != NULL ? AF_INET6 : AF_INET;
	if (family_a != family_b ||
	    inet_pton(family_a, a->address, bytes_a) != 1 ||
	    inet_pton(family_b, b->address, bytes_b) != 1)
		return 0;
	return is_wildcard(family_a, bytes_a) ||
	    is_wildcard(family_b, bytes_b) || memcmp(bytes_a, bytes_b,
	    family_a == AF_INET ? sizeof(struct in_addr) :
	    sizeof(struct in6_addr)) == 0;
}

/* Write a listen address as the configuration spells it. */
static void
format_listen(const struct listen_address *listen, char *text, size_t size)
{
	int	bracket = strchr(listen->address, ':') != NULL;

	(void)snprintf(text, size, "%s%s%s:%s", bracket ? "[" : "",
	    listen->address, bracket ? "]" : "", listen->port);
}

/* Report that listen of service is taken by taken of other; -1. */
static int
collision_error(const struct service *service,
    const struct listen_address *listen, const struct service *other,
    const struct listen_address *taken, char *error, size_t error_size)
{
	char	mine[SERVICE_ADDRESS_MAX + 16];
	char	theirs[SERVICE_ADDRESS_MAX + 16];

	format_listen(listen, mine, sizeof(mine));
	format_listen(taken, theirs, sizeof(theirs));
	(void)snprintf(error, error_size, "%s: %s is already used by service "
	    "'%s' (%s)%s%s", service->origin, mine, other->name, other->origin,
	    strcmp(mine, theirs) != 0 ? ", which listens on " : "",
	    strcmp(mine, theirs) != 0 ? theirs : "");
	return -1;
}

/* Check the listens of service index against all before them; 0 or -1. */
static int
check_collisions(const struct configuration *configuration, size_t index,
    char *error, size_t error_size)
{
	const struct service	*service = &configuration->services[index];
	const struct service	*other;
	size_t			 i, a, b, before;

	for (a = 0; a < service->listen_count; a++)
		for (i = 0; i <= index; i++) {
			other = &configuration->services[i];
			before = i == index ? a : other->listen_count;
			for (b = 0; b < before; b++)
				if (listens_collide(&service->listens[a],
				    &other->listens[b]))
					return collision_error(service,
					    &service->listens[a], other,
					    &other->listens[b], error,
					    error_size);
		}
	return 0;
}

/* Give a service the global defaults of the options it did not set. */
static void
inherit_defaults(struct service *service,
    const struct configuration *configuration)
{
	if (!(service->explicit & SERVICE_SET_IDLE))
		service->idle_timeout_usec = configuration->idle_timeout_usec;
	if (!(service->explicit & SERVICE_SET_LIFETIME))
		service->lifetime_usec = configuration->lifetime_usec;
	if (!(service->explicit & SERVICE_SET_SEND_TIMEOUT))
		service->send_timeout_usec = configuration->send_timeout_usec;
	if (!(service->explicit & SERVICE_SET_PER_SOURCE_MAX))
		service->per_source_max = configuration->per_source_max;
	/* A service with rules of its own ignores the global ones. */
	if (service->access_rules == NULL)
		service->access_rules =
		    access_rules_hold(configuration->access_rules);
	if (!(service->explicit & SERVICE_SET_PROXY_PROTOCOL))
		service->proxy_protocol = configuration->proxy_protocol;
	/* Likewise a service's own proxy-from replaces the global list. */
	if (service->proxy_from == NULL)
		service->proxy_from =
		    access_rules_hold(configuration->proxy_from);
}

/*
 * proxy-protocol on needs proxy-from: trusting every peer would let any
 * client claim any address, and trusting none refuses every header.  It
 * needs accepted connections too: neither a wait service (its program
 * gets the listener) nor -i (inetd already accepted) reads one.  0 or -1.
 */
static int
check_proxy(const struct configuration *configuration,
    const struct service *service, char *error, size_t error_size)
{
	if (!service->proxy_protocol)
		return 0;
	if (access_rules_count(service->proxy_from) == 0) {
		(void)snprintf(error, error_size, "%s: service '%s': "
		    "proxy-protocol on needs proxy-from: the networks of the "
		    "balancers trusted to tell a client's address",
		    service->origin, service->name);
		return -1;
	}
	if (configuration->inetd || (service->program != NULL &&
	    service->program->wait)) {
		(void)snprintf(error, error_size, "%s: service '%s': "
		    "proxy-protocol needs connections pforkd accepts itself "
		    "(not -i, not wait yes)", service->origin, service->name);
		return -1;
	}
	return 0;
}

/* Check one service, complete with its defaults; 0 or -1. */
static int
check_service(struct configuration *configuration, size_t index,
    char *error, size_t error_size)
{
	struct service	*service = &configuration->services[index];
	char		 message[400];

	if (service->program != NULL &&
	    !program_options_have_command(service->program)) {
		(void)snprintf(error, error_size, "%s: service '%s' has "
		    "program keywords but no 'command'", service->origin,
		    service->name);
		return -1;
	}
	if (service->protocol == NULL && service->program == NULL) {
		(void)snprintf(error, error_size, "%s: service '%s' needs a "
		    "protocol or a command (its name is not a built-in "
		    "protocol: %s)", service->origin, service->name,
		    protocol_names());
		return -1;
	}
	if (service->listen_count == 0 && !configuration->inetd) {
		(void)snprintf(error, error_size, "%s: service '%s' has no "
		    "listen address", service->origin, service->name);
		return -1;
	}
	if (check_collisions(configuration, index, error, error_size) == -1)
		return -1;
	if (check_proxy(configuration, service, error, error_size) == -1)
		return -1;
	if (service->program != NULL && program_options_prepare(
	    service->program, configuration->user, configuration->group,
	    message, sizeof(message)) == -1) {
		(void)snprintf(error, error_size, "%s: %s", service->origin,
		    message);
		return -1;
	}
	if (service_prepare(service, message, sizeof(message)) == -1) {
		(void)snprintf(error, error_size, "%s: %s", service->origin,
		    message);
		return -1;
	}
	return 0;
}

/* Fill unset options from the globals and check the whole; 0 or -1. */
int
configuration_finish(struct configuration *configuration, char *error,
    size_t error_size)
{
	size_t	i;

	if (configuration->service_count == 0) {
		(void)snprintf(error, error_size, "no services configured");
		return -1;
	}
	for (i = 0; i < configuration->service_count; i++) {
		inherit_defaults(&configuration->services[i], configuration);
		if (check_service(configuration, i, error, error_size) == -1)
			return -1;
	}
	return 0;
}

/* Free what the services and their protocols and programs allocated. */
void
configuration_release(struct configuration *configuration)
{
	size_t	i;

	for (i = 0; i < configuration->service_count; i++)
		service_discard(&configuration->services[i]);
	configuration->service_count = 0;
	access_rules_free(configuration->access_rules);
	configuration->access_rules = NULL;
	access_rules_free(configuration->proxy_from);
	configuration->proxy_from = NULL;
}
