/*
 * inetd_conf_test.c: unit tests of the inetd.conf reader
 * (server/inetd_conf.h) on the files of tests/inetd/, written in the
 * forms of OpenBSD's, FreeBSD's and Debian's inetd: which services load
 * with which options, and which lines are reported at which
 * FILE:LINE:COLUMN.  The files are found through $top_srcdir.
 */
#include "config.h"

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
#include "server/inetd_conf.h"
#include "server/program_options.h"

#define REPORTS_MAX	64

/* The reports of one load, without the file's directory. */
struct reports {
	char	lines[REPORTS_MAX][512];
	size_t	count;
};

/* Keep a report, from the file's base name on. */
static void
collect(void *arg, const char *message)
{
	struct reports	*reports = arg;
	const char	*base = strstr(message, "tests/inetd/");

	assert_true(reports->count < REPORTS_MAX);
	(void)strlcpy(reports->lines[reports->count++], base != NULL ?
	    base + strlen("tests/inetd/") : message,
	    sizeof(reports->lines[0]));
}

/* The path of tests/inetd/name under $top_srcdir. */
static void
file_path(const char *name, char *path, size_t size)
{
	const char	*top = getenv("top_srcdir");

	(void)snprintf(path, size, "%s/tests/inetd/%s", top != NULL ? top :
	    ".", name);
}

/* Load tests/inetd/name leniently into a fresh configuration. */
static struct configuration *
load(const char *name, struct reports *reports)
{
	struct configuration	*c = calloc(1, sizeof(*c));
	char			 path[1024], error[512] = "";

	assert_non_null(c);
	configuration_init(c);
	memset(reports, 0, sizeof(*reports));
	file_path(name, path, sizeof(path));
	if (inetd_conf_load(c, path, 0, collect, reports, error,
	    sizeof(error)) != 0)
		fail_msg("%s refused: %s", name, error);
	if (configuration_finish(c, error, sizeof(error)) != 0)
		fail_msg("%s does not finish: %s", name, error);
	return c;
}

/* The service called name, failing when there is none. */
static const struct service *
find(const struct configuration *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->service_count; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	fail_msg("no service '%s'", name);
	return NULL;
}

/* Whether some report starts with prefix. */
static void
reported(const struct reports *reports, const char *prefix)
{
	size_t	i;

	for (i = 0; i < reports->count; i++)
		if (strncmp(reports->lines[i], prefix, strlen(prefix)) == 0)
			return;
	fail_msg("no report starting '%s'", prefix);
}

/* Free a configuration made by load(). */
static void
unload(struct configuration *c)
{
	configuration_release(c);
	free(c);
}

/* OpenBSD: .max, user.group, bare "address:" lines, internal, tcp6. */
static void
test_openbsd(void **state)
{
	struct reports		 reports;
	struct configuration	*c = load("openbsd.conf", &reports);
	const struct service	*s;

	(void)state;
	assert_int_equal(c->service_count, 10);
	s = find(c, "echo");
	assert_ptr_equal(s->protocol, &protocol_echo);
	assert_null(s->program);
	assert_string_equal(s->listens[0].address, "0.0.0.0");
	assert_string_equal(s->listens[0].port, "7");
	assert_non_null(strstr(s->origin, "openbsd.conf:6:1"));
	s = find(c, "echo@[::]");
	assert_string_equal(s->listens[0].address, "::");
	assert_ptr_equal(find(c, "chargen")->protocol, &protocol_chargen);
	assert_ptr_equal(find(c, "daytime")->protocol, &protocol_daytime);
	s = find(c, "daytime@[::1]");
	assert_string_equal(s->listens[0].address, "::1");
	assert_string_equal(s->listens[0].port, "13");
	/* 127.0.0.1: on its own line is the address of the next lines. */
	s = find(c, "finger");
	assert_null(s->protocol);
	assert_string_equal(s->listens[0].address, "127.0.0.1");
	assert_string_equal(s->listens[0].port, "79");
	assert_string_equal(s->program->path, "/bin/cat");
	assert_int_equal(s->program->arguments.count, 2);
	assert_string_equal(s->program->arguments.items[0], "cat");
	assert_string_equal(s->program->arguments.items[1], "-u");
	assert_string_equal(s->program->user, "nobody");
	assert_string_equal(s->program->group, "nogroup");
	assert_int_equal(s->program->stderr_target, PROGRAM_STDERR_SOCKET);
	assert_int_equal(s->program->wait, 0);
	assert_int_equal(s->program->rate.count, 20);
	assert_true(s->program->rate.window_usec == 60000000);
	/* *: sets it back to any; inetd splits arguments at blanks only. */
	s = find(c, "auth");
	assert_string_equal(s->listens[0].address, "0.0.0.0");
	assert_int_equal(s->program->arguments.count, 4);
	assert_string_equal(s->program->arguments.items[2], "\"echo");
	assert_string_equal(s->program->group, "nogroup");
	assert_string_equal(find(c, "finger@10.1.2.3")->listens[0].address,
	    "10.1.2.3");

	reported(&reports, "openbsd.conf:3:29: cannot run '/usr/libexec/ftpd'");
	reported(&reports, "openbsd.conf:5:13: protocol 'udp': pforkd serves "
	    "tcp, tcp4, tcp6 and tcp46 only; line skipped");
	reported(&reports, "openbsd.conf:9:21: rate limits are not enforced");
	reported(&reports, "openbsd.conf:12:13: protocol 'udp'");
	reported(&reports, "openbsd.conf:13:18: RPC services (rpc/udp)");
	reported(&reports, "openbsd.conf:14:32: internal service 'tcpmux' is "
	    "not built into pforkd");
	reported(&reports, "openbsd.conf:22:26: unknown user '_identd'");
	assert_int_equal(reports.count, 8);
	unload(c);
}

/* FreeBSD: tcp4/tcp46, nowait/max-child/per-ip/child-per-ip, classes. */
static void
test_freebsd(void **state)
{
	struct reports		 reports;
	struct configuration	*c = load("freebsd.conf", &reports);
	const struct service	*s;

	(void)state;
	assert_int_equal(c->service_count, 5);
	s = find(c, "finger");
	assert_int_equal(s->max_connections, 3);
	assert_int_equal(s->program->per_source_rate.count, 10);
	assert_true(s->program->per_source_rate.window_usec == 60000000);
	assert_string_equal(s->program->user, "nobody");
	s = find(c, "echo");
	assert_int_equal(s->max_connections, 5);
	assert_string_equal(s->listens[0].address, "0.0.0.0");
	/* tcp46 without an address listens on both families. */
	s = find(c, "daytime");
	assert_string_equal(s->listens[0].address, "");
	assert_int_equal(s->max_connections, 0);
	assert_ptr_equal(find(c, "time")->protocol, &protocol_time);
	s = find(c, "4242");
	assert_string_equal(s->listens[0].port, "4242");
	assert_string_equal(s->program->arguments.items[0], "cat");

	reported(&reports, "freebsd.conf:5:28: cannot run '/usr/sbin/sshd'");
	reported(&reports, "freebsd.conf:8:34: unknown group 'wheel'");
	reported(&reports, "freebsd.conf:9:13: protocol 'udp'");
	reported(&reports, "freebsd.conf:11:22: rate limits are not enforced "
	    "on pforkd's built-in services: 'nowait/0/20' serves 'daytime'");
	reported(&reports, "freebsd.conf:12:17: pforkd serves its built-in "
	    "'time' nowait");
	reported(&reports, "freebsd.conf:14:27: protocol 'unix'");
	reported(&reports, "freebsd.conf:15:16: protocol 'sctp'");
	reported(&reports, "freebsd.conf:17:20: 'nowait/x': expected");
	unload(c);
}

/* Debian: comments, #<off># lines, tcpd wrappers, quotes kept as text. */
static void
test_debian(void **state)
{
	struct reports		 reports;
	struct configuration	*c = load("debian.conf", &reports);
	const struct service	*s;

	(void)state;
	assert_int_equal(c->service_count, 3);
	assert_ptr_equal(find(c, "echo")->protocol, &protocol_echo);
	assert_ptr_equal(find(c, "chargen")->protocol, &protocol_chargen);
	s = find(c, "finger");
	assert_int_equal(s->program->rate.count, 40);
	reported(&reports, "debian.conf:26:29: cannot run '/usr/sbin/tcpd'");
	reported(&reports, "debian.conf:29:13: protocol 'udp'");
	reported(&reports, "debian.conf:34:24: unknown user 'identd'");
	reported(&reports, "debian.conf:43:1: unknown TCP service 'swat'");
	assert_int_equal(reports.count, 5);
	unload(c);
}

/* Strict mode refuses the whole file at its first skipped line. */
static void
test_strict(void **state)
{
	struct configuration	*c = calloc(1, sizeof(*c));
	struct reports		 reports;
	char			 path[1024], error[512] = "";

	(void)state;
	assert_non_null(c);
	configuration_init(c);
	memset(&reports, 0, sizeof(reports));
	file_path("freebsd.conf", path, sizeof(path));
	assert_int_equal(inetd_conf_load(c, path, 1, collect, &reports,
	    error, sizeof(error)), -1);
	assert_non_null(strstr(error, "freebsd.conf:3:28: cannot run "
	    "'/usr/libexec/ftpd'"));
	assert_non_null(strstr(error, "(strict: the file is refused)"));
	assert_int_equal(reports.count, 0);
	configuration_release(c);
	assert_int_equal(inetd_conf_load(c, "/nonexistent/inetd.conf", 0,
	    collect, &reports, error, sizeof(error)), -1);
	assert_string_equal(error, "/nonexistent/inetd.conf: cannot open: "
	    "No such file or directory");
	free(c);
}

/* Every field's faults, each at its column, from a scratch file. */
static void
test_fields(void **state)
{
	static const struct {
		const char	*line;
		const char	*report;	/* after "FILE:1:" */
	} cases[] = {
		{ "echo stream tcp nowait root", "24: expected service" },
		{ "echo raw tcp nowait root internal", "6: socket type 'raw'" },
		{ "echo stream udp6 wait root internal",
		    "13: protocol 'udp6'" },
		{ "nosuch stream tcp nowait root internal",
		    "1: unknown TCP service 'nosuch'" },
		{ "host:echo stream tcp nowait root internal",
		    "1: 'host' is not a numeric address" },
		{ "::1:echo stream tcp nowait root internal",
		    "17: IPv6 address '::1' with protocol 'tcp'" },
		{ "127.0.0.1:echo stream tcp6 nowait root internal",
		    "23: IPv4 address" },
		{ "70000 stream tcp nowait root internal",
		    "1: '70000' is not a port number" },
		{ "echo stream tcp sometimes root internal",
		    "17: 'sometimes' is not wait or nowait" },
		{ "echo stream tcp nowait.x root internal",
		    "17: 'nowait.x': expected wait|nowait[.max]" },
		{ "echo stream tcp nowait root cat", "29: program 'cat' is not "
		    "internal or an absolute path" },
		{ "echo stream tcp nowait root:nosuchgroup internal",
		    "24: unknown group 'nosuchgroup'" },
	};
	struct configuration	*c = calloc(1, sizeof(*c));
	struct reports		 reports;
	char			 path[] = "/tmp/inetd_conf_test.XXXXXX";
	char			 error[512];
	FILE			*file;
	size_t			 i;
	int			 fd;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true((fd = mkstemp(path)) != -1);
		assert_non_null(file = fdopen(fd, "w"));
		(void)fprintf(file, "%s\n", cases[i].line);
		(void)fclose(file);
		configuration_init(c);
		memset(&reports, 0, sizeof(reports));
		assert_int_equal(inetd_conf_load(c, path, 0, collect, &reports,
		    error, sizeof(error)), 0);
		assert_int_equal(c->service_count, 0);
		assert_int_equal(reports.count, 1);
		if (strncmp(reports.lines[0] + strlen(path) + 3,
		    cases[i].report, strlen(cases[i].report)) != 0)
			fail_msg("'%s': expected :1:%s..., got %s",
			    cases[i].line, cases[i].report, reports.lines[0]);
		(void)unlink(path);
		(void)strlcpy(path, "/tmp/inetd_conf_test.XXXXXX",
		    sizeof(path));
	}
	free(c);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_openbsd),
		cmocka_unit_test(test_freebsd),
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
