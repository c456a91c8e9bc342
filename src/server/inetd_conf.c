/*
 * inetd_conf.c: read an inetd.conf(5) into services (see inetd_conf.h).
 *
 * Each line is split into blank-separated fields, checked field by field
 * (the socket type and protocol first, so that a UDP line is reported as
 * such rather than as an unknown TCP service), then turned into the
 * keywords a pforkd.conf service block would give, through
 * service_set_option(), so that the same checks apply.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "server/config_lexer.h"
#include "server/configuration.h"
#include "server/inetd_conf.h"
#include "server/program_options.h"
#include "server/service_setup.h"
#include "util/log.h"
#include "util/parse_number.h"

#define INETD_LINE_MAX		4096
#define INETD_FIELDS_MAX	(INETD_LINE_MAX / 2 + 1)
#define INETD_COUNT_MAX		1000000UL

/* One blank-separated field of a line and its 1-based column. */
struct field {
	const char	*text;
	int		 column;
};

/* What the wait field says. */
struct wait_field {
	int		wait;
	unsigned int	rate;			/* .max, per minute */
	unsigned int	max_child;		/* FreeBSD */
	unsigned int	per_ip_per_minute;	/* FreeBSD */
	unsigned int	max_child_per_ip;	/* FreeBSD */
};

/* One line's parsed fields, what a service needs. */
struct line {
	char			address[SERVICE_ADDRESS_MAX]; /* "" = any */
	char			port[SERVICE_PORT_MAX];
	const char		*name;		/* the inetd service name */
	const char		*protocol_text;	/* tcp, tcp6... */
	struct wait_field	 wait;
	char			 user[PROGRAM_NAME_MAX * 2 + 2];
	const struct protocol	*builtin;	/* for "internal" */
};

struct reader {
	struct configuration	*configuration;
	const char		*path;
	int			 number;	/* of the current line */
	int			 strict;
	inetd_conf_warn		*warn;
	void			*arg;
	char			 default_address[SERVICE_ADDRESS_MAX];
	char			*error;
	size_t			 error_size;
	int			 count;		/* of fields */
	struct field		 fields[INETD_FIELDS_MAX];
	char			 text[INETD_LINE_MAX + 2];
};

/* Hand a message to the reader's warn, or to the log. */
static void
tell(struct reader *reader, const char *message)
{
	if (reader->warn != NULL)
		reader->warn(reader->arg, message);
	else
		log_message(LOG_LEVEL_WARNING, "%s", message);
}

/* Report a warning about the current line at column; the line stays. */
static void
warn_at(struct reader *reader, int column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn_at(struct reader *reader, int column, const char *format, ...)
{
	char	message[512], line[700];
	va_list	ap;

	va_start(ap, format);
	(void)vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	(void)snprintf(line, sizeof(line), "%s:%d:%d: %s", reader->path,
	    reader->number, column, message);
	tell(reader, line);
}

/*
 * Report a line pforkd cannot serve at column: skipped (1), or in strict
 * mode the error of the whole file (-1).
 */
static int
skip(struct reader *reader, int column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int
skip(struct reader *reader, int column, const char *format, ...)
{
	char	message[512], line[700];
	va_list	ap;

	va_start(ap, format);
	(void)vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	if (reader->strict) {
		(void)snprintf(reader->error, reader->error_size, "%s:%d:%d: "
		    "%s (strict: the file is refused)", reader->path,
		    reader->number, column, message);
		return -1;
	}
	(void)snprintf(line, sizeof(line), "%s:%d:%d: %s; line skipped",
	    reader->path, reader->number, column, message);
	tell(reader, line);
	return 1;
}

/* Report a fault of the whole file at column; -1. */
static int
fatal(struct reader *reader, int column, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int
fatal(struct reader *reader, int column, const char *format, ...)
{
	va_list	ap;

	va_start(ap, format);
	config_error_at(reader->error, reader->error_size, reader->path,
	    reader->number, column, format, ap);
	va_end(ap);
	return -1;
}

/* Split reader->text into fields, in place. */
static void
split_fields(struct reader *reader)
{
	char	*p = reader->text;

	reader->count = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0' || reader->count == INETD_FIELDS_MAX)
			return;
		reader->fields[reader->count].text = p;
		reader->fields[reader->count].column = (int)(p -
		    reader->text) + 1;
		reader->count++;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n')
			p++;
	}
}

/* Whether text is a numeric address of family. */
static int
is_address(int family, const char *text)
{
	struct in6_addr	buffer;

	return inet_pton(family, text, &buffer) == 1;
}

/*
 * Check an address as written ("*" or "" = any, numeric IPv4 or IPv6,
 * the latter bracketed or not) into out; 0, or 1/-1 as skip() says.
 */
static int
parse_address(struct reader *reader, const char *text, size_t length,
    int column, char *out)
{
	char	copy[SERVICE_ADDRESS_MAX];

	if (length >= 2 && text[0] == '[' && text[length - 1] == ']') {
		text++;
		length -= 2;
	}
	if (length >= sizeof(copy))
		return skip(reader, column, "address too long");
	memcpy(copy, text, length);
	copy[length] = '\0';
	if (strcmp(copy, "*") == 0)
		copy[0] = '\0';
	if (copy[0] != '\0' && !is_address(AF_INET, copy) &&
	    !is_address(AF_INET6, copy))
		return skip(reader, column, "'%s' is not a numeric address "
		    "(pforkd looks up no host names)", copy);
	(void)strlcpy(out, copy, SERVICE_ADDRESS_MAX);
	return 0;
}

/* [address:]service: the address and the TCP port; 0 or 1/-1. */
static int
parse_service_field(struct reader *reader, struct line *line)
{
	const struct field	*field = &reader->fields[0];
	const char		*colon, *name;
	struct servent		*entry;
	unsigned int		 port;
	int			 result;

	colon = strrchr(field->text, ':');
	if (field->text[0] == '[')
		colon = strstr(field->text, "]:") != NULL ?
		    strstr(field->text, "]:") + 1 : NULL;
	if (colon != NULL) {
		result = parse_address(reader, field->text,
		    (size_t)(colon - field->text), field->column,
		    line->address);
		if (result != 0)
			return result;
		name = colon + 1;
	} else {
		(void)strlcpy(line->address, reader->default_address,
		    sizeof(line->address));
		name = field->text;
	}
	line->name = name;
	if (name[0] == '\0')
		return skip(reader, field->column, "no service name");
	if (name[0] >= '0' && name[0] <= '9') {
		if (parse_count(name, 65535, &port) == -1 || port == 0)
			return skip(reader, field->column, "'%s' is not a port "
			    "number from 1 to 65535", name);
	} else if ((entry = getservbyname(name, "tcp")) != NULL)
		port = ntohs((uint16_t)entry->s_port);
	else
		return skip(reader, field->column, "unknown TCP service '%s' "
		    "(not in the services database)", name);
	(void)snprintf(line->port, sizeof(line->port), "%u", port);
	return 0;
}

/* socket-type and protocol: stream over TCP only; 0 or 1/-1. */
static int
parse_transport(struct reader *reader, struct line *line)
{
	const struct field	*type = &reader->fields[1];
	const struct field	*protocol = &reader->fields[2];
	const char		*p = protocol->text;

	if (strncmp(p, "rpc/", 4) == 0)
		return skip(reader, protocol->column, "RPC services (%s) are "
		    "not served by pforkd", p);
	if (strcmp(p, "tcp") != 0 && strcmp(p, "tcp4") != 0 &&
	    strcmp(p, "tcp6") != 0 && strcmp(p, "tcp46") != 0)
		return skip(reader, protocol->column, "protocol '%s': pforkd "
		    "serves tcp, tcp4, tcp6 and tcp46 only", p);
	if (strcmp(type->text, "stream") != 0)
		return skip(reader, type->column, "socket type '%s': pforkd "
		    "serves stream sockets only", type->text);
	line->protocol_text = p;
	return 0;
}

/* Make the line's address fit its protocol; 0 or 1/-1. */
static int
fit_family(struct reader *reader, struct line *line)
{
	const char	*p = line->protocol_text;
	int		 six = strcmp(p, "tcp6") == 0;
	int		 both = strcmp(p, "tcp46") == 0;

	if (line->address[0] == '\0') {
		if (!both)
			(void)strlcpy(line->address, six ? "::" : "0.0.0.0",
			    sizeof(line->address));
		return 0;
	}
	if (is_address(AF_INET6, line->address) && !six && !both)
		return skip(reader, reader->fields[2].column, "IPv6 address "
		    "'%s' with protocol '%s' (use tcp6)", line->address, p);
	if (is_address(AF_INET, line->address) && six)
		return skip(reader, reader->fields[2].column, "IPv4 address "
		    "'%s' with protocol tcp6", line->address);
	return 0;
}

/* Read "N" into count (0 to INETD_COUNT_MAX); 0 or -1. */
static int
parse_small(const char *text, size_t length, unsigned int *count)
{
	char	copy[16];

	if (length == 0 || length >= sizeof(copy))
		return -1;
	memcpy(copy, text, length);
	copy[length] = '\0';
	return parse_count(copy, INETD_COUNT_MAX, count);
}

/* wait|nowait[.max] or nowait[/child[/per-ip-minute[/child-per-ip]]]. */
static int
parse_wait(struct reader *reader, struct line *line)
{
	const struct field	*field = &reader->fields[3];
	const char		*p = field->text, *end;
	unsigned int		*slots[3];
	size_t			 length, i;

	slots[0] = &line->wait.max_child;
	slots[1] = &line->wait.per_ip_per_minute;
	slots[2] = &line->wait.max_child_per_ip;
	length = strcspn(p, "./");
	if (length == 4 && strncmp(p, "wait", 4) == 0)
		line->wait.wait = 1;
	else if (!(length == 6 && strncmp(p, "nowait", 6) == 0))
		return skip(reader, field->column, "'%s' is not wait or nowait",
		    p);
	p += length;
	if (*p == '.') {
		if (parse_small(p + 1, strlen(p + 1), &line->wait.rate) == -1)
			return skip(reader, field->column, "'%s': expected "
			    "wait|nowait[.max]", field->text);
		return 0;
	}
	for (i = 0; *p == '/' && i < 3; i++) {
		end = p + 1 + strcspn(p + 1, "/");
		if (parse_small(p + 1, (size_t)(end - p - 1), slots[i]) == -1)
			break;
		p = end;
	}
	if (*p != '\0')
		return skip(reader, field->column, "'%s': expected wait|nowait"
		    "[/max-child[/per-ip-per-minute[/max-child-per-ip]]]",
		    field->text);
	return 0;
}

/* user[:group], user.group, with FreeBSD's /login-class; 0 or 1/-1. */
static int
parse_user(struct reader *reader, struct line *line)
{
	const struct field	*field = &reader->fields[4];
	char			 copy[sizeof(line->user)];
	char			*separator, *group = NULL;

	if (strlcpy(copy, field->text, sizeof(copy)) >= sizeof(copy))
		return skip(reader, field->column, "user name too long");
	if ((separator = strchr(copy, '/')) != NULL)
		*separator = '\0';	/* a login class: nothing to apply */
	if ((separator = strchr(copy, ':')) == NULL &&
	    getpwnam(copy) == NULL)
		separator = strchr(copy, '.');
	if (separator != NULL) {
		*separator = '\0';
		group = separator + 1;
	}
	if (copy[0] == '\0' || getpwnam(copy) == NULL)
		return skip(reader, field->column, "unknown user '%s'", copy);
	if (group != NULL && (group[0] == '\0' || getgrnam(group) == NULL))
		return skip(reader, field->column, "unknown group '%s'", group);
	if (separator != NULL)
		*separator = ':';
	(void)strlcpy(line->user, copy, sizeof(line->user));
	return 0;
}

/* The classic built-in called name, or NULL. */
static const struct protocol *
classic_builtin(const char *name)
{
	static const char	*const classic[] = { "echo", "discard",
				    "chargen", "daytime", "time" };
	size_t			 i;

	for (i = 0; i < sizeof(classic) / sizeof(classic[0]); i++)
		if (strcmp(name, classic[i]) == 0)
			return protocol_find(classic[i]);
	return NULL;
}

/*
 * "internal": pforkd's built-in of the service's name, or (pforkd's
 * own) of the one argument after "internal" on a line whose service is
 * a port number; 0 or 1/-1.
 */
static int
parse_internal(struct reader *reader, struct line *line)
{
	line->builtin = classic_builtin(line->name);
	if (line->builtin == NULL && reader->count == 7 &&
	    line->name[0] >= '0' && line->name[0] <= '9')
		line->builtin = classic_builtin(reader->fields[6].text);
	else if (line->builtin != NULL && reader->count > 6)
		warn_at(reader, reader->fields[6].column, "the arguments of "
		    "an internal service are ignored");
	if (line->builtin == NULL && reader->count == 7)
		return skip(reader, reader->fields[6].column, "'%s' is not "
		    "one of pforkd's built-in services echo, discard, "
		    "chargen, daytime and time", reader->fields[6].text);
	if (line->builtin == NULL)
		return skip(reader, reader->fields[5].column, "internal "
		    "service '%s' is not built into pforkd (it has echo, discard, "
		    "chargen, daytime and time)", line->name);
	return 0;
}

/* Whether a service of the configuration is called name. */
static int
name_taken(const struct configuration *configuration, const char *name)
{
	size_t	i;

	for (i = 0; i < configuration->service_count; i++)
		if (strcmp(configuration->services[i].name, name) == 0)
			return 1;
	return 0;
}

/* Write the listen address of line as service_add_listen() takes it. */
static void
format_listen(const struct line *line, char *out, size_t size)
{
	int	six = strchr(line->address, ':') != NULL;

	(void)snprintf(out, size, "%s%s%s:%s", six ? "[" : "", line->address,
	    six ? "]" : "", line->port);
}

/*
 * A name no service has yet: service, service@ADDRESS, or that and
 * #LINE; 0, or -1 when it would be too long.
 */
static int
unique_name(struct reader *reader, const struct line *line, char *name,
    size_t size)
{
	char		 listen[SERVICE_ADDRESS_MAX + 16];
	const char	*address;
	int		 length;

	length = snprintf(name, size, "%s", line->name);
	if (length < 0 || (size_t)length >= size)
		return -1;
	if (!name_taken(reader->configuration, name))
		return 0;
	format_listen(line, listen, sizeof(listen));
	*strrchr(listen, ':') = '\0';
	address = listen[0] != '\0' ? listen : "*";
	length = snprintf(name, size, "%s@%s", line->name, address);
	if (length < 0 || (size_t)length >= size)
		return -1;
	if (!name_taken(reader->configuration, name))
		return 0;
	length = snprintf(name, size, "%s@%s#%d", line->name, address,
	    reader->number);
	return length < 0 || (size_t)length >= size ? -1 : 0;
}

/* Set key to value on service; 0, or 1/-1 as skip() says at column. */
static int
set(struct reader *reader, struct service *service, const char *key,
    const char *value, int column)
{
	char	message[400];

	if (service_set_option(service, key, value, message,
	    sizeof(message)) == 0)
		return 0;
	return skip(reader, column, "%s", message);
}

/* The rate limits and caps of the wait field; 0 or 1/-1. */
static int
apply_limits(struct reader *reader, const struct line *line,
    struct service *service)
{
	const struct wait_field	*w = &line->wait;
	int			 column = reader->fields[3].column;
	char			 text[32];
	int			 result = 0;

	if (line->builtin != NULL && (w->rate != 0 ||
	    w->per_ip_per_minute != 0))
		warn_at(reader, column, "rate limits are not enforced on "
		    "pforkd's built-in services: '%s' serves '%s' without one",
		    reader->fields[3].text, line->name);
	if (line->builtin == NULL && w->rate != 0) {
		(void)snprintf(text, sizeof(text), "%u/60", w->rate);
		result = set(reader, service, "rate-limit", text, column);
	}
	if (result == 0 && line->builtin == NULL && w->per_ip_per_minute) {
		(void)snprintf(text, sizeof(text), "%u/60",
		    w->per_ip_per_minute);
		result = set(reader, service, "per-source-rate-limit", text,
		    column);
	}
	if (result == 0 && w->max_child != 0) {
		(void)snprintf(text, sizeof(text), "%u", w->max_child);
		result = set(reader, service, "max-connections", text, column);
	}
	if (result == 0 && w->max_child_per_ip != 0) {
		(void)snprintf(text, sizeof(text), "%u", w->max_child_per_ip);
		result = set(reader, service, "per-source-max", text, column);
	}
	return result;
}

/* The program, its arguments (argv[0] first) and inetd's ways; 0 or 1/-1. */
static int
apply_program(struct reader *reader, const struct line *line,
    struct service *service)
{
	const struct field	*program = &reader->fields[5];
	struct program_options	*options;
	char			 quoted[PROGRAM_PATH_MAX * 4 + 3], *q = quoted;
	const char		*p;
	int			 i, result;

	if (strlen(program->text) >= PROGRAM_PATH_MAX)
		return skip(reader, program->column, "the program's path is "
		    "longer than %d bytes", PROGRAM_PATH_MAX - 1);
	/* The path alone, single-quoted for program_split_words(). */
	*q++ = '\'';
	for (p = program->text; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else
			*q++ = *p;
	}
	*q++ = '\'';
	*q = '\0';
	if ((result = set(reader, service, "command", quoted,
	    program->column)) != 0)
		return result;
	options = service->program;
	if (reader->count > 6) {
		program_strings_clear(&options->arguments);
		for (i = 6; i < reader->count; i++)
			if (program_strings_add(&options->arguments,
			    reader->fields[i].text) == -1)
				return fatal(reader, reader->fields[i].column,
				    "%s", strerror(errno));
		(void)strlcpy(options->argv0, reader->fields[6].text,
		    sizeof(options->argv0));
	}
	if ((result = set(reader, service, "stderr", "socket",
	    program->column)) != 0 ||
	    (result = set(reader, service, "user", line->user,
	    reader->fields[4].column)) != 0)
		return result;
	return set(reader, service, "wait", line->wait.wait ? "yes" : "no",
	    reader->fields[3].column);
}

/* Make the service of a checked line; 0, or 1/-1 as skip() says. */
static int
add_service(struct reader *reader, const struct line *line)
{
	struct configuration	*c = reader->configuration;
	struct service		*service;
	char			 name[SERVICE_NAME_MAX];
	char			 listen[SERVICE_ADDRESS_MAX + 16];
	int			 result;

	if (c->service_count == CONFIGURATION_SERVICES_MAX)
		return fatal(reader, 1, "more than %d services",
		    CONFIGURATION_SERVICES_MAX);
	if (unique_name(reader, line, name, sizeof(name)) == -1)
		return skip(reader, reader->fields[0].column, "service name "
		    "'%s' too long", line->name);
	service = &c->services[c->service_count];
	service_init(service, name);
	(void)snprintf(service->origin, sizeof(service->origin), "%s:%d:%d",
	    reader->path, reader->number, reader->fields[0].column);
	format_listen(line, listen, sizeof(listen));
	result = set(reader, service, "listen", listen,
	    reader->fields[0].column);
	if (result == 0 && line->builtin != NULL)
		result = set(reader, service, "protocol", line->builtin->name,
		    reader->fields[5].column);
	if (result == 0 && line->builtin == NULL)
		result = apply_program(reader, line, service);
	if (result == 0)
		result = apply_limits(reader, line, service);
	if (result != 0) {
		service_discard(service);
		return result;
	}
	c->service_count++;
	return 0;
}

/* Check and add the service of the current line; 0, or 1/-1. */
static int
parse_line(struct reader *reader)
{
	const struct field	*program;
	struct line		 line;
	int			 result;

	memset(&line, 0, sizeof(line));
	if (reader->count < 6)
		return skip(reader, reader->count == 0 ? 1 :
		    reader->fields[reader->count - 1].column, "expected "
		    "service, socket type, protocol, wait, user and program; "
		    "the line has %d field%s", reader->count,
		    reader->count == 1 ? "" : "s");
	if ((result = parse_transport(reader, &line)) != 0 ||
	    (result = parse_service_field(reader, &line)) != 0 ||
	    (result = fit_family(reader, &line)) != 0 ||
	    (result = parse_wait(reader, &line)) != 0 ||
	    (result = parse_user(reader, &line)) != 0)
		return result;
	program = &reader->fields[5];
	if (strcmp(program->text, "internal") == 0) {
		if ((result = parse_internal(reader, &line)) != 0)
			return result;
		if (line.wait.wait)
			warn_at(reader, reader->fields[3].column, "pforkd "
			    "serves its built-in '%s' nowait", line.name);
	} else if (program->text[0] != '/')
		return skip(reader, program->column, "program '%s' is not "
		    "internal or an absolute path", program->text);
	else if (access(program->text, X_OK) == -1)
		return skip(reader, program->column, "cannot run '%s': %s",
		    program->text, strerror(errno));
	return add_service(reader, &line);
}

/* A bare "address:" line: the default address of the lines after it. */
static int
set_default_address(struct reader *reader)
{
	const struct field	*field = &reader->fields[0];

	return parse_address(reader, field->text, strlen(field->text) - 1,
	    field->column, reader->default_address) == -1 ? -1 : 0;
}

/* Read the lines of an open file; 0 or -1. */
static int
read_lines(struct reader *reader, FILE *file)
{
	size_t	length;
	int	c, result;

	while (fgets(reader->text, sizeof(reader->text), file) != NULL) {
		reader->number++;
		length = strlen(reader->text);
		if (length == sizeof(reader->text) - 1 &&
		    reader->text[length - 1] != '\n') {
			while ((c = getc(file)) != EOF && c != '\n')
				continue;
			if (skip(reader, INETD_LINE_MAX + 1, "line longer than "
			    "%d bytes", INETD_LINE_MAX) == -1)
				return -1;
			continue;
		}
		split_fields(reader);
		if (reader->count == 0 || reader->fields[0].text[0] == '#')
			continue;
		if (reader->count == 1 && reader->fields[0].text[
		    strlen(reader->fields[0].text) - 1] == ':')
			result = set_default_address(reader);
		else
			result = parse_line(reader);
		if (result == -1)
			return -1;
	}
	if (ferror(file))
		return fatal(reader, 1, "read error: %s", strerror(errno));
	return 0;
}

/* Add the services of the inetd.conf at path; 0 or -1 with a message. */
int
inetd_conf_load(struct configuration *configuration, const char *path,
    int strict, inetd_conf_warn *warn, void *arg, char *error,
    size_t error_size)
{
	struct reader	*reader;
	FILE		*file;
	int		 result;

	if ((file = fopen(path, "r")) == NULL) {
		(void)snprintf(error, error_size, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((reader = calloc(1, sizeof(*reader))) == NULL) {
		(void)snprintf(error, error_size, "%s: %s", path,
		    strerror(errno));
		(void)fclose(file);
		return -1;
	}
	reader->configuration = configuration;
	reader->path = path;
	reader->strict = strict;
	reader->warn = warn;
	reader->arg = arg;
	reader->error = error;
	reader->error_size = error_size;
	result = read_lines(reader, file);
	free(reader);
	(void)fclose(file);
	return result;
}
