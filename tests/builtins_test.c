/*
 * builtins_test.c: unit tests of the pure parts of the classic built-in
 * services: the chargen stream, the RFC 868 value, the daytime line, the
 * test clock, and the protocol table.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "connection/protocol.h"
#include "protocols/chargen.h"
#include "protocols/daytime.h"
#include "protocols/protocol_clock.h"
#include "protocols/protocol_table.h"
#include "protocols/rfc868_time.h"

#define LINE_BYTES	74

static const char	line_zero[] = " !\"#$%&'()*+,-./0123456789:;<=>?"
			    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n";

/* Line n of the stream, built the slow way from RFC 864's description. */
static void
reference_line(uint64_t n, char line[LINE_BYTES])
{
	int	column;

	for (column = 0; column < 72; column++)
		line[column] = (char)(' ' + (n % 95 + (uint64_t)column) % 95);
	line[72] = '\r';
	line[73] = '\n';
}

/* The stream byte at offset, from reference_line(). */
static char
reference_byte(uint64_t offset)
{
	char	line[LINE_BYTES];

	reference_line(offset / LINE_BYTES, line);
	return line[offset % LINE_BYTES];
}

/* Check chargen_fill() against the reference for length bytes at offset. */
static void
check_span(uint64_t offset, size_t length)
{
	char	*buffer;
	size_t	 i;

	buffer = malloc(length);
	assert_non_null(buffer);
	assert_int_equal(chargen_fill(offset, buffer, length), length);
	for (i = 0; i < length; i++)
		if (buffer[i] != reference_byte(offset + i))
			fail_msg("offset %llu: got 0x%02x, want 0x%02x",
			    (unsigned long long)(offset + i),
			    (unsigned char)buffer[i],
			    (unsigned char)reference_byte(offset + i));
	free(buffer);
}

/* Line 0 starts with a space and runs to 'g', then CR LF. */
static void
test_chargen_line_zero(void **state)
{
	char	line[LINE_BYTES];

	(void)state;
	assert_int_equal(sizeof(line_zero) - 1, LINE_BYTES);
	assert_int_equal(chargen_fill(0, line, sizeof(line)), LINE_BYTES);
	assert_memory_equal(line, line_zero, LINE_BYTES);
}

/* Line 1 starts with '!'; line 94 starts with '~' and wraps to ' '. */
static void
test_chargen_next_lines(void **state)
{
	char	line[LINE_BYTES];

	(void)state;
	(void)chargen_fill(1 * LINE_BYTES, line, sizeof(line));
	assert_int_equal(line[0], '!');
	assert_int_equal(line[71], 'h');
	assert_memory_equal(line + 72, "\r\n", 2);
	(void)chargen_fill(94 * LINE_BYTES, line, sizeof(line));
	assert_int_equal(line[0], '~');
	assert_int_equal(line[1], ' ');
	assert_int_equal(line[71], 'f');
}

/* The stream repeats after 95 lines. */
static void
test_chargen_period(void **state)
{
	char	line[LINE_BYTES];

	(void)state;
	assert_int_equal(CHARGEN_PERIOD, 95 * LINE_BYTES);
	(void)chargen_fill(95 * LINE_BYTES, line, sizeof(line));
	assert_memory_equal(line, line_zero, LINE_BYTES);
	(void)chargen_fill(95 * 1000 * LINE_BYTES, line, sizeof(line));
	assert_memory_equal(line, line_zero, LINE_BYTES);
}

/* Starting in the middle of a line gives that line's tail. */
static void
test_chargen_mid_line(void **state)
{
	char	buffer[8];

	(void)state;
	(void)chargen_fill(3 * LINE_BYTES + 10, buffer, 5);
	assert_memory_equal(buffer, "-./01", 5);
	(void)chargen_fill(72, buffer, 4);
	assert_memory_equal(buffer, "\r\n!\"", 4);
	check_span(3 * LINE_BYTES + 10, 5);
}

/* Spans over several lines, over the period, and far out, match. */
static void
test_chargen_spans(void **state)
{
	(void)state;
	check_span(50, 5 * LINE_BYTES + 30);
	check_span(CHARGEN_PERIOD - 100, 16 * 1024);
	check_span(((uint64_t)1 << 40) + 12345, 3 * CHARGEN_PERIOD);
	assert_int_equal(chargen_fill(7, NULL, 0), 0);
}

/* Seconds since 1900, modulo 2^32, wrapping in 2036. */
static void
test_rfc868_time(void **state)
{
	(void)state;
	assert_int_equal(rfc868_time(0), 2208988800U);
	assert_int_equal(rfc868_time(-2208988800LL), 0);
	/* 2026-11-22T09:06:04Z */
	assert_int_equal(rfc868_time(1795338364), 4004327164U);
	/* The last second before the wrap, then 2036-02-07T06:28:16Z. */
	assert_int_equal(rfc868_time(2085978495), 0xFFFFFFFFU);
	assert_int_equal(rfc868_time(2085978496), 0);
	assert_int_equal(rfc868_time(2085979500), 1004);
}

/* Set the time zone of this process for localtime_r(). */
static void
use_time_zone(const char *zone)
{
	assert_int_equal(setenv("TZ", zone, 1), 0);
	tzset();
}

/* The daytime line in UTC, with the ctime() space-padded day. */
static void
test_daytime_format_utc(void **state)
{
	char	line[DAYTIME_LINE_MAX];

	(void)state;
	use_time_zone("UTC");
	assert_int_equal(daytime_format(1795338364, line, sizeof(line)), 26);
	assert_string_equal(line, "Sun Nov 22 09:06:04 2026\r\n");
	assert_int_equal(daytime_format(1772694489, line, sizeof(line)), 26);
	assert_string_equal(line, "Thu Mar  5 07:08:09 2026\r\n");
	assert_int_equal(daytime_format(0, line, sizeof(line)), 26);
	assert_string_equal(line, "Thu Jan  1 00:00:00 1970\r\n");
}

/* The daytime line is local time: a POSIX zone two hours east. */
static void
test_daytime_format_local(void **state)
{
	char	line[DAYTIME_LINE_MAX];

	(void)state;
	use_time_zone("PFK-2");
	assert_int_equal(daytime_format(1795338364, line, sizeof(line)), 26);
	assert_string_equal(line, "Sun Nov 22 11:06:04 2026\r\n");
	use_time_zone("UTC");
}

/* A buffer too small for the line gives 0. */
static void
test_daytime_format_small(void **state)
{
	char	line[26];

	(void)state;
	use_time_zone("UTC");
	assert_int_equal(daytime_format(1795338364, line, sizeof(line)), 0);
}

/* PFORKD_TEST_CLOCK freezes the clock; junk in it is ignored. */
static void
test_protocol_clock(void **state)
{
	time_t	now;

	(void)state;
	assert_int_equal(setenv("PFORKD_TEST_CLOCK", "1795338364", 1), 0);
	assert_true(protocol_clock_now() == 1795338364);
	assert_int_equal(setenv("PFORKD_TEST_CLOCK", "-5", 1), 0);
	assert_true(protocol_clock_now() == -5);
	assert_int_equal(setenv("PFORKD_TEST_CLOCK", "12x", 1), 0);
	now = time(NULL);
	assert_true(protocol_clock_now() - now <= 2);
	assert_int_equal(unsetenv("PFORKD_TEST_CLOCK"), 0);
	now = time(NULL);
	assert_true(protocol_clock_now() - now <= 2);
}

/* The table knows the five built-ins by name and lists them in order. */
static void
test_protocol_table(void **state)
{
	(void)state;
	assert_ptr_equal(protocol_find("echo"), &protocol_echo);
	assert_ptr_equal(protocol_find("discard"), &protocol_discard);
	assert_ptr_equal(protocol_find("chargen"), &protocol_chargen);
	assert_ptr_equal(protocol_find("daytime"), &protocol_daytime);
	assert_ptr_equal(protocol_find("time"), &protocol_time);
	assert_ptr_equal(protocol_find("poetry"), &protocol_poetry);
	assert_ptr_equal(protocol_find("chat"), &protocol_chat);
	assert_null(protocol_find("rfc868_time"));
	assert_string_equal(protocol_names(),
	    "echo, discard, chargen, daytime, time, poetry, chat");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_chargen_line_zero),
		cmocka_unit_test(test_chargen_next_lines),
		cmocka_unit_test(test_chargen_period),
		cmocka_unit_test(test_chargen_mid_line),
		cmocka_unit_test(test_chargen_spans),
		cmocka_unit_test(test_rfc868_time),
		cmocka_unit_test(test_daytime_format_utc),
		cmocka_unit_test(test_daytime_format_local),
		cmocka_unit_test(test_daytime_format_small),
		cmocka_unit_test(test_protocol_clock),
		cmocka_unit_test(test_protocol_table),
	};

	return cmocka_run_group_tests_name("builtins", tests, NULL, NULL);
}
