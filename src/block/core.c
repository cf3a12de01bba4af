/*
 * core.c - the block stage over a desk: [block] settings, the safety
 * policy every new block passes, the renderer table, rendering the live
 * set and the change sequence, expiry, and `[block] command` fed with the
 * changes it has not seen (its position kept in the desk, moved only when
 * the program exits 0, so a failed push is repeated, never skipped).
 */
#include "block/render_int.h"
#include "desk/desk.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/block_int.h"

static const struct block_renderer *const renderers[] = {
	&block_cisco, &block_juniper, &block_exabgp, &block_flowspec,
};

const struct block_renderer *block_renderer_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(renderers) / sizeof(renderers[0]); i++)
		if (!strcmp(renderers[i]->name, name))
			return renderers[i];
	return NULL;
}

const char *block_renderer_names(void)
{
	return "cisco, juniper, exabgp, flowspec";
}

static int copy_set(char *dst, size_t n, const struct conf *cf, const char *key, const char *def,
		    char *err, size_t errlen)
{
	const char *v = conf_get(cf, "block", key, def);

	if (strlen(v) >= n || !*v) {
		snprintf(err, errlen, "[block] %s: '%s' must be 1 to %zu characters", key, v, n - 1);
		return VIGIL_EINVAL;
	}
	snprintf(dst, n, "%s", v);
	return 0;
}

int block_render_conf_read(const struct conf *cf, struct block_render_conf *c, char *err,
			   size_t errlen)
{
	struct vaddr a;
	const char *style;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = copy_set(c->acl4, sizeof(c->acl4), cf, "acl", "VIGIL-BLOCK", err, errlen)) ||
	    (rc = copy_set(c->acl6, sizeof(c->acl6), cf, "acl6", "VIGIL-BLOCK6", err, errlen)) ||
	    (rc = copy_set(c->filter4, sizeof(c->filter4), cf, "filter", "vigil-block", err, errlen)) ||
	    (rc = copy_set(c->filter6, sizeof(c->filter6), cf, "filter6", "vigil-block6", err,
			   errlen)) ||
	    (rc = copy_set(c->nexthop4, sizeof(c->nexthop4), cf, "nexthop", "192.0.2.1", err,
			   errlen)) ||
	    (rc = copy_set(c->nexthop6, sizeof(c->nexthop6), cf, "nexthop6", "100::1", err,
			   errlen)) ||
	    (rc = copy_set(c->community, sizeof(c->community), cf, "community", "65535:666", err,
			   errlen)))
		return rc;
	if (addr_parse(c->nexthop4, &a) || !addr_is_v4(&a)) {
		snprintf(err, errlen, "[block] nexthop: '%s' is not an IPv4 address", c->nexthop4);
		return VIGIL_EINVAL;
	}
	if (addr_parse(c->nexthop6, &a) || addr_is_v4(&a)) {
		snprintf(err, errlen, "[block] nexthop6: '%s' is not an IPv6 address", c->nexthop6);
		return VIGIL_EINVAL;
	}
	{
		unsigned x, y;
		char tail;

		if (sscanf(c->community, "%u:%u%c", &x, &y, &tail) != 2 || x > 65535 || y > 65535) {
			snprintf(err, errlen, "[block] community: '%s' is not ASN:VALUE (e.g. 65535:666)",
				 c->community);
			return VIGIL_EINVAL;
		}
	}
	for (const char *s = c->acl4; *s; s++)
		if (*s == ' ') {
			snprintf(err, errlen, "[block] acl: '%s' has a space", c->acl4);
			return VIGIL_EINVAL;
		}
	style = conf_get(cf, "block", "juniper_style", "set");
	if (!strcmp(style, "curly"))
		c->juniper_curly = true;
	else if (strcmp(style, "set")) {
		snprintf(err, errlen, "[block] juniper_style: '%s' is neither set nor curly", style);
		return VIGIL_EINVAL;
	}
	return 0;
}

static int add_allow(void *ctx, const char *value)
{
	struct block_ctx *b = ctx;
	char word[PREFIX_STRLEN + 1];
	const char *p = value;

	/* a list: "192.0.2.53, 198.51.100.0/24 2001:db8::53" */
	while (*p) {
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (!n)
			break;
		if (n >= sizeof(word) || (memcpy(word, p, n), word[n] = '\0',
					  block_allow_add(b->allow, word, "[block] allow"))) {
			snprintf(b->err, sizeof(b->err), "[block] allow: '%.*s' is not an address or prefix",
				 (int)(n > 60 ? 60 : n), p);
			return VIGIL_EINVAL;
		}
		p += n;
	}
	return 0;
}

static int read_allow_file(struct block_ctx *b, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int rc;

	if (!f) {
		snprintf(err, errlen, "[block] allow_file %s: %s", path, strerror(errno));
		return VIGIL_EIO;
	}
	do {
		if (len + 65536 > cap) {
			char *g = realloc(text, cap = cap ? cap * 2 : 131072);

			if (!g) {
				free(text);
				fclose(f);
				return VIGIL_ENOMEM;
			}
			text = g;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0 && len < (64u << 20));
	fclose(f);
	rc = block_allow_parse(b->allow, text ? text : "", len, path, err, errlen);
	free(text);
	return rc;
}

int block_open(const struct conf *cf, struct desk *d, const char *store_dir,
	       struct block_ctx **out, char *err, size_t errlen)
{
	struct block_ctx *b = calloc(1, sizeof(*b));
	const char *file, *cmd, *fmt;
	int rc = VIGIL_EINVAL;

	if (!b || !(b->allow = block_allow_new())) {
		free(b);
		return VIGIL_ENOMEM;
	}
	b->d = d;
	snprintf(b->store_dir, sizeof(b->store_dir), "%s", store_dir ? store_dir : "");
	if ((rc = block_render_conf_read(cf, &b->rc, err, errlen)))
		goto fail;
	b->max_active = conf_get_int(cf, "block", "max_active", 1000);
	b->min4 = conf_get_int(cf, "block", "min_prefix4", 24);
	b->min6 = conf_get_int(cf, "block", "min_prefix6", 48);
	b->max_duration = conf_get_duration(cf, "block", "max_duration", 90LL * 86400 * 1000);
	b->default_duration = conf_get_duration(cf, "block", "duration", 7LL * 86400 * 1000);
	b->grace = conf_get_duration(cf, "block", "check_grace", 60 * 1000);
	b->lag = conf_get_duration(cf, "block", "check_lag", 5 * 60 * 1000);
	b->check_max_lines = (size_t)conf_get_int(cf, "block", "check_lines", 20);
	if (b->min4 < 0 || b->min4 > 32 || b->min6 < 0 || b->min6 > 128 || b->max_active < 0) {
		snprintf(err, errlen, "[block] min_prefix4 is 0..32, min_prefix6 0..128, max_active >= 0");
		rc = VIGIL_EINVAL;
		goto fail;
	}
	if (conf_each(cf, "block", "allow", add_allow, b)) {
		snprintf(err, errlen, "%s", b->err);
		rc = VIGIL_EINVAL;
		goto fail;
	}
	if ((file = conf_get(cf, "block", "allow_file", NULL)) &&
	    (rc = read_allow_file(b, file, err, errlen)))
		goto fail;
	if ((cmd = conf_get(cf, "block", "command", NULL)))
		snprintf(b->command, sizeof(b->command), "%s", cmd);
	fmt = conf_get(cf, "block", "format", "exabgp");
	if (!(b->push_r = block_renderer_find(fmt))) {
		snprintf(err, errlen, "[block] format: '%s' is not one of %s", fmt,
			 block_renderer_names());
		rc = VIGIL_EINVAL;
		goto fail;
	}
	*out = b;
	return 0;
fail:
	block_close(b);
	return rc;
}

void block_close(struct block_ctx *b)
{
	if (!b)
		return;
	block_allow_free(b->allow);
	free(b);
}

const struct block_allow *block_allow_list(const struct block_ctx *b)
{
	return b->allow;
}

const struct block_render_conf *block_conf(const struct block_ctx *b)
{
	return &b->rc;
}

int64_t block_default_until(const struct block_ctx *b, int64_t now)
{
	return b->default_duration > 0 ? now + b->default_duration : 0;
}

static void duration_text(int64_t ms, char *out, size_t n)
{
	if (ms % 86400000 == 0)
		snprintf(out, n, "%lldd", (long long)(ms / 86400000));
	else if (ms % 3600000 == 0)
		snprintf(out, n, "%lldh", (long long)(ms / 3600000));
	else
		snprintf(out, n, "%llds", (long long)(ms / 1000));
}

int block_policy_duration(struct block_ctx *b, int64_t until_ms, int64_t now, char *err,
			  size_t errlen)
{
	char t1[32], t2[32];

	if (until_ms == 0 && b->max_duration > 0) {
		duration_text(b->max_duration, t1, sizeof(t1));
		snprintf(err, errlen, "refused: a block without an end is longer than [block] "
			 "max_duration = %s; give --until", t1);
		return VIGIL_EINVAL;
	}
	if (until_ms && until_ms <= now) {
		snprintf(err, errlen, "refused: the end %s is not in the future", vtime_format_s(until_ms, t1));
		return VIGIL_EINVAL;
	}
	if (until_ms && b->max_duration > 0 && until_ms - now > b->max_duration) {
		duration_text(b->max_duration, t1, sizeof(t1));
		snprintf(err, errlen, "refused: the block would last until %s, longer than [block] "
			 "max_duration = %s", vtime_format_s(until_ms, t2), t1);
		return VIGIL_EINVAL;
	}
	return 0;
}

int block_policy_check(struct block_ctx *b, const char *prefix, int64_t until_ms, int64_t now,
		       char *err, size_t errlen)
{
	struct vprefix p;
	char norm[PREFIX_STRLEN], what[256];
	unsigned len;
	int64_t live;
	int rc;

	if (!prefix || prefix_parse(prefix, &p)) {
		snprintf(err, errlen, "'%s' is not an address or ADDR/LEN prefix", prefix ? prefix : "");
		return VIGIL_EINVAL;
	}
	prefix_format(&p, norm);
	len = prefix_display_len(&p);
	if (addr_is_v4(&p.addr) && p.len >= 96 ? (int64_t)len < b->min4 : (int64_t)len < b->min6) {
		bool v4 = addr_is_v4(&p.addr) && p.len >= 96;

		snprintf(err, errlen, "refused: %s is shorter than [block] min_prefix%s = %lld; a "
			 "block that wide would cut off more than the incident's hosts",
			 norm, v4 ? "4" : "6", (long long)(v4 ? b->min4 : b->min6));
		return VIGIL_EINVAL;
	}
	if (block_allow_hit(b->allow, &p, what, sizeof(what))) {
		snprintf(err, errlen, "refused: %s overlaps %s, which is on the allow-list of addresses"
			 " never blocked", norm, what);
		return VIGIL_EINVAL;
	}
	if ((rc = block_policy_duration(b, until_ms, now, err, errlen)))
		return rc;
	if ((rc = desk_block_live_count(b->d, &live)))
		return rc;
	if (live >= b->max_active) {
		snprintf(err, errlen, "refused: %lld blocks are pending or active, the cap ([block] "
			 "max_active = %lld); remove or let some expire first", (long long)live,
			 (long long)b->max_active);
		return VIGIL_ELIMIT;
	}
	return 0;
}

int block_add(struct block_ctx *b, int64_t incident, const char *prefix, const char *reason,
	      int64_t until_ms, bool pending, int64_t *id, char *err, size_t errlen)
{
	int rc = block_policy_check(b, prefix, until_ms, vtime_now_ms(), err, errlen);

	if (rc)
		return rc;
	return desk_block_add(b->d, incident, prefix, reason, until_ms, pending, id, err, errlen);
}

struct items {
	struct block_item *v;
	size_t n, cap;
	int rc;
};

static int collect_item(void *ctx, const struct desk_block *bl)
{
	struct items *it = ctx;
	struct block_item *g;

	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 64;
		if (!(g = realloc(it->v, it->cap * sizeof(*g)))) {
			it->rc = VIGIL_ENOMEM;
			return 1;
		}
		it->v = g;
	}
	it->v[it->n].id = bl->id;
	if (prefix_parse(bl->prefix, &it->v[it->n].p))
		return 0; /* cannot happen: the desk keeps normalised prefixes */
	it->n++;
	return 0;
}

int block_render(struct block_ctx *b, const struct block_renderer *r, FILE *out)
{
	struct desk_block_filter f = { .state = "active" };
	struct items it = { 0 };
	int64_t seq;
	int rc;

	if ((rc = desk_block_last_change(b->d, &seq)) ||
	    (rc = desk_block_list(b->d, &f, collect_item, &it)) || (rc = it.rc))
		goto out;
	rc = r->full(&b->rc, it.v, it.n, seq, out);
out:
	free(it.v);
	return rc;
}

struct chctx {
	struct block_ctx *b;
	const struct block_renderer *r;
	FILE *out;
	int64_t last;
	int rc;
	uint64_t n;
};

static int one_change(void *ctx, const struct desk_block_change *c)
{
	struct chctx *x = ctx;
	struct block_item it = { .id = c->block_id };

	if (prefix_parse(c->prefix, &it.p))
		return 0;
	if ((x->rc = x->r->change(&x->b->rc, !strcmp(c->op, "add"), &it, x->out)))
		return 1;
	x->last = c->seq;
	x->n++;
	return 0;
}

int block_render_changes(struct block_ctx *b, const struct block_renderer *r, int64_t after,
			 FILE *out, int64_t *last)
{
	struct chctx x = { .b = b, .r = r, .out = out, .last = after };
	int rc = desk_block_changes(b->d, after, one_change, &x);

	*last = x.last;
	return rc ? rc : x.rc;
}

/* Run [block] command with text on its stdin; 0 when it exited 0. */
static int run_command(const char *cmd, const char *text, size_t len, const char *fmt,
		       int64_t from, int64_t to)
{
	int fds[2], status;
	pid_t pid;
	size_t off = 0;
	char s1[24], s2[24];
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	if (pipe(fds))
		return VIGIL_ESYS;
	snprintf(s1, sizeof(s1), "%lld", (long long)from);
	snprintf(s2, sizeof(s2), "%lld", (long long)to);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return VIGIL_ESYS;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		setenv("VIGIL_BLOCK_FORMAT", fmt, 1);
		setenv("VIGIL_BLOCK_FROM", s1, 1);
		setenv("VIGIL_BLOCK_TO", s2, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	sigaction(SIGPIPE, &ign, &old);
	while (off < len) {
		ssize_t w = write(fds[1], text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return VIGIL_ESYS;
	if (off < len || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status))
			log_warn("block: [block] command exited %d%s", WEXITSTATUS(status),
				 off < len ? " before reading every change" : "");
		else
			log_warn("block: [block] command was killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return VIGIL_EIO;
	}
	return 0;
}

#define KV_PUSH "block:command"

int block_push(struct block_ctx *b, struct block_stats *st)
{
	char *text = NULL, v[8];
	size_t len = 0;
	int64_t pos = 0, last = 0;
	FILE *mem;
	int rc;

	if (!b->command[0])
		return 0;
	if (desk_kv_get(b->d, KV_PUSH, &pos, v, sizeof(v)))
		pos = 0;
	if (!(mem = open_memstream(&text, &len)))
		return VIGIL_ENOMEM;
	rc = block_render_changes(b, b->push_r, pos, mem, &last);
	fclose(mem);
	if (rc || last == pos)
		goto out;
	if ((rc = run_command(b->command, text, len, b->push_r->name, pos + 1, last))) {
		if (st)
			st->push_failed++;
		log_warn("block: changes %lld..%lld not pushed; the next cycle repeats them",
			 (long long)pos + 1, (long long)last);
		goto out;
	}
	if ((rc = desk_kv_set(b->d, KV_PUSH, last, b->push_r->name)))
		goto out;
	if (st)
		st->pushed += (uint64_t)(last - pos);
	log_info("block: pushed changes %lld..%lld", (long long)pos + 1, (long long)last);
out:
	free(text);
	return rc;
}

struct expctx {
	struct block_ctx *b;
	int n, rc;
};

static int expire_one(void *ctx, const struct desk_block *bl)
{
	struct expctx *x = ctx;
	char err[256] = "", why[96], t[VTIME_STRLEN];
	int rc;

	snprintf(why, sizeof(why), "its end %s passed", vtime_format_s(bl->until, t));
	rc = desk_block_set_state(x->b->d, bl->id, "expired", why, err, sizeof(err));
	if (rc == VIGIL_ESTATE) /* someone else ended it meanwhile */
		return 0;
	if (rc) {
		log_error("block: expire %lld: %s", (long long)bl->id, err);
		x->rc = rc;
		return 1;
	}
	x->n++;
	return 0;
}

int block_expire(struct block_ctx *b, int64_t now, struct block_stats *st)
{
	struct expctx x = { .b = b };
	int rc = desk_block_due(b->d, now, expire_one, &x);

	if (st)
		st->expired += (uint64_t)x.n;
	return rc ? rc : x.rc ? x.rc : x.n;
}

int block_cycle(struct block_ctx *b, int64_t now, struct block_stats *st)
{
	int r1 = block_expire(b, now, st);
	int r2 = block_push(b, st);
	struct stat sb;
	int r3 = b->store_dir[0] && !stat(b->store_dir, &sb) && S_ISDIR(sb.st_mode) ?
			 block_check(b, now, st) : 0;

	return r1 < 0 ? r1 : r2 < 0 ? r2 : r3 < 0 ? r3 : 0;
}
