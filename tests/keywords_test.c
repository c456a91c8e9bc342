/*
 * keywords_test.c: the option tables (util/option_table.h) and the keyword
 * lists of pforkd.conf(5).
 *
 * Every keyword of every table (the global settings, the service's, each
 * built-in protocol's) must be an ".It Ic keyword" of the man page, in the
 * section that belongs to it, and every ".It Ic" of the page must be a
 * keyword of a table or one of the file's own statements.  The page is
 * found through $top_srcdir, which make check exports.  The last tests
 * show that the check catches a keyword missing from the page and one
 * missing from the tables, and test the table functions themselves.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "protocols/protocol_table.h"
#include "server/configuration.h"
#include "server/program_options.h"
#include "server/service_setup.h"
#include "util/option_table.h"
#include "util/path.h"

#define PAGE_PATH		"man/pforkd.conf.5"
#define PAGE_ENTRIES_MAX	256
#define TABLES_MAX		32
#define WORD_MAX		64
#define REPORT_MAX		4096
#define GLOBAL_SECTION		"GLOBAL CONFIGURATION"
#define SERVICE_SECTION		"SERVICES"

/* One ".It Ic keyword" of the page, and the section it stands in. */
struct page_entry {
	char	section[WORD_MAX];
	char	keyword[WORD_MAX];
};

/* Every ".It Ic" of a page. */
struct page {
	struct page_entry	entries[PAGE_ENTRIES_MAX];
	size_t			count;
};

/* A table, whose keywords it is, and the section that documents them. */
struct checked_table {
	const char			*owner;
	const struct option_table	*table;
	const char			*section;
};

/* Statements of the file itself, which no table declares. */
static const struct page_entry statements[] = {
	{ "DESCRIPTION", "include" },
	{ "DESCRIPTION", "inetd-conf" },
	{ SERVICE_SECTION, "service" },
};

/* Copy text up to one of stops (or its end) into out, cut to fit. */
static void
copy_until(const char *text, const char *stops, char *out, size_t size)
{
	size_t	length = strcspn(text, stops);

	if (length >= size)
		length = size - 1;
	memcpy(out, text, length);
	out[length] = '\0';
}

/* The start of the line after line, or NULL after the last. */
static const char *
next_line(const char *line)
{
	const char	*newline = strchr(line, '\n');

	return newline != NULL ? newline + 1 : NULL;
}

/* Collect the ".It Ic" keywords of a page's text, with their sections. */
static void
read_entries(const char *text, struct page *page)
{
	char		 section[WORD_MAX] = "";
	const char	*line;
	struct page_entry *entry;

	page->count = 0;
	for (line = text; line != NULL && *line != '\0';
	    line = next_line(line)) {
		if (strncmp(line, ".Sh ", 4) == 0)
			copy_until(line + 4, "\n", section, sizeof(section));
		if (strncmp(line, ".It Ic ", 7) != 0)
			continue;
		assert_true(page->count < PAGE_ENTRIES_MAX);
		entry = &page->entries[page->count++];
		(void)strlcpy(entry->section, section, sizeof(entry->section));
		copy_until(line + 7, " \n", entry->keyword,
		    sizeof(entry->keyword));
	}
}

/* Whether the page documents keyword in section. */
static int
documented(const struct page *page, const char *section, const char *keyword)
{
	size_t	i;

	for (i = 0; i < page->count; i++)
		if (strcmp(page->entries[i].section, section) == 0 &&
		    strcmp(page->entries[i].keyword, keyword) == 0)
			return 1;
	return 0;
}

/* Every table: the global, the service's, each protocol's; the count. */
static size_t
all_tables(struct checked_table *tables)
{
	const struct protocol	*protocol;
	size_t			 count = 0, i;

	tables[count++] = (struct checked_table){ "global",
	    &configuration_option_table, GLOBAL_SECTION };
	tables[count++] = (struct checked_table){ "service block",
	    &service_block_option_table, SERVICE_SECTION };
	tables[count++] = (struct checked_table){ "service",
	    &service_option_table, SERVICE_SECTION };
	tables[count++] = (struct checked_table){ "program",
	    &program_option_table, SERVICE_SECTION };
	for (i = 0; (protocol = protocol_at(i)) != NULL; i++)
		if (protocol->options != NULL) {
			assert_true(count < TABLES_MAX);
			tables[count++] = (struct checked_table){
			    protocol->name, protocol->options,
			    SERVICE_SECTION };
		}
	return count;
}

/* Whether a table of section, or the file's syntax, has keyword. */
static int
declared(const struct checked_table *tables, size_t count,
    const struct page_entry *entry)
{
	size_t	i;

	for (i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
		if (strcmp(statements[i].section, entry->section) == 0 &&
		    strcmp(statements[i].keyword, entry->keyword) == 0)
			return 1;
	for (i = 0; i < count; i++)
		if (strcmp(tables[i].section, entry->section) == 0 &&
		    option_find(tables[i].table, entry->keyword) != NULL)
			return 1;
	return 0;
}

/* Append a line to the report. */
static void
report_line(char *report, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void
report_line(char *report, size_t size, const char *format, ...)
{
	size_t	used = strlen(report);
	va_list	ap;

	va_start(ap, format);
	(void)vsnprintf(report + used, size - used, format, ap);
	va_end(ap);
	used = strlen(report);
	(void)snprintf(report + used, size - used, "\n");
}

/* Report the keywords of tables that the page lacks; their count. */
static int
check_tables(const struct page *page, const struct checked_table *tables,
    size_t count, char *report, size_t size)
{
	const struct option_keyword	*keyword;
	size_t				 i;
	int				 problems = 0;

	for (i = 0; i < count; i++)
		for (keyword = tables[i].table->keywords;
		    keyword->name != NULL; keyword++)
			if (!documented(page, tables[i].section,
			    keyword->name)) {
				report_line(report, size, "%s keyword '%s' is "
				    "not an .It Ic of %s", tables[i].owner,
				    keyword->name, tables[i].section);
				problems++;
			}
	return problems;
}

/* Report the keywords of the page that no table has; their count. */
static int
check_page_entries(const struct page *page,
    const struct checked_table *tables, size_t count, char *report,
    size_t size)
{
	size_t	i;
	int	problems = 0;

	for (i = 0; i < page->count; i++)
		if (!declared(tables, count, &page->entries[i])) {
			report_line(report, size, ".It Ic %s in %s is the "
			    "keyword of no table", page->entries[i].keyword,
			    page->entries[i].section);
			problems++;
		}
	return problems;
}

/* Compare a page's text with every table; the count of problems. */
static int
check_page(const char *text, char *report, size_t size)
{
	struct checked_table	 tables[TABLES_MAX];
	struct page		*page;
	size_t			 count;
	int			 problems;

	report[0] = '\0';
	page = calloc(1, sizeof(*page));
	assert_non_null(page);
	read_entries(text, page);
	count = all_tables(tables);
	problems = check_tables(page, tables, count, report, size) +
	    check_page_entries(page, tables, count, report, size);
	free(page);
	return problems;
}

/* The text of pforkd.conf.5 from $top_srcdir, to be freed. */
static char *
read_page(void)
{
	const char	*top = getenv("top_srcdir");
	char		 path[1024], *text;
	FILE		*file;
	long		 length;

	(void)snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".",
	    PAGE_PATH);
	if ((file = fopen(path, "r")) == NULL)
		fail_msg("%s: %s (is top_srcdir set?)", path, strerror(errno));
	assert_int_equal(fseek(file, 0, SEEK_END), 0);
	length = ftell(file);
	assert_true(length > 0);
	rewind(file);
	text = malloc((size_t)length + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)length, file), length);
	text[length] = '\0';
	(void)fclose(file);
	return text;
}

/* A copy of text without the line that starts with line. */
static char *
without_line(const char *text, const char *line)
{
	const char	*start = strstr(text, line), *end;
	char		*copy;

	assert_non_null(start);
	end = next_line(start);
	assert_non_null(end);
	copy = malloc(strlen(text) + 1);
	assert_non_null(copy);
	memcpy(copy, text, (size_t)(start - text));
	(void)strcpy(copy + (start - text), end);
	return copy;
}

/* A copy of text with line added before the line that starts with before. */
static char *
with_line(const char *text, const char *before, const char *line)
{
	const char	*start = strstr(text, before);
	char		*copy;

	assert_non_null(start);
	copy = malloc(strlen(text) + strlen(line) + 1);
	assert_non_null(copy);
	memcpy(copy, text, (size_t)(start - text));
	(void)strcpy(copy + (start - text), line);
	(void)strcat(copy, start);
	return copy;
}

/* The man page and the tables list the same keywords. */
static void
test_page_matches_tables(void **state)
{
	char	*text = read_page(), report[REPORT_MAX];

	(void)state;
	if (check_page(text, report, sizeof(report)) != 0)
		fail_msg("man/pforkd.conf.5 and the option tables differ:\n%s",
		    report);
	free(text);
}

/* A keyword of a table missing from the page is reported. */
static void
test_check_finds_undocumented(void **state)
{
	char	*text = read_page(), *changed, report[REPORT_MAX];

	(void)state;
	changed = without_line(text, ".It Ic poll-timeout ");
	assert_int_equal(check_page(changed, report, sizeof(report)), 1);
	assert_string_equal(report, "chat keyword 'poll-timeout' is not an "
	    ".It Ic of SERVICES\n");
	free(changed);
	changed = without_line(text, ".It Ic graceful-timeout ");
	assert_int_equal(check_page(changed, report, sizeof(report)), 1);
	assert_string_equal(report, "global keyword 'graceful-timeout' is not "
	    "an .It Ic of GLOBAL CONFIGURATION\n");
	free(changed);
	free(text);
}

/* A keyword of the page that no table has is reported. */
static void
test_check_finds_undeclared(void **state)
{
	char	*text = read_page(), *changed, report[REPORT_MAX];

	(void)state;
	changed = with_line(text, ".It Ic protocol ", ".It Ic colour Ar name\n"
	    "The colour of the service.\n");
	assert_int_equal(check_page(changed, report, sizeof(report)), 1);
	assert_string_equal(report, ".It Ic colour in SERVICES is the keyword "
	    "of no table\n");
	free(changed);
	/* A service keyword listed among the global ones only is wrong. */
	changed = with_line(text, ".It Ic graceful-timeout ",
	    ".It Ic cache Ar count\nNot global.\n");
	assert_int_equal(check_page(changed, report, sizeof(report)), 1);
	assert_string_equal(report, ".It Ic cache in GLOBAL CONFIGURATION is "
	    "the keyword of no table\n");
	free(changed);
	free(text);
}

/* Check one keyword's field and default against its type and range. */
static void
check_keyword(const struct checked_table *table,
    const struct option_keyword *keyword)
{
	assert_true(keyword->offset + keyword->size <= table->table->base_size);
	switch (keyword->type) {
	case OPTION_COUNT:
		assert_int_equal(keyword->size, sizeof(unsigned int));
		assert_true(keyword->low <= keyword->high);
		if (keyword->set == NULL)
			assert_true(keyword->initial >= keyword->low &&
			    keyword->initial <= keyword->high);
		break;
	case OPTION_SECONDS_ABOVE_ZERO:
		assert_true(keyword->initial > 0);
		/* FALLTHROUGH */
	case OPTION_SECONDS:
		assert_int_equal(keyword->size, sizeof(uint64_t));
		assert_true(keyword->initial <= keyword->high * 1000000ULL);
		break;
	case OPTION_TEXT:
	case OPTION_PATH:
		assert_true(keyword->size > 1);
		assert_true(keyword->initial == 0);
		break;
	case OPTION_CUSTOM:
		assert_non_null(keyword->set);
		break;
	}
}

/* Every table's fields fit their types, and defaults their ranges. */
static void
test_tables_are_sound(void **state)
{
	struct checked_table		 tables[TABLES_MAX];
	const struct option_keyword	*keyword;
	size_t				 count, i;

	(void)state;
	count = all_tables(tables);
	for (i = 0; i < count; i++)
		for (keyword = tables[i].table->keywords;
		    keyword->name != NULL; keyword++)
			check_keyword(&tables[i], keyword);
}

/* A protocol's keyword is never hidden by one of the service's. */
static void
test_protocols_shadow_nothing(void **state)
{
	const struct protocol		*protocol;
	const struct option_keyword	*keyword;
	size_t				 i;

	(void)state;
	for (i = 0; (protocol = protocol_at(i)) != NULL; i++)
		for (keyword = protocol->options != NULL ?
		    protocol->options->keywords : NULL;
		    keyword != NULL && keyword->name != NULL; keyword++) {
			assert_null(option_find(&service_block_option_table,
			    keyword->name));
			assert_null(option_find(&service_option_table,
			    keyword->name));
		}
}

/* A struct to try the table functions on. */
struct sample {
	unsigned int	count;
	uint64_t	pause_usec;
	uint64_t	wait_usec;
	char		name[8];
	char		path[16];
	unsigned int	custom;
	unsigned int	given;
};

#define SAMPLE_COUNT	0x1
#define SAMPLE_CUSTOM	0x2

/* "double": store twice the count given. */
static int
set_double(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	unsigned int	*field = option_field(base, keyword);

	if (strcmp(value, "2") != 0) {
		(void)snprintf(error, error_size, "%s: only 2", keyword->name);
		return -1;
	}
	*field = 4;
	return 0;
}

#define SAMPLE(member)	OPTION_FIELD(struct sample, member)

static const struct option_keyword sample_keywords[] = {
	{ .name = "count", .type = OPTION_COUNT, SAMPLE(count), .low = 2,
	    .high = 9, .initial = 5, .flag = SAMPLE_COUNT },
	{ .name = "pause", .type = OPTION_SECONDS, SAMPLE(pause_usec),
	    .high = 60, .initial = 1500000 },
	{ .name = "wait", .type = OPTION_SECONDS_ABOVE_ZERO,
	    SAMPLE(wait_usec), .high = 5, .initial = 1 },
	{ .name = "name", .type = OPTION_TEXT, SAMPLE(name), .low = 1 },
	{ .name = "path", .type = OPTION_PATH, SAMPLE(path) },
	{ .name = "double", .type = OPTION_CUSTOM, SAMPLE(custom),
	    .set = set_double, .flag = SAMPLE_CUSTOM },
	{ .name = NULL }
};

static const struct option_table sample_table = {
	.keywords = sample_keywords,
	.base_size = sizeof(struct sample),
	.mask_offset = offsetof(struct sample, given),
};

/* Set key to value in sample, which must be refused with message. */
static void
expect_refused(struct sample *sample, const char *key, const char *value,
    const char *message)
{
	char	error[256] = "";

	assert_int_equal(option_table_set(&sample_table, sample, key, value,
	    error, sizeof(error)), -1);
	assert_string_equal(error, message);
}

/* Set key to value in sample, which must be taken. */
static void
expect_taken(struct sample *sample, const char *key, const char *value)
{
	char	error[256] = "";

	if (option_table_set(&sample_table, sample, key, value, error,
	    sizeof(error)) != 1)
		fail_msg("%s %s: %s", key, value, error);
}

/* Defaults, each type's checks and messages, flags, unknown keys. */
static void
test_option_table(void **state)
{
	struct sample	sample;
	char		error[64];

	(void)state;
	memset(&sample, 0xff, sizeof(sample));
	sample.given = 0;
	option_table_defaults(&sample_table, &sample);
	assert_int_equal(sample.count, 5);
	assert_true(sample.pause_usec == 1500000 && sample.wait_usec == 1);
	assert_string_equal(sample.name, "");
	assert_string_equal(sample.path, "");
	assert_int_equal(sample.custom, 0xffffffffU);	/* custom: untouched */
	assert_int_equal(option_table_set(&sample_table, &sample, "colour",
	    "blue", error, sizeof(error)), 0);

	expect_refused(&sample, "count", "1", "count: '1' is not a whole "
	    "number from 2 to 9");
	expect_refused(&sample, "count", "10", "count: '10' is not a whole "
	    "number from 2 to 9");
	assert_int_equal(sample.given, 0);
	expect_taken(&sample, "count", "9");
	assert_int_equal(sample.count, 9);
	assert_int_equal(sample.given, SAMPLE_COUNT);

	expect_refused(&sample, "pause", "61", "pause: '61' is not a number "
	    "of seconds from 0 to 60");
	expect_taken(&sample, "pause", "0");
	assert_true(sample.pause_usec == 0);
	expect_refused(&sample, "wait", "0", "wait: '0' is not a number of "
	    "seconds above 0 and up to 5");
	expect_taken(&sample, "wait", "0.25");
	assert_true(sample.wait_usec == 250000);

	expect_refused(&sample, "name", "", "name: the value is empty");
	expect_refused(&sample, "name", "eight ch", "name: the value is longer "
	    "than 7 bytes");
	expect_taken(&sample, "name", "seven c");
	assert_string_equal(sample.name, "seven c");
	expect_refused(&sample, "path", "a/relative/path/longer/than/15",
	    "path: the value is longer than 15 bytes");
	expect_refused(&sample, "path", "/sixteen/bytes/x", "path: the value "
	    "is longer than 15 bytes");
	expect_taken(&sample, "path", "/tmp");
	assert_string_equal(sample.path, "/tmp");

	expect_refused(&sample, "double", "3", "double: only 2");
	assert_int_equal(sample.given, SAMPLE_COUNT);
	expect_taken(&sample, "double", "2");
	assert_int_equal(sample.custom, 4);
	assert_int_equal(sample.given, SAMPLE_COUNT | SAMPLE_CUSTOM);
}

/*
 * Relative paths resolve against the directory remembered at start-up,
 * not the one the process is in later (a detached daemon is in /).
 */
static void
test_relative_paths_resolved(void **state)
{
	char	resolved[64], here[1024];

	(void)state;
	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir("/tmp"), 0);
	assert_int_equal(path_remember_start(), 0);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(path_resolve("poems/a.txt", resolved,
	    sizeof(resolved)), 0);
	assert_string_equal(resolved, "/tmp/poems/a.txt");
	assert_int_equal(path_resolve("/etc/x", resolved, sizeof(resolved)),
	    0);
	assert_string_equal(resolved, "/etc/x");
	assert_int_equal(path_resolve("a-name-long-enough-to-overflow-the-"
	    "sixty-four-byte-buffer-it-is-given", resolved, sizeof(resolved)),
	    -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(path_resolve("", resolved, sizeof(resolved)), -1);
	assert_int_equal(chdir(here), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_matches_tables),
		cmocka_unit_test(test_check_finds_undocumented),
		cmocka_unit_test(test_check_finds_undeclared),
		cmocka_unit_test(test_tables_are_sound),
		cmocka_unit_test(test_protocols_shadow_nothing),
		cmocka_unit_test(test_option_table),
		cmocka_unit_test(test_relative_paths_resolved),
	};

	return cmocka_run_group_tests_name("keywords", tests, NULL, NULL);
}
