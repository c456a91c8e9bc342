/*
 * chat_xsrf_test.c: unit tests of XSRF token decoding and matching.  The
 * expected answers are those of Tornado 6.2's _decode_xsrf_token() and
 * check_xsrf_cookie() for the same pairs.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/chat/chat_xsrf.h"

#define TOKEN	"00112233445566778899aabbccddeeff"
#define MASKED_A "2|0a0b0c0d|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|1700000000"
#define MASKED_B "2|ffffffff|ffeeddccbbaa99887766554433221100|1700000000"

/* Decode value, expecting the token of hex (bytes written in hex). */
static void
decodes_to(const char *value, const char *hex)
{
	unsigned char	token[CHAT_XSRF_VALUE_MAX];
	char		written[2 * CHAT_XSRF_VALUE_MAX + 1];
	size_t		length, i;

	if (chat_xsrf_decode(value, token, sizeof(token), &length) == -1)
		fail_msg("'%s' holds no token", value);
	for (i = 0; i < length; i++)
		(void)snprintf(written + 2 * i, 3, "%02x", token[i]);
	written[2 * length] = '\0';
	if (strcmp(written, hex) != 0)
		fail_msg("'%s' decoded to %s, expected %s", value, written,
		    hex);
}

/* Decode value, expecting no token. */
static void
decodes_to_nothing(const char *value)
{
	unsigned char	token[CHAT_XSRF_VALUE_MAX];
	size_t		length;

	if (chat_xsrf_decode(value, token, sizeof(token), &length) != -1)
		fail_msg("'%s' decoded to %zu bytes", value, length);
}

/* Version 1: hex digits of even count decode, anything else is bytes. */
static void
test_decode_version_1(void **state)
{
	(void)state;
	decodes_to(TOKEN, TOKEN);
	decodes_to("00112233445566778899AABBCCDDEEFF", TOKEN);
	decodes_to("abc", "616263");
	decodes_to("testtoken123", "74657374746f6b656e313233");
	decodes_to("2", "32");
	decodes_to("02|x", "30327c78");
	decodes_to("|x", "7c78");
	decodes_to("2x|y", "32787c79");
	decodes_to("", "");
}

/* Version 2: the masked bytes XOR the mask; every field must be right. */
static void
test_decode_version_2(void **state)
{
	(void)state;
	decodes_to(MASKED_A, TOKEN);
	decodes_to(MASKED_B, TOKEN);
	decodes_to("2|0A0B0C0D|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|1", TOKEN);
	decodes_to("2|0a0b0c0d|6b696f|1700000000", "616263");
	decodes_to("2|0a0b0c0d|0a|+7", "00");
	decodes_to("2|0a0b0c0d|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|-5", TOKEN);
	decodes_to("2|0a0b0c0d||1", "");
	decodes_to_nothing("2|0a0b0c0d");
	decodes_to_nothing("2|0a0b0c0d|00");
	decodes_to_nothing("2|0a0b0c|00|1");
	decodes_to_nothing("2|0a0b0c0d0e|00|1");
	decodes_to_nothing("2|zzzzzzzz|00|1");
	decodes_to_nothing("2|0a0b0c0d|0|1");
	decodes_to_nothing("2|0a0b0c0d|0g|1");
	decodes_to_nothing("2|0a0b0c0d|00|x");
	decodes_to_nothing("2|0a0b0c0d|00|");
	decodes_to_nothing("2|0a0b0c0d|00|-");
	decodes_to_nothing("2|0a0b0c0d|00|1|1");
	decodes_to_nothing("3|0a0b0c0d|00|1");
	decodes_to_nothing("1|a");
	decodes_to_nothing("12|a");
}

/* Pairs and whether Tornado lets the first stand for the second. */
static void
test_match(void **state)
{
	static const struct {
		const char	*submitted;
		const char	*cookie;
		int		 matches;
	} pairs[] = {
		{ MASKED_A, MASKED_B, 1 },
		{ MASKED_A, MASKED_A, 1 },
		{ MASKED_B, TOKEN, 1 },
		{ "00112233445566778899AABBCCDDEEFF", MASKED_A, 1 },
		{ "2|0a0b0c0d|6b696f|1700000000", "abc", 1 },
		{ "abc", "abc", 1 },
		{ "abc", "abd", 0 },
		{ "abcd", "ABCD", 1 },
		{ "", "", 0 },
		{ "2", MASKED_A, 0 },
		{ "2|0a0b0c0d", MASKED_A, 0 },
		{ "2|0a0b0c|0a1a2e394f596c7c8493a1b7c6d6e2f5|1700000000",
		    MASKED_A, 0 },
		{ "2|0a0b0c0d|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|x", MASKED_A,
		    0 },
		{ "3|0a0b0c0d|00|1", "3|0a0b0c0d|00|1", 0 },
		{ "02|x", "02|x", 1 },
		{ "1|a", "1|a", 0 },
		{ "2|zzzzzzzz|00|1", "2|zzzzzzzz|00|1", 0 },
		{ "2|0a0b0c0d||1", "2|0a0b0c0d||1", 0 },
		{ "2|0a0b0c0d|0|1", MASKED_A, 0 },
		{ "testtoken123", "testtoken123", 1 },
		{ "testtoken123", "testtoken12", 0 },
		{ "testtoken12", "testtoken123", 0 },
		{ "2|0a0b0c0d|0a|+7", "00", 1 },
		{ "2|0a0b0c0d|0a|+7", "2|00000000|00|1", 1 },
		{ "ab", "2|0a0b0c0d|a1|1", 1 },
		{ "x", "", 0 },
		{ "", "x", 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (chat_xsrf_match(pairs[i].submitted, pairs[i].cookie) !=
		    pairs[i].matches)
			fail_msg("'%s' for cookie '%s': expected %s",
			    pairs[i].submitted, pairs[i].cookie,
			    pairs[i].matches ? "a match" : "no match");
}

/* Write into value a prefix, count copies of c, then a suffix. */
static void
build(char *value, const char *prefix, char c, size_t count,
    const char *suffix)
{
	size_t	length = strlen(prefix);

	memcpy(value, prefix, length);
	memset(value + length, c, count);
	(void)strcpy(value + length + count, suffix);
}

/* Values too long to hold are no token, never an overflow. */
static void
test_long_values(void **state)
{
	char	value[4 * CHAT_XSRF_VALUE_MAX];

	(void)state;
	/* Bare bytes: as many as fit, then one more. */
	build(value, "", 'x', CHAT_XSRF_VALUE_MAX, "");
	assert_true(chat_xsrf_match(value, value));
	build(value, "", 'x', CHAT_XSRF_VALUE_MAX + 1, "");
	decodes_to_nothing(value);
	assert_false(chat_xsrf_match(value, value));
	/* Hex, bare and masked: as many bytes as fit, then one more. */
	build(value, "", '0', 2 * CHAT_XSRF_VALUE_MAX, "");
	assert_true(chat_xsrf_match(value, value));
	build(value, "", '0', 2 * CHAT_XSRF_VALUE_MAX + 2, "");
	decodes_to_nothing(value);
	build(value, "2|0a0b0c0d|", '0', 2 * CHAT_XSRF_VALUE_MAX, "|1");
	assert_true(chat_xsrf_match(value, value));
	build(value, "2|0a0b0c0d|", '0', 2 * CHAT_XSRF_VALUE_MAX + 2, "|1");
	decodes_to_nothing(value);
	assert_false(chat_xsrf_match(value, value));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_version_1),
		cmocka_unit_test(test_decode_version_2),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_long_values),
	};

	return cmocka_run_group_tests_name("chat_xsrf", tests, NULL, NULL);
}
