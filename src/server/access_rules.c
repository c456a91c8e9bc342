/*
 * access_rules.c: allow and deny lists of IPv4 and IPv6 networks.
 *
 * A rule is a network in CIDR form.  A rule written in IPv6 inside
 * ::ffff:0:0/96 (IPv4-mapped addresses) is kept as the IPv4 rule it
 * means, and a mapped peer, as a dual-stack listener reports an IPv4
 * client, is matched as the IPv4 address it carries: an IPv4 client meets
 * the same rules whichever listener it reached.  "all" matches every peer
 * of both families with a prefix of length 0.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat.h"
#include "server/access_rules.h"
#include "util/array.h"
#include "util/option_table.h"
#include "util/parse_number.h"

#define FAMILY_ANY	0	/* "all": both families */

struct access_rule {
	int		allow;
	int		family;		/* AF_INET, AF_INET6 or FAMILY_ANY */
	unsigned char	bytes[16];	/* 4 used for AF_INET */
	unsigned int	prefix;		/* bits */
	char		text[ACCESS_RULE_TEXT_MAX];	/* as written */
};

struct access_rules {
	struct access_rule	*rules;
	size_t			 count;
	size_t			 capacity;
	size_t			 allow_count;
	unsigned int		 references;
};

/* The first 12 bytes of an IPv4-mapped IPv6 address, ::ffff:0:0/96. */
static const unsigned char	mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Whether the first prefix bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b,
    unsigned int prefix)
{
	unsigned int	whole = prefix / 8, rest = prefix % 8;
	unsigned char	mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Clear the bits of bytes (length bytes) past the first prefix bits. */
static void
clear_host_bits(unsigned char *bytes, size_t length, unsigned int prefix)
{
	size_t	i;

	for (i = 0; i < length; i++) {
		if (prefix >= (i + 1) * 8)
			continue;
		if (prefix > i * 8)
			bytes[i] &= (unsigned char)(0xff <<
			    (8 - (prefix - i * 8)));
		else
			bytes[i] = 0;
	}
}

/* The usual error for text that is no network; always -1. */
static int
not_a_network(const char *cidr, char *error, size_t error_size)
{
	(void)snprintf(error, error_size, "'%s' is not an IPv4 or IPv6 "
	    "network (ADDRESS, ADDRESS/BITS or all)", cidr);
	return -1;
}

/*
 * Parse cidr into rule (family, bytes, prefix); 0, or -1 with a message.
 * The address may be bracketed when it is IPv6; host bits past the prefix
 * are refused with the network that was probably meant.
 */
static int
parse_network(const char *cidr, struct access_rule *rule, char *error,
    size_t error_size)
{
	char		 copy[ACCESS_RULE_TEXT_MAX], *address = copy, *slash;
	char		 shown[INET6_ADDRSTRLEN];
	unsigned char	 network[16];
	unsigned int	 prefix, most;
	size_t		 length;
	int		 bracketed = 0;

	if (strcmp(cidr, "all") == 0) {
		rule->family = FAMILY_ANY;
		rule->prefix = 0;
		return 0;
	}
	if (strlcpy(copy, cidr, sizeof(copy)) >= sizeof(copy))
		return not_a_network(cidr, error, error_size);
	if ((slash = strchr(copy, '/')) != NULL)
		*slash++ = '\0';
	if (address[0] == '[') {
		length = strlen(address);
		if (length < 2 || address[length - 1] != ']')
			return not_a_network(cidr, error, error_size);
		address[length - 1] = '\0';
		address++;
		bracketed = 1;
	}
	if (strchr(address, ':') != NULL)
		rule->family = AF_INET6;
	else if (bracketed) {
		(void)snprintf(error, error_size, "'%s': only IPv6 addresses "
		    "are written in brackets", cidr);
		return -1;
	} else
		rule->family = AF_INET;
	if (inet_pton(rule->family, address, rule->bytes) != 1)
		return not_a_network(cidr, error, error_size);
	most = rule->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = most;
	else if (parse_count(slash, most, &prefix) == -1) {
		(void)snprintf(error, error_size, "'%s': the prefix length "
		    "after '/' must be a number from 0 to %u", cidr, most);
		return -1;
	}
	rule->prefix = prefix;
	memcpy(network, rule->bytes, sizeof(network));
	clear_host_bits(network, most / 8, prefix);
	if (memcmp(network, rule->bytes, most / 8) != 0) {
		(void)inet_ntop(rule->family, network, shown, sizeof(shown));
		(void)snprintf(error, error_size, "%s has host bits set; did "
		    "you mean %s%s%s/%u?", cidr, bracketed ? "[" : "", shown,
		    bracketed ? "]" : "", prefix);
		return -1;
	}
	/* ::ffff:a.b.c.d/96+N is the IPv4 network a.b.c.d/N. */
	if (rule->family == AF_INET6 && prefix >= 96 &&
	    memcmp(rule->bytes, mapped_prefix, sizeof(mapped_prefix)) == 0) {
		memmove(rule->bytes, rule->bytes + 12, 4);
		memset(rule->bytes + 4, 0, 12);
		rule->family = AF_INET;
		rule->prefix = prefix - 96;
	}
	return 0;
}

/* Append a rule for cidr to the list, made on first use; 0 or -1. */
int
access_rules_add(struct access_rules **list, int allow, const char *cidr,
    char *error, size_t error_size)
{
	struct access_rules	*rules = *list;
	struct access_rule	 rule, *grown;

	memset(&rule, 0, sizeof(rule));
	rule.allow = allow != 0;
	if (parse_network(cidr, &rule, error, error_size) == -1)
		return -1;
	(void)strlcpy(rule.text, cidr, sizeof(rule.text));
	if (rules == NULL) {
		if ((rules = calloc(1, sizeof(*rules))) == NULL) {
			(void)snprintf(error, error_size, "%s",
			    strerror(errno));
			return -1;
		}
		rules->references = 1;
		*list = rules;
	}
	if ((grown = array_grow(rules->rules, &rules->capacity,
	    rules->count + 1, sizeof(*grown), 8, ACCESS_RULES_MAX)) == NULL) {
		if (rules->count + 1 > ACCESS_RULES_MAX)
			(void)snprintf(error, error_size, "more than %d access "
			    "rules", ACCESS_RULES_MAX);
		else
			(void)snprintf(error, error_size, "%s",
			    strerror(errno));
		return -1;
	}
	rules->rules = grown;
	rules->rules[rules->count++] = rule;
	if (rule.allow)
		rules->allow_count++;
	return 0;
}

/* allow or deny NETWORK: add a rule to the keyword's list; 0 or -1. */
int
access_rules_set_keyword(void *base, const struct option_keyword *keyword,
    const char *value, char *error, size_t error_size)
{
	char	message[256];

	if (access_rules_add(option_field(base, keyword),
	    strcmp(keyword->name, "deny") != 0, value, message,
	    sizeof(message)) == 0)
		return 0;
	(void)snprintf(error, error_size, "%s: %s", keyword->name, message);
	return -1;
}

/*
 * The family and address bytes of peer, an IPv4-mapped IPv6 address
 * taken as its IPv4 address; the family, or -1 for another family.
 */
static int
peer_address(const struct sockaddr *peer, unsigned char bytes[16])
{
	const struct sockaddr_in6	*v6;

	memset(bytes, 0, 16);
	if (peer->sa_family == AF_INET) {
		memcpy(bytes, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		return AF_INET;
	}
	if (peer->sa_family != AF_INET6)
		return -1;
	v6 = (const struct sockaddr_in6 *)peer;
	if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
		memcpy(bytes, v6->sin6_addr.s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(bytes, v6->sin6_addr.s6_addr, 16);
	return AF_INET6;
}

/* Decide for peer and say why when refused; 1 admits, 0 refuses. */
int
access_rules_check(const struct access_rules *rules,
    const struct sockaddr *peer, char *reason, size_t reason_size)
{
	const struct access_rule	*rule, *best = NULL;
	unsigned char			 bytes[16];
	size_t				 i;
	int				 family;

	if (rules == NULL || rules->count == 0)
		return 1;
	family = peer_address(peer, bytes);
	for (i = 0; family != -1 && i < rules->count; i++) {
		rule = &rules->rules[i];
		if (rule->family != FAMILY_ANY && (rule->family != family ||
		    !prefix_equal(rule->bytes, bytes, rule->prefix)))
			continue;
		/* Longer wins; at equal length, deny wins. */
		if (best == NULL || rule->prefix > best->prefix ||
		    (rule->prefix == best->prefix && best->allow &&
		    !rule->allow))
			best = rule;
	}
	if (best != NULL && best->allow)
		return 1;
	if (best == NULL && rules->allow_count == 0)
		return 1;
	if (reason != NULL && reason_size > 0) {
		if (best != NULL)
			(void)snprintf(reason, reason_size, "denied by access "
			    "rules (deny %s)", best->text);
		else
			(void)snprintf(reason, reason_size, "denied by access "
			    "rules (no allow rule matches)");
	}
	return 0;
}

/* 1 when rules admit peer, 0 when they refuse it. */
int
access_rules_permit(const struct access_rules *rules,
    const struct sockaddr *peer)
{
	return access_rules_check(rules, peer, NULL, 0);
}

/* One more reference to rules; rules. */
struct access_rules *
access_rules_hold(struct access_rules *rules)
{
	if (rules != NULL)
		rules->references++;
	return rules;
}

/* Drop one reference to rules; the last frees them. */
void
access_rules_free(struct access_rules *rules)
{
	if (rules == NULL || --rules->references > 0)
		return;
	free(rules->rules);
	free(rules);
}

/* The number of rules of the list. */
size_t
access_rules_count(const struct access_rules *rules)
{
	return rules != NULL ? rules->count : 0;
}

/* Write the rules, in order, as "allow 10.0.0.0/8, deny all". */
void
access_rules_describe(const struct access_rules *rules, char *text,
    size_t size)
{
	size_t	i, used = 0;
	int	length;

	if (size == 0)
		return;
	text[0] = '\0';
	for (i = 0; rules != NULL && i < rules->count && used < size; i++) {
		length = snprintf(text + used, size - used, "%s%s %s",
		    i > 0 ? ", " : "", rules->rules[i].allow ? "allow" :
		    "deny", rules->rules[i].text);
		if (length < 0)
			break;
		used += (size_t)length;
	}
}
