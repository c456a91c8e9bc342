/*
 * fuzz_proxy_header.c: libFuzzer harness of the PROXY header parser
 * (connection/proxy_header.h).
 *
 * Each input is parsed whole, then fed as a reader would, one growing
 * prefix at a time: every prefix before the answer must ask for more and
 * be shorter than PROXY_HEADER_MAX, the answer must be the same however
 * the input was split, a header must end within the input, and a carried
 * address must be IPv4 or IPv6 of the right size.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "connection/proxy_header.h"

#include "fuzz.h"

/* Check what a finished header holds. */
static void
check_header(const struct proxy_header *header, size_t size)
{
	FUZZ_CHECK(header->length > 0 && header->length <= size);
	FUZZ_CHECK(header->length <= PROXY_HEADER_MAX);
	FUZZ_CHECK(header->version == 1 || header->version == 2);
	if (header->version == 1)
		FUZZ_CHECK(header->length <= PROXY_V1_MAX);
	if (!header->carried)
		return;
	FUZZ_CHECK(header->source.ss_family == header->destination.ss_family);
	FUZZ_CHECK(header->source.ss_family == AF_INET ?
	    header->source_length == sizeof(struct sockaddr_in) :
	    header->source.ss_family == AF_INET6 &&
	    header->source_length == sizeof(struct sockaddr_in6));
	FUZZ_CHECK(header->destination_length == header->source_length);
}

/* One input: whole, then prefix by prefix. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header	whole, part;
	enum proxy_parse	result, step;
	size_t			i;
	int			signature;

	result = proxy_header_parse(data, size, &whole);
	if (result == PROXY_PARSE_DONE)
		check_header(&whole, size);
	else if (result == PROXY_PARSE_INVALID)
		FUZZ_CHECK(whole.reason != NULL && whole.reason[0] != '\0');
	else
		FUZZ_CHECK(size < PROXY_HEADER_MAX);
	for (i = 0; i <= size; i++) {
		step = proxy_header_parse(data, i, &part);
		if (step == PROXY_PARSE_MORE) {
			FUZZ_CHECK(i < PROXY_HEADER_MAX);
			continue;
		}
		FUZZ_CHECK(step == result);
		if (step == PROXY_PARSE_DONE) {
			FUZZ_CHECK(part.length == i && part.length ==
			    whole.length && part.carried == whole.carried);
			FUZZ_CHECK(memcmp(&part.source, &whole.source,
			    sizeof(part.source)) == 0 || !part.carried);
		}
		break;
	}
	signature = proxy_header_signature(data, size);
	FUZZ_CHECK(signature >= -1 && signature <= 1);
	if (result == PROXY_PARSE_DONE)
		FUZZ_CHECK(signature == 1);
	return 0;
}
