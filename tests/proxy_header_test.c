/*
 * proxy_header_test.c: unit tests of the PROXY header parser
 * (connection/proxy_header.h): versions 1 and 2 over IPv4 and IPv6, LOCAL,
 * UNKNOWN and UNSPEC, TLVs, each split at every byte (every shorter
 * prefix asks for more, the whole stops at the header's end however many
 * bytes follow); malformed headers, each refused for its own reason;
 * the size limits; the signature check of untrusted peers.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "connection/proxy_header.h"

#define SIGNATURE	"\r\n\r\n\0\r\nQUIT\n"
#define TRAILER		"GET / HTTP/1.1\r\n"

/* "ADDR:PORT" or "[ADDR]:PORT" of address, in a static buffer. */
static const char *
text_of(const struct sockaddr_storage *address)
{
	static char	text[80];
	char		host[64];

	if (address->ss_family == AF_INET) {
		const struct sockaddr_in *four = (const void *)address;

		(void)inet_ntop(AF_INET, &four->sin_addr, host, sizeof(host));
		(void)snprintf(text, sizeof(text), "%s:%u", host,
		    ntohs(four->sin_port));
	} else {
		const struct sockaddr_in6 *six = (const void *)address;

		(void)inet_ntop(AF_INET6, &six->sin6_addr, host, sizeof(host));
		(void)snprintf(text, sizeof(text), "[%s]:%u", host,
		    ntohs(six->sin6_port));
	}
	return text;
}

/*
 * Parse header (length bytes) split at every byte: each prefix must ask
 * for more, the whole (and the whole followed by a request) must be done
 * at exactly length bytes.  The result of the last parse.
 */
static struct proxy_header
parse_split(const void *header, size_t length)
{
	struct proxy_header	 parsed;
	unsigned char		*bytes;
	size_t			 i;

	bytes = malloc(length + sizeof(TRAILER));
	assert_non_null(bytes);
	memcpy(bytes, header, length);
	memcpy(bytes + length, TRAILER, sizeof(TRAILER) - 1);
	for (i = 0; i < length; i++)
		if (proxy_header_parse(bytes, i, &parsed) != PROXY_PARSE_MORE)
			fail_msg("prefix of %zu bytes of %zu: not 'more' (%s)",
			    i, length, parsed.reason != NULL ? parsed.reason :
			    "done");
	for (i = 0; i < sizeof(TRAILER); i++) {
		assert_int_equal(proxy_header_parse(bytes, length + i,
		    &parsed), PROXY_PARSE_DONE);
		assert_int_equal(parsed.length, length);
	}
	free(bytes);
	return parsed;
}

/* Expect header to be refused, with a reason that contains reason. */
static void
expect_invalid(const void *header, size_t length, const char *reason)
{
	struct proxy_header	parsed;

	if (proxy_header_parse(header, length, &parsed) !=
	    PROXY_PARSE_INVALID)
		fail_msg("'%.*s' was not refused", (int)length,
		    (const char *)header);
	assert_non_null(parsed.reason);
	if (strstr(parsed.reason, reason) == NULL)
		fail_msg("'%.*s': reason '%s', not '%s'", (int)length,
		    (const char *)header, parsed.reason, reason);
}

/* Version 1 over IPv4 and IPv6, split at every byte. */
static void
test_v1(void **state)
{
	static const char	four[] = "PROXY TCP4 192.0.2.7 198.51.100.1 "
				    "56324 443\r\n";
	static const char	six[] = "PROXY TCP6 2001:db8::7 2001:db8::1 "
				    "0 65535\r\n";
	struct proxy_header	parsed;

	(void)state;
	parsed = parse_split(four, sizeof(four) - 1);
	assert_int_equal(parsed.version, 1);
	assert_int_equal(parsed.carried, 1);
	assert_string_equal(text_of(&parsed.source), "192.0.2.7:56324");
	assert_string_equal(text_of(&parsed.destination), "198.51.100.1:443");
	assert_int_equal(parsed.source_length, sizeof(struct sockaddr_in));
	parsed = parse_split(six, sizeof(six) - 1);
	assert_int_equal(parsed.carried, 1);
	assert_string_equal(text_of(&parsed.source), "[2001:db8::7]:0");
	assert_string_equal(text_of(&parsed.destination),
	    "[2001:db8::1]:65535");
	assert_int_equal(parsed.source_length, sizeof(struct sockaddr_in6));
}

/* UNKNOWN keeps the real endpoints, whatever follows it on the line. */
static void
test_v1_unknown(void **state)
{
	static const char	bare[] = "PROXY UNKNOWN\r\n";
	static const char	more[] = "PROXY UNKNOWN ffff:f...f:ffff "
				    "ffff:f...f:ffff 65535 65535\r\n";
	char			longest[PROXY_V1_MAX + 1];
	struct proxy_header	parsed;

	(void)state;
	parsed = parse_split(bare, sizeof(bare) - 1);
	assert_int_equal(parsed.carried, 0);
	parsed = parse_split(more, sizeof(more) - 1);
	assert_int_equal(parsed.carried, 0);
	/* Exactly 107 bytes is the longest line. */
	memset(longest, 'x', sizeof(longest));
	memcpy(longest, "PROXY UNKNOWN ", 14);
	memcpy(longest + PROXY_V1_MAX - 2, "\r\n", 2);
	parsed = parse_split(longest, PROXY_V1_MAX);
	assert_int_equal(parsed.length, PROXY_V1_MAX);
	/* One more is too long, whether the CRLF came or not. */
	memset(longest, 'x', sizeof(longest));
	memcpy(longest, "PROXY UNKNOWN ", 14);
	memcpy(longest + PROXY_V1_MAX - 1, "\r\n", 2);
	expect_invalid(longest, PROXY_V1_MAX + 1, "longer than 107");
	expect_invalid(longest, PROXY_V1_MAX, "longer than 107");
	memset(longest, 'x', sizeof(longest));
	memcpy(longest, "PROXY UNKNOWN ", 14);
	expect_invalid(longest, PROXY_V1_MAX, "longer than 107");
}

/* Each malformed version 1 line, refused for its own reason. */
static void
test_v1_malformed(void **state)
{
	static const struct {
		const char	*text;
		const char	*reason;
	} cases[] = {
		{ "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "empty field" },
		{ "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "empty field" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "empty field" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "not SOURCE" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "not SOURCE" },
		{ "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "protocol not" },
		{ "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "protocol not" },
		{ "PROXY UNKNOWNX\r\n", "protocol not" },
		{ "PROXY \r\n", "empty field" },
		{ "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 1.2.3.4 ::1 1 2\r\n", "TCP4 destination" },
		{ "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "TCP6 source" },
		{ "PROXY TCP6 ::1 ::g 1 2\r\n", "TCP6 destination" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", "TCP4 source" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n", "destination" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 100000\r\n", "destination" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "LF without CR" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "CR not followed" },
		{ "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "control" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 \x80\r\n", "non-ASCII" },
		{ "PROXX TCP4", "no PROXY signature" },
		{ "proxy TCP4", "no PROXY signature" },
		{ "GET / HTTP/1.1\r\n", "no PROXY signature" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_invalid(cases[i].text, strlen(cases[i].text),
		    cases[i].reason);
}

/* Build a version 2 header: command, family, payload; its length. */
static size_t
make_v2(unsigned char *out, unsigned char command, unsigned char family,
    const void *payload, size_t payload_length)
{
	memcpy(out, SIGNATURE, 12);
	out[12] = 0x20 | command;
	out[13] = family;
	out[14] = (unsigned char)(payload_length >> 8);
	out[15] = (unsigned char)payload_length;
	if (payload_length > 0)	/* memcpy's NULL is undefined, even for 0 */
		memcpy(out + 16, payload, payload_length);
	return 16 + payload_length;
}

/* Version 2 PROXY over IPv4 and IPv6, with and without TLVs. */
static void
test_v2(void **state)
{
	static const unsigned char	four[] = {
		192, 0, 2, 7, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb,
		/* an ALPN TLV, "h2", then a NOOP with nothing in it */
		0x01, 0x00, 0x02, 'h', '2', 0x04, 0x00, 0x00
	};
	unsigned char			six[36], header[PROXY_HEADER_MAX];
	struct proxy_header		parsed;
	size_t				length;

	(void)state;
	length = make_v2(header, 1, 0x11, four, 12);
	parsed = parse_split(header, length);
	assert_int_equal(parsed.version, 2);
	assert_int_equal(parsed.carried, 1);
	assert_string_equal(text_of(&parsed.source), "192.0.2.7:56324");
	assert_string_equal(text_of(&parsed.destination), "198.51.100.1:443");
	length = make_v2(header, 1, 0x11, four, sizeof(four));
	parsed = parse_split(header, length);
	assert_int_equal(parsed.length, 16 + sizeof(four));
	assert_string_equal(text_of(&parsed.source), "192.0.2.7:56324");

	memset(six, 0, sizeof(six));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", six), 1);
	assert_int_equal(inet_pton(AF_INET6, "::1", six + 16), 1);
	six[32] = 0x30;
	six[33] = 0x39;
	six[35] = 80;
	length = make_v2(header, 1, 0x21, six, sizeof(six));
	parsed = parse_split(header, length);
	assert_int_equal(parsed.carried, 1);
	assert_string_equal(text_of(&parsed.source), "[2001:db8::7]:12345");
	assert_string_equal(text_of(&parsed.destination), "[::1]:80");
}

/* LOCAL and PROXY UNSPEC keep the real endpoints; the limit is exact. */
static void
test_v2_local_and_limits(void **state)
{
	static const unsigned char	four[12] = { 10, 0, 0, 1 };
	unsigned char			payload[PROXY_V2_PAYLOAD_MAX + 1];
	unsigned char			header[PROXY_HEADER_MAX + 1];
	struct proxy_header		parsed;
	size_t				length;

	(void)state;
	length = make_v2(header, 0, 0x00, NULL, 0);
	parsed = parse_split(header, length);
	assert_int_equal(parsed.carried, 0);
	/* LOCAL ignores whatever addresses it holds. */
	length = make_v2(header, 0, 0x11, four, sizeof(four));
	parsed = parse_split(header, length);
	assert_int_equal(parsed.carried, 0);
	length = make_v2(header, 1, 0x00, NULL, 0);
	parsed = parse_split(header, length);
	assert_int_equal(parsed.carried, 0);

	/* The longest payload: addresses and one NOOP TLV filling it. */
	memset(payload, 0, sizeof(payload));
	memcpy(payload, four, sizeof(four));
	payload[12] = 0x04;
	payload[13] = (PROXY_V2_PAYLOAD_MAX - 15) >> 8;
	payload[14] = (PROXY_V2_PAYLOAD_MAX - 15) & 0xff;
	length = make_v2(header, 1, 0x11, payload, PROXY_V2_PAYLOAD_MAX);
	assert_int_equal(length, PROXY_HEADER_MAX);
	parsed = parse_split(header, length);
	assert_int_equal(parsed.carried, 1);
	/* One byte more is refused as soon as the length is known. */
	payload[14]++;
	length = make_v2(header, 1, 0x11, payload, PROXY_V2_PAYLOAD_MAX + 1);
	expect_invalid(header, 16, "more than 536");
	expect_invalid(header, length, "more than 536");
}

/* Each malformed version 2 header, refused for its own reason. */
static void
test_v2_malformed(void **state)
{
	static const unsigned char	four[12] = { 10, 0, 0, 1 };
	unsigned char			header[64], tlv[20];
	size_t				length;

	(void)state;
	length = make_v2(header, 1, 0x11, four, sizeof(four));
	header[12] = 0x11;
	expect_invalid(header, 13, "version is not 2");
	header[12] = 0x31;
	expect_invalid(header, length, "version is not 2");
	header[12] = 0x22;
	expect_invalid(header, 13, "command neither");
	header[12] = 0x21;
	header[11] = 'x';
	expect_invalid(header, 12, "no PROXY signature");
	header[11] = '\n';
	header[13] = 0x12;
	expect_invalid(header, 14, "UDP");
	header[13] = 0x22;
	expect_invalid(header, 14, "UDP");
	header[13] = 0x31;
	expect_invalid(header, 14, "UNIX");
	header[13] = 0x10;
	expect_invalid(header, 14, "unspecified");
	header[13] = 0x41;
	expect_invalid(header, 14, "unknown address family");
	length = make_v2(header, 1, 0x11, four, 11);
	expect_invalid(header, 16, "shorter than the addresses");
	length = make_v2(header, 1, 0x21, four, 12);
	expect_invalid(header, 16, "shorter than the addresses");
	/* TLVs: a truncated one, one longer than the header. */
	memset(tlv, 0, sizeof(tlv));
	memcpy(tlv, four, sizeof(four));
	tlv[12] = 0x04;
	length = make_v2(header, 1, 0x11, tlv, 14);
	expect_invalid(header, length, "truncated TLV");
	tlv[14] = 2;
	length = make_v2(header, 1, 0x11, tlv, 16);
	expect_invalid(header, length, "TLV longer");
	tlv[14] = 1;
	length = make_v2(header, 1, 0x11, tlv, 17);
	expect_invalid(header, length, "truncated TLV");
}

/* Whether first bytes are a PROXY signature: yes, no, or undecided. */
static void
test_signature(void **state)
{
	static const unsigned char	v2[] = SIGNATURE;

	(void)state;
	assert_int_equal(proxy_header_signature((const void *)"", 0), -1);
	assert_int_equal(proxy_header_signature((const void *)"PRO", 3), -1);
	assert_int_equal(proxy_header_signature((const void *)"PROXY", 5),
	    -1);
	assert_int_equal(proxy_header_signature((const void *)"PROXY ", 6),
	    1);
	assert_int_equal(proxy_header_signature((const void *)"PROXY T", 7),
	    1);
	assert_int_equal(proxy_header_signature((const void *)"PROXX ", 6),
	    0);
	assert_int_equal(proxy_header_signature((const void *)"GET", 3), 0);
	assert_int_equal(proxy_header_signature(v2, 5), -1);
	assert_int_equal(proxy_header_signature(v2, 11), -1);
	assert_int_equal(proxy_header_signature(v2, 12), 1);
	assert_int_equal(proxy_header_signature((const void *)"\r\n\r\n", 4),
	    -1);
	assert_int_equal(proxy_header_signature((const void *)"\r\nX", 3), 0);
}

/* Random bytes: never a crash, never a header longer than the input. */
static void
test_random(void **state)
{
	unsigned char		bytes[PROXY_HEADER_MAX + 8];
	struct proxy_header	parsed;
	enum proxy_parse	result;
	size_t			length, i;
	int			round;

	(void)state;
	srand(13);
	for (round = 0; round < 20000; round++) {
		length = (size_t)rand() % sizeof(bytes);
		for (i = 0; i < length; i++)
			bytes[i] = (unsigned char)rand();
		/* Often a real start, so that the deeper checks run. */
		if (round % 3 == 0 && length >= 12)
			memcpy(bytes, SIGNATURE, 12);
		else if (round % 3 == 1 && length >= 6)
			memcpy(bytes, "PROXY ", 6);
		result = proxy_header_parse(bytes, length, &parsed);
		if (result == PROXY_PARSE_DONE)
			assert_true(parsed.length <= length);
		if (result == PROXY_PARSE_MORE)
			assert_true(length < PROXY_HEADER_MAX);
		if (result == PROXY_PARSE_INVALID)
			assert_non_null(parsed.reason);
	}
}

/* Run the cases. */
int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v1_unknown),
		cmocka_unit_test(test_v1_malformed),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v2_local_and_limits),
		cmocka_unit_test(test_v2_malformed),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
