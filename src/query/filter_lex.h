/*
 * filter_lex.h - the filter tokenizer and the parser state it advances,
 * with the error reporting (line, column, caret) the parser uses. Internal to
 * src/query (filter_lex.c, filter_parse.c).
 */
#ifndef VIGIL_QUERY_FILTER_LEX_H
#define VIGIL_QUERY_FILTER_LEX_H

#include "query/filter_int.h"

enum tok_type { T_EOF, T_WORD, T_LP, T_RP, T_LB, T_RB, T_COMMA, T_OP, T_BANG, T_ANDAND, T_OROR, T_BAD };

struct tok {
	enum tok_type type;
	size_t pos, len;
	enum qn_op op;
};

struct parser {
	const char *s;
	size_t n;
	size_t pos;        /* lexer position */
	struct tok t;      /* current token */
	struct query_filter *f;
	char *err;
	size_t errlen;
	int rc;            /* first error */
	unsigned depth;
};

/* Advance to the next token (p->t). */
void qlex(struct parser *p);
/* Is the current token the keyword kw (case-insensitive)? */
bool qlex_is_kw(const struct parser *p, const char *kw);
/* Record the first error (code) at byte pos with msg; returns code. */
int qlex_fail(struct parser *p, size_t pos, int code, const char *msg);
/* "expected WHAT [after 'AFTER'], got 'TOKEN'" at the current token: VIGIL_ESYNTAX. */
int qlex_expected(struct parser *p, const char *what, const char *after);
/* The current token's text, NUL-terminated and truncated to size. */
void qlex_word(const struct parser *p, char *buf, size_t size);
/* An optional comparison operator; QOP_EQ when there is none. */
enum qn_op qlex_op(struct parser *p);
/* A number (with k/M/G when scaled) at most max; 0 or a vigil_err. */
int qlex_number(struct parser *p, const char *what, const char *after, uint64_t max, bool scaled,
		uint64_t *out);

#endif
