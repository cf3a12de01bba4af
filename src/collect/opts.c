/*
 * opts.c - the collector's configuration: defaults, the [collect] and
 * [store] sections of vigil.conf, the command-line adders (listen, allow,
 * sampling), and the per-packet policy (allow-list as an LPM set, sampling
 * overrides) built from them.
 */
#include "collect/collect_int.h"
#include "util/err.h"
#include "util/vtime.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void collect_opts_init(struct collect_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rcvbuf = 64LL << 20;
	o->stats_interval_ms = 60000;
	o->queue_batches = 512;
	snprintf(o->store_dir, sizeof(o->store_dir), "%s", "./var/flows");
	o->store.segment_ms = 5 * 60000;
	o->store.flush_ms = 1000;
	o->store.codec = STORE_ZSTD;
	o->store.sync = 1;
}

void collect_opts_free(struct collect_opts *o)
{
	if (!o)
		return;
	free(o->allow);
	free(o->sampling);
	o->allow = NULL;
	o->sampling = NULL;
	o->nallow = o->nsampling = 0;
}

int collect_parse_ms(const char *s, int64_t *ms)
{
	return vtime_parse_duration(s, ms) == 0 ? 0 : VIGIL_EINVAL;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return VIGIL_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v > max)
		return VIGIL_EINVAL;
	/* size suffixes for buffer sizes */
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'M')
		v <<= 20, end++;
	else if (*end == 'G')
		v <<= 30, end++;
	if (*end || v > max)
		return VIGIL_EINVAL;
	*out = v;
	return 0;
}

static int add_listen(struct collect_opts *o, const struct vaddr *a, uint16_t port)
{
	for (size_t i = 0; i < o->nlisten; i++)
		if (o->listen[i].port == port && addr_eq(&o->listen[i].addr, a))
			return 0;
	if (o->nlisten >= COLLECT_MAX_LISTEN)
		return VIGIL_ELIMIT;
	o->listen[o->nlisten].addr = *a;
	o->listen[o->nlisten].port = port;
	o->nlisten++;
	return 0;
}

int collect_opts_add_listen(struct collect_opts *o, const char *spec)
{
	struct vaddr a;
	uint64_t port;
	const char *colon;
	int rc;

	if (!spec || !*spec)
		return VIGIL_EINVAL;
	if (!strchr(spec, ':')) {
		/* bare port: both families */
		if (parse_u64(spec, 65535, &port) || port == 0)
			return VIGIL_EINVAL;
		addr_parse("::", &a);
		if ((rc = add_listen(o, &a, (uint16_t)port)))
			return rc;
		addr_parse("0.0.0.0", &a);
		return add_listen(o, &a, (uint16_t)port);
	}
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return VIGIL_EINVAL;
		if (addr_parse_n(spec + 1, (size_t)(close - spec - 1), &a))
			return VIGIL_EINVAL;
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (strchr(spec, ':') != colon)   /* bare IPv6 needs brackets */
			return VIGIL_EINVAL;
		if (addr_parse_n(spec, (size_t)(colon - spec), &a))
			return VIGIL_EINVAL;
	}
	if (parse_u64(colon + 1, 65535, &port) || port == 0)
		return VIGIL_EINVAL;
	return add_listen(o, &a, (uint16_t)port);
}

int collect_opts_add_allow(struct collect_opts *o, const char *prefix)
{
	struct vprefix p, *n;

	if (prefix_parse(prefix, &p))
		return VIGIL_EINVAL;
	if (o->nallow >= COLLECT_MAX_ALLOW)
		return VIGIL_ELIMIT;
	n = realloc(o->allow, (o->nallow + 1) * sizeof(*n));
	if (!n)
		return VIGIL_ENOMEM;
	o->allow = n;
	o->allow[o->nallow++] = p;
	return 0;
}

int collect_opts_add_sampling(struct collect_opts *o, const char *spec)
{
	char addr[PREFIX_STRLEN];
	const char *sp = spec;
	size_t n = 0;
	struct collect_sampling s, *ns;
	uint64_t rate;

	while (*sp == ' ' || *sp == '\t')
		sp++;
	while (sp[n] && sp[n] != ' ' && sp[n] != '\t')
		n++;
	if (n == 0 || n >= sizeof(addr))
		return VIGIL_EINVAL;
	memcpy(addr, sp, n);
	addr[n] = '\0';
	if (addr_parse(addr, &s.exporter))
		return VIGIL_EINVAL;
	sp += n;
	while (*sp == ' ' || *sp == '\t')
		sp++;
	if (parse_u64(sp, UINT32_MAX, &rate) || rate == 0)
		return VIGIL_EINVAL;
	s.rate = (uint32_t)rate;
	for (size_t i = 0; i < o->nsampling; i++) {
		if (addr_eq(&o->sampling[i].exporter, &s.exporter)) {
			o->sampling[i].rate = s.rate;
			return 0;
		}
	}
	if (o->nsampling >= COLLECT_MAX_SAMPLING)
		return VIGIL_ELIMIT;
	ns = realloc(o->sampling, (o->nsampling + 1) * sizeof(*ns));
	if (!ns)
		return VIGIL_ENOMEM;
	o->sampling = ns;
	o->sampling[o->nsampling++] = s;
	return 0;
}

struct each_ctx {
	struct collect_opts *o;
	int (*add)(struct collect_opts *o, const char *v);
	const char *key;
	char *err;
	size_t errlen;
};

static int each_value(void *ctx, const char *value)
{
	struct each_ctx *e = ctx;
	int rc = e->add(e->o, value);

	if (rc && e->err)
		snprintf(e->err, e->errlen, "[collect] %s = %s: %s", e->key, value,
			 rc == VIGIL_ELIMIT ? "too many" : "not understood");
	return rc;
}

static int get_ms(const struct conf *cf, const char *sec, const char *key, int64_t *v,
		  char *err, size_t errlen)
{
	const char *s = conf_get(cf, sec, key, NULL);

	if (!s)
		return 0;
	if (collect_parse_ms(s, v)) {
		snprintf(err, errlen, "[%s] %s = %s: not a duration (e.g. 500ms, 1s, 5m)", sec, key, s);
		return VIGIL_EINVAL;
	}
	return 0;
}

/* The allow-list and sampling keys alone: what a reload changes. */
static int policy_from_conf(struct collect_opts *o, const struct conf *cf, char *err, size_t errlen)
{
	struct each_ctx e = { o, collect_opts_add_allow, "allow", err, errlen };
	int rc;

	if ((rc = conf_each(cf, "collect", "allow", each_value, &e)))
		return rc;
	e.add = collect_opts_add_sampling;
	e.key = "sampling";
	return conf_each(cf, "collect", "sampling", each_value, &e);
}

int collect_opts_from_conf(struct collect_opts *o, const struct conf *cf, char *err, size_t errlen)
{
	struct each_ctx e = { o, collect_opts_add_listen, "listen", err, errlen };
	const char *s;
	uint64_t v;
	int rc;

	if (!cf)
		return 0;
	if ((rc = conf_each(cf, "collect", "listen", each_value, &e)))
		return rc;
	if ((rc = policy_from_conf(o, cf, err, errlen)))
		return rc;
	if ((s = conf_get(cf, "collect", "rcvbuf", NULL))) {
		if (parse_u64(s, 1ULL << 31, &v)) {
			snprintf(err, errlen, "[collect] rcvbuf = %s: not a size (e.g. 64M)", s);
			return VIGIL_EINVAL;
		}
		o->rcvbuf = (int64_t)v;
	}
	if ((s = conf_get(cf, "collect", "user", NULL)))
		snprintf(o->user, sizeof(o->user), "%s", s);
	if ((rc = get_ms(cf, "collect", "stats_interval", &o->stats_interval_ms, err, errlen)))
		return rc;
	if ((s = conf_get(cf, "collect", "queue", NULL))) {
		if (parse_u64(s, 8192, &v) || v < 2) {
			snprintf(err, errlen, "[collect] queue = %s: a number of batches, 2..8192", s);
			return VIGIL_EINVAL;
		}
		o->queue_batches = (unsigned)v;
	}
	if ((s = conf_get(cf, "store", "dir", NULL)))
		snprintf(o->store_dir, sizeof(o->store_dir), "%s", s);
	if ((rc = get_ms(cf, "store", "segment", &o->store.segment_ms, err, errlen)))
		return rc;
	if ((rc = get_ms(cf, "store", "flush", &o->store.flush_ms, err, errlen)))
		return rc;
	if ((s = conf_get(cf, "store", "codec", NULL))) {
		if (!strcasecmp(s, "zstd"))
			o->store.codec = STORE_ZSTD;
		else if (!strcasecmp(s, "lz4"))
			o->store.codec = STORE_LZ4;
		else if (!strcasecmp(s, "none"))
			o->store.codec = STORE_NONE;
		else {
			snprintf(err, errlen, "[store] codec = %s: zstd, lz4 or none", s);
			return VIGIL_EINVAL;
		}
	}
	o->store.level = (int)conf_get_int(cf, "store", "level", o->store.level);
	/* store.h: 0 or 1 = fdatasync finished blocks, -1 = do not (tests only) */
	o->store.sync = conf_get_bool(cf, "store", "sync", o->store.sync >= 0) ? 1 : -1;
	return 0;
}

int collect_policy_new(const struct collect_opts *o, struct collect_policy **out)
{
	struct collect_policy *p = calloc(1, sizeof(*p));
	int rc = VIGIL_ENOMEM;

	if (!p)
		return VIGIL_ENOMEM;
	if (o->nallow) {
		if (!(p->allow = lpm_new()))
			goto out;
		for (size_t i = 0; i < o->nallow; i++)
			if ((rc = lpm_add(p->allow, &o->allow[i], (uint32_t)i)))
				goto out;
		if ((rc = lpm_build(p->allow)))
			goto out;
		p->nallow = o->nallow;
	}
	if (o->nsampling) {
		rc = VIGIL_ENOMEM;
		if (!(p->sampling = malloc(o->nsampling * sizeof(*p->sampling))))
			goto out;
		memcpy(p->sampling, o->sampling, o->nsampling * sizeof(*p->sampling));
		p->nsampling = o->nsampling;
	}
	*out = p;
	return 0;
out:
	collect_policy_free(p);
	return rc;
}

void collect_policy_free(struct collect_policy *p)
{
	if (!p)
		return;
	lpm_free(p->allow);
	free(p->sampling);
	free(p);
}

int collect_reload(struct collect *c, const struct conf *cf, char *err, size_t errlen)
{
	struct collect_opts o;
	struct collect_policy *p = NULL, *old;
	int rc;

	collect_opts_init(&o);
	if ((rc = policy_from_conf(&o, cf, err, errlen)))
		goto out;
	if ((rc = collect_policy_new(&o, &p)))
		goto out;
	old = atomic_exchange(&c->pending, p);
	collect_policy_free(old);   /* a reload the loop never took */
	if (c->wake[1] >= 0) {
		char b = 'r';
		ssize_t w = write(c->wake[1], &b, 1);
		(void)w;
	}
	if (err && errlen)
		err[0] = '\0';
out:
	collect_opts_free(&o);
	return rc;
}
