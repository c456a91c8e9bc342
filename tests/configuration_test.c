/*
 * configuration_test.c: unit tests of the configuration file parser: the
 * full example of pforkd.conf(5), comments, quoting, includes, inheritance
 * of the global defaults, -l and the bundled defaults, and every error,
 * each with its exact FILE:LINE:COLUMN.
 *
 * The files live in a mkdtemp() folder under /tmp, removed at the end.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "connection/protocol.h"
#include "protocols/protocol_table.h"
#include "server/configuration.h"
#include "test_util.h"

#define SECONDS(s)	((uint64_t)((s) * 1000000.0))

static char	directory[64];		/* the mkdtemp() folder */
static char	main_file[128];		/* directory/main.conf */

/* The path of name inside the test folder. */
static void
make_path(char *path, size_t size, const char *name)
{
	int	length;

	length = snprintf(path, size, "%s/%s", directory, name);
	assert_true(length > 0 && (size_t)length < size);
}

/* Write length bytes of text to the file name in the test folder. */
static void
write_bytes(const char *name, const char *text, size_t length)
{
	char	 path[256];
	FILE	*file;

	make_path(path, sizeof(path), name);
	file = fopen(path, "w");
	assert_non_null(file);
	assert_int_equal(fwrite(text, 1, length, file), length);
	assert_int_equal(fclose(file), 0);
}

/* Write the string text to the file name in the test folder. */
static void
write_file(const char *name, const char *text)
{
	write_bytes(name, text, strlen(text));
}

/* Make the folder name in the test folder, if it is not there yet. */
static void
make_folder(const char *name)
{
	char	path[256];

	make_path(path, sizeof(path), name);
	assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
}

/* Load main.conf (without finishing); 0 or -1 with error set. */
static int
load_only(struct configuration *c, const char *text, char *error,
    size_t error_size)
{
	write_file("main.conf", text);
	configuration_init(c);
	return configuration_load_file(c, main_file, error, error_size);
}

/* Load main.conf and finish; 0 or -1 with error set. */
static int
load(struct configuration *c, const char *text, char *error,
    size_t error_size)
{
	if (load_only(c, text, error, error_size) == -1)
		return -1;
	return configuration_finish(c, error, error_size);
}

/* Load text, which must be accepted. */
static void
load_ok(struct configuration *c, const char *text)
{
	char	error[1024] = "";

	if (load(c, text, error, sizeof(error)) == -1)
		fail_msg("refused: %s\n%s", error, text);
}

/*
 * Load text, which must be refused with "FOLDER/where message...": where
 * is "FILE:LINE:COLUMN:" and message a part of what follows.
 */
static void
expect_error(struct configuration *c, const char *text, const char *where,
    const char *message)
{
	char	error[1024] = "", expected[512];

	if (load(c, text, error, sizeof(error)) == 0)
		fail_msg("accepted: %s", text);
	(void)snprintf(expected, sizeof(expected), "%s/%s ", directory, where);
	if (strncmp(error, expected, strlen(expected)) != 0 ||
	    strstr(error + strlen(expected), message) == NULL)
		fail_msg("%s\nexpected: %s...%s\n     got: %s", text, expected,
		    message, error);
	configuration_release(c);
}

/* Load text, which must be refused with exactly the message expected. */
static void
expect_exact(struct configuration *c, const char *text, const char *expected)
{
	char	error[1024] = "";

	if (load(c, text, error, sizeof(error)) == 0)
		fail_msg("accepted: %s", text);
	assert_string_equal(error, expected);
	configuration_release(c);
}

/* The name of the user running the tests. */
static const char *
my_user(void)
{
	struct passwd	*entry = getpwuid(getuid());

	assert_non_null(entry);
	return entry->pw_name;
}

/* The name of the group running the tests. */
static const char *
my_group(void)
{
	struct group	*entry = getgrgid(getgid());

	assert_non_null(entry);
	return entry->gr_name;
}

/* The example of pforkd.conf(5): every field lands where it should. */
static void
test_full_example(void **state)
{
	struct configuration	*c = *state;
	const struct service	*s;
	char			 text[2048], user[64], origin[256];

	(void)snprintf(user, sizeof(user), "%s", my_user());
	make_folder("conf.d");
	write_file("conf.d/local.conf", "service daytime {\n"
	    "\tlisten 127.0.0.1:7013\n"
	    "}\n");
	(void)snprintf(text, sizeof(text),
	    "# a comment runs to the end of the line, anywhere outside quotes\n"
	    "workers 4                  # 1..64; \"auto\" = online CPUs\n"
	    "backend poll               # a compiled backend\n"
	    "user %s\n"
	    "group %s\n"
	    "log syslog:daemon          # stderr | syslog | file:/path\n"
	    "pid-file /run/pforkd.pid\n"
	    "max-connections 10000      # all services together\n"
	    "per-source-max 64          # default for services\n"
	    "ipv6-prefix 56             # per-source grouping of IPv6 peers\n"
	    "idle 240                   # default idle timeout for services\n"
	    "lifetime 3600              # default maximum connection lifetime\n"
	    "graceful-timeout 45        # drain deadline\n"
	    "include \"conf.d/local.conf\"  # relative to this file\n"
	    "\n"
	    "service echo {\n"
	    "\tlisten 127.0.0.1:7007\n"
	    "\tlisten [::1]:7007\n"
	    "\tidle 30\n"
	    "}\n"
	    "service \"lab chargen\" {      # a label: needs \"protocol\"\n"
	    "\tprotocol chargen\n"
	    "\tlisten :7019             # every address, both families\n"
	    "\tmax-connections 10\n"
	    "}\n", user, my_group());
	load_ok(c, text);
	assert_int_equal(c->workers, 4);
	assert_string_equal(c->backend, "poll");
	assert_string_equal(c->user, user);
	assert_string_equal(c->group, my_group());
	assert_string_equal(c->log_target, "syslog:daemon");
	assert_string_equal(c->pid_file, "/run/pforkd.pid");
	assert_int_equal(c->max_connections, 10000);
	assert_int_equal(c->per_source_max, 64);
	assert_int_equal(c->ipv6_prefix, 56);
	assert_int_equal(c->idle_timeout_usec, SECONDS(240));
	assert_int_equal(c->lifetime_usec, SECONDS(3600));
	assert_int_equal(c->graceful_timeout_usec, SECONDS(45));
	assert_int_equal(c->service_count, 3);

	s = &c->services[0];
	assert_string_equal(s->name, "daytime");
	assert_ptr_equal(s->protocol, &protocol_daytime);
	assert_int_equal(s->listen_count, 1);
	assert_string_equal(s->listens[0].address, "127.0.0.1");
	assert_string_equal(s->listens[0].port, "7013");
	assert_int_equal(s->idle_timeout_usec, SECONDS(240));
	make_path(origin, sizeof(origin), "conf.d/local.conf:1:1");
	assert_string_equal(s->origin, origin);

	s = &c->services[1];
	assert_string_equal(s->name, "echo");
	assert_ptr_equal(s->protocol, &protocol_echo);
	assert_int_equal(s->listen_count, 2);
	assert_string_equal(s->listens[0].address, "127.0.0.1");
	assert_string_equal(s->listens[1].address, "::1");
	assert_string_equal(s->listens[1].port, "7007");
	assert_int_equal(s->idle_timeout_usec, SECONDS(30));
	assert_int_equal(s->lifetime_usec, SECONDS(3600));
	assert_int_equal(s->per_source_max, 64);
	assert_int_equal(s->max_connections, 0);
	make_path(origin, sizeof(origin), "main.conf:16:1");
	assert_string_equal(s->origin, origin);

	s = &c->services[2];
	assert_string_equal(s->name, "lab chargen");
	assert_ptr_equal(s->protocol, &protocol_chargen);
	assert_string_equal(s->listens[0].address, "");
	assert_string_equal(s->listens[0].port, "7019");
	assert_int_equal(s->max_connections, 10);
	assert_int_equal(s->idle_timeout_usec, SECONDS(240));
	make_path(origin, sizeof(origin), "main.conf:21:1");
	assert_string_equal(s->origin, origin);
}

/* Comments after values, after braces, indented, in blank lines. */
static void
test_comments_anywhere(void **state)
{
	struct configuration	*c = *state;

	load_ok(c, "# leading comment\n"
	    "   # indented comment\n"
	    "\n"
	    "\t \n"
	    "workers 2# no blank before the hash\n"
	    "service echo { # after the brace\n"
	    "\t# inside the block\n"
	    "\n"
	    "\tlisten 127.0.0.1:7007 # after a value\n"
	    "} # after the closing brace\n"
	    "# service ghost {\n"
	    "pid-file \"/tmp/a#b\"   # a hash in quotes is data\n"
	    "idle 5\r\n"
	    "# the last line has no newline");
	assert_int_equal(c->workers, 2);
	assert_int_equal(c->service_count, 1);
	assert_string_equal(c->pid_file, "/tmp/a#b");
	assert_int_equal(c->services[0].idle_timeout_usec, SECONDS(5));
}

/* Quoted strings: blanks, marks and escapes in labels and values. */
static void
test_quoting(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	load_ok(c, "service \"lab \\\"quoted\\\" \\\\ label\" {\n"
	    "\tprotocol \"echo\"\n"
	    "\tlisten \"127.0.0.1:7100\"\n"
	    "}\n"
	    "service \"with { braces } and # hash\"{\n"
	    "\tprotocol discard\n"
	    "\tlisten 127.0.0.1:7101\n"
	    "}\n"
	    "pid-file \"C:\\tmp\\x\"\n"
	    "log \"file:/tmp/a b.log\"\n");
	assert_int_equal(c->service_count, 2);
	assert_string_equal(c->services[0].name, "lab \"quoted\" \\ label");
	assert_ptr_equal(c->services[0].protocol, &protocol_echo);
	assert_string_equal(c->services[0].listens[0].port, "7100");
	assert_string_equal(c->services[1].name, "with { braces } and # hash");
	assert_string_equal(c->pid_file, "C:\\tmp\\x");
	assert_string_equal(c->log_target, "file:/tmp/a b.log");
	configuration_release(c);
	assert_int_equal(load_only(c, "pid-file /run/p.pid\npid-file \"\"\n",
	    error, sizeof(error)), 0);
	assert_string_equal(c->pid_file, "");
}

/* include is relative to the including file, and includes nest. */
static void
test_include_relative_nested(void **state)
{
	struct configuration	*c = *state;
	char			 text[512], origin[256], absolute[256];

	make_folder("conf.d");
	write_file("conf.d/local.conf", "include more.conf\nworkers 3\n");
	write_file("conf.d/more.conf", "service echo {\n"
	    "\tlisten 127.0.0.1:7007\n"
	    "}\n");
	/* A decoy where a wrongly resolved "more.conf" would land. */
	write_file("more.conf", "this is not a configuration\n");
	write_file("absolute.conf", "ipv6-prefix 48\n");
	make_path(absolute, sizeof(absolute), "absolute.conf");
	(void)snprintf(text, sizeof(text), "include conf.d/local.conf\n"
	    "include \"%s\"\n", absolute);
	load_ok(c, text);
	assert_int_equal(c->workers, 3);
	assert_int_equal(c->ipv6_prefix, 48);
	assert_int_equal(c->service_count, 1);
	make_path(origin, sizeof(origin), "conf.d/more.conf:1:1");
	assert_string_equal(c->services[0].origin, origin);
}

/* Includes nest 8 files deep, no deeper; a loop stops there too. */
static void
test_include_depth_limit(void **state)
{
	struct configuration	*c = *state;
	char			 name[32], text[64];
	int			 depth;

	for (depth = 1; depth < CONFIGURATION_INCLUDE_DEPTH; depth++) {
		(void)snprintf(name, sizeof(name), "depth%d.conf", depth);
		(void)snprintf(text, sizeof(text), "include depth%d.conf\n",
		    depth + 1);
		write_file(name, text);
	}
	write_file("depth8.conf", "workers 8\n");
	load_ok(c, "include depth1.conf\n"
	    "service echo {\n\tlisten 127.0.0.1:7007\n}\n");
	assert_int_equal(c->workers, 8);
	configuration_release(c);

	write_file("depth8.conf", "include depth9.conf\n");
	write_file("depth9.conf", "workers 9\n");
	expect_error(c, "include depth1.conf\n", "depth8.conf:1:9:",
	    "includes nest deeper than 8 files");
	write_file("loop.conf", "\n  include loop.conf\n");
	expect_error(c, "include loop.conf\n", "loop.conf:2:11:",
	    "includes nest deeper than 8 files");
}

/* Errors in and about included files name the right file. */
static void
test_include_errors(void **state)
{
	struct configuration	*c = *state;
	char			 message[128];

	(void)snprintf(message, sizeof(message), "cannot open 'missing.conf': "
	    "%s", strerror(ENOENT));
	expect_error(c, "workers 2\ninclude missing.conf\n", "main.conf:2:9:",
	    message);
	write_file("bad.conf", "\n  colour blue\n");
	expect_error(c, "include bad.conf\n", "bad.conf:2:3:",
	    "unknown keyword 'colour'");
	write_file("open.conf", "service echo {\n\tlisten :7\n");
	expect_error(c, "include open.conf\n}\n", "open.conf:1:1:",
	    "service 'echo' is not closed");
	expect_error(c, "include \"\"\n", "main.conf:1:9:",
	    "include needs a path");
	expect_error(c, "include\n", "main.conf:1:1:",
	    "'include' needs a value");
	expect_error(c, "service echo {\n\tinclude bad.conf\n}\n",
	    "main.conf:2:2:", "include is allowed only outside service blocks");
}

/* Global idle, lifetime and per-source-max fill what services left unset. */
static void
test_defaults_inheritance(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	assert_int_equal(load_only(c, "idle 12.5\n"
	    "lifetime 60\n"
	    "per-source-max 5\n"
	    "max-connections 100\n"
	    "service echo {\n"
	    "\tlisten 127.0.0.1:7007\n"
	    "\tidle 0\n"
	    "}\n"
	    "service discard {\n"
	    "\tlisten 127.0.0.1:7009\n"
	    "\tper-source-max 0\n"
	    "\tlifetime 1.5\n"
	    "}\n", error, sizeof(error)), 0);
	assert_int_equal(configuration_add_listen(c,
	    "daytime@127.0.0.1:7013,idle=7", error, sizeof(error)), 0);
	if (configuration_finish(c, error, sizeof(error)) == -1)
		fail_msg("refused: %s", error);
	assert_int_equal(c->services[0].idle_timeout_usec, 0);
	assert_int_equal(c->services[0].lifetime_usec, SECONDS(60));
	assert_int_equal(c->services[0].per_source_max, 5);
	assert_int_equal(c->services[0].max_connections, 0);
	assert_int_equal(c->services[1].idle_timeout_usec, SECONDS(12.5));
	assert_int_equal(c->services[1].lifetime_usec, SECONDS(1.5));
	assert_int_equal(c->services[1].per_source_max, 0);
	assert_int_equal(c->services[2].idle_timeout_usec, SECONDS(7));
	assert_int_equal(c->services[2].lifetime_usec, SECONDS(60));
	assert_int_equal(c->services[2].per_source_max, 5);
	configuration_release(c);

	/* With no global settings, the built-in defaults. */
	load_ok(c, "service echo {\n\tlisten 127.0.0.1:7007\n}\n");
	assert_int_equal(c->services[0].idle_timeout_usec,
	    SERVICE_DEFAULT_IDLE_USEC);
	assert_int_equal(c->services[0].lifetime_usec, 0);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->ipv6_prefix, 64);
	assert_int_equal(c->graceful_timeout_usec, SECONDS(30));
}

/* user NAME:GROUP sets both; a later user NAME keeps the group. */
static void
test_user_and_group(void **state)
{
	struct configuration	*c = *state;
	char			 text[256], error[512] = "";

	(void)snprintf(text, sizeof(text), "user %s:%s\n", my_user(),
	    my_group());
	assert_int_equal(load_only(c, text, error, sizeof(error)), 0);
	assert_string_equal(c->user, my_user());
	assert_string_equal(c->group, my_group());
	(void)snprintf(text, sizeof(text), "group %s\nuser %s\n", my_group(),
	    my_user());
	assert_int_equal(load_only(c, text, error, sizeof(error)), 0);
	assert_string_equal(c->group, my_group());
	(void)snprintf(text, sizeof(text), "user %s:no-such-group-here\n",
	    my_user());
	expect_error(c, text, "main.conf:1:6:",
	    "unknown group 'no-such-group-here'");
	expect_error(c, "user :wheel\n", "main.conf:1:6:", "unknown user ''");
}

/*
 * accept-balance names each strategy; auto is reuseport where it
 * balances, else mutex (the token in the scoreboard).
 */
static void
test_accept_balance(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	assert_int_equal(load_only(c, "accept-balance mutex\n", error,
	    sizeof(error)), 0);
	assert_int_equal(configuration_accept_balance(c), ACCEPT_BALANCE_MUTEX);
	assert_int_equal(load_only(c, "accept-balance shared\n", error,
	    sizeof(error)), 0);
	assert_int_equal(configuration_accept_balance(c),
	    ACCEPT_BALANCE_SHARED);
	assert_int_equal(load_only(c, "accept-balance auto\n", error,
	    sizeof(error)), 0);
#ifdef HAVE_REUSEPORT_BALANCING
	assert_int_equal(configuration_accept_balance(c),
	    ACCEPT_BALANCE_REUSEPORT);
#else
	assert_int_equal(configuration_accept_balance(c), ACCEPT_BALANCE_MUTEX);
#endif
}

static const struct refusal {
	const char	*text;
	const char	*where;		/* "FILE:LINE:COLUMN:" */
	const char	*message;	/* a part of what follows */
} refusals[] = {
	/* Keywords and values. */
	{ "colour blue\n", "main.conf:1:1:", "unknown keyword 'colour'" },
	{ "\"workers\" 2\n", "main.conf:1:1:", "expected a keyword" },
	{ "workers\n", "main.conf:1:1:", "'workers' needs a value" },
	{ "workers 2 3\n", "main.conf:1:11:",
	    "unexpected '3' after the value of 'workers'" },
	{ "idle {\n", "main.conf:1:6:", "expected a value for 'idle'" },
	{ "service echo {\n\tidle\n}\n", "main.conf:2:2:",
	    "'idle' needs a value" },
	{ "service echo {\n\tlisten :7 :8\n}\n", "main.conf:2:12:",
	    "unexpected ':8'" },
	{ "max-connections many\n", "main.conf:1:17:",
	    "max-connections: 'many' is not a whole number" },
	{ "per-source-max -1\n", "main.conf:1:16:",
	    "per-source-max: '-1' is not a whole number" },
	{ "idle -1\n", "main.conf:1:6:", "idle: '-1' is not a number of "
	    "seconds" },
	{ "lifetime 1e99\n", "main.conf:1:10:", "lifetime: '1e99'" },
	{ "graceful-timeout nan\n", "main.conf:1:18:", "graceful-timeout" },
	{ "service echo {\n\tlisten :7\n\tidle -5\n}\n", "main.conf:3:7:",
	    "idle: '-5' is not a number of seconds" },
	{ "service echo {\n\tlisten :7\n\tmax-connections x\n}\n",
	    "main.conf:3:18:", "max-connections: 'x'" },
	{ "workers 0\n", "main.conf:1:9:", "workers: '0' is not auto or a "
	    "number from 1 to 64" },
	{ "workers 65\n", "main.conf:1:9:", "workers: '65'" },
	{ "workers two\n", "main.conf:1:9:", "workers: 'two'" },
	{ "accept-balance token\n", "main.conf:1:16:", "accept-balance: "
	    "'token' is not auto, shared, exclusive, reuseport or mutex" },
	{ "backend nosuch\n", "main.conf:1:9:",
	    "unknown backend 'nosuch' (compiled in:" },
	{ "user no-such-user-here\n", "main.conf:1:6:",
	    "unknown user 'no-such-user-here'" },
	{ "group no-such-group-here\n", "main.conf:1:7:",
	    "unknown group 'no-such-group-here'" },
	{ "log somewhere\n", "main.conf:1:5:",
	    "log: 'somewhere' is not stderr" },
	{ "log syslog:nowhere\n", "main.conf:1:5:", "log: 'syslog:nowhere'" },
	{ "ipv6-prefix 0\n", "main.conf:1:13:", "ipv6-prefix: '0'" },
	{ "ipv6-prefix 129\n", "main.conf:1:13:",
	    "ipv6-prefix: '129' is not a whole number from 1 to 128" },

	/* Services. */
	{ "listen :7\n", "main.conf:1:1:",
	    "'listen' belongs in a service block" },
	{ "protocol echo\n", "main.conf:1:1:",
	    "'protocol' belongs in a service block" },
	{ "service echo {\n\tlisten 127.0.0.300:7\n}\n", "main.conf:2:9:",
	    "'127.0.0.300' is not a numeric IPv4 address" },
	{ "service echo {\n\tlisten nowhere\n}\n", "main.conf:2:9:",
	    "expected ADDRESS:PORT" },
	{ "service echo {\n\tlisten 127.0.0.1:70000\n}\n", "main.conf:2:9:",
	    "port number" },
	{ "service lab {\n\tprotocol gopher\n}\n", "main.conf:2:11:",
	    "unknown protocol 'gopher'" },
	{ "service echo {\n\tbogus 1\n}\n", "main.conf:2:2:",
	    "unknown option 'bogus'" },
	{ "service lab {\n\tlisten :7\n}\n", "main.conf:1:1:",
	    "service 'lab' needs a protocol" },
	{ "service echo {\n}\n", "main.conf:1:1:",
	    "service 'echo' has no listen address" },
	{ "\n  service echo {\n  }\n", "main.conf:2:3:",
	    "service 'echo' has no listen address" },
	{ "service \"\" {\n", "main.conf:1:9:", "a service name has 1" },
	{ "service\n", "main.conf:1:1:", "service needs a name" },
	{ "service {\n", "main.conf:1:9:", "service needs a name" },
	{ "service echo\n{\n", "main.conf:1:13:", "expected '{' after the "
	    "service name" },
	{ "service \"my echo\" }\n", "main.conf:1:19:", "expected '{'" },
	{ "service echo { listen :7\n", "main.conf:1:16:",
	    "unexpected 'listen' after '{'" },
	{ "{\n", "main.conf:1:1:", "'{' belongs on the line of its" },
	{ "}\n", "main.conf:1:1:", "'}' without an open service block" },
	{ "service echo {\n\tlisten :7\n} x\n", "main.conf:3:3:",
	    "unexpected 'x' after '}'" },
	{ "service echo {\n  service discard {\n", "main.conf:2:3:",
	    "service blocks do not nest (service 'echo', opened on line 1" },
	{ "service echo {\n\tworkers 2\n}\n", "main.conf:2:2:",
	    "'workers' is a global keyword: move it out of service 'echo'" },
	{ "service echo {\n\tgraceful-timeout 2\n}\n", "main.conf:2:2:",
	    "'graceful-timeout' is a global keyword" },
	{ "service echo {\n\tlisten :7\n", "main.conf:1:1:",
	    "service 'echo' is not closed" },

	/* The lexer. */
	{ "service \"echo {\n", "main.conf:1:9:", "unterminated string" },
	{ "pid-file \"/run/a\nb\"\n", "main.conf:1:10:",
	    "unterminated string" },
	{ "pid-file \"ends in an escaped quote\\\"\n", "main.conf:1:10:",
	    "unterminated string" },

	/* What a protocol's own options refuse. */
	{ "service poetry {\n\tlisten :7\n\tbytes 0\n}\n", "main.conf:3:8:",
	    "bytes" },
	{ "service poetry {\n\tlisten :7\n\tfile /nonexistent/poem\n}\n",
	    "main.conf:1:1:", "not found" },
};

/* Every malformed file is refused with its position and a reason. */
static void
test_refusals(void **state)
{
	struct configuration	*c = *state;
	size_t			 i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		expect_error(c, refusals[i].text, refusals[i].where,
		    refusals[i].message);
}

/* The messages that name another place or a list, word for word. */
static void
test_refusal_messages(void **state)
{
	struct configuration	*c = *state;
	char			 expected[1024], error[1024] = "";

	(void)snprintf(expected, sizeof(expected), "%s:4:9: service 'echo' is "
	    "already defined at %s:1:1", main_file, main_file);
	expect_exact(c, "service echo {\n\tlisten :7\n}\nservice echo {\n}\n",
	    expected);
	(void)snprintf(expected, sizeof(expected), "%s:2:2: service 'echo' is "
	    "not closed: '}' is missing before the end of the file",
	    main_file);
	expect_exact(c, "workers 2\n\tservice echo {\n\tlisten :7\n",
	    expected);
	assert_int_equal(load(c, "backend nosuch\n", error, sizeof(error)),
	    -1);
	assert_non_null(strstr(error, " poll"));
	assert_non_null(strstr(error, " select)"));
	assert_int_equal(load(c, "service lab {\n\tprotocol gopher\n}\n",
	    error, sizeof(error)), -1);
	assert_non_null(strstr(error, "(built in: echo, "));
	configuration_release(c);
}

/* Two listeners on one address and port, however spelt, are refused. */
static void
test_listen_collisions(void **state)
{
	struct configuration	*c = *state;
	const char		*m = main_file;
	char			 expected[1024];

	(void)snprintf(expected, sizeof(expected), "%s:1:1: 127.0.0.1:7007 is "
	    "already used by service 'echo' (%s:1:1)", m, m);
	expect_exact(c, "service echo {\n\tlisten 127.0.0.1:7007\n"
	    "\tlisten 127.0.0.1:7007\n}\n", expected);
	(void)snprintf(expected, sizeof(expected), "%s:4:1: 127.0.0.1:7007 is "
	    "already used by service 'echo' (%s:1:1)", m, m);
	expect_exact(c, "service echo {\n\tlisten 127.0.0.1:7007\n}\n"
	    "service discard {\n\tlisten 127.0.0.1:7007\n}\n", expected);
	(void)snprintf(expected, sizeof(expected), "%s:4:1: 127.0.0.1:7007 is "
	    "already used by service 'echo' (%s:1:1), which listens on :7007",
	    m, m);
	expect_exact(c, "service echo {\n\tlisten :7007\n}\n"
	    "service discard {\n\tlisten 127.0.0.1:7007\n}\n", expected);
	(void)snprintf(expected, sizeof(expected), "%s:4:1: :7007 is already "
	    "used by service 'echo' (%s:1:1), which listens on [::1]:7007",
	    m, m);
	expect_exact(c, "service echo {\n\tlisten [::1]:7007\n}\n"
	    "service discard {\n\tlisten :7007\n}\n", expected);
	expect_error(c, "service echo {\n\tlisten 0.0.0.0:7007\n}\n"
	    "service discard {\n\tlisten 127.0.0.1:7007\n}\n",
	    "main.conf:4:1:", "which listens on 0.0.0.0:7007");
	expect_error(c, "service echo {\n\tlisten [::1]:7007\n}\n"
	    "service discard {\n\tlisten [0:0::1]:7007\n}\n",
	    "main.conf:4:1:", "[0:0::1]:7007 is already used by service "
	    "'echo'");

	/* No overlap: port 0, other ports, other addresses, other families. */
	load_ok(c, "service echo {\n"
	    "\tlisten 127.0.0.1:0\n\tlisten 127.0.0.1:0\n"
	    "\tlisten 127.0.0.1:7007\n\tlisten 127.0.0.2:7007\n"
	    "\tlisten [::1]:7007\n\tlisten 127.0.0.1:7008\n}\n"
	    "service discard {\n\tlisten 0.0.0.0:7009\n"
	    "\tlisten [::1]:7009\n}\n");
	configuration_release(c);
}

/* NUL bytes and endless lines are errors, never a crash. */
static void
test_hostile_files(void **state)
{
	struct configuration	*c = *state;
	char			 error[512], expected[512], *text;
	size_t			 length;

	write_bytes("main.conf", "workers 2\nid\0le 3\n", 18);
	configuration_init(c);
	assert_int_equal(configuration_load_file(c, main_file, error,
	    sizeof(error)), -1);
	(void)snprintf(expected, sizeof(expected), "%s:2:3: NUL byte in the "
	    "line", main_file);
	assert_string_equal(error, expected);

	length = 10 + 10000 + 1;
	text = malloc(length + 1);
	assert_non_null(text);
	memcpy(text, "workers 2\n", 10);
	memset(text + 10, 'x', 10000);
	(void)strcpy(text + 10 + 10000, "\n");
	expect_error(c, text, "main.conf:2:1:", "line longer than 4096 bytes");

	/* A line of exactly 4096 bytes is fine, one more is not. */
	text[0] = '#';
	memset(text + 1, 'x', 4095);
	(void)strcpy(text + 4096, "\n");
	assert_int_equal(load_only(c, text, error, sizeof(error)), 0);
	memset(text + 1, 'x', 4096);
	(void)strcpy(text + 4097, "\n");
	expect_error(c, text, "main.conf:1:1:", "line longer than 4096 bytes");

	/* A quoted string as long as a line may be. */
	memcpy(text, "pid-file \"", 10);
	memset(text + 10, 'x', 4084);
	(void)strcpy(text + 4094, "\"\n");
	expect_error(c, text, "main.conf:1:10:", "longer than 1023 bytes");
	free(text);
}

/* A file that cannot be opened. */
static void
test_missing_file(void **state)
{
	struct configuration	*c = *state;
	char			 path[256], expected[512], error[512] = "";

	make_path(path, sizeof(path), "nonexistent.conf");
	(void)snprintf(expected, sizeof(expected), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	configuration_init(c);
	assert_int_equal(configuration_load_file(c, path, error,
	    sizeof(error)), -1);
	assert_string_equal(error, expected);
}

/* A file without services is read, but not accepted as a whole. */
static void
test_no_services(void **state)
{
	struct configuration	*c = *state;
	char			 error[512] = "";

	assert_int_equal(load(c, "# nothing but a comment\nworkers 2\n", error,
	    sizeof(error)), -1);
	assert_string_equal(error, "no services configured");
	assert_int_equal(load(c, "", error, sizeof(error)), -1);
	assert_string_equal(error, "no services configured");
}

static const struct {
	const char	*spec;
	const char	*message;	/* after "-l SPEC: " */
} listen_refusals[] = {
	{ "echo@127.0.0.1:x", "'x' is not a port number" },
	{ "gopher@:7,file=x", "unknown option 'file' (name the protocol" },
	{ "echo", "expected SERVICE@[ADDRESS]:PORT" },
	{ "echo@:7,idle=-1", "idle: '-1'" },
	{ "echo@:7,workers=2", "unknown option 'workers'" },
	{ "echo@:7,listen=:8", "'listen' is not an option of -l" },
};

/* -l: errors are "-l SPEC: message", and add nothing. */
static void
test_add_listen(void **state)
{
	struct configuration	*c = *state;
	char			 error[512], expected[512], spec[64];
	size_t			 i;

	configuration_init(c);
	for (i = 0; i < sizeof(listen_refusals) / sizeof(listen_refusals[0]);
	    i++) {
		assert_int_equal(configuration_add_listen(c,
		    listen_refusals[i].spec, error, sizeof(error)), -1);
		(void)snprintf(expected, sizeof(expected), "-l %s: %s",
		    listen_refusals[i].spec, listen_refusals[i].message);
		if (strncmp(error, expected, strlen(expected)) != 0)
			fail_msg("expected %s...\ngot %s", expected, error);
		assert_int_equal(c->service_count, 0);
	}
	assert_int_equal(configuration_add_listen(c, "echo@[::1]:7,idle=2.5",
	    error, sizeof(error)), 0);
	assert_string_equal(c->services[0].origin, "-l echo@[::1]:7,idle=2.5");
	assert_string_equal(c->services[0].listens[0].address, "::1");
	assert_int_equal(configuration_add_listen(c, "echo@[::1]:7", error,
	    sizeof(error)), 0);
	assert_int_equal(configuration_finish(c, error, sizeof(error)), -1);
	assert_string_equal(error, "-l echo@[::1]:7: [::1]:7 is already used "
	    "by service 'echo' (-l echo@[::1]:7,idle=2.5)");
	configuration_release(c);

	configuration_init(c);
	for (i = 0; i < CONFIGURATION_SERVICES_MAX; i++) {
		(void)snprintf(spec, sizeof(spec), "echo@127.0.0.1:%zu",
		    7000 + i);
		assert_int_equal(configuration_add_listen(c, spec, error,
		    sizeof(error)), 0);
	}
	assert_int_equal(configuration_add_listen(c, "echo@127.0.0.1:1",
	    error, sizeof(error)), -1);
	assert_string_equal(error, "-l echo@127.0.0.1:1: more than 256 "
	    "services");
	configuration_release(c);
}

/* The bundled defaults: each built-in protocol on its 127.0.0.1 port. */
static void
test_add_defaults(void **state)
{
	static const struct {
		const char	*name;
		const char	*port;
	} expected[] = {
		{ "echo", "7007" }, { "discard", "7009" },
		{ "daytime", "7013" }, { "chargen", "7019" },
		{ "time", "7037" },
	};
	struct configuration	*c = *state;
	const struct service	*s;
	char			 error[512] = "", here[1024];
	size_t			 i, j;
	int			 finished;

	configuration_init(c);
	assert_int_equal(configuration_add_defaults(c, error, sizeof(error)),
	    0);
	/*
	 * The defaults' poems, bare names, are found in poetry/ under the
	 * current directory when pforkd is not installed: finish in the
	 * source tree, which is not the build tree under distcheck.
	 */
	assert_non_null(getcwd(here, sizeof(here)));
	assert_int_equal(chdir(test_srcdir()), 0);
	finished = configuration_finish(c, error, sizeof(error));
	assert_int_equal(chdir(here), 0);
	if (finished == -1)
		fail_msg("refused: %s", error);
	assert_string_equal(c->services[0].name, "echo");
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (protocol_find(expected[i].name) == NULL)
			continue;
		for (j = 0; j < c->service_count; j++)
			if (strcmp(c->services[j].name, expected[i].name) == 0)
				break;
		if (j == c->service_count)
			fail_msg("no default %s service", expected[i].name);
		s = &c->services[j];
		assert_string_equal(s->listens[0].address, "127.0.0.1");
		assert_string_equal(s->listens[0].port, expected[i].port);
		assert_int_equal(strncmp(s->origin, "built-in default", 16), 0);
	}
	configuration_release(c);
}

/* Allocate a configuration for a case. */
static int
setup(void **state)
{
	*state = calloc(1, sizeof(struct configuration));
	return *state == NULL ? -1 : 0;
}

/* Free what the case left. */
static int
teardown(void **state)
{
	configuration_release(*state);
	free(*state);
	return 0;
}

/* Remove a folder and everything in it; 0 or -1. */
static int
remove_tree(const char *path)
{
	struct dirent	*entry;
	struct stat	 status;
	DIR		*folder;
	char		 child[512];
	int		 result = 0;

	if ((folder = opendir(path)) == NULL)
		return -1;
	while ((entry = readdir(folder)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 ||
		    strcmp(entry->d_name, "..") == 0)
			continue;
		(void)snprintf(child, sizeof(child), "%s/%s", path,
		    entry->d_name);
		if (lstat(child, &status) == 0 && S_ISDIR(status.st_mode))
			result |= remove_tree(child);
		else
			result |= unlink(child);
	}
	(void)closedir(folder);
	return rmdir(path) == -1 ? -1 : result;
}

#define CASE(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_full_example),
		CASE(test_comments_anywhere),
		CASE(test_quoting),
		CASE(test_include_relative_nested),
		CASE(test_include_depth_limit),
		CASE(test_include_errors),
		CASE(test_defaults_inheritance),
		CASE(test_user_and_group),
		CASE(test_accept_balance),
		CASE(test_refusals),
		CASE(test_refusal_messages),
		CASE(test_listen_collisions),
		CASE(test_hostile_files),
		CASE(test_missing_file),
		CASE(test_no_services),
		CASE(test_add_listen),
		CASE(test_add_defaults),
	};
	int	status;

	(void)snprintf(directory, sizeof(directory),
	    "/tmp/pforkd-config-test.XXXXXX");
	if (mkdtemp(directory) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	(void)snprintf(main_file, sizeof(main_file), "%s/main.conf",
	    directory);
	status = cmocka_run_group_tests_name("configuration", tests, NULL,
	    NULL);
	if (remove_tree(directory) == -1)
		perror(directory);
	return status;
}
