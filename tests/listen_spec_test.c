/*
 * listen_spec_test.c: unit tests of the -l argument parser.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "connection/protocol.h"
#include "connection/service.h"
#include "protocols/protocol_table.h"
#include "server/service_setup.h"

/* Parse spec, expecting success. */
static void
parse_ok(struct service *service, const char *spec)
{
	char	error[256] = "";

	if (service_parse_listen(service, spec, error, sizeof(error)) != 0)
		fail_msg("'%s' was refused: %s", spec, error);
}

/* Parse spec, expecting a refusal whose message contains needle. */
static void
parse_refused(const char *spec, const char *needle)
{
	struct service	service;
	char		error[256] = "";

	if (service_parse_listen(&service, spec, error, sizeof(error)) == 0)
		fail_msg("'%s' was accepted", spec);
	if (strstr(error, needle) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", spec, error, needle);
}

/* IPv4 address and port, with the default idle timeout. */
static void
test_ipv4(void **state)
{
	struct service	service;

	(void)state;
	parse_ok(&service, "echo@127.0.0.1:7007");
	assert_ptr_equal(service.protocol, &protocol_echo);
	assert_string_equal(service.listens[0].address, "127.0.0.1");
	assert_string_equal(service.listens[0].port, "7007");
	assert_true(service.idle_timeout_usec == SERVICE_DEFAULT_IDLE_USEC);
}

/* Bracketed IPv6, an empty address, and options. */
static void
test_ipv6_any_and_options(void **state)
{
	struct service	service;

	(void)state;
	parse_ok(&service, "echo@[::1]:0,idle=1.5");
	assert_string_equal(service.listens[0].address, "::1");
	assert_string_equal(service.listens[0].port, "0");
	assert_true(service.idle_timeout_usec == 1500000);
	parse_ok(&service, "echo@:7,idle=0");
	assert_string_equal(service.listens[0].address, "");
	assert_true(service.idle_timeout_usec == 0);
}

/* Every malformed argument is refused with a message naming the fault. */
static void
test_refusals(void **state)
{
	(void)state;
	parse_refused("echo", "expected SERVICE@");
	parse_refused("nosuch@127.0.0.1:7,file=x", "name the protocol first");
	parse_refused("echo@127.0.0.1", "expected ADDRESS:PORT");
	parse_refused("echo@127.0.0.1:65536", "not a port number");
	parse_refused("echo@127.0.0.1:-1", "not a port number");
	parse_refused("echo@127.0.0.1:", "not a port number");
	parse_refused("echo@localhost:7", "not a numeric IPv4");
	parse_refused("echo@::1:7", "brackets");
	parse_refused("echo@[::1:7", "expected [ADDRESS]:PORT");
	parse_refused("echo@[127.0.0.1]:7", "not a numeric IPv6");
	parse_refused("echo@127.0.0.1:7,idle=-1", "idle");
	parse_refused("echo@127.0.0.1:7,idle=nan", "idle");
	parse_refused("echo@127.0.0.1:7,idle=1e99", "idle");
	parse_refused("echo@127.0.0.1:7,idle", "expected key=value");
	parse_refused("echo@127.0.0.1:7,listen=:8", "not an option of -l");
	parse_refused("echo@127.0.0.1:7,max-connections=x", "whole number");
	parse_refused("echo@127.0.0.1:7,colour=blue", "unknown option");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_any_and_options),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests_name("listen_spec", tests, NULL, NULL);
}
