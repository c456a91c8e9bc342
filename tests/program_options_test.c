/*
 * program_options_test.c: unit tests of the program service keywords
 * (server/program_options.h): word splitting, each keyword's good and bad
 * values, their routing through service_set_option(), -l with commas in
 * a command, and the checks of program_options_prepare().
 */
#include "config.h"

#include <sys/types.h>

#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compat/compat.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "server/configuration.h"
#include "server/program_options.h"
#include "server/service_setup.h"
#include "util/option_table.h"

/* Split text, expecting the count words of expected. */
static void
split_ok(const char *text, size_t count, const char **expected)
{
	struct program_strings	list = { NULL, 0 };
	char			error[256] = "";
	size_t			i;

	if (program_split_words(text, &list, error, sizeof(error)) != 0)
		fail_msg("'%s' was refused: %s", text, error);
	if (list.count != count)
		fail_msg("'%s': %zu words, not %zu", text, list.count, count);
	for (i = 0; i < count; i++)
		assert_string_equal(list.items[i], expected[i]);
	assert_null(list.items == NULL ? NULL : list.items[count]);
	program_strings_clear(&list);
}

/* Split text, expecting a refusal whose message contains needle. */
static void
split_refused(const char *text, const char *needle)
{
	struct program_strings	list = { NULL, 0 };
	char			error[256] = "";

	if (program_split_words(text, &list, error, sizeof(error)) == 0)
		fail_msg("'%s' was accepted", text);
	if (strstr(error, needle) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", text, error, needle);
	assert_int_equal(list.count, 0);
}

/* Blanks, quotes and backslashes split as sh(1) would, expanding nothing. */
static void
test_split_words(void **state)
{
	const char	*plain[] = { "/usr/sbin/in.ftpd", "-l", "-A" };
	const char	*single[] = { "/bin/sh", "-c", "echo a, b $HOME" };
	const char	*dbl[] = { "/bin/sh", "-c",
			    "echo \"x\" \\ $y `z` \\n" };
	const char	*escaped[] = { "a b", "c'd", "e\"f" };
	const char	*empty[] = { "/bin/x", "", "", "y" };
	const char	*joined[] = { "abcdef" };
	const char	*glob[] = { "*", "~", "$PATH" };

	(void)state;
	split_ok("/usr/sbin/in.ftpd -l -A", 3, plain);
	split_ok("  /usr/sbin/in.ftpd\t-l   -A \n", 3, plain);
	split_ok("/bin/sh -c 'echo a, b $HOME'", 3, single);
	split_ok("/bin/sh -c \"echo \\\"x\\\" \\\\ \\$y \\`z\\` \\n\"", 3, dbl);
	split_ok("a\\ b c\\'d e\\\"f", 3, escaped);
	split_ok("/bin/x '' \"\" y", 4, empty);
	split_ok("ab'c'\"d\"e\\f", 1, joined);
	split_ok("* ~ $PATH", 3, glob);
	split_ok("", 0, NULL);
	split_ok("   ", 0, NULL);
	split_refused("/bin/sh -c 'echo", "unterminated single quote");
	split_refused("/bin/sh -c \"echo", "unterminated double quote");
	split_refused("/bin/sh \\", "backslash ends");
}

/* A service called name with the given keys set, expecting success. */
static void
set_ok(struct service *service, const char *key, const char *value)
{
	char	error[256] = "";

	if (service_set_option(service, key, value, error,
	    sizeof(error)) != 0)
		fail_msg("%s %s was refused: %s", key, value, error);
}

/* Setting key to value on service is refused with needle in the message. */
static void
set_refused(struct service *service, const char *key, const char *value,
    const char *needle)
{
	char	error[256] = "";

	if (service_set_option(service, key, value, error,
	    sizeof(error)) == 0)
		fail_msg("%s %s was accepted", key, value);
	if (strstr(error, needle) == NULL)
		fail_msg("%s %s: message '%s' lacks '%s'", key, value, error,
		    needle);
}

/* command: the path, argv with argv[0], no limit on arguments; argv0. */
static void
test_command_and_argv0(void **state)
{
	struct service	service;
	char		command[8192];
	size_t		i;

	(void)state;
	service_init(&service, "ftp");
	set_ok(&service, "command", "/usr/sbin/in.ftpd -l -A");
	assert_non_null(service.program);
	assert_string_equal(service.program->path, "/usr/sbin/in.ftpd");
	assert_int_equal(service.program->arguments.count, 3);
	assert_string_equal(service.program->arguments.items[0],
	    "/usr/sbin/in.ftpd");
	assert_string_equal(service.program->arguments.items[2], "-A");
	assert_string_equal(service.program->service, "ftp");
	set_ok(&service, "argv0", "ftpd");
	assert_string_equal(service.program->arguments.items[0], "ftpd");
	/* argv0 holds when command comes again, and before it. */
	set_ok(&service, "command", "/bin/cat");
	assert_string_equal(service.program->arguments.items[0], "ftpd");
	assert_string_equal(service.program->path, "/bin/cat");
	set_refused(&service, "command", "cat -u", "not an absolute path");
	set_refused(&service, "command", "", "no program");
	set_refused(&service, "command", "  ", "no program");
	set_refused(&service, "command", "'' x", "no program");
	set_refused(&service, "command", "/bin/sh -c 'x", "unterminated");
	set_refused(&service, "argv0", "", "empty");
	/* OpenBSD inetd keeps 20 arguments; we keep them all. */
	(void)strlcpy(command, "/bin/echo", sizeof(command));
	for (i = 0; i < 500; i++)
		memcpy(command + 9 + 5 * i, " word", 6);
	set_ok(&service, "command", command);
	assert_int_equal(service.program->arguments.count, 501);
	assert_null(service.program->arguments.items[501]);
	service_discard(&service);
	assert_null(service.program);
}

/* The keywords' defaults and good values. */
static void
test_good_values(void **state)
{
	struct service			 service;
	const struct program_options	*p;

	(void)state;
	service_init(&service, "x");
	set_ok(&service, "command", "/bin/cat");
	p = service.program;
	assert_int_equal(p->wait, 0);
	assert_int_equal(p->stderr_target, PROGRAM_STDERR_LOG);
	assert_int_equal(p->umask, 022);
	assert_string_equal(p->directory, "/");
	assert_int_equal(p->nice_set, 0);
	assert_int_equal(p->explicit, 0);
	assert_int_equal(p->rate.count, 0);
	set_ok(&service, "wait", "yes");
	assert_int_equal(p->wait, 1);
	set_ok(&service, "wait", "no");
	assert_int_equal(p->wait, 0);
	set_ok(&service, "stderr", "socket");
	assert_int_equal(p->stderr_target, PROGRAM_STDERR_SOCKET);
	assert_true(p->explicit & PROGRAM_SET_STDERR);
	set_ok(&service, "stderr", "null");
	assert_int_equal(p->stderr_target, PROGRAM_STDERR_NULL);
	set_ok(&service, "user", "root");
	assert_string_equal(p->user, "root");
	assert_string_equal(p->group, "");
	assert_true(p->explicit & PROGRAM_SET_USER);
	set_ok(&service, "user", "root:root");
	assert_string_equal(p->group, "root");
	set_ok(&service, "umask", "0");
	assert_int_equal(p->umask, 0);
	set_ok(&service, "umask", "0777");
	assert_int_equal(p->umask, 0777);
	set_ok(&service, "umask", "027");
	assert_int_equal(p->umask, 027);
	set_ok(&service, "directory", "/tmp");
	assert_string_equal(p->directory, "/tmp");
	set_ok(&service, "nice", "-20");
	assert_int_equal(p->nice, -20);
	assert_int_equal(p->nice_set, 1);
	set_ok(&service, "nice", "19");
	assert_int_equal(p->nice, 19);
	set_ok(&service, "limit-files", "256");
	assert_true(p->limit_files == 256);
	set_ok(&service, "limit-cpu", "10");
	assert_true(p->limit_cpu_seconds == 10);
	set_ok(&service, "limit-processes", "0");
	assert_true(p->limit_processes == 0);
	set_ok(&service, "limit-memory", "4096");
	assert_true(p->limit_memory_bytes == 4096);
	set_ok(&service, "limit-memory", "64k");
	assert_true(p->limit_memory_bytes == 64 * 1024);
	set_ok(&service, "limit-memory", "64M");
	assert_true(p->limit_memory_bytes == 64 * 1024 * 1024);
	set_ok(&service, "limit-memory", "2G");
	assert_true(p->limit_memory_bytes == 2ULL * 1024 * 1024 * 1024);
	set_ok(&service, "environment", "LANG=C");
	set_ok(&service, "environment", "_X1=a=b c");
	set_ok(&service, "environment", "EMPTY=");
	assert_int_equal(p->environment.count, 3);
	assert_string_equal(p->environment.items[1], "_X1=a=b c");
	set_ok(&service, "pass-environment", "TZ");
	set_ok(&service, "pass-environment", "HOME");
	assert_int_equal(p->pass_environment.count, 2);
	assert_string_equal(p->pass_environment.items[1], "HOME");
	set_ok(&service, "rate-limit", "256/60");
	assert_int_equal(p->rate.count, 256);
	assert_true(p->rate.window_usec == 60000000);
	set_ok(&service, "per-source-rate-limit", "5/0.5");
	assert_int_equal(p->per_source_rate.count, 5);
	assert_true(p->per_source_rate.window_usec == 500000);
	set_ok(&service, "rate-limit", "0");
	assert_int_equal(p->rate.count, 0);
	set_ok(&service, "rate-limit", "0/60");
	assert_int_equal(p->rate.count, 0);
	assert_true(p->rate.window_usec == 0);
	service_discard(&service);
}

/* Every keyword refuses a bad value with a message naming itself. */
static void
test_bad_values(void **state)
{
	static const struct {
		const char	*key, *value, *needle;
	} bad[] = {
		{ "wait", "maybe", "wait: 'maybe' is not yes or no" },
		{ "wait", "", "not yes or no" },
		{ "stderr", "file", "stderr: 'file' is not log, socket" },
		{ "user", "no-such-user-here", "unknown user" },
		{ "user", "root:no-such-group-here", "unknown group" },
		{ "user", ":root", "unknown user ''" },
		{ "user", "root:", "unknown group ''" },
		{ "umask", "0778", "umask: '0778' is not an octal mode" },
		{ "umask", "1000", "not an octal mode" },
		{ "umask", "", "not an octal mode" },
		{ "umask", "-1", "not an octal mode" },
		{ "directory", "tmp", "directory: 'tmp' is not an absolute" },
		{ "directory", "", "not an absolute path" },
		{ "nice", "20", "nice: '20' is not a whole number from -20" },
		{ "nice", "-21", "from -20 to 19" },
		{ "nice", "1x", "from -20 to 19" },
		{ "nice", "", "from -20 to 19" },
		{ "limit-files", "-1", "limit-files: '-1' is not a whole" },
		{ "limit-files", "1k", "is not a whole number" },
		{ "limit-cpu", "1.5", "limit-cpu: '1.5' is not a whole" },
		{ "limit-processes", "x", "is not a whole number" },
		{ "limit-memory", "64T", "limit-memory: '64T' is not a size" },
		{ "limit-memory", "M", "is not a size" },
		{ "limit-memory", "1MB", "is not a size" },
		{ "limit-memory", "99999999999999G", "is not a size" },
		{ "environment", "NOEQUALS", "is not NAME=VALUE" },
		{ "environment", "=x", "is not NAME=VALUE" },
		{ "environment", "1A=x", "is not NAME=VALUE" },
		{ "environment", "A-B=x", "is not NAME=VALUE" },
		{ "pass-environment", "A=B", "is not a variable name" },
		{ "pass-environment", "", "is not a variable name" },
		{ "rate-limit", "256",
		    "rate-limit: '256' is not COUNT/SECONDS" },
		{ "rate-limit", "256/0", "is not COUNT/SECONDS" },
		{ "rate-limit", "x/60", "is not COUNT/SECONDS" },
		{ "rate-limit", "5/-1", "is not COUNT/SECONDS" },
		{ "per-source-rate-limit", "/60", "per-source-rate-limit: " },
	};
	struct service	service;
	size_t		i;

	(void)state;
	service_init(&service, "x");
	set_ok(&service, "command", "/bin/cat");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		set_refused(&service, bad[i].key, bad[i].value, bad[i].needle);
	/* Nothing refused was kept. */
	assert_int_equal(service.program->explicit, 0);
	assert_int_equal(service.program->environment.count, 0);
	service_discard(&service);
}

/* command clears an implied protocol; an explicit one is an error. */
static void
test_routing(void **state)
{
	struct service	service;

	(void)state;
	service_init(&service, "echo");
	assert_ptr_equal(service.protocol, &protocol_echo);
	set_ok(&service, "command", "/bin/cat");
	assert_null(service.protocol);
	assert_true(program_options_have_command(service.program));
	/* Protocol options and a protocol now fail. */
	set_refused(&service, "file", "x", "not one of a program service");
	set_refused(&service, "protocol", "echo", "a protocol or a program");
	service_discard(&service);

	service_init(&service, "lab");
	set_ok(&service, "protocol", "echo");
	assert_true(service.explicit & SERVICE_SET_PROTOCOL);
	set_refused(&service, "command", "/bin/cat",
	    "a service runs a protocol or a program, not both");
	assert_ptr_equal(service.protocol, &protocol_echo);
	service_discard(&service);

	/* Program keywords before command are kept; a protocol still is. */
	service_init(&service, "echo");
	set_ok(&service, "user", "root");
	assert_non_null(service.program);
	assert_ptr_equal(service.protocol, &protocol_echo);
	set_ok(&service, "command", "/bin/cat");
	assert_null(service.protocol);
	assert_string_equal(service.program->user, "root");
	service_discard(&service);

	/* A protocol's options before command. */
	service_init(&service, "poetry");
	set_ok(&service, "bytes", "10");
	set_refused(&service, "command", "/bin/cat", "not both");
	service_discard(&service);

	assert_true(program_option_is_keyword("command"));
	assert_true(program_option_is_keyword("per-source-rate-limit"));
	assert_false(program_option_is_keyword("idle"));
	assert_true(service_has_option(&service, "limit-memory"));
}

/* -l: command= takes the rest, commas included; any name with one. */
static void
test_listen_command(void **state)
{
	struct service	service;
	char		error[256] = "";

	(void)state;
	assert_int_equal(service_parse_listen(&service, "cat@127.0.0.1:7000,"
	    "max-connections=100,command=/bin/sh -c \"echo a, b\",idle=3",
	    error, sizeof(error)), 0);
	assert_string_equal(service.name, "cat");
	assert_null(service.protocol);
	assert_int_equal(service.max_connections, 100);
	assert_int_equal(service.program->arguments.count, 3);
	assert_string_equal(service.program->arguments.items[2],
	    "echo a, b,idle=3");
	assert_true(service.idle_timeout_usec == SERVICE_DEFAULT_IDLE_USEC);
	service_discard(&service);

	/* A name that is no protocol is accepted; finish wants a command. */
	assert_int_equal(service_parse_listen(&service, "cat@127.0.0.1:7000",
	    error, sizeof(error)), 0);
	assert_null(service.protocol);
	service_discard(&service);

	assert_int_equal(service_parse_listen(&service, "echo@:7,"
	    "command=cat", error, sizeof(error)), -1);
	assert_non_null(strstr(error, "not an absolute path"));
	service_discard(&service);

	/* -i serves a built-in and refuses a command. */
	assert_int_equal(service_parse_inetd(&service, "echo,command=/bin/cat",
	    error, sizeof(error)), -1);
	assert_non_null(strstr(error, "not for -i"));
	service_discard(&service);
	assert_int_equal(service_parse_inetd(&service, "cat", error,
	    sizeof(error)), -1);
	assert_non_null(strstr(error, "unknown service 'cat'"));
	service_discard(&service);
}

/* Build a configuration from -l arguments; finish's result, error. */
static int
finish_listens(struct configuration *c, const char *user, const char **specs,
    char *error, size_t size)
{
	configuration_init(c);
	if (user != NULL)
		(void)strlcpy(c->user, user, sizeof(c->user));
	for (; *specs != NULL; specs++)
		assert_int_equal(configuration_add_listen(c, *specs, error,
		    size), 0);
	return configuration_finish(c, error, size);
}

/* configuration_finish checks program services as a whole. */
static void
test_finish(void **state)
{
	struct configuration	*c;
	const char		*cat[] = { "cat@127.0.0.1:0,user=root,"
				    "command=/bin/cat -u", NULL };
	const char		*nocmd[] = { "echo@127.0.0.1:0,user=root",
				    NULL };
	const char		*noname[] = { "cat@127.0.0.1:0", NULL };
	const char		*missing[] = { "x@127.0.0.1:0,user=root,"
				    "command=/nonexistent/prog", NULL };
	const char		*dir[] = { "x@127.0.0.1:0,user=root,"
				    "directory=/nonexistent,command=/bin/cat",
				    NULL };
	const char		*notfile[] = { "x@127.0.0.1:0,user=root,"
				    "command=/tmp", NULL };
	const char		*nouser[] = { "x@127.0.0.1:0,command=/bin/cat",
				    NULL };
	char			 error[512] = "";

	(void)state;
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	if (finish_listens(c, NULL, cat, error, sizeof(error)) != 0)
		fail_msg("refused: %s", error);
	assert_int_equal(c->services[0].program->uid, 0);
	configuration_release(c);

	assert_int_equal(finish_listens(c, NULL, nocmd, error, sizeof(error)),
	    -1);
	assert_string_equal(error, "-l echo@127.0.0.1:0,user=root: service "
	    "'echo' has program keywords but no 'command'");
	configuration_release(c);

	assert_int_equal(finish_listens(c, NULL, noname, error, sizeof(error)),
	    -1);
	assert_non_null(strstr(error, "-l cat@127.0.0.1:0: service 'cat' "
	    "needs a protocol or a command"));
	configuration_release(c);

	assert_int_equal(finish_listens(c, NULL, missing, error,
	    sizeof(error)), -1);
	assert_string_equal(error, "-l x@127.0.0.1:0,user=root,command="
	    "/nonexistent/prog: program service 'x': cannot run "
	    "'/nonexistent/prog': No such file or directory");
	configuration_release(c);

	assert_int_equal(finish_listens(c, NULL, dir, error, sizeof(error)),
	    -1);
	assert_non_null(strstr(error, "directory '/nonexistent': No such"));
	configuration_release(c);

	assert_int_equal(finish_listens(c, NULL, notfile, error,
	    sizeof(error)), -1);
	assert_non_null(strstr(error, "'/tmp' is not a regular file"));
	configuration_release(c);

	/* No user of its own: the global one, else pforkd's (not root). */
	if (geteuid() == 0) {
		assert_int_equal(finish_listens(c, NULL, nouser, error,
		    sizeof(error)), -1);
		assert_string_equal(error, "-l x@127.0.0.1:0,command=/bin/cat: "
		    "program service 'x' would run as root: set 'user' (user "
		    "root to mean it)");
		configuration_release(c);
		assert_int_equal(finish_listens(c, "nobody", nouser, error,
		    sizeof(error)), 0);
		assert_int_equal(c->services[0].program->uid,
		    getpwnam("nobody")->pw_uid);
		assert_int_equal(c->services[0].program->change_identity, 1);
	} else {
		assert_int_equal(finish_listens(c, NULL, nouser, error,
		    sizeof(error)), 0);
		assert_int_equal(c->services[0].program->uid, geteuid());
		assert_int_equal(c->services[0].program->change_identity, 0);
	}
	configuration_release(c);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_command_and_argv0),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_listen_command),
		cmocka_unit_test(test_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
