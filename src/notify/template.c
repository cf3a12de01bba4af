/*
 * template.c - the notification templates (see template.h). A template is
 * compiled once into a flat list of ops (text, variable, section, inverse,
 * end), each with its line; a section knows its end and an end its section.
 * Rendering walks that list with an explicit stack of frames and context
 * items instead of recursing, so nothing in a template or its data can grow
 * the C stack: nesting stops at TMPL_MAX_DEPTH when compiling, output at the
 * buffer's cap, and work at TMPL_MAX_STEPS ops per rendering (a template
 * that nests a section over the same list sixteen deep would otherwise loop
 * for ages while writing nothing).
 */
#include "notify/template.h"
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMPL_MAX_STEPS (1u << 22) /* ops executed by one tmpl_render */
#define TMPL_SHOW 60              /* bytes of a name quoted in a message */

enum op_kind { OP_TEXT, OP_VAR, OP_SECTION, OP_INVERSE, OP_END };

struct op {
	enum op_kind kind;
	unsigned line;
	size_t off, len; /* text: bytes of src; the others: the name (NUL after it) */
	size_t pair;     /* section/inverse: index of its end; end: of its section */
};

struct tmpl {
	char *name;
	char *src; /* the text, with a NUL written after each tag's name */
	struct op *ops;
	size_t nops, cap;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int add_op(struct tmpl *t, enum op_kind k, unsigned line, size_t off, size_t len)
{
	struct op *grown;

	if (k == OP_TEXT && !len)
		return 0;
	if (t->nops == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;

		if (!(grown = realloc(t->ops, ncap * sizeof(*grown))))
			return VIGIL_ENOMEM;
		t->ops = grown;
		t->cap = ncap;
	}
	t->ops[t->nops++] = (struct op){.kind = k, .line = line, .off = off, .len = len};
	return 0;
}

static unsigned count_lines(const char *s, size_t from, size_t to)
{
	unsigned n = 0;

	for (size_t i = from; i < to; i++)
		n += s[i] == '\n';
	return n;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* "." or words of [A-Za-z0-9_-] joined by single dots. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i < n; i++)
		if (!word_char(s[i]) && !(s[i] == '.' && i > 0 && i + 1 < n && s[i + 1] != '.'))
			return false;
	return n > 0;
}

static int show(size_t n)
{
	return (int)(n > TMPL_SHOW ? TMPL_SHOW : n);
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->src);
	free(t->ops);
	free(t);
}

const char *tmpl_name(const struct tmpl *t)
{
	return t->name;
}

/*
 * The compiler proper: one pass over t->src. A tag is "{{", an optional
 * sigil (# ^ / !), a name with blanks around it, "}}". A section, inverse,
 * close or comment with only blanks before it on its line and only blanks
 * and the line end after it is standalone: the blanks and the newline go
 * with it.
 */
static int compile(struct tmpl *t, size_t len, char *err, size_t errlen)
{
	const char *name = t->name;
	char *s = t->src;
	size_t stack[TMPL_MAX_DEPTH], depth = 0, pos = 0, text_from = 0;
	unsigned line = 1; /* the line pos is on */
	int rc;

	while (pos < len) {
		const char *p = memchr(s + pos, '{', len - pos);
		size_t o, c, ns, ne, ls, le;
		unsigned tline;
		char sigil;

		if (!p)
			break;
		o = (size_t)(p - s);
		if (o + 1 >= len || s[o + 1] != '{') {
			line += count_lines(s, pos, o + 1);
			pos = o + 1;
			continue;
		}
		line += count_lines(s, pos, o);
		tline = line;
		/* a comment may span lines, a name may not */
		sigil = s[o + 2];
		for (c = o + 2; c + 1 < len && !(s[c] == '}' && s[c + 1] == '}'); c++)
			if (s[c] == '\n' && sigil != '!')
				break;
		if (c + 1 >= len) {
			say(err, errlen, "%s:%u: tag opened with '{{' is never closed with '}}'",
			    name, tline);
			return VIGIL_ESYNTAX;
		}
		if (s[c] == '\n') {
			say(err, errlen,
			    "%s:%u: tag opened with '{{' is not closed with '}}' on its line", name,
			    tline);
			return VIGIL_ESYNTAX;
		}
		ns = o + 2 + (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!');
		ne = c;
		while (ns < ne && blank(s[ns]))
			ns++;
		while (ne > ns && blank(s[ne - 1]))
			ne--;
		if (sigil != '!' && ns == ne) {
			say(err, errlen, "%s:%u: empty name in a tag", name, tline);
			return VIGIL_ESYNTAX;
		}
		if (sigil != '!' && !name_ok(s + ns, ne - ns)) {
			say(err, errlen, "%s:%u: bad name '%.*s' (letters, digits, '_', '-', dots)",
			    name, tline, show(ne - ns), s + ns);
			return VIGIL_ESYNTAX;
		}

		ls = o;
		le = c + 2;
		if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!') {
			size_t a = o, b = c + 2;

			while (a > text_from && blank(s[a - 1]))
				a--;
			while (b < len && blank(s[b]))
				b++;
			if (b + 1 < len && s[b] == '\r' && s[b + 1] == '\n')
				b++;
			if ((a == 0 || s[a - 1] == '\n') && (b == len || s[b] == '\n')) {
				ls = a;
				le = b < len ? b + 1 : b;
			}
		}
		if ((rc = add_op(t, OP_TEXT, tline, text_from, ls - text_from)))
			return rc;

		switch (sigil) {
		case '#':
		case '^':
			if (depth == TMPL_MAX_DEPTH) {
				say(err, errlen, "%s:%u: sections nested deeper than %d", name,
				    tline, TMPL_MAX_DEPTH);
				return VIGIL_ELIMIT;
			}
			if ((rc = add_op(t, sigil == '#' ? OP_SECTION : OP_INVERSE, tline, ns,
			                 ne - ns)))
				return rc;
			stack[depth++] = t->nops - 1;
			break;
		case '/': {
			struct op *open;

			if (!depth) {
				say(err, errlen, "%s:%u: '{{/%.*s}}' closes no section", name,
				    tline, show(ne - ns), s + ns);
				return VIGIL_ESYNTAX;
			}
			open = &t->ops[stack[depth - 1]];
			if (open->len != ne - ns || memcmp(s + open->off, s + ns, open->len)) {
				say(err, errlen,
				    "%s:%u: '{{/%.*s}}' does not close section '%.*s' opened on "
				    "line %u",
				    name, tline, show(ne - ns), s + ns, show(open->len),
				    s + open->off, open->line);
				return VIGIL_ESYNTAX;
			}
			if ((rc = add_op(t, OP_END, tline, ns, ne - ns)))
				return rc;
			depth--;
			t->ops[t->nops - 1].pair = stack[depth];
			t->ops[stack[depth]].pair = t->nops - 1;
			break;
		}
		case '!':
			break;
		default:
			if ((rc = add_op(t, OP_VAR, tline, ns, ne - ns)))
				return rc;
		}
		/* The bytes from ne to the end of the tag are in no op: end the name. */
		if (sigil != '!')
			s[ne] = '\0';
		line += count_lines(s, o, le);
		pos = text_from = le;
	}
	line += count_lines(s, pos, len);
	if (depth) {
		const struct op *open = &t->ops[stack[depth - 1]];

		/* the last line, not the empty one after a final newline */
		if (len && s[len - 1] == '\n' && line > 1)
			line--;
		say(err, errlen, "%s:%u: section '%.*s' opened on line %u is never closed", name,
		    line, show(open->len), s + open->off, open->line);
		return VIGIL_ESYNTAX;
	}
	return add_op(t, OP_TEXT, line, text_from, len - text_from);
}

int tmpl_compile(const char *name, const char *text, size_t len, struct tmpl **out, char *err,
                 size_t errlen)
{
	struct tmpl *t;
	int rc;

	*out = NULL;
	if (!name)
		name = "template";
	if (len > TMPL_MAX_SIZE) {
		say(err, errlen, "%s:1: template of %zu bytes is larger than the %u allowed", name,
		    len, TMPL_MAX_SIZE);
		return VIGIL_ELIMIT;
	}
	if (!(t = calloc(1, sizeof(*t))) || !(t->name = strdup(name)) ||
	    !(t->src = malloc(len + 1))) {
		tmpl_free(t);
		say(err, errlen, "%s: out of memory", name);
		return VIGIL_ENOMEM;
	}
	if (len)
		memcpy(t->src, text, len);
	t->src[len] = '\0';
	if ((rc = compile(t, len, err, errlen))) {
		if (rc == VIGIL_ENOMEM)
			say(err, errlen, "%s: out of memory", name);
		tmpl_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int tmpl_load(const char *path, struct tmpl **out, char *err, size_t errlen)
{
	FILE *fp;
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!(fp = fopen(path, "rb"))) {
		say(err, errlen, "%s: cannot be read: %s", path, strerror(errno));
		return VIGIL_EIO;
	}
	buf_init(&b, TMPL_MAX_SIZE);
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_add(&b, chunk, n);
	if (!rc && ferror(fp)) {
		say(err, errlen, "%s: cannot be read: %s", path, strerror(errno));
		rc = VIGIL_EIO;
	} else if (rc == VIGIL_ELIMIT) {
		say(err, errlen, "%s:1: template is larger than the %u bytes allowed", path,
		    TMPL_MAX_SIZE);
	} else if (rc) {
		say(err, errlen, "%s: out of memory", path);
	}
	fclose(fp);
	if (!rc)
		rc = tmpl_compile(path, b.data ? b.data : "", b.len, out, err, errlen);
	buf_free(&b);
	return rc;
}

/* ---- rendering ---- */

/*
 * name[0..n) from the innermost context item outwards: its first word is
 * looked for in every object on the stack, the rest walks down from what
 * that found (Mustache: a.b is missing when the a found has no b).
 */
static const json_t *lookup(const json_t *const *ctx, size_t nctx, const char *name, size_t n)
{
	const char *dot;
	const json_t *v = NULL;
	size_t w;

	if (n == 1 && name[0] == '.')
		return ctx[nctx - 1];
	dot = memchr(name, '.', n);
	w = dot ? (size_t)(dot - name) : n;
	for (size_t i = nctx; i-- > 0 && !v;)
		if (json_is_object(ctx[i]))
			v = json_object_getn(ctx[i], name, w);
	while (v && w < n) {
		name += w + 1;
		n -= w + 1;
		dot = memchr(name, '.', n);
		w = dot ? (size_t)(dot - name) : n;
		v = json_is_object(v) ? json_object_getn(v, name, w) : NULL;
	}
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0.0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

/* The shortest %g that reads back as d, with ".0" when it looks like an
 * integer, as JSON writers put it. */
static int put_real(struct buf *b, double d)
{
	char num[40];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, d);
		if (strtod(num, NULL) == d)
			break;
	}
	snprintf(num, sizeof(num), "%.*g", prec, d);
	if (!num[strspn(num, "-0123456789")])
		return buf_printf(b, "%s.0", num);
	return buf_addstr(b, num);
}

struct dump {
	struct buf *b;
	int rc;
};

static int dump_cb(const char *p, size_t n, void *data)
{
	struct dump *d = data;

	d->rc = buf_add(d->b, p, n);
	return d->rc ? -1 : 0;
}

static int put_value(struct buf *b, const json_t *v)
{
	struct dump d = {.b = b};

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return buf_add(b, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return put_real(b, json_real_value(v));
	if (json_is_true(v))
		return buf_addstr(b, "true");
	if (json_is_false(v))
		return buf_addstr(b, "false");
	/* a list or object where a value was asked for: its compact JSON */
	if (json_dump_callback(v, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY))
		return d.rc ? d.rc : VIGIL_ENOMEM;
	return 0;
}

/*
 * A program counter over the ops: a section pushes a frame (its list and
 * where in it) and its item, its end moves to the next item or pops both;
 * an inverse pushes nothing. On an error out is left as it was.
 */
int tmpl_render(const struct tmpl *t, const json_t *data, struct buf *out)
{
	/* ctx[0] is data; each running section adds its item */
	const json_t *ctx[TMPL_MAX_DEPTH + 1];
	struct {
		const json_t *list; /* NULL: the section runs once */
		size_t i;
	} fr[TMPL_MAX_DEPTH];
	size_t nctx = 1, nfr = 0, steps = 0, pc = 0, len0 = out->len;
	int rc = 0;

	ctx[0] = data;
	while (!rc && pc < t->nops) {
		const struct op *op = &t->ops[pc];
		const char *nm = t->src + op->off;
		const json_t *v;

		if (++steps > TMPL_MAX_STEPS) {
			rc = VIGIL_ELIMIT;
			break;
		}
		switch (op->kind) {
		case OP_TEXT:
			rc = buf_add(out, nm, op->len);
			pc++;
			break;
		case OP_VAR:
			rc = put_value(out, lookup(ctx, nctx, nm, op->len));
			pc++;
			break;
		case OP_SECTION:
			v = lookup(ctx, nctx, nm, op->len);
			if (!truthy(v)) {
				pc = op->pair + 1;
				break;
			}
			fr[nfr].list = json_is_array(v) ? v : NULL;
			fr[nfr++].i = 0;
			ctx[nctx++] = json_is_array(v) ? json_array_get(v, 0) : v;
			pc++;
			break;
		case OP_INVERSE:
			v = lookup(ctx, nctx, nm, op->len);
			pc = truthy(v) ? op->pair + 1 : pc + 1;
			break;
		case OP_END:
			if (t->ops[op->pair].kind == OP_SECTION) {
				const json_t *list = fr[nfr - 1].list;

				if (list && ++fr[nfr - 1].i < json_array_size(list)) {
					ctx[nctx - 1] = json_array_get(list, fr[nfr - 1].i);
					pc = op->pair + 1; /* the next item */
					break;
				}
				nfr--;
				nctx--;
			}
			pc++;
			break;
		}
	}
	if (rc && out->data) {
		/* leave out as it was */
		out->len = len0;
		out->data[len0] = '\0';
	}
	return rc;
}

int tmpl_each_name(const struct tmpl *t,
                   int (*fn)(void *ctx, const char *name, unsigned line, const char *const *outer,
                             size_t nouter),
                   void *ctx)
{
	const char *outer[TMPL_MAX_DEPTH];
	size_t depth = 0;
	int rc;

	for (size_t i = 0; i < t->nops; i++) {
		const struct op *op = &t->ops[i];
		const char *nm = t->src + op->off;

		switch (op->kind) {
		case OP_TEXT:
			break;
		case OP_END:
			depth--;
			break;
		case OP_VAR:
		case OP_SECTION:
		case OP_INVERSE:
			if ((rc = fn(ctx, nm, op->line, outer, depth)))
				return rc;
			if (op->kind != OP_VAR)
				outer[depth++] = nm;
			break;
		}
	}
	return 0;
}
