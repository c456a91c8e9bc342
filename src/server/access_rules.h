/*
 * access_rules.h: allow and deny lists of IPv4 and IPv6 networks, as
 * xinetd's only_from and no_access, checked for every accepted peer.
 *
 * A list grows one rule at a time from the "allow" and "deny" keywords.
 * The most specific rule (the longest prefix) that matches a peer decides;
 * at equal length deny wins.  A peer no rule matches is admitted only
 * when the list has no allow rule.  A NULL list admits everyone.  Lists
 * are reference-counted, so services can share the global one.
 */
#ifndef PFORKD_ACCESS_RULES_H
#define PFORKD_ACCESS_RULES_H

#include <stddef.h>

#define ACCESS_RULES_MAX	4096	/* rules in one list */
#define ACCESS_RULE_TEXT_MAX	64	/* the longest network written */
#define ACCESS_REASON_MAX	128	/* a refusal's reason, NUL included */

struct access_rules;
struct option_keyword;
struct sockaddr;

/*
 * Append a rule for cidr: A.B.C.D[/N], X::Y[/N], [X::Y][/N] or all.  The
 * list is made on first use.  0, or -1 with a message in error.
 */
int	access_rules_add(struct access_rules **, int allow, const char *cidr,
	    char *error, size_t error_size);

/*
 * The option setter of "allow" and "deny" (util/option_table.h): the
 * keyword's field is a struct access_rules *, to which a rule is added;
 * any keyword but "deny" (such as "proxy-from") adds an allow rule.
 */
int	access_rules_set_keyword(void *base, const struct option_keyword *,
	    const char *value, char *error, size_t error_size);

/* 1 when rules admit peer, 0 when they refuse it; NULL admits all. */
int	access_rules_permit(const struct access_rules *,
	    const struct sockaddr *peer);

/*
 * The same, and when refused, why, in reason (at most ACCESS_REASON_MAX
 * bytes are useful): "denied by access rules (deny 10.0.0.0/8)".
 */
int	access_rules_check(const struct access_rules *,
	    const struct sockaddr *peer, char *reason, size_t reason_size);

/* Take one more reference to rules (which may be NULL); rules. */
struct access_rules *access_rules_hold(struct access_rules *);

/* Drop one reference; the last frees the list.  NULL is ignored. */
void	access_rules_free(struct access_rules *);

/* The number of rules in the list; 0 for NULL. */
size_t	access_rules_count(const struct access_rules *);

/* Write the rules as "allow 10.0.0.0/8, deny all" into text. */
void	access_rules_describe(const struct access_rules *, char *text,
	    size_t size);

#endif /* PFORKD_ACCESS_RULES_H */
