/*
 * program_options.c: the keywords of a program service (command, argv0,
 * wait, stderr, user, umask, directory, nice, the limit-* family,
 * environment, pass-environment and the rate limits), their checks, and
 * the checks made once a whole service is known (program_options_prepare).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "server/program_options.h"
#include "util/option_table.h"
#include "util/parse_number.h"

#define NICE_LOW		(-20)
#define NICE_HIGH		19
#define RATE_SECONDS_MAX	(24.0 * 3600)
#define RATE_COUNT_MAX		1000000UL
#define LIMIT_MAX		(UINT64_MAX / 1024 / 1024 / 1024)

/* Append a copy of text to list, keeping it NULL-terminated; 0 or -1. */
int
program_strings_add(struct program_strings *list, const char *text)
{
	char	**items, *copy;

	if ((copy = strdup(text)) == NULL)
		return -1;
	items = reallocarray(list->items, list->count + 2, sizeof(*items));
	if (items == NULL) {
		free(copy);
		return -1;
	}
	items[list->count++] = copy;
	items[list->count] = NULL;
	list->items = items;
	return 0;
}

/* Free the strings of list and empty it. */
void
program_strings_clear(struct program_strings *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Whether c separates words. */
static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Split text into words as sh(1) would, expanding nothing: blanks
 * separate, '...' keeps everything, "..." keeps everything but \ before
 * one of \ " $ ` (which stands for that byte), and \ outside quotes
 * stands for the byte after it.  0, or -1 with a message.
 */
int
program_split_words(const char *text, struct program_strings *list,
    char *error, size_t error_size)
{
	const char	*p = text;
	char		*word;
	size_t		 length;
	int		 quote, in_word;

	program_strings_clear(list);
	if ((word = malloc(strlen(text) + 1)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	for (;;) {
		while (is_blank((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		length = 0;
		quote = 0;
		in_word = 1;
		while (in_word && *p != '\0') {
			if (quote == '\'') {
				if (*p == '\'')
					quote = 0;
				else
					word[length++] = *p;
				p++;
			} else if (quote == '"') {
				if (*p == '"')
					quote = 0;
				else if (*p == '\\' && p[1] != '\0' &&
				    strchr("\\\"$`", p[1]) != NULL)
					word[length++] = *++p;
				else
					word[length++] = *p;
				p++;
			} else if (is_blank((unsigned char)*p))
				in_word = 0;
			else if (*p == '\'' || *p == '"')
				quote = *p++;
			else if (*p == '\\') {
				if (p[1] == '\0') {
					(void)snprintf(error, error_size,
					    "a backslash ends the command");
					goto fail;
				}
				word[length++] = p[1];
				p += 2;
			} else
				word[length++] = *p++;
		}
		if (quote != 0) {
			(void)snprintf(error, error_size, "unterminated %s "
			    "quote in the command", quote == '\'' ?
			    "single" : "double");
			goto fail;
		}
		word[length] = '\0';
		if (program_strings_add(list, word) == -1) {
			(void)snprintf(error, error_size, "%s",
			    strerror(errno));
			goto fail;
		}
	}
	free(word);
	return 0;
fail:
	free(word);
	program_strings_clear(list);
	return -1;
}

/* Put argv0 (or the path when there is none) in arguments[0]; 0 or -1. */
static int
apply_argv0(struct program_options *options, char *error, size_t error_size)
{
	const char	*name;
	char		*copy;

	if (options->arguments.count == 0)
		return 0;
	name = options->argv0[0] != '\0' ? options->argv0 : options->path;
	if ((copy = strdup(name)) == NULL) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		return -1;
	}
	free(options->arguments.items[0]);
	options->arguments.items[0] = copy;
	return 0;
}

/* command: the program's absolute path and its arguments; 0 or -1. */
static int
set_command(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;
	struct program_strings	 words = { NULL, 0 };
	char			 message[200];

	if (program_split_words(value, &words, message,
	    sizeof(message)) == -1) {
		(void)snprintf(error, error_size, "%s: %s", keyword->name,
		    message);
		return -1;
	}
	if (words.count == 0 || words.items[0][0] == '\0') {
		(void)snprintf(error, error_size, "%s: no program named",
		    keyword->name);
		goto fail;
	}
	if (words.items[0][0] != '/') {
		(void)snprintf(error, error_size, "%s: '%s' is not an "
		    "absolute path (nothing searches PATH)", keyword->name,
		    words.items[0]);
		goto fail;
	}
	if (strlen(words.items[0]) >= sizeof(options->path)) {
		(void)snprintf(error, error_size, "%s: the path is longer "
		    "than %zu bytes", keyword->name, sizeof(options->path) - 1);
		goto fail;
	}
	(void)strlcpy(options->path, words.items[0], sizeof(options->path));
	program_strings_clear(&options->arguments);
	options->arguments = words;
	return apply_argv0(options, error, error_size);
fail:
	program_strings_clear(&words);
	return -1;
}

/* argv0: the name the program sees as argv[0]; 0 or -1. */
static int
set_argv0(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (value[0] == '\0') {
		(void)snprintf(error, error_size, "%s: the value is empty",
		    keyword->name);
		return -1;
	}
	if (option_store(base, keyword, value, error, error_size) == -1)
		return -1;
	return apply_argv0(base, error, error_size);
}

/* wait: yes (hand the listener over) or no (a child a connection). */
static int
set_wait(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;

	if (strcmp(value, "yes") == 0)
		options->wait = 1;
	else if (strcmp(value, "no") == 0)
		options->wait = 0;
	else {
		(void)snprintf(error, error_size, "%s: '%s' is not yes or no",
		    keyword->name, value);
		return -1;
	}
	return 0;
}

/* stderr: log, socket or null. */
static int
set_stderr(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;

	if (strcmp(value, "log") == 0)
		options->stderr_target = PROGRAM_STDERR_LOG;
	else if (strcmp(value, "socket") == 0)
		options->stderr_target = PROGRAM_STDERR_SOCKET;
	else if (strcmp(value, "null") == 0)
		options->stderr_target = PROGRAM_STDERR_NULL;
	else {
		(void)snprintf(error, error_size, "%s: '%s' is not log, socket "
		    "or null", keyword->name, value);
		return -1;
	}
	return 0;
}

/* user: NAME or NAME:GROUP, both known to the system; 0 or -1. */
static int
set_user(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;
	char			 user[sizeof(options->user)];
	const char		*colon = strchr(value, ':');
	const char		*group = colon != NULL ? colon + 1 : "";
	size_t			 length;

	length = colon != NULL ? (size_t)(colon - value) : strlen(value);
	if (length >= sizeof(user) || strlen(group) >= sizeof(options->group)) {
		(void)snprintf(error, error_size, "%s: a name is longer than "
		    "%zu bytes", keyword->name, sizeof(user) - 1);
		return -1;
	}
	memcpy(user, value, length);
	user[length] = '\0';
	if (user[0] == '\0' || getpwnam(user) == NULL) {
		(void)snprintf(error, error_size, "%s: unknown user '%s'",
		    keyword->name, user);
		return -1;
	}
	if (colon != NULL && (group[0] == '\0' || getgrnam(group) == NULL)) {
		(void)snprintf(error, error_size, "%s: unknown group '%s'",
		    keyword->name, group);
		return -1;
	}
	(void)strlcpy(options->user, user, sizeof(options->user));
	(void)strlcpy(options->group, group, sizeof(options->group));
	return 0;
}

/* umask: an octal mode from 0 to 0777. */
static int
set_umask(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;
	unsigned long		 mode;
	char			*end;

	errno = 0;
	mode = strtoul(value, &end, 8);
	if (value[0] < '0' || value[0] > '7' || *end != '\0' || errno != 0 ||
	    mode > 0777) {
		(void)snprintf(error, error_size, "%s: '%s' is not an octal "
		    "mode from 0 to 0777", keyword->name, value);
		return -1;
	}
	options->umask = (mode_t)mode;
	return 0;
}

/* directory: an absolute path the program starts in. */
static int
set_directory(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (value[0] != '/') {
		(void)snprintf(error, error_size, "%s: '%s' is not an "
		    "absolute path", keyword->name, value);
		return -1;
	}
	return option_store(base, keyword, value, error, error_size);
}

/* nice: a niceness from -20 to 19. */
static int
set_nice(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_options	*options = base;
	long			 nice;
	char			*end;

	errno = 0;
	nice = strtol(value, &end, 10);
	if (value[0] == '\0' || isspace((unsigned char)value[0]) ||
	    *end != '\0' || errno != 0 || nice < NICE_LOW || nice > NICE_HIGH) {
		(void)snprintf(error, error_size, "%s: '%s' is not a whole "
		    "number from %d to %d", keyword->name, value, NICE_LOW,
		    NICE_HIGH);
		return -1;
	}
	options->nice = (int)nice;
	options->nice_set = 1;
	return 0;
}

/*
 * A whole number up to LIMIT_MAX, with a k, M or G suffix (powers of
 * 1024) when suffixes is set; 0 or -1.
 */
static int
parse_limit(const char *value, int suffixes, uint64_t *result)
{
	unsigned long long	 number;
	uint64_t		 scale = 1;
	char			*end;

	if (value[0] < '0' || value[0] > '9')
		return -1;
	errno = 0;
	number = strtoull(value, &end, 10);
	if (errno != 0 || number > LIMIT_MAX)
		return -1;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (*end++) {
		case 'k':
		case 'K':
			scale = 1024;
			break;
		case 'M':
			scale = 1024 * 1024;
			break;
		case 'G':
			scale = 1024 * 1024 * 1024;
			break;
		default:
			return -1;
		}
	}
	if (*end != '\0')
		return -1;
	*result = (uint64_t)number * scale;
	return 0;
}

/* limit-files, limit-cpu, limit-processes: a whole number; 0 = none. */
static int
set_limit(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	uint64_t	limit;

	if (parse_limit(value, 0, &limit) == -1) {
		(void)snprintf(error, error_size, "%s: '%s' is not a whole "
		    "number (0 for no limit)", keyword->name, value);
		return -1;
	}
	*(uint64_t *)option_field(base, keyword) = limit;
	return 0;
}

/* limit-memory: bytes, with an optional k, M or G; 0 = none. */
static int
set_limit_size(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	uint64_t	limit;

	if (parse_limit(value, 1, &limit) == -1) {
		(void)snprintf(error, error_size, "%s: '%s' is not a size in "
		    "bytes, with an optional k, M or G (0 for no limit)",
		    keyword->name, value);
		return -1;
	}
	*(uint64_t *)option_field(base, keyword) = limit;
	return 0;
}

/* Whether the length bytes of name make a valid environment name. */
static int
valid_name(const char *name, size_t length)
{
	size_t	i;

	if (length == 0 || isdigit((unsigned char)name[0]))
		return 0;
	for (i = 0; i < length; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return 0;
	return 1;
}

/* Append value to the list of strings the keyword names; 0 or -1. */
static int
append_string(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (program_strings_add(option_field(base, keyword), value) == -1) {
		(void)snprintf(error, error_size, "%s: %s", keyword->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* environment: NAME=VALUE, appended. */
static int
set_environment(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	const char	*equals = strchr(value, '=');

	if (equals == NULL || !valid_name(value, (size_t)(equals - value))) {
		(void)snprintf(error, error_size, "%s: '%s' is not NAME=VALUE "
		    "with NAME of letters, digits and _, not starting with a "
		    "digit", keyword->name, value);
		return -1;
	}
	return append_string(base, keyword, value, error, error_size);
}

/* pass-environment: NAME, appended. */
static int
set_pass_environment(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	if (!valid_name(value, strlen(value))) {
		(void)snprintf(error, error_size, "%s: '%s' is not a variable "
		    "name (letters, digits and _, not starting with a digit)",
		    keyword->name, value);
		return -1;
	}
	return append_string(base, keyword, value, error, error_size);
}

/* rate-limit, per-source-rate-limit: COUNT/SECONDS, or 0 for none. */
static int
set_rate(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	struct program_rate	*rate = option_field(base, keyword);
	char			 count_text[16];
	const char		*slash = strchr(value, '/');
	unsigned int		 count;
	uint64_t		 usec;
	size_t			 length;

	if (strcmp(value, "0") == 0) {
		rate->count = 0;
		rate->window_usec = 0;
		return 0;
	}
	length = slash != NULL ? (size_t)(slash - value) : 0;
	if (slash == NULL || length >= sizeof(count_text))
		goto bad;
	memcpy(count_text, value, length);
	count_text[length] = '\0';
	if (parse_count(count_text, RATE_COUNT_MAX, &count) == -1 ||
	    parse_seconds(slash + 1, RATE_SECONDS_MAX, &usec) == -1 ||
	    (usec == 0 && count != 0))
		goto bad;
	rate->count = count;
	rate->window_usec = count != 0 ? usec : 0;
	return 0;
bad:
	(void)snprintf(error, error_size, "%s: '%s' is not COUNT/SECONDS "
	    "(COUNT up to %lu, SECONDS above 0 and up to %.0f) or 0",
	    keyword->name, value, RATE_COUNT_MAX, RATE_SECONDS_MAX);
	return -1;
}

#define PROGRAM(member)	OPTION_FIELD(struct program_options, member)

/* The keywords of a program service. */
static const struct option_keyword program_keywords[] = {
	{ .name = "command", .type = OPTION_CUSTOM, .set = set_command },
	{ .name = "argv0", .type = OPTION_TEXT, PROGRAM(argv0),
	    .set = set_argv0 },
	{ .name = "wait", .type = OPTION_CUSTOM, PROGRAM(wait),
	    .set = set_wait },
	{ .name = "stderr", .type = OPTION_CUSTOM, PROGRAM(stderr_target),
	    .set = set_stderr, .flag = PROGRAM_SET_STDERR },
	{ .name = "user", .type = OPTION_CUSTOM, PROGRAM(user),
	    .set = set_user, .flag = PROGRAM_SET_USER },
	{ .name = "umask", .type = OPTION_CUSTOM, PROGRAM(umask),
	    .set = set_umask },
	{ .name = "directory", .type = OPTION_TEXT, PROGRAM(directory),
	    .set = set_directory },
	{ .name = "nice", .type = OPTION_CUSTOM, PROGRAM(nice),
	    .set = set_nice },
	{ .name = "limit-files", .type = OPTION_CUSTOM, PROGRAM(limit_files),
	    .set = set_limit },
	{ .name = "limit-cpu", .type = OPTION_CUSTOM,
	    PROGRAM(limit_cpu_seconds), .set = set_limit },
	{ .name = "limit-memory", .type = OPTION_CUSTOM,
	    PROGRAM(limit_memory_bytes), .set = set_limit_size },
	{ .name = "limit-processes", .type = OPTION_CUSTOM,
	    PROGRAM(limit_processes), .set = set_limit },
	{ .name = "environment", .type = OPTION_CUSTOM, PROGRAM(environment),
	    .set = set_environment },
	{ .name = "pass-environment", .type = OPTION_CUSTOM,
	    PROGRAM(pass_environment), .set = set_pass_environment },
	{ .name = "rate-limit", .type = OPTION_CUSTOM, PROGRAM(rate),
	    .set = set_rate },
	{ .name = "per-source-rate-limit", .type = OPTION_CUSTOM,
	    PROGRAM(per_source_rate), .set = set_rate },
	{ .name = NULL }
};

/* They fill in a struct program_options and mark its explicit bits. */
const struct option_table program_option_table = {
	.keywords = program_keywords,
	.base_size = sizeof(struct program_options),
	.mask_offset = offsetof(struct program_options, explicit),
};

/* Give fresh (zeroed) options their defaults. */
void
program_options_init(struct program_options *options)
{
	options->umask = PROGRAM_DEFAULT_UMASK;
	options->stderr_target = PROGRAM_STDERR_LOG;
	(void)strlcpy(options->directory, "/", sizeof(options->directory));
}

/* Whether the options name a program. */
int
program_options_have_command(const struct program_options *options)
{
	return options != NULL && options->path[0] != '\0';
}

/* Whether key is one of program_option_table's keywords. */
int
program_option_is_keyword(const char *key)
{
	return option_find(&program_option_table, key) != NULL;
}

/* Resolve who the child runs as into options; 0, or -1 with a message. */
static int
resolve_identity(struct program_options *options, const char *user,
    const char *group, char *error, size_t error_size)
{
	struct passwd	*password_entry;
	struct group	*group_entry;

	if (user == NULL || user[0] == '\0') {
		if (geteuid() == 0) {
			(void)snprintf(error, error_size, "program service "
			    "'%s' would run as root: set 'user' (user root to "
			    "mean it)", options->service);
			return -1;
		}
		options->uid = geteuid();
		options->gid = getegid();
		options->change_identity = 0;
		return 0;
	}
	if ((password_entry = getpwnam(user)) == NULL) {
		(void)snprintf(error, error_size, "program service '%s': "
		    "unknown user '%s'", options->service, user);
		return -1;
	}
	options->uid = password_entry->pw_uid;
	options->gid = password_entry->pw_gid;
	if (group != NULL && group[0] != '\0') {
		if ((group_entry = getgrnam(group)) == NULL) {
			(void)snprintf(error, error_size, "program service "
			    "'%s': unknown group '%s'", options->service,
			    group);
			return -1;
		}
		options->gid = group_entry->gr_gid;
	}
	if (geteuid() != 0 && (options->uid != geteuid() ||
	    options->gid != getegid())) {
		(void)snprintf(error, error_size, "program service '%s': "
		    "cannot run it as '%s': only root can switch users",
		    options->service, user);
		return -1;
	}
	options->change_identity = geteuid() == 0;
	return 0;
}

/* Check a program service before it is used; 0, or -1 with a message. */
int
program_options_prepare(struct program_options *options,
    const char *default_user, const char *default_group, char *error,
    size_t error_size)
{
	const char	*directory;
	struct stat	 status;

	if (!program_options_have_command(options)) {
		(void)snprintf(error, error_size, "program service '%s' has "
		    "no 'command'", options->service);
		return -1;
	}
	if (stat(options->path, &status) == -1 ||
	    access(options->path, X_OK) == -1) {
		(void)snprintf(error, error_size, "program service '%s': "
		    "cannot run '%s': %s", options->service, options->path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(status.st_mode)) {
		(void)snprintf(error, error_size, "program service '%s': "
		    "'%s' is not a regular file", options->service,
		    options->path);
		return -1;
	}
	directory = options->directory[0] != '\0' ? options->directory : "/";
	if (stat(directory, &status) == -1 || !S_ISDIR(status.st_mode)) {
		(void)snprintf(error, error_size, "program service '%s': "
		    "directory '%s': %s", options->service, directory,
		    stat(directory, &status) == -1 ? strerror(errno) :
		    "not a directory");
		return -1;
	}
	if (options->explicit & PROGRAM_SET_USER)
		return resolve_identity(options, options->user,
		    options->group, error, error_size);
	return resolve_identity(options, default_user, default_group, error,
	    error_size);
}

/* Free what the options hold (not the struct). */
void
program_options_release(struct program_options *options)
{
	program_strings_clear(&options->arguments);
	program_strings_clear(&options->environment);
	program_strings_clear(&options->pass_environment);
	free(options->groups);
	options->groups = NULL;
	options->group_count = 0;
}
