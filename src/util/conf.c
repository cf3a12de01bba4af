/* conf.c - INI configuration read with inih into an ordered key list (see conf.h). */
#include "util/conf.h"
#include "util/err.h"
#include "util/vtime.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_item {
	char *section, *key, *value;
};

struct conf {
	char *path;
	struct conf_item *items;
	size_t n, cap;
};

static int add_item(struct conf *c, const char *s, const char *k, const char *v)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct conf_item *p = realloc(c->items, nc * sizeof(*p));
		if (!p)
			return VIGIL_ENOMEM;
		c->items = p;
		c->cap = nc;
	}
	struct conf_item *it = &c->items[c->n];
	it->section = strdup(s);
	it->key = strdup(k);
	it->value = strdup(v);
	if (!it->section || !it->key || !it->value) {
		free(it->section);
		free(it->key);
		free(it->value);
		return VIGIL_ENOMEM;
	}
	c->n++;
	return 0;
}

static int on_item(void *user, const char *section, const char *name, const char *value)
{
	return add_item(user, section, name, value ? value : "") == 0;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf *c = calloc(1, sizeof(*c));
	int line;

	if (!c)
		return VIGIL_ENOMEM;
	if (path) {
		c->path = strdup(path);
		line = ini_parse(path, on_item, c);
		if (line != 0) {
			if (err) {
				if (line < 0)
					snprintf(err, errlen, "%s: cannot open", path);
				else
					snprintf(err, errlen, "%s:%d: syntax error", path, line);
			}
			conf_free(c);
			return line < 0 ? VIGIL_EIO : VIGIL_ESYNTAX;
		}
	}
	*out = c;
	return 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].section);
		free(c->items[i].key);
		free(c->items[i].value);
	}
	free(c->items);
	free(c->path);
	free(c);
}

const char *conf_path(const struct conf *c) { return c ? c->path : NULL; }

const char *conf_get(const struct conf *c, const char *section, const char *key, const char *def)
{
	if (!c)
		return def;
	for (size_t i = c->n; i-- > 0;)
		if (!strcasecmp(c->items[i].section, section) && !strcasecmp(c->items[i].key, key))
			return c->items[i].value;
	return def;
}

int64_t conf_get_int(const struct conf *c, const char *section, const char *key, int64_t def)
{
	const char *v = conf_get(c, section, key, NULL);
	char *end;
	long long x;

	if (!v)
		return def;
	x = strtoll(v, &end, 0);
	if (end == v)
		return def;
	switch (*end) {
	case 'k': case 'K': x *= 1000; break;
	case 'M': x *= 1000000; break;
	case 'G': x *= 1000000000; break;
	default: break;
	}
	return x;
}

bool conf_get_bool(const struct conf *c, const char *section, const char *key, bool def)
{
	const char *v = conf_get(c, section, key, NULL);

	if (!v)
		return def;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		return true;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		return false;
	return def;
}

int64_t conf_get_duration(const struct conf *c, const char *section, const char *key, int64_t def)
{
	const char *v = conf_get(c, section, key, NULL);
	int64_t ms;

	if (!v || vtime_parse_duration(v, &ms) != 0)
		return def;
	return ms;
}

int conf_each(const struct conf *c, const char *section, const char *key,
	      int (*fn)(void *ctx, const char *value), void *ctx)
{
	if (!c)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		if (strcasecmp(c->items[i].section, section) || strcasecmp(c->items[i].key, key))
			continue;
		int rc = fn(ctx, c->items[i].value);
		if (rc)
			return rc;
	}
	return 0;
}

int conf_set(struct conf *c, const char *section, const char *key, const char *value)
{
	return add_item(c, section, key, value);
}

int conf_get_all(const struct conf *c, const char *section, const char *key, const char **v,
		 size_t max, size_t *n)
{
	*n = 0;
	if (!c)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		if (strcasecmp(c->items[i].section, section) || strcasecmp(c->items[i].key, key))
			continue;
		if (*n == max)
			return VIGIL_ELIMIT;
		v[(*n)++] = c->items[i].value;
	}
	return 0;
}
