/*
 * config_lexer.h: split a pforkd.conf stream into lines of tokens.
 *
 * A token is a bare word (a run of bytes other than blanks, '#', '{', '}'
 * and '"'), a double-quoted string (in which \" and \\ stand for a quote
 * and a backslash), or one of the marks '{' and '}'.  A '#' outside quotes
 * starts a comment that runs to the end of the line.  Lines longer than
 * CONFIG_LINE_MAX bytes, NUL bytes and unterminated strings are errors.
 */
#ifndef PFORKD_CONFIG_LEXER_H
#define PFORKD_CONFIG_LEXER_H

#include <stdarg.h>
#include <stdio.h>

#define CONFIG_LINE_MAX		4096	/* bytes per line, newline excluded */
#define CONFIG_TOKENS_MAX	4	/* a longer line is never a statement */

struct config_token {
	const char	*text;		/* unquoted, NUL-terminated */
	int		 column;	/* 1-based, of its first byte */
	int		 width;		/* bytes it spans in the line */
	int		 quoted;	/* 1 for a quoted string */
};

struct config_lexer {
	FILE			*file;
	int			 line;		/* of the tokens last read */
	int			 count;		/* tokens on it, at most MAX */
	struct config_token	 tokens[CONFIG_TOKENS_MAX];
	int			 error_column;	/* of the fault, after -1 */
	char			 error[128];	/* what the fault is */
	char			 source[CONFIG_LINE_MAX + 1];
	/* Token texts: each is no longer than its span, plus a NUL. */
	char			 words[CONFIG_LINE_MAX + CONFIG_TOKENS_MAX];
};

void	config_lexer_init(struct config_lexer *, FILE *);
int	config_lexer_next(struct config_lexer *);
int	config_token_is(const struct config_token *, const char *mark);
void	config_error_at(char *error, size_t error_size, const char *path,
	    int line, int column, const char *format, va_list);

#endif /* PFORKD_CONFIG_LEXER_H */
