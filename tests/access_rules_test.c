/*
 * access_rules_test.c: unit tests of the allow and deny lists
 * (server/access_rules.h): parsing good and bad networks, the most
 * specific match, deny winning ties, the default when nothing matches,
 * IPv6 and IPv4-mapped peers; then the keywords as the configuration
 * file and -l set them, and the global list services inherit.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "connection/service.h"
#include "server/access_rules.h"
#include "server/configuration.h"
#include "server/service_setup.h"

/* A peer address: IPv4 when text has no colon, else IPv6. */
static const struct sockaddr *
peer(const char *text)
{
	static struct sockaddr_storage	storage;
	struct sockaddr_in		*v4 = (struct sockaddr_in *)&storage;
	struct sockaddr_in6		*v6 = (struct sockaddr_in6 *)&storage;

	memset(&storage, 0, sizeof(storage));
	if (strchr(text, ':') == NULL) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(5555);
		assert_int_equal(inet_pton(AF_INET, text, &v4->sin_addr), 1);
	} else {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(5555);
		assert_int_equal(inet_pton(AF_INET6, text, &v6->sin6_addr), 1);
	}
	return (const struct sockaddr *)&storage;
}

/* Add a rule, "allow X" or "deny X", expecting success. */
static void
add_ok(struct access_rules **rules, const char *rule)
{
	char	error[256] = "";
	int	allow = strncmp(rule, "allow ", 6) == 0;

	assert_true(allow || strncmp(rule, "deny ", 5) == 0);
	if (access_rules_add(rules, allow, strchr(rule, ' ') + 1, error,
	    sizeof(error)) != 0)
		fail_msg("'%s' was refused: %s", rule, error);
}

/* Add cidr, expecting it refused with exactly message. */
static void
add_refused(const char *cidr, const char *message)
{
	struct access_rules	*rules = NULL;
	char			 error[256] = "";

	if (access_rules_add(&rules, 1, cidr, error, sizeof(error)) == 0)
		fail_msg("'%s' was accepted", cidr);
	if (strcmp(error, message) != 0)
		fail_msg("'%s': message '%s', expected '%s'", cidr, error,
		    message);
	assert_null(rules);
}

/* Make a list of the rules of a NULL-terminated array. */
static struct access_rules *
make(const char *const *list)
{
	struct access_rules	*rules = NULL;

	for (; *list != NULL; list++)
		add_ok(&rules, *list);
	return rules;
}

/* Every form the keywords take. */
static void
test_parse_good(void **state)
{
	static const char *const good[] = {
		"allow 127.0.0.1", "allow 10.0.0.0/8", "deny 0.0.0.0/0",
		"allow 192.168.1.255/32", "deny ::1", "allow ::/0",
		"allow 2001:db8::/32", "deny [2001:db8::1]", "deny [fe80::]/10",
		"allow ::ffff:10.0.0.0/104", "deny all", "allow 128.0.0.0/1",
		"allow 2001:db8::1/128", NULL
	};
	struct access_rules	*rules;
	char			 text[1024];

	(void)state;
	rules = make(good);
	assert_int_equal(access_rules_count(rules), 13);
	access_rules_describe(rules, text, sizeof(text));
	assert_string_equal(text, "allow 127.0.0.1, allow 10.0.0.0/8, "
	    "deny 0.0.0.0/0, allow 192.168.1.255/32, deny ::1, allow ::/0, "
	    "allow 2001:db8::/32, deny [2001:db8::1], deny [fe80::]/10, "
	    "allow ::ffff:10.0.0.0/104, deny all, allow 128.0.0.0/1, "
	    "allow 2001:db8::1/128");
	access_rules_describe(rules, text, 20);
	assert_string_equal(text, "allow 127.0.0.1, al");
	access_rules_free(rules);
	access_rules_describe(NULL, text, sizeof(text));
	assert_string_equal(text, "");
	assert_int_equal(access_rules_count(NULL), 0);
}

/* Each bad network, with its message. */
static void
test_parse_bad(void **state)
{
	(void)state;
	add_refused("10.1.2.3/8", "10.1.2.3/8 has host bits set; did you "
	    "mean 10.0.0.0/8?");
	add_refused("192.168.1.1/24", "192.168.1.1/24 has host bits set; "
	    "did you mean 192.168.1.0/24?");
	add_refused("2001:db8::1/32", "2001:db8::1/32 has host bits set; "
	    "did you mean 2001:db8::/32?");
	add_refused("[2001:db8::1]/64", "[2001:db8::1]/64 has host bits "
	    "set; did you mean [2001:db8::]/64?");
	add_refused("1.0.0.0/0", "1.0.0.0/0 has host bits set; did you "
	    "mean 0.0.0.0/0?");
	add_refused("10.0.0.0/33", "'10.0.0.0/33': the prefix length after "
	    "'/' must be a number from 0 to 32");
	add_refused("::/129", "'::/129': the prefix length after '/' must "
	    "be a number from 0 to 128");
	add_refused("10.0.0.0/", "'10.0.0.0/': the prefix length after '/' "
	    "must be a number from 0 to 32");
	add_refused("10.0.0.0/-1", "'10.0.0.0/-1': the prefix length after "
	    "'/' must be a number from 0 to 32");
	add_refused("10.0.0.0/8x", "'10.0.0.0/8x': the prefix length after "
	    "'/' must be a number from 0 to 32");
	add_refused("[10.0.0.1]", "'[10.0.0.1]': only IPv6 addresses are "
	    "written in brackets");
	add_refused("", "'' is not an IPv4 or IPv6 network (ADDRESS, "
	    "ADDRESS/BITS or all)");
	add_refused("localhost", "'localhost' is not an IPv4 or IPv6 "
	    "network (ADDRESS, ADDRESS/BITS or all)");
	add_refused("10.0.0", "'10.0.0' is not an IPv4 or IPv6 network "
	    "(ADDRESS, ADDRESS/BITS or all)");
	add_refused("256.0.0.0/8", "'256.0.0.0/8' is not an IPv4 or IPv6 "
	    "network (ADDRESS, ADDRESS/BITS or all)");
	add_refused("/8", "'/8' is not an IPv4 or IPv6 network (ADDRESS, "
	    "ADDRESS/BITS or all)");
	add_refused("[::1", "'[::1' is not an IPv4 or IPv6 network "
	    "(ADDRESS, ADDRESS/BITS or all)");
	add_refused("[::1/64]", "'[::1/64]' is not an IPv4 or IPv6 network "
	    "(ADDRESS, ADDRESS/BITS or all)");
	add_refused("1:2:3", "'1:2:3' is not an IPv4 or IPv6 network "
	    "(ADDRESS, ADDRESS/BITS or all)");
	add_refused("ALL", "'ALL' is not an IPv4 or IPv6 network (ADDRESS, "
	    "ADDRESS/BITS or all)");
	add_refused("all/0", "'all/0' is not an IPv4 or IPv6 network "
	    "(ADDRESS, ADDRESS/BITS or all)");
	add_refused("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128x",
	    "'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128x': the "
	    "prefix length after '/' must be a number from 0 to 128");
	add_refused("0123456789012345678901234567890123456789012345678901"
	    "234567890123", "'0123456789012345678901234567890123456789012345"
	    "678901234567890123' is not an IPv4 or IPv6 network (ADDRESS, "
	    "ADDRESS/BITS or all)");
}

/* No list admits everyone; a list of denials alone admits the rest. */
static void
test_defaults(void **state)
{
	static const char *const denials[] = { "deny 10.0.0.0/8", NULL };
	static const char *const allowed[] = { "allow 10.0.0.0/8", NULL };
	struct access_rules	*rules;
	char			 reason[ACCESS_REASON_MAX] = "";

	(void)state;
	assert_int_equal(access_rules_permit(NULL, peer("10.1.1.1")), 1);
	assert_int_equal(access_rules_permit(NULL, peer("::1")), 1);
	rules = make(denials);
	assert_int_equal(access_rules_permit(rules, peer("10.1.1.1")), 0);
	assert_int_equal(access_rules_check(rules, peer("10.1.1.1"), reason,
	    sizeof(reason)), 0);
	assert_string_equal(reason, "denied by access rules (deny "
	    "10.0.0.0/8)");
	assert_int_equal(access_rules_permit(rules, peer("11.0.0.1")), 1);
	assert_int_equal(access_rules_permit(rules, peer("::1")), 1);
	access_rules_free(rules);
	/* only_from: an allow list refuses whoever it does not name. */
	rules = make(allowed);
	assert_int_equal(access_rules_permit(rules, peer("10.255.0.1")), 1);
	assert_int_equal(access_rules_check(rules, peer("11.0.0.1"), reason,
	    sizeof(reason)), 0);
	assert_string_equal(reason, "denied by access rules (no allow rule "
	    "matches)");
	assert_int_equal(access_rules_permit(rules, peer("::1")), 0);
	access_rules_free(rules);
}

/* The longest matching prefix decides, in whatever order. */
static void
test_longest_prefix(void **state)
{
	static const char *const nested[] = {
		"deny 127.0.0.0/8", "allow 127.0.0.1/32", "allow 10.0.0.0/8",
		"deny 10.1.0.0/16", "allow 10.1.2.0/24", NULL
	};
	static const char *const reversed[] = {
		"allow 10.1.2.0/24", "deny 10.1.0.0/16", "allow 10.0.0.0/8",
		"allow 127.0.0.1/32", "deny 127.0.0.0/8", NULL
	};
	const char *const	*lists[] = { nested, reversed };
	struct access_rules	*rules;
	size_t			 i;

	(void)state;
	for (i = 0; i < 2; i++) {
		rules = make(lists[i]);
		assert_int_equal(access_rules_permit(rules,
		    peer("127.0.0.1")), 1);
		assert_int_equal(access_rules_permit(rules,
		    peer("127.0.0.2")), 0);
		assert_int_equal(access_rules_permit(rules,
		    peer("10.9.9.9")), 1);
		assert_int_equal(access_rules_permit(rules,
		    peer("10.1.9.9")), 0);
		assert_int_equal(access_rules_permit(rules,
		    peer("10.1.2.3")), 1);
		assert_int_equal(access_rules_permit(rules,
		    peer("192.0.2.1")), 0);
		access_rules_free(rules);
	}
}

/* At equal length, deny wins, whichever comes first. */
static void
test_deny_wins_ties(void **state)
{
	static const char *const first[] = {
		"allow 10.0.0.0/8", "deny 10.0.0.0/8", "allow all", NULL
	};
	static const char *const second[] = {
		"deny 10.0.0.0/8", "allow 10.0.0.0/8", "allow all", NULL
	};
	static const char *const everything[] = {
		"allow 0.0.0.0/0", "deny all", "allow ::/0", NULL
	};
	struct access_rules	*rules;

	(void)state;
	rules = make(first);
	assert_int_equal(access_rules_permit(rules, peer("10.0.0.1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("11.0.0.1")), 1);
	access_rules_free(rules);
	rules = make(second);
	assert_int_equal(access_rules_permit(rules, peer("10.0.0.1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("11.0.0.1")), 1);
	access_rules_free(rules);
	/* all, 0.0.0.0/0 and ::/0 are all of length 0: deny all wins. */
	rules = make(everything);
	assert_int_equal(access_rules_permit(rules, peer("10.0.0.1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("::1")), 0);
	access_rules_free(rules);
}

/* /0 matches its whole family, /32 and /128 one address. */
static void
test_extremes(void **state)
{
	static const char *const v4[] = {
		"deny 0.0.0.0/0", "allow 192.0.2.7/32", NULL
	};
	static const char *const v6[] = {
		"deny ::/0", "allow 2001:db8::7/128", "allow 0.0.0.0/0", NULL
	};
	static const char *const all[] = {
		"deny all", "allow 192.0.2.0/24", "allow [2001:db8::]/32", NULL
	};
	struct access_rules	*rules;

	(void)state;
	rules = make(v4);
	assert_int_equal(access_rules_permit(rules, peer("192.0.2.7")), 1);
	assert_int_equal(access_rules_permit(rules, peer("192.0.2.6")), 0);
	assert_int_equal(access_rules_permit(rules, peer("192.0.2.8")), 0);
	assert_int_equal(access_rules_permit(rules, peer("0.0.0.0")), 0);
	/* IPv4 rules say nothing of IPv6 peers; the list has an allow. */
	assert_int_equal(access_rules_permit(rules, peer("::1")), 0);
	access_rules_free(rules);
	rules = make(v6);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8::7")), 1);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8::6")), 0);
	assert_int_equal(access_rules_permit(rules, peer("::")), 0);
	assert_int_equal(access_rules_permit(rules, peer("1.2.3.4")), 1);
	access_rules_free(rules);
	rules = make(all);
	assert_int_equal(access_rules_permit(rules, peer("192.0.2.200")), 1);
	assert_int_equal(access_rules_permit(rules, peer("192.0.3.1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8:1::")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("2001:db9::")), 0);
	access_rules_free(rules);
}

/* IPv6 networks, with bits that do not fall on a byte. */
static void
test_ipv6(void **state)
{
	static const char *const list[] = {
		"allow ::1", "allow fe80::/10", "deny fe80::/11",
		"allow 2001:db8:8000::/33", NULL
	};
	struct access_rules	*rules;

	(void)state;
	rules = make(list);
	assert_int_equal(access_rules_permit(rules, peer("::1")), 1);
	assert_int_equal(access_rules_permit(rules, peer("::2")), 0);
	assert_int_equal(access_rules_permit(rules, peer("fe80::1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("fea0::1")), 1);
	assert_int_equal(access_rules_permit(rules, peer("fec0::1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8:8000::1")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8:ffff::")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8:7fff::")),
	    0);
	assert_int_equal(access_rules_permit(rules, peer("127.0.0.1")), 0);
	access_rules_free(rules);
}

/*
 * A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d: they meet
 * IPv4 rules, and rules written inside ::ffff:0:0/96 are IPv4 rules.
 */
static void
test_ipv4_mapped(void **state)
{
	static const char *const v4[] = {
		"allow 127.0.0.0/8", "deny 127.0.0.2", NULL
	};
	static const char *const mapped[] = {
		"allow ::ffff:10.0.0.0/104", "deny ::ffff:10.9.0.0/112",
		"deny ::ffff:0:0/96", "allow 192.0.2.0/24", NULL
	};
	static const char *const native[] = { "deny ::/0", NULL };
	struct access_rules	*rules;
	char			 reason[ACCESS_REASON_MAX];

	(void)state;
	rules = make(v4);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:127.0.0.1")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:127.0.0.2")),
	    0);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:10.0.0.1")),
	    0);
	/* ::127.0.0.1 (IPv4-compatible) is no IPv4 address. */
	assert_int_equal(access_rules_permit(rules, peer("::7f00:1")), 0);
	access_rules_free(rules);
	rules = make(mapped);
	assert_int_equal(access_rules_permit(rules, peer("10.1.2.3")), 1);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:10.1.2.3")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("10.9.0.1")), 0);
	assert_int_equal(access_rules_check(rules, peer("::ffff:10.9.0.1"),
	    reason, sizeof(reason)), 0);
	assert_string_equal(reason, "denied by access rules (deny "
	    "::ffff:10.9.0.0/112)");
	assert_int_equal(access_rules_permit(rules, peer("11.0.0.1")), 0);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:192.0.2.9")),
	    1);
	access_rules_free(rules);
	/* ::/0 is the IPv6 peers': an IPv4 client, mapped or not, passes. */
	rules = make(native);
	assert_int_equal(access_rules_permit(rules, peer("::ffff:1.2.3.4")),
	    1);
	assert_int_equal(access_rules_permit(rules, peer("1.2.3.4")), 1);
	assert_int_equal(access_rules_permit(rules, peer("2001:db8::1")), 0);
	access_rules_free(rules);
}

/* A held list lives until its last reference is dropped. */
static void
test_references(void **state)
{
	static const char *const list[] = { "deny 10.0.0.0/8", NULL };
	struct access_rules	*rules, *held;

	(void)state;
	assert_null(access_rules_hold(NULL));
	access_rules_free(NULL);
	rules = make(list);
	held = access_rules_hold(rules);
	assert_ptr_equal(held, rules);
	access_rules_free(rules);
	assert_int_equal(access_rules_permit(held, peer("10.0.0.1")), 0);
	access_rules_free(held);
}

/* Write text to a fresh file; its path is left in path. */
static void
write_config(char *path, size_t size, const char *text)
{
	FILE	*file;
	int	 fd;

	(void)snprintf(path, size, "/tmp/pforkd-access-test.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(file = fdopen(fd, "w"));
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/*
 * The keywords: global rules go to the services without rules of their
 * own, wherever they stand in the file; -l services inherit them too.
 */
static void
test_configuration_keywords(void **state)
{
	struct configuration	*c;
	char			 path[64], error[512] = "";
	int			 loaded;

	(void)state;
	assert_non_null(c = calloc(1, sizeof(*c)));
	configuration_init(c);
	write_config(path, sizeof(path),
	    "service echo {\n listen 127.0.0.1:0\n}\n"
	    "service \"mine\" {\n protocol echo\n listen 127.0.0.1:0\n"
	    " allow 10.0.0.0/8\n deny 10.1.0.0/16\n}\n"
	    "deny 127.0.0.0/8\nallow 127.0.0.1\n");
	loaded = configuration_load_file(c, path, error, sizeof(error));
	(void)unlink(path);
	if (loaded != 0)
		fail_msg("%s", error);
	if (configuration_add_listen(c, "discard@127.0.0.1:0,deny=::1",
	    error, sizeof(error)) != 0)
		fail_msg("%s", error);
	if (configuration_add_listen(c, "daytime@127.0.0.1:0", error,
	    sizeof(error)) != 0)
		fail_msg("%s", error);
	if (configuration_finish(c, error, sizeof(error)) != 0)
		fail_msg("%s", error);
	assert_int_equal(c->service_count, 4);
	assert_int_equal(access_rules_count(c->access_rules), 2);
	/* echo and daytime share the global list. */
	assert_ptr_equal(c->services[0].access_rules, c->access_rules);
	assert_ptr_equal(c->services[3].access_rules, c->access_rules);
	assert_int_equal(access_rules_permit(c->services[0].access_rules,
	    peer("127.0.0.1")), 1);
	assert_int_equal(access_rules_permit(c->services[0].access_rules,
	    peer("127.0.0.2")), 0);
	/* The global list has an allow rule, which ::1 does not meet. */
	assert_int_equal(access_rules_permit(c->services[3].access_rules,
	    peer("::1")), 0);
	/* mine and discard have their own, which replace the global. */
	assert_int_equal(access_rules_count(c->services[1].access_rules), 2);
	assert_int_equal(access_rules_permit(c->services[1].access_rules,
	    peer("127.0.0.1")), 0);
	assert_int_equal(access_rules_permit(c->services[1].access_rules,
	    peer("10.2.0.1")), 1);
	assert_int_equal(access_rules_permit(c->services[2].access_rules,
	    peer("127.0.0.2")), 1);
	assert_int_equal(access_rules_permit(c->services[2].access_rules,
	    peer("::1")), 0);
	configuration_release(c);
	assert_null(c->access_rules);
	free(c);
}

/* Bad networks in the file name their place; in -l, the argument. */
static void
test_configuration_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*message;
	} cases[] = {
		{ "allow 10.1.2.3/8\n", ":1:7: allow: 10.1.2.3/8 has host bits "
		    "set; did you mean 10.0.0.0/8?" },
		{ "service echo {\n listen 127.0.0.1:0\n  deny  ::1/129\n}\n",
		    ":3:9: deny: '::1/129': the prefix length after '/' must "
		    "be a number from 0 to 128" },
		{ "deny\n", ":1:1: 'deny' needs a value" },
		{ "allow 10.0.0.0/8 10.1.0.0/16\n", ":1:18: unexpected "
		    "'10.1.0.0/16' after the value of 'allow'" },
	};
	struct configuration	*c;
	char			 path[64], error[512];
	const char		*found;
	size_t			 i;
	int			 loaded;

	(void)state;
	assert_non_null(c = calloc(1, sizeof(*c)));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		configuration_init(c);
		write_config(path, sizeof(path), cases[i].text);
		error[0] = '\0';
		loaded = configuration_load_file(c, path, error,
		    sizeof(error));
		(void)unlink(path);
		assert_int_equal(loaded, -1);
		found = strstr(error, cases[i].message);
		if (found == NULL || strncmp(error, path, strlen(path)) != 0)
			fail_msg("'%s' lacks '%s'", error, cases[i].message);
		configuration_release(c);
	}
	configuration_init(c);
	assert_int_equal(configuration_add_listen(c, "echo@127.0.0.1:0,"
	    "allow=127.0.0.1,deny=10.0.0.1/8", error, sizeof(error)), -1);
	assert_string_equal(error, "-l echo@127.0.0.1:0,allow=127.0.0.1,"
	    "deny=10.0.0.1/8: deny: 10.0.0.1/8 has host bits set; did you "
	    "mean 10.0.0.0/8?");
	assert_int_equal(c->service_count, 0);
	configuration_release(c);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_deny_wins_ties),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv4_mapped),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_configuration_keywords),
		cmocka_unit_test(test_configuration_errors),
	};

	return cmocka_run_group_tests_name("access_rules", tests, NULL, NULL);
}
