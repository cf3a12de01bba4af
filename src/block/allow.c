/*
 * allow.c - the allow-list: addresses and prefixes that are never blocked
 * (the team's own, DNS resolvers, the routers). Entries come from [block]
 * allow and from a file of them ([block] allow_file), one a line with an
 * optional label; a block is refused when it overlaps any entry (covers
 * it, or lies inside it). Kept as a sorted array: a few thousand entries
 * at most, checked once per new block.
 */
#include "block/block.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct allow_entry {
	struct vprefix p;
	char label[96];
};

struct block_allow {
	struct allow_entry *e;
	size_t n, cap;
};

struct block_allow *block_allow_new(void)
{
	return calloc(1, sizeof(struct block_allow));
}

void block_allow_free(struct block_allow *a)
{
	if (!a)
		return;
	free(a->e);
	free(a);
}

size_t block_allow_count(const struct block_allow *a)
{
	return a ? a->n : 0;
}

static int add_entry(struct block_allow *a, const struct vprefix *p, const char *label)
{
	struct allow_entry *grown;

	if (a->n == BLOCK_MAX_ALLOW)
		return VIGIL_ELIMIT;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;

		if (!(grown = realloc(a->e, cap * sizeof(*grown))))
			return VIGIL_ENOMEM;
		a->e = grown;
		a->cap = cap;
	}
	a->e[a->n].p = *p;
	snprintf(a->e[a->n].label, sizeof(a->e[a->n].label), "%s", label ? label : "");
	a->n++;
	return 0;
}

int block_allow_add(struct block_allow *a, const char *prefix, const char *label)
{
	struct vprefix p;

	if (!prefix || prefix_parse(prefix, &p))
		return VIGIL_EINVAL;
	return add_entry(a, &p, label);
}

int block_allow_parse(struct block_allow *a, const char *text, size_t len, const char *name,
		      char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos, i = 0, w;
		char word[PREFIX_STRLEN + 1], label[96];
		struct vprefix p;
		int rc;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (ll > BLOCK_ALLOW_LINE) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, lineno,
				 BLOCK_ALLOW_LINE);
			return VIGIL_EFORMAT;
		}
		while (i < ll && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == ll || line[i] == '#')
			continue;
		for (w = i; w < ll && !isspace((unsigned char)line[w]) && line[w] != '#'; w++)
			;
		if (w - i >= sizeof(word)) {
			snprintf(err, errlen, "%s:%u: '%.40s...' is not an address or prefix", name,
				 lineno, line + i);
			return VIGIL_EFORMAT;
		}
		memcpy(word, line + i, w - i);
		word[w - i] = '\0';
		if (prefix_parse(word, &p)) {
			snprintf(err, errlen, "%s:%u: '%s' is not an address or prefix", name, lineno,
				 word);
			return VIGIL_EFORMAT;
		}
		/* the rest of the line, up to a comment, is the label */
		while (w < ll && (line[w] == ' ' || line[w] == '\t'))
			w++;
		{
			size_t e = w;

			while (e < ll && line[e] != '#')
				e++;
			while (e > w && isspace((unsigned char)line[e - 1]))
				e--;
			if (e == w && w < ll && line[w] == '#') { /* "ADDR # label" */
				w++;
				while (w < ll && (line[w] == ' ' || line[w] == '\t'))
					w++;
				e = ll;
				while (e > w && isspace((unsigned char)line[e - 1]))
					e--;
			}
			snprintf(label, sizeof(label), "%.*s, %s:%u",
				 (int)(e - w > 60 ? 60 : e - w), line + w, name, lineno);
			if (e == w)
				snprintf(label, sizeof(label), "%s:%u", name, lineno);
		}
		if ((rc = add_entry(a, &p, label))) {
			snprintf(err, errlen, "%s:%u: %s (at most %d entries)", name, lineno,
				 vigil_strerror(rc), BLOCK_MAX_ALLOW);
			return rc;
		}
	}
	return 0;
}

/* Whether x and y share an address: the shorter one contains the other's network. */
static bool overlap(const struct vprefix *x, const struct vprefix *y)
{
	return x->len <= y->len ? prefix_contains(x, &y->addr) : prefix_contains(y, &x->addr);
}

int block_allow_hit(const struct block_allow *a, const struct vprefix *p, char *what, size_t n)
{
	char s[PREFIX_STRLEN];

	for (size_t i = 0; a && i < a->n; i++) {
		const struct allow_entry *e = &a->e[i];

		if (!overlap(&e->p, p))
			continue;
		prefix_format(&e->p, s);
		if (e->label[0])
			snprintf(what, n, "%s (%s)", s, e->label);
		else
			snprintf(what, n, "%s", s);
		return 1;
	}
	return 0;
}
