/*
 * proxy_header.c: parse a PROXY protocol header, versions 1 and 2 (see
 * proxy_header.h for what is accepted and why).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "connection/proxy_header.h"

#define V1_PREFIX		"PROXY "
#define V1_PREFIX_LENGTH	6
#define V2_COMMAND_LOCAL	0x0
#define V2_COMMAND_PROXY	0x1
#define V2_TCP4			0x11
#define V2_TCP6			0x21
#define V2_UNSPEC		0x00
#define V2_TCP4_SIZE		12	/* two addresses, two ports */
#define V2_TCP6_SIZE		36
#define V1_FIELDS		5	/* protocol, two addresses, two ports */

static const unsigned char	v2_signature[PROXY_SIGNATURE_MAX] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Whether the first length bytes of data agree with the first of prefix. */
static int
starts_like(const unsigned char *data, size_t length, const void *prefix,
    size_t prefix_length)
{
	return memcmp(data, prefix, length < prefix_length ? length :
	    prefix_length) == 0;
}

/* Invalid, for reason. */
static enum proxy_parse
invalid(struct proxy_header *header, const char *reason)
{
	header->reason = reason;
	return PROXY_PARSE_INVALID;
}

/* A decimal port, 0 to 65535, without sign or leading zero; 0 or -1. */
static int
parse_port(const char *text, in_port_t *port)
{
	unsigned long	value = 0;
	size_t		i;

	if (text[0] == '\0' || (text[0] == '0' && text[1] != '\0'))
		return -1;
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9' || i >= 5)
			return -1;
		value = value * 10 + (unsigned long)(text[i] - '0');
	}
	if (value > 65535)
		return -1;
	*port = htons((in_port_t)value);
	return 0;
}

/* Fill address with a numeric address of family and port; 0 or -1. */
static int
make_address(int family, const char *text, const char *port_text,
    struct sockaddr_storage *address, socklen_t *length)
{
	struct sockaddr_in	*four = (struct sockaddr_in *)address;
	struct sockaddr_in6	*six = (struct sockaddr_in6 *)address;
	in_port_t		 port;

	memset(address, 0, sizeof(*address));
	if (parse_port(port_text, &port) == -1)
		return -1;
	if (family == AF_INET) {
		if (inet_pton(AF_INET, text, &four->sin_addr) != 1)
			return -1;
		four->sin_family = AF_INET;
		four->sin_port = port;
		*length = sizeof(*four);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &six->sin6_addr) != 1)
		return -1;
	six->sin6_family = AF_INET6;
	six->sin6_port = port;
	*length = sizeof(*six);
	return 0;
}

/*
 * The fields of a whole version 1 line after "PROXY " (its CRLF cut),
 * split at single spaces into fields; their count, or -1 for an empty one.
 */
static int
split_fields(char *line, char *fields[V1_FIELDS + 1])
{
	int	count = 0, i;
	char	*space;

	for (;;) {
		fields[count++] = line;
		if (count == V1_FIELDS + 1 ||
		    (space = strchr(line, ' ')) == NULL)
			break;	/* more than enough is too many anyway */
		*space = '\0';
		line = space + 1;
	}
	for (i = 0; i < count; i++)
		if (fields[i][0] == '\0')
			return -1;
	return count;
}

/* Parse a whole version 1 line of length bytes, CRLF excluded. */
static enum proxy_parse
parse_v1_line(const unsigned char *data, size_t length,
    struct proxy_header *header)
{
	char	 line[PROXY_V1_MAX + 1], *fields[V1_FIELDS + 1];
	int	 family, count;

	memcpy(line, data + V1_PREFIX_LENGTH, length - V1_PREFIX_LENGTH);
	line[length - V1_PREFIX_LENGTH] = '\0';
	header->version = 1;
	header->length = length + 2;
	if (strcmp(line, "UNKNOWN") == 0 ||
	    strncmp(line, "UNKNOWN ", 8) == 0) {
		header->carried = 0;
		return PROXY_PARSE_DONE;
	}
	if ((count = split_fields(line, fields)) == -1)
		return invalid(header, "v1: an empty field (two spaces in a "
		    "row, or a space at an end)");
	if (strcmp(fields[0], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(fields[0], "TCP6") == 0)
		family = AF_INET6;
	else
		return invalid(header, "v1: protocol not TCP4, TCP6 or "
		    "UNKNOWN");
	if (count != V1_FIELDS)
		return invalid(header, "v1: not SOURCE DESTINATION SPORT "
		    "DPORT");
	if (make_address(family, fields[1], fields[3], &header->source,
	    &header->source_length) == -1)
		return invalid(header, family == AF_INET ? "v1: bad TCP4 "
		    "source address or port" : "v1: bad TCP6 source address "
		    "or port");
	if (make_address(family, fields[2], fields[4], &header->destination,
	    &header->destination_length) == -1)
		return invalid(header, family == AF_INET ? "v1: bad TCP4 "
		    "destination address or port" : "v1: bad TCP6 "
		    "destination address or port");
	header->carried = 1;
	return PROXY_PARSE_DONE;
}

/* Version 1: "PROXY ..." up to a CRLF within PROXY_V1_MAX bytes. */
static enum proxy_parse
parse_v1(const unsigned char *data, size_t length,
    struct proxy_header *header)
{
	size_t	i;

	for (i = 0; i < length && i < PROXY_V1_MAX; i++) {
		if (i < V1_PREFIX_LENGTH)
			continue;	/* checked by the caller */
		if (data[i] == '\r') {
			if (i + 2 > PROXY_V1_MAX)
				return invalid(header, "v1: longer than 107 "
				    "bytes");
			if (i + 1 == length)
				return PROXY_PARSE_MORE;
			if (data[i + 1] != '\n')
				return invalid(header, "v1: CR not followed "
				    "by LF");
			return parse_v1_line(data, i, header);
		}
		if (data[i] == '\n')
			return invalid(header, "v1: LF without CR");
		if (data[i] < 0x20 || data[i] > 0x7e)
			return invalid(header, "v1: a control or non-ASCII "
			    "byte");
	}
	if (length >= PROXY_V1_MAX)
		return invalid(header, "v1: longer than 107 bytes");
	return PROXY_PARSE_MORE;
}

/* A big-endian 16-bit number. */
static size_t
read_16(const unsigned char *bytes)
{
	return (size_t)bytes[0] << 8 | bytes[1];
}

/*
 * Why version 2's family and protocol byte cannot be served (NULL when it
 * can), and the size of its addresses.
 */
static const char *
v2_family(unsigned char family, size_t *size)
{
	switch (family) {
	case V2_UNSPEC:
		*size = 0;
		return NULL;
	case V2_TCP4:
		*size = V2_TCP4_SIZE;
		return NULL;
	case V2_TCP6:
		*size = V2_TCP6_SIZE;
		return NULL;
	case 0x12:
	case 0x22:
		return "v2: UDP, not a TCP connection";
	case 0x30:
	case 0x31:
	case 0x32:
		return "v2: UNIX socket addresses";
	case 0x10:
	case 0x20:
		return "v2: transport protocol unspecified";
	default:
		return "v2: unknown address family or transport protocol";
	}
}

/* Check that the TLVs from offset to end are well framed; 0 or reason. */
static const char *
v2_check_tlvs(const unsigned char *data, size_t offset, size_t end)
{
	size_t	value_length;

	while (offset < end) {
		if (end - offset < 3)
			return "v2: truncated TLV";
		value_length = read_16(data + offset + 1);
		if (value_length > end - offset - 3)
			return "v2: TLV longer than the header";
		offset += 3 + value_length;
	}
	return NULL;
}

/* Fill the addresses of a TCP over IPv4 or IPv6 version 2 header. */
static void
v2_addresses(const unsigned char *data, unsigned char family,
    struct proxy_header *header)
{
	struct sockaddr_in	*four;
	struct sockaddr_in6	*six;
	const unsigned char	*at = data + PROXY_V2_FIXED;

	memset(&header->source, 0, sizeof(header->source));
	memset(&header->destination, 0, sizeof(header->destination));
	if (family == V2_TCP4) {
		four = (struct sockaddr_in *)&header->source;
		four->sin_family = AF_INET;
		memcpy(&four->sin_addr, at, 4);
		memcpy(&four->sin_port, at + 8, 2);
		four = (struct sockaddr_in *)&header->destination;
		four->sin_family = AF_INET;
		memcpy(&four->sin_addr, at + 4, 4);
		memcpy(&four->sin_port, at + 10, 2);
		header->source_length = sizeof(struct sockaddr_in);
	} else {
		six = (struct sockaddr_in6 *)&header->source;
		six->sin6_family = AF_INET6;
		memcpy(&six->sin6_addr, at, 16);
		memcpy(&six->sin6_port, at + 32, 2);
		six = (struct sockaddr_in6 *)&header->destination;
		six->sin6_family = AF_INET6;
		memcpy(&six->sin6_addr, at + 16, 16);
		memcpy(&six->sin6_port, at + 34, 2);
		header->source_length = sizeof(struct sockaddr_in6);
	}
	header->destination_length = header->source_length;
}

/* Version 2: the signature, command, family, length, then the payload. */
static enum proxy_parse
parse_v2(const unsigned char *data, size_t length,
    struct proxy_header *header)
{
	const char	*reason;
	size_t		 payload, size = 0;
	int		 command;

	if (length <= PROXY_SIGNATURE_MAX)
		return PROXY_PARSE_MORE;
	if ((data[12] & 0xf0) != 0x20)
		return invalid(header, "v2: version is not 2");
	command = data[12] & 0x0f;
	if (command != V2_COMMAND_LOCAL && command != V2_COMMAND_PROXY)
		return invalid(header, "v2: command neither LOCAL nor PROXY");
	if (length > 13 && command == V2_COMMAND_PROXY &&
	    (reason = v2_family(data[13], &size)) != NULL)
		return invalid(header, reason);
	if (length < PROXY_V2_FIXED)
		return PROXY_PARSE_MORE;
	payload = read_16(data + 14);
	if (payload > PROXY_V2_PAYLOAD_MAX)
		return invalid(header, "v2: more than 536 bytes after the "
		    "first 16");
	if (command == V2_COMMAND_PROXY && payload < size)
		return invalid(header, "v2: length shorter than the "
		    "addresses");
	if (length < PROXY_V2_FIXED + payload)
		return PROXY_PARSE_MORE;
	header->version = 2;
	header->length = PROXY_V2_FIXED + payload;
	header->carried = 0;
	if (command == V2_COMMAND_LOCAL)
		return PROXY_PARSE_DONE;	/* addresses ignored: a check */
	if ((reason = v2_check_tlvs(data, PROXY_V2_FIXED + size,
	    header->length)) != NULL)
		return invalid(header, reason);
	if (size != 0) {
		v2_addresses(data, data[13], header);
		header->carried = 1;
	}
	return PROXY_PARSE_DONE;
}

/* Parse the bytes received so far; see proxy_header.h. */
enum proxy_parse
proxy_header_parse(const unsigned char *data, size_t length,
    struct proxy_header *header)
{
	header->reason = NULL;
	if (length == 0)
		return PROXY_PARSE_MORE;
	if (starts_like(data, length, V1_PREFIX, V1_PREFIX_LENGTH))
		return parse_v1(data, length, header);
	if (starts_like(data, length, v2_signature, sizeof(v2_signature)))
		return parse_v2(data, length, header);
	return invalid(header, "no PROXY signature");
}

/* Whether data starts with a PROXY signature: 1, 0, or -1 (undecided). */
int
proxy_header_signature(const unsigned char *data, size_t length)
{
	if (length == 0)
		return -1;
	if (starts_like(data, length, V1_PREFIX, V1_PREFIX_LENGTH))
		return length >= V1_PREFIX_LENGTH ? 1 : -1;
	if (starts_like(data, length, v2_signature, sizeof(v2_signature)))
		return length >= sizeof(v2_signature) ? 1 : -1;
	return 0;
}
