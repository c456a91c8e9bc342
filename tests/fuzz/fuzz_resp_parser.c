/*
 * fuzz_resp_parser.c: libFuzzer harness of the RESP2 reply parser.
 *
 * The input is a stream of replies.  Each is parsed from the whole of
 * what is left, and again split in two at a byte the input chooses: both
 * must agree, a complete reply must build and stay within the limits
 * and every string of its tree must be NUL-terminated inside it.
 */
#include "config.h"

#include <string.h>

#include "redis/resp_parser.h"

#include "fuzz.h"

static const struct resp_limits limits = { 4096, 64, 6, 16384 };

/* Walk a built value: its strings end where they say; elements total. */
static size_t
walk(const struct resp_value *value, unsigned int depth)
{
	size_t	i, count = 1;

	FUZZ_CHECK(depth <= limits.depth_max);
	switch (value->type) {
	case RESP_SIMPLE:
	case RESP_ERROR:
		FUZZ_CHECK(value->length < RESP_LINE_MAX);
		FUZZ_CHECK(value->string[value->length] == '\0');
		break;
	case RESP_BULK:
		FUZZ_CHECK(value->length <= limits.bulk_max);
		FUZZ_CHECK(value->string[value->length] == '\0');
		break;
	case RESP_ARRAY:
		FUZZ_CHECK(value->length <= limits.elements_max);
		for (i = 0; i < value->length; i++)
			count += walk(&value->elements[i], depth + 1);
		break;
	default:
		break;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp_parser	whole, split;
	struct resp_reply	reply;
	enum resp_status	status, again;
	const char		*text = (const char *)data;
	size_t			at = 0, used, used_split, cut;

	while (at < size) {
		resp_parser_init(&whole, &limits);
		resp_parser_init(&split, &limits);
		used = used_split = 0;
		status = resp_parse(&whole, text + at, size - at, &used);
		cut = data[at] % (size - at + 1);
		again = resp_parse(&split, text + at, cut, &used_split);
		if (again == RESP_INCOMPLETE)
			again = resp_parse(&split, text + at, size - at,
			    &used_split);
		if (status != RESP_MALFORMED || again != RESP_MALFORMED)
			FUZZ_CHECK(again == status);
		if (status != RESP_COMPLETE)
			return 0;
		FUZZ_CHECK(used_split == used);
		FUZZ_CHECK(used > 0 && used <= size - at);
		FUZZ_CHECK(used <= limits.reply_max);
		if (resp_reply_build(&reply, text + at, used) == 0) {
			FUZZ_CHECK(walk(&reply.root, 0) <= used);
			resp_reply_free(&reply);
		}
		at += used;
	}
	return 0;
}
