/*
 * config_lexer.c: read pforkd.conf line by line and split each line into
 * tokens, refusing what no text editor writes (NUL bytes, endless lines)
 * before the parser sees it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/config_lexer.h"

/* Record a fault at a byte offset of the current line; always -1. */
static int
lexer_fail(struct config_lexer *lexer, size_t offset, const char *format,
    ...) __attribute__((format(printf, 3, 4)));

static int
lexer_fail(struct config_lexer *lexer, size_t offset, const char *format,
    ...)
{
	va_list	ap;

	va_start(ap, format);
	(void)vsnprintf(lexer->error, sizeof(lexer->error), format, ap);
	va_end(ap);
	lexer->error_column = (int)offset + 1;
	return -1;
}

/* Start reading file (the caller opens and closes it). */
void
config_lexer_init(struct config_lexer *lexer, FILE *file)
{
	memset(lexer, 0, sizeof(*lexer));
	lexer->file = file;
}

/* Read the next line, without its newline, into source; 1, 0 or -1. */
static int
read_line(struct config_lexer *lexer)
{
	size_t	length = 0;
	int	c;

	if (lexer->line == INT_MAX)
		return lexer_fail(lexer, 0, "too many lines");
	lexer->line++;
	while ((c = getc(lexer->file)) != EOF && c != '\n') {
		if (c == '\0')
			return lexer_fail(lexer, length,
			    "NUL byte in the line");
		if (length == CONFIG_LINE_MAX)
			return lexer_fail(lexer, 0, "line longer than %d bytes",
			    CONFIG_LINE_MAX);
		lexer->source[length++] = (char)c;
	}
	lexer->source[length] = '\0';
	if (ferror(lexer->file))
		return lexer_fail(lexer, 0, "cannot read: %s", strerror(errno));
	return c == EOF && length == 0 ? 0 : 1;
}

/* Whether c separates tokens. */
static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Whether c ends a bare word. */
static int
ends_word(char c)
{
	return c == '\0' || is_blank(c) || strchr("#{}\"", c) != NULL;
}

/* Copy the quoted string at source + *at, unescaped, to *out; 0 or -1. */
static int
lex_quoted(struct config_lexer *lexer, size_t *at, char **out)
{
	const char	*source = lexer->source;
	size_t		 start = *at;

	for (++*at; source[*at] != '"'; ++*at) {
		if (source[*at] == '\0')
			return lexer_fail(lexer, start, "unterminated string");
		if (source[*at] == '\\' &&
		    (source[*at + 1] == '"' || source[*at + 1] == '\\'))
			++*at;
		*(*out)++ = source[*at];
	}
	++*at;
	return 0;
}

/* Copy the mark or bare word at source + *at to *out. */
static void
lex_word(struct config_lexer *lexer, size_t *at, char **out)
{
	const char	*source = lexer->source;

	if (source[*at] == '{' || source[*at] == '}') {
		*(*out)++ = source[(*at)++];
		return;
	}
	while (!ends_word(source[*at]))
		*(*out)++ = source[(*at)++];
}

/* Split source into at most CONFIG_TOKENS_MAX tokens; 0 or -1. */
static int
lex_line(struct config_lexer *lexer)
{
	struct config_token	*token;
	char			*out = lexer->words;
	size_t			 at = 0;

	for (lexer->count = 0; lexer->count < CONFIG_TOKENS_MAX;
	    lexer->count++) {
		while (is_blank(lexer->source[at]))
			at++;
		if (lexer->source[at] == '\0' || lexer->source[at] == '#')
			break;
		token = &lexer->tokens[lexer->count];
		token->text = out;
		token->column = (int)at + 1;
		token->quoted = lexer->source[at] == '"';
		if (!token->quoted)
			lex_word(lexer, &at, &out);
		else if (lex_quoted(lexer, &at, &out) == -1)
			return -1;
		*out++ = '\0';
		token->width = (int)at + 1 - token->column;
	}
	return 0;
}

/*
 * Read the next line's tokens: 1 (count may be 0 for a blank line or a
 * comment), 0 at the end of the file, or -1 with error and error_column.
 */
int
config_lexer_next(struct config_lexer *lexer)
{
	int	status;

	lexer->count = 0;
	if ((status = read_line(lexer)) != 1)
		return status;
	return lex_line(lexer) == -1 ? -1 : 1;
}

/* Whether token is the bare mark (or word) text, not a quoted string. */
int
config_token_is(const struct config_token *token, const char *mark)
{
	return !token->quoted && strcmp(token->text, mark) == 0;
}

/* Write "PATH:LINE:COLUMN: message" into error, for any file's reader. */
void
config_error_at(char *error, size_t error_size, const char *path, int line,
    int column, const char *format, va_list ap)
{
	char	message[512];

	(void)vsnprintf(message, sizeof(message), format, ap);
	(void)snprintf(error, error_size, "%s:%d:%d: %s", path, line, column,
	    message);
}
