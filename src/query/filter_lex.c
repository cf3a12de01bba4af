/*
 * filter_lex.c - tokenizer of the filter language (words, operators,
 * brackets), numbers with nfdump's k/M/G suffixes, comparison operators, and
 * the error messages with line, column and a caret under the fault.
 */
#include "query/filter_lex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == ':' || c == '/' || c == '_';
}

void qlex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos;

	while (i < p->n && isspace((unsigned char)s[i]))
		i++;
	p->t.pos = i;
	p->t.len = 1;
	if (i >= p->n) {
		p->t.type = T_EOF;
		p->t.len = 0;
		p->pos = i;
		return;
	}
	char c = s[i], d = i + 1 < p->n ? s[i + 1] : '\0';
	switch (c) {
	case '(': p->t.type = T_LP; break;
	case ')': p->t.type = T_RP; break;
	case '[': p->t.type = T_LB; break;
	case ']': p->t.type = T_RB; break;
	case ',': p->t.type = T_COMMA; break;
	case '=':
		p->t.type = T_OP;
		p->t.op = QOP_EQ;
		p->t.len = d == '=' ? 2 : 1;
		break;
	case '<':
	case '>':
		p->t.type = T_OP;
		p->t.op = c == '<' ? (d == '=' ? QOP_LE : QOP_LT) : (d == '=' ? QOP_GE : QOP_GT);
		p->t.len = d == '=' ? 2 : 1;
		break;
	case '!':
		if (d == '=') {
			p->t.type = T_OP;
			p->t.op = QOP_NE;
			p->t.len = 2;
		} else {
			p->t.type = T_BANG;
		}
		break;
	case '&':
		p->t.type = d == '&' ? T_ANDAND : T_BAD;
		p->t.len = d == '&' ? 2 : 1;
		break;
	case '|':
		p->t.type = d == '|' ? T_OROR : T_BAD;
		p->t.len = d == '|' ? 2 : 1;
		break;
	default:
		if (is_word_char(c)) {
			size_t j = i;
			/* '-' joins letters inside a word: nfdump's icmp-type, icmp-code */
			while (j < p->n && (is_word_char(s[j]) ||
					    (s[j] == '-' && j > i && isalpha((unsigned char)s[j - 1]) &&
					     j + 1 < p->n && isalpha((unsigned char)s[j + 1]))))
				j++;
			p->t.type = T_WORD;
			p->t.len = j - i;
		} else {
			p->t.type = T_BAD;
		}
	}
	p->pos = i + p->t.len;
}

bool qlex_is_kw(const struct parser *p, const char *kw)
{
	size_t l = strlen(kw);
	return p->t.type == T_WORD && p->t.len == l && strncasecmp(p->s + p->t.pos, kw, l) == 0;
}

/* Report an error at the current token: "what" is what was expected. */
int qlex_fail(struct parser *p, size_t pos, int code, const char *msg)
{
	size_t line = 1, lstart = 0, lend;

	if (p->rc)
		return p->rc;
	p->rc = code;
	if (!p->err || p->errlen == 0)
		return code;
	for (size_t i = 0; i < pos && i < p->n; i++)
		if (p->s[i] == '\n') {
			line++;
			lstart = i + 1;
		}
	lend = lstart;
	while (lend < p->n && p->s[lend] != '\n')
		lend++;
	size_t col = pos - lstart;
	int shown = (int)(lend - lstart > 200 ? 200 : lend - lstart);
	int caret = (int)(col > 200 ? 200 : col);
	snprintf(p->err, p->errlen, "filter:%zu:%zu: %s\n  %.*s\n  %*s^", line, col + 1, msg, shown,
		 p->s + lstart, caret, "");
	return code;
}

/* "expected X after 'Y', got 'Z'" at the current token. */
int qlex_expected(struct parser *p, const char *what, const char *after)
{
	char msg[256], got[48];

	if (p->t.type == T_EOF)
		snprintf(got, sizeof(got), "end of filter");
	else
		snprintf(got, sizeof(got), "'%.*s'", (int)(p->t.len > 40 ? 40 : p->t.len),
			 p->s + p->t.pos);
	if (after)
		snprintf(msg, sizeof(msg), "expected %s after '%s', got %s", what, after, got);
	else
		snprintf(msg, sizeof(msg), "expected %s, got %s", what, got);
	return qlex_fail(p, p->t.pos, VIGIL_ESYNTAX, msg);
}

/* Copy the current word (bounded) into buf. */
void qlex_word(const struct parser *p, char *buf, size_t size)
{
	size_t l = p->t.len < size - 1 ? p->t.len : size - 1;
	memcpy(buf, p->s + p->t.pos, l);
	buf[l] = '\0';
}

/* Optional comparison operator (= == != < > <= >= eq ne lt gt le ge). */
enum qn_op qlex_op(struct parser *p)
{
	static const struct { const char *w; enum qn_op op; } words[] = {
		{ "eq", QOP_EQ }, { "ne", QOP_NE }, { "lt", QOP_LT }, { "gt", QOP_GT },
		{ "le", QOP_LE }, { "ge", QOP_GE },
	};
	if (p->t.type == T_OP) {
		enum qn_op op = p->t.op;
		qlex(p);
		return op;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (qlex_is_kw(p, words[i].w)) {
			qlex(p);
			return words[i].op;
		}
	return QOP_EQ;
}

/* A number with an optional k/M/G suffix (x1000 each, as nfdump). */
int qlex_number(struct parser *p, const char *what, const char *after, uint64_t max,
		  bool scaled, uint64_t *out)
{
	char buf[40];
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	if (p->t.type != T_WORD || p->t.len >= sizeof(buf))
		return qlex_expected(p, what, after);
	qlex_word(p, buf, sizeof(buf));
	if (!isdigit((unsigned char)buf[0]))
		return qlex_expected(p, what, after);
	for (; isdigit((unsigned char)buf[i]); i++) {
		unsigned dgt = (unsigned)(buf[i] - '0');
		if (v > (UINT64_MAX - dgt) / 10)
			return qlex_fail(p, p->t.pos, VIGIL_ESYNTAX, "number too large");
		v = v * 10 + dgt;
	}
	if (buf[i] && scaled && !buf[i + 1]) {
		char c = (char)tolower((unsigned char)buf[i]);
		mul = c == 'k' ? 1000ULL : c == 'm' ? 1000000ULL : c == 'g' ? 1000000000ULL : 0;
		if (mul)
			i++;
	}
	if (buf[i] || mul == 0)
		return qlex_expected(p, what, after);
	if (v > max / mul)
		return qlex_fail(p, p->t.pos, VIGIL_ESYNTAX, "number out of range");
	*out = v * mul;
	qlex(p);
	return 0;
}

