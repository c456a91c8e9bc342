/*
 * configuration_test.c: unit tests of the configuration file parser: a
 * full valid file, comments, quoting, includes, inheritance of defaults,
 * and every error reported as FILE:LINE:COLUMN.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "configuration.h"
#include "protocol.h"

static char	directory[64];
static char	main_file[128];

/* Write text to directory/name. */
static void
write_named(const char *name, const char *text, size_t length)
{
	char	 path[256];
	FILE	*file;

	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fwrite(text, 1, length, file), length);
	assert_int_equal(fclose(file), 0);
}

/* Load text as the main file and finish; returns the result, error set. */
static int
load(struct configuration *configuration, const char *text, char *error,
    size_t error_size)
{
	write_named("main.conf", text, strlen(text));
	configuration_init(configuration);
	if (configuration_load_file(configuration, main_file, error,
	    error_size) == -1)
		return -1;
	return configuration_finish(configuration, error, error_size);
}

/* The full example: every field lands where it should. */
static void
test_full_example(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	if (load(c, "# global\n"
	    "workers 4   # four\n"
	    "backend poll\n"
	    "log file:/tmp/x.log\n"
	    "pid-file \"/run/p forkd.pid\"\n"
	    "max-connections 100\n"
	    "per-source-max 7\n"
	    "ipv6-prefix 48\n"
	    "idle 12.5\n"
	    "lifetime 600\n"
	    "graceful-timeout 3\n"
	    "\n"
	    "service echo {   # comment after the brace\n"
	    "\tlisten 127.0.0.1:7007\n"
	    "\tlisten [::1]:7007\n"
	    "\tidle 30\n"
	    "}\n"
	    "service \"lab \\\"chargen\\\"\" {\n"
	    "  protocol chargen\n"
	    "  listen :7019\n"
	    "  max-connections 10\n"
	    "  per-source-max 2\n"
	    "}\n", error, sizeof(error)) == -1)
		fail_msg("refused: %s", error);
	assert_int_equal(c->workers, 4);
	assert_string_equal(c->backend, "poll");
	assert_string_equal(c->log_target, "file:/tmp/x.log");
	assert_string_equal(c->pid_file, "/run/p forkd.pid");
	assert_int_equal(c->max_connections, 100);
	assert_int_equal(c->ipv6_prefix, 48);
	assert_true(c->graceful_timeout_usec == 3000000);
	assert_int_equal(c->service_count, 2);
	assert_string_equal(c->services[0].name, "echo");
	assert_int_equal(c->services[0].listen_count, 2);
	assert_string_equal(c->services[0].listens[1].address, "::1");
	assert_true(c->services[0].idle_timeout_usec == 30000000);
	assert_true(c->services[0].lifetime_usec == 600000000);
	assert_int_equal(c->services[0].per_source_max, 7);
	assert_string_equal(c->services[1].name, "lab \"chargen\"");
	assert_ptr_equal(c->services[1].protocol, &protocol_chargen);
	assert_string_equal(c->services[1].listens[0].address, "");
	assert_true(c->services[1].idle_timeout_usec == 12500000);
	assert_int_equal(c->services[1].max_connections, 10);
	assert_int_equal(c->services[1].per_source_max, 2);
	configuration_release(c);
}

/* include is relative to the including file, and nests. */
static void
test_include(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	write_named("a.conf", "include b.conf\nworkers 3\n", 25);
	write_named("b.conf", "service echo {\n listen 127.0.0.1:1\n}\n", 37);
	if (load(c, "include \"a.conf\"\n", error, sizeof(error)) == -1)
		fail_msg("refused: %s", error);
	assert_int_equal(c->workers, 3);
	assert_int_equal(c->service_count, 1);
	write_named("loop.conf", "include loop.conf\n", 18);
	assert_int_equal(load(c, "include loop.conf\n", error,
	    sizeof(error)), -1);
	assert_non_null(strstr(error, "nested deeper"));
	configuration_release(c);
}

static const struct {
	const char	*text;
	const char	*position;	/* "LINE:COLUMN:" */
	const char	*message;
} refusals[] = {
	{ "colour blue\n", "1:1:", "unknown keyword 'colour'" },
	{ "workers\n", "1:1:", "needs a value" },
	{ "workers 2 3\n", "1:11:", "unexpected '3'" },
	{ "workers 0\n", "1:9:", "workers" },
	{ "workers 65\n", "1:9:", "workers" },
	{ "workers two\n", "1:9:", "workers" },
	{ "idle -1\n", "1:6:", "seconds" },
	{ "idle nan\n", "1:6:", "seconds" },
	{ "backend nosuch\n", "1:9:", "unknown backend" },
	{ "user no-such-user-here\n", "1:6:", "unknown user" },
	{ "log somewhere\n", "1:5:", "log" },
	{ "ipv6-prefix 129\n", "1:13:", "ipv6-prefix" },
	{ "listen :7\n", "1:1:", "belongs in a service block" },
	{ "service echo {\n listen nowhere\n}\n", "2:9:", "expected" },
	{ "service echo {\n listen 127.0.0.1:70000\n}\n", "2:9:",
	    "port number" },
	{ "service echo {\n protocol gopher\n}\n", "2:11:",
	    "unknown protocol" },
	{ "service echo {\n bogus 1\n}\n", "2:2:", "unknown option" },
	{ "service lab {\n listen :7\n}\n", "1:1:", "needs a protocol" },
	{ "service echo {\n}\n", "1:1:", "has no listen address" },
	{ "service echo {\n listen :7\n}\nservice echo {\n}\n", "4:9:",
	    "already defined" },
	{ "service echo {\n listen 127.0.0.1:7\n}\nservice \"e2\" {\n"
	    " protocol echo\n listen 127.0.0.1:7\n}\n", "4:1:",
	    "already used" },
	{ "service echo {\n listen :7\n}\nservice \"e2\" {\n"
	    " protocol echo\n listen 127.0.0.1:7\n}\n", "4:1:",
	    "already used" },
	{ "service \"echo {\n", "1:9:", "unterminated string" },
	{ "service echo {\n listen :7\n", "1:1:", "not closed" },
	{ "}\n", "1:1:", "without an open service block" },
	{ "service echo {\nservice discard {\n", "2:1:", "do not nest" },
	{ "service echo {\n workers 2\n}\n", "2:2:", "unknown option" },
	{ "service echo {\n include x.conf\n}\n", "2:2:", "not allowed" },
	{ "service echo\n", "1:13:", "expected '{'" },
	{ "include missing.conf\n", "1:9:", "cannot open 'missing.conf'" },
	{ "service poetry {\n listen :7\n file /nonexistent/poem\n}\n",
	    "1:1:", "" },
	{ "service poetry {\n listen :7\n bytes 0\n}\n", "3:8:", "bytes" },
};

/* Every malformed file is refused with its position and a reason. */
static void
test_refusals(void **state)
{
	struct configuration	*c = *state;
	char			 error[512], expected[256];
	size_t			 i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		error[0] = '\0';
		if (load(c, refusals[i].text, error, sizeof(error)) == 0)
			fail_msg("accepted: %s", refusals[i].text);
		(void)snprintf(expected, sizeof(expected), "%s:%s", main_file,
		    refusals[i].position);
		if (strncmp(error, expected, strlen(expected)) != 0 ||
		    strstr(error, refusals[i].message) == NULL)
			fail_msg("%s\nexpected %s ... %s\ngot %s",
			    refusals[i].text, expected, refusals[i].message,
			    error);
		configuration_release(c);
	}
}

/* A NUL byte, an endless line and a missing file are errors, no crash. */
static void
test_hostile_files(void **state)
{
	struct configuration	*c = *state;
	char			 error[512], *long_line;

	write_named("main.conf", "workers 2\n\0\n", 12);
	configuration_init(c);
	assert_int_equal(configuration_load_file(c, main_file, error,
	    sizeof(error)), -1);
	assert_non_null(strstr(error, "NUL byte"));
	long_line = malloc(10001);
	assert_non_null(long_line);
	memset(long_line, 'x', 10000);
	long_line[10000] = '\0';
	assert_int_equal(load(c, long_line, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "longer than"));
	free(long_line);
	configuration_init(c);
	assert_int_equal(configuration_load_file(c, "/nonexistent/pforkd.conf",
	    error, sizeof(error)), -1);
	assert_non_null(strstr(error, "/nonexistent/pforkd.conf: cannot open"));
}

/* -l services and the bundled defaults. */
static void
test_listen_and_defaults(void **state)
{
	struct configuration	*c = *state;
	char			 error[512];

	configuration_init(c);
	assert_int_equal(configuration_add_listen(c, "echo@127.0.0.1:x",
	    error, sizeof(error)), -1);
	assert_non_null(strstr(error, "-l echo@127.0.0.1:x: "));
	assert_int_equal(configuration_add_defaults(c, error,
	    sizeof(error)), 0);
	assert_int_equal(configuration_finish(c, error, sizeof(error)), 0);
	assert_string_equal(c->services[0].name, "echo");
	assert_string_equal(c->services[0].listens[0].port, "7007");
	configuration_release(c);
}

/* Allocate a configuration for a case. */
static int
setup(void **state)
{
	*state = calloc(1, sizeof(struct configuration));
	return *state == NULL ? -1 : 0;
}

/* Free it. */
static int
teardown(void **state)
{
	free(*state);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_example, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_listen_and_defaults,
		    setup, teardown),
	};
	char	command[128];
	int	status;

	(void)snprintf(directory, sizeof(directory),
	    "/tmp/pforkd-config-test.XXXXXX");
	if (mkdtemp(directory) == NULL)
		return 1;
	(void)snprintf(main_file, sizeof(main_file), "%s/main.conf", directory);
	status = cmocka_run_group_tests_name("configuration", tests, NULL,
	    NULL);
	(void)snprintf(command, sizeof(command), "rm -rf '%s'", directory);
	(void)system(command);
	return status;
}
