/*
 * resp_parser_test.c: unit tests of the incremental RESP2 reply parser.
 *
 * Every reply of the table is parsed whole, then split in two at every
 * byte, then fed one byte at a time through a buffer that moves to a new
 * allocation on every call; each way must give the same verdict, and a
 * complete reply the same tree, written out as text to compare.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "redis/resp_command.h"
#include "redis/resp_parser.h"
#include "util/buffer.h"

/* Text of length known at compile time, so that it may hold NUL bytes. */
#define TEXT(literal)	.text = (literal), .length = sizeof(literal) - 1

static const struct resp_limits limits = { 64, 8, 5, 512 };

struct reply_case {
	const char		*text;
	size_t			 length;
	enum resp_status	 status;
	const char		*tree;	/* complete: the values, written out */
	size_t			 used;	/* complete: 0 means length */
};

static const struct reply_case cases[] = {
	{ TEXT("+OK\r\n"), RESP_COMPLETE, "+OK", 0 },
	{ TEXT("+\r\n"), RESP_COMPLETE, "+", 0 },
	{ TEXT("-ERR no such key\r\n"), RESP_COMPLETE, "-ERR no such key", 0 },
	{ TEXT(":0\r\n"), RESP_COMPLETE, ":0", 0 },
	{ TEXT(":-42\r\n"), RESP_COMPLETE, ":-42", 0 },
	{ TEXT(":9223372036854775807\r\n"), RESP_COMPLETE,
	    ":9223372036854775807", 0 },
	{ TEXT(":-9223372036854775808\r\n"), RESP_COMPLETE,
	    ":-9223372036854775808", 0 },
	{ TEXT("$3\r\nabc\r\n"), RESP_COMPLETE, "$abc", 0 },
	{ TEXT("$0\r\n\r\n"), RESP_COMPLETE, "$", 0 },
	{ TEXT("$4\r\na\r\nb\r\n"), RESP_COMPLETE, "$a\r\nb", 0 },
	{ TEXT("$3\r\na\0b\r\n"), RESP_COMPLETE, "$a?b", 0 },
	{ TEXT("$-1\r\n"), RESP_COMPLETE, "nil", 0 },
	{ TEXT("*-1\r\n"), RESP_COMPLETE, "nil", 0 },
	{ TEXT("*0\r\n"), RESP_COMPLETE, "[]", 0 },
	{ TEXT("*2\r\n$1\r\na\r\n:1\r\n"), RESP_COMPLETE, "[$a,:1]", 0 },
	{ TEXT("+OK\r\n:1\r\n"), RESP_COMPLETE, "+OK", 5 },
	/* XREAD's shape: streams, each a key and entries of id, fields. */
	{ TEXT("*1\r\n*2\r\n$4\r\nchat\r\n*1\r\n*2\r\n$3\r\n1-0\r\n"
	    "*2\r\n$4\r\nbody\r\n$2\r\nhi\r\n"), RESP_COMPLETE,
	    "[[$chat,[[$1-0,[$body,$hi]]]]]", 0 },
	{ TEXT("*3\r\n*0\r\n*-1\r\n$-1\r\n"), RESP_COMPLETE, "[[],nil,nil]",
	    0 },
	{ TEXT("*4\r\n*1\r\n*1\r\n*1\r\n:1\r\n:2\r\n:3\r\n:4\r\n"),
	    RESP_COMPLETE, "[[[[:1]]],:2,:3,:4]", 0 },
	/* Malformed. */
	{ TEXT("!3\r\nabc\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("%1\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("+OK\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("+O\rK\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT(":\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT(":-\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT(":1x\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT(": 1\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT(":9223372036854775808\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("$-2\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("$3\r\nabcd\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("$3\r\nab\r\n\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("*-2\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("*1\r\n?\r\n"), RESP_MALFORMED, NULL, 0 },
	/* Over the limits. */
	{ TEXT("$65\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("*9\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("$99999999999999999\r\n"), RESP_MALFORMED, NULL, 0 },
	{ TEXT("*8\r\n$64\r\n"), RESP_INCOMPLETE, NULL, 0 },
	/* Incomplete. */
	{ TEXT("*2\r\n$1\r\na\r\n"), RESP_INCOMPLETE, NULL, 0 },
	{ TEXT("$3\r\nab"), RESP_INCOMPLETE, NULL, 0 },
	{ TEXT(""), RESP_INCOMPLETE, NULL, 0 },
};

/* Write value out as text, the way the table spells trees. */
static void
write_tree(struct buffer *out, const struct resp_value *value)
{
	size_t	i;

	switch (value->type) {
	case RESP_SIMPLE:
	case RESP_ERROR:
	case RESP_BULK:
		assert_int_equal(value->string[value->length], '\0');
		(void)buffer_append(out, value->type == RESP_SIMPLE ? "+" :
		    value->type == RESP_ERROR ? "-" : "$", 1);
		for (i = 0; i < value->length; i++)
			(void)buffer_append(out, value->string[i] == '\0' ?
			    "?" : &value->string[i], 1);
		break;
	case RESP_INTEGER:
		(void)buffer_printf(out, ":%lld", (long long)value->integer);
		break;
	case RESP_NULL:
		(void)buffer_append_string(out, "nil");
		break;
	case RESP_ARRAY:
		(void)buffer_append_string(out, "[");
		for (i = 0; i < value->length; i++) {
			if (i > 0)
				(void)buffer_append_string(out, ",");
			write_tree(out, &value->elements[i]);
		}
		(void)buffer_append_string(out, "]");
		break;
	}
}

/* Check a complete parse against the case: size and tree. */
static void
check_complete(const struct reply_case *c, const char *data, size_t used)
{
	struct resp_reply	reply;
	struct buffer		tree;

	assert_int_equal(used, c->used != 0 ? c->used : c->length);
	if (c->tree == NULL)
		return;
	assert_int_equal(resp_reply_build(&reply, data, used), 0);
	buffer_init(&tree);
	write_tree(&tree, &reply.root);
	(void)buffer_append(&tree, "", 1);
	assert_string_equal(tree.data, c->tree);
	buffer_free(&tree);
	resp_reply_free(&reply);
}

/* The table parsed whole. */
static void
test_whole(void **state)
{
	struct resp_parser	parser;
	size_t			i, used = 0;
	enum resp_status	status;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp_parser_init(&parser, &limits);
		status = resp_parse(&parser, cases[i].text, cases[i].length,
		    &used);
		if (status != cases[i].status)
			fail_msg("case %zu: status %d, expected %d (%s)", i,
			    status, cases[i].status, parser.error);
		if (status == RESP_COMPLETE)
			check_complete(&cases[i], cases[i].text, used);
		if (status == RESP_MALFORMED)
			assert_true(resp_parser_error(&parser)[0] != '\0');
	}
}

/* The table split in two at every byte: the same verdicts. */
static void
test_split_everywhere(void **state)
{
	struct resp_parser	parser;
	enum resp_status	status;
	size_t			i, split, used = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (split = 0; split <= cases[i].length; split++) {
			resp_parser_init(&parser, &limits);
			status = resp_parse(&parser, cases[i].text, split,
			    &used);
			if (status == RESP_INCOMPLETE)
				status = resp_parse(&parser, cases[i].text,
				    cases[i].length, &used);
			if (status != cases[i].status)
				fail_msg("case %zu split at %zu: status %d, "
				    "expected %d", i, split, status,
				    cases[i].status);
			if (status == RESP_COMPLETE)
				check_complete(&cases[i], cases[i].text, used);
		}
	}
}

/* The table fed a byte at a time through a buffer that always moves. */
static void
test_byte_by_byte(void **state)
{
	struct resp_parser	parser;
	enum resp_status	status = RESP_INCOMPLETE;
	char			*copy, *older;
	size_t			i, n, used = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp_parser_init(&parser, &limits);
		copy = NULL;
		status = RESP_INCOMPLETE;
		for (n = 0; n <= cases[i].length; n++) {
			older = copy;
			copy = malloc(n + 1);
			assert_non_null(copy);
			memcpy(copy, cases[i].text, n);
			free(older);
			status = resp_parse(&parser, copy, n, &used);
			if (status != RESP_INCOMPLETE)
				break;
		}
		if (status != cases[i].status)
			fail_msg("case %zu byte by byte: status %d, expected "
			    "%d", i, status, cases[i].status);
		if (status == RESP_COMPLETE)
			check_complete(&cases[i], copy, used);
		free(copy);
	}
}

/* Pipelined replies, parsed one after another from one buffer. */
static void
test_pipelined(void **state)
{
	static const char	text[] = "+OK\r\n$2\r\nhi\r\n*1\r\n:7\r\n";
	static const char	*trees[] = { "+OK", "$hi", "[:7]" };
	struct resp_parser	parser;
	struct resp_reply	reply;
	struct buffer		tree;
	size_t			at = 0, used = 0, i;

	(void)state;
	resp_parser_init(&parser, &limits);
	for (i = 0; i < 3; i++) {
		assert_int_equal(resp_parse(&parser, text + at,
		    sizeof(text) - 1 - at, &used), RESP_COMPLETE);
		assert_int_equal(resp_reply_build(&reply, text + at, used), 0);
		buffer_init(&tree);
		write_tree(&tree, &reply.root);
		(void)buffer_append(&tree, "", 1);
		assert_string_equal(tree.data, trees[i]);
		buffer_free(&tree);
		resp_reply_free(&reply);
		resp_parser_reset(&parser);
		at += used;
	}
	assert_int_equal(at, sizeof(text) - 1);
}

/* A reply over reply_max is refused, even one that never ends. */
static void
test_reply_size(void **state)
{
	struct resp_parser	parser;
	struct buffer		text;
	size_t			used = 0;
	int			i;

	(void)state;
	buffer_init(&text);
	(void)buffer_append_string(&text, "*8\r\n");
	for (i = 0; i < 8; i++)
		(void)buffer_printf(&text, "$64\r\n%064d\r\n", i);
	resp_parser_init(&parser, &limits);
	assert_int_equal(resp_parse(&parser, text.data, text.length, &used),
	    RESP_MALFORMED);
	/* A line that never ends is cut at RESP_LINE_MAX. */
	buffer_clear(&text);
	(void)buffer_append_string(&text, "+");
	for (i = 0; i < RESP_LINE_MAX; i++)
		(void)buffer_append_string(&text, "a");
	resp_parser_init(&parser, &(struct resp_limits){ 64, 8, 5, 1 << 20 });
	assert_int_equal(resp_parse(&parser, text.data, text.length, &used),
	    RESP_MALFORMED);
	buffer_free(&text);
}

/* Commands are arrays of bulk strings, any byte allowed. */
static void
test_command(void **state)
{
	static const char	*words[] = { "XADD", "chat", "*" };
	struct resp_argument	arguments[2] = {
		{ "GET", 3 }, { "a\0\r\n", 4 }
	};
	struct buffer		out;

	(void)state;
	buffer_init(&out);
	assert_int_equal(resp_command_strings(&out, words, 3), 0);
	assert_int_equal(out.length, strlen("*3\r\n$4\r\nXADD\r\n$4\r\nchat\r\n"
	    "$1\r\n*\r\n"));
	assert_memory_equal(out.data, "*3\r\n$4\r\nXADD\r\n$4\r\nchat\r\n"
	    "$1\r\n*\r\n", out.length);
	buffer_clear(&out);
	assert_int_equal(resp_command_append(&out, arguments, 2), 0);
	assert_int_equal(out.length, 23);
	assert_memory_equal(out.data, "*2\r\n$3\r\nGET\r\n$4\r\na\0\r\n\r\n",
	    23);
	buffer_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_reply_size),
		cmocka_unit_test(test_command),
	};

	return cmocka_run_group_tests_name("resp_parser", tests, NULL, NULL);
}
