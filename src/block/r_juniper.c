/*
 * r_juniper.c - Juniper Junos firewall filters: one term per block
 * (`term bID`, `from source-address A/L`, `then discard`) in
 * `firewall family inet filter NAME` (IPv6: `family inet6 filter NAME6`),
 * ending with a term `accept-rest` that accepts everything else. Set
 * commands by default (`load set terminal`); with [block] juniper_style =
 * curly the full set is the curly-brace hierarchy with `replace:` on the
 * filters (`load replace terminal`). A change is set commands: a new term
 * inserted before accept-rest, or the term deleted. Apply the filters as
 * `family inet filter input NAME` on the border interfaces.
 */
#include "block/render_int.h"
#include "util/err.h"

#include <stdio.h>

static void fam(const struct block_render_conf *c, const struct block_item *it, const char **f,
		const char **name)
{
	bool v4 = addr_is_v4(&it->p.addr);

	*f = v4 ? "inet" : "inet6";
	*name = v4 ? c->filter4 : c->filter6;
}

static void set_term(const struct block_render_conf *c, const struct block_item *it, FILE *out)
{
	const char *f, *name;
	char a[ADDR_STRLEN];

	fam(c, it, &f, &name);
	addr_format(&it->p.addr, a);
	fprintf(out, "set firewall family %s filter %s term b%lld from source-address %s/%u\n", f,
		name, (long long)it->id, a, item_len(it));
	fprintf(out, "set firewall family %s filter %s term b%lld then discard\n", f, name,
		(long long)it->id);
}

static void curly_filter(const char *f, const char *name, bool v4, const struct block_item *v,
			 size_t n, FILE *out)
{
	char a[ADDR_STRLEN];

	fprintf(out, "    family %s {\n        replace:\n        filter %s {\n", f, name);
	for (size_t i = 0; i < n; i++) {
		if (addr_is_v4(&v[i].p.addr) != v4)
			continue;
		addr_format(&v[i].p.addr, a);
		fprintf(out, "            term b%lld {\n"
			     "                from {\n"
			     "                    source-address {\n"
			     "                        %s/%u;\n"
			     "                    }\n"
			     "                }\n"
			     "                then {\n"
			     "                    discard;\n"
			     "                }\n"
			     "            }\n",
			(long long)v[i].id, a, item_len(&v[i]));
	}
	fprintf(out, "            term accept-rest {\n"
		     "                then accept;\n"
		     "            }\n"
		     "        }\n"
		     "    }\n");
}

static int juniper_full(const struct block_render_conf *c, const struct block_item *v, size_t n,
			int64_t seq, FILE *out)
{
	if (c->juniper_curly) {
		fprintf(out, "/* vigil blocks, change %lld: %zu active */\nfirewall {\n", (long long)seq,
			n);
		curly_filter("inet", c->filter4, true, v, n, out);
		curly_filter("inet6", c->filter6, false, v, n, out);
		fprintf(out, "}\n");
		return ferror(out) ? VIGIL_EIO : 0;
	}
	fprintf(out, "# vigil blocks, change %lld: %zu active\n", (long long)seq, n);
	fprintf(out, "delete firewall family inet filter %s\n", c->filter4);
	fprintf(out, "delete firewall family inet6 filter %s\n", c->filter6);
	for (size_t i = 0; i < n; i++)
		set_term(c, &v[i], out);
	fprintf(out, "set firewall family inet filter %s term accept-rest then accept\n", c->filter4);
	fprintf(out, "set firewall family inet6 filter %s term accept-rest then accept\n", c->filter6);
	return ferror(out) ? VIGIL_EIO : 0;
}

static int juniper_change(const struct block_render_conf *c, bool add,
			  const struct block_item *it, FILE *out)
{
	const char *f, *name;

	fam(c, it, &f, &name);
	if (add) {
		set_term(c, it, out);
		fprintf(out, "insert firewall family %s filter %s term b%lld before term accept-rest\n",
			f, name, (long long)it->id);
	} else {
		fprintf(out, "delete firewall family %s filter %s term b%lld\n", f, name,
			(long long)it->id);
	}
	return ferror(out) ? VIGIL_EIO : 0;
}

const struct block_renderer block_juniper = {
	.name = "juniper",
	.what = "Juniper Junos firewall filter terms (set commands, or curly braces)",
	.full = juniper_full,
	.change = juniper_change,
};
