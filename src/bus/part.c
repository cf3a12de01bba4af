/*
 * part.c - which partition a flow goes to: FNV-1a of its internal host (the
 * end inside the constituency, [detect] network; the source when both or
 * neither end is inside) mod P, so every flow of one internal host meets in
 * one detector worker. Also the partition lists of `--partitions`.
 */
#include "bus/bus.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/lpm.h"

struct bus_part {
	struct lpm *nets;
	size_t nnets;
	unsigned partitions;
};

struct add_ctx {
	struct bus_part *p;
	char *err;
	size_t errlen;
};

static int add_one(struct add_ctx *c, const char *s, size_t n)
{
	char tmp[128];
	struct vprefix pf;

	if (n >= sizeof(tmp)) {
		snprintf(c->err, c->errlen, "network '%.40s...' is too long", s);
		return VIGIL_EINVAL;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (prefix_parse(tmp, &pf) < 0) {
		snprintf(c->err, c->errlen, "[detect] network: '%s' is not a CIDR prefix", tmp);
		return VIGIL_EINVAL;
	}
	if (lpm_add(c->p->nets, &pf, 1) < 0)
		return VIGIL_ENOMEM;
	c->p->nnets++;
	return 0;
}

/* a value may hold several prefixes separated by commas or blanks, as in detect */
static int add_net(void *vctx, const char *value)
{
	const char *s = value;

	while (*s) {
		size_t n;
		int rc;

		s += strspn(s, ", \t");
		n = strcspn(s, ", \t");
		if (n == 0)
			break;
		rc = add_one(vctx, s, n);
		if (rc < 0)
			return rc;
		s += n;
	}
	return 0;
}

int bus_part_new(const struct conf *cf, const char *const *extra, size_t nextra,
		 unsigned partitions, struct bus_part **out, char *err, size_t errlen)
{
	struct bus_part *p = calloc(1, sizeof(*p));
	struct add_ctx c = { p, err, errlen };
	int rc = VIGIL_ENOMEM;

	*out = NULL;
	if (!p)
		return VIGIL_ENOMEM;
	if (partitions == 0 || partitions > BUS_MAX_PARTITIONS) {
		snprintf(err, errlen, "partitions must be 1..%d", BUS_MAX_PARTITIONS);
		rc = VIGIL_EINVAL;
		goto fail;
	}
	p->partitions = partitions;
	p->nets = lpm_new();
	if (!p->nets)
		goto fail;
	if (cf && (rc = conf_each(cf, "detect", "network", add_net, &c)) < 0)
		goto fail;
	for (size_t i = 0; i < nextra; i++)
		if ((rc = add_net(&c, extra[i])) < 0)
			goto fail;
	if (lpm_build(p->nets) < 0) {
		rc = VIGIL_ENOMEM;
		goto fail;
	}
	*out = p;
	return 0;
fail:
	bus_part_free(p);
	return rc;
}

void bus_part_free(struct bus_part *p)
{
	if (!p)
		return;
	lpm_free(p->nets);
	free(p);
}

const struct vaddr *bus_part_host(const struct bus_part *p, const struct flow *f)
{
	if (p->nnets && lpm_lookup(p->nets, &f->src) == LPM_NONE &&
	    lpm_lookup(p->nets, &f->dst) != LPM_NONE)
		return &f->dst;
	return &f->src;
}

uint64_t bus_hash_addr(const struct vaddr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 16; i++) {
		h ^= a->b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

unsigned bus_part_of(const struct bus_part *p, const struct flow *f)
{
	return (unsigned)(bus_hash_addr(bus_part_host(p, f)) % p->partitions);
}

static int parse_num(const char **s, unsigned long *v)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -1;
	*v = strtoul(*s, &end, 10);
	*s = end;
	return 0;
}

int bus_parse_partitions(const char *s, unsigned partitions, bool *want)
{
	int n = 0;

	memset(want, 0, BUS_MAX_PARTITIONS * sizeof(*want));
	if (!s || !*s)
		return VIGIL_EINVAL;
	while (*s) {
		unsigned long lo, hi;

		if (parse_num(&s, &lo) < 0)
			return VIGIL_EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_num(&s, &hi) < 0)
				return VIGIL_EINVAL;
		}
		if (lo > hi || hi >= partitions)
			return VIGIL_EINVAL;
		for (unsigned long i = lo; i <= hi; i++) {
			if (!want[i])
				n++;
			want[i] = true;
		}
		if (*s == ',')
			s++;
		else if (*s)
			return VIGIL_EINVAL;
	}
	return n;
}
