/*
 * blocks.c - telling a site that one of its hosts is blocked at the
 * border, and that the block is lifted (OxCERT's router-block notice is
 * the model: the address, the reason, and a request to say when it may
 * be removed). A block not yet told is composed from block.txt (or
 * unblock.txt once it ended) and queued in the same transaction that marks
 * it told (desk_block_told), so a crash loses neither and nothing goes
 * twice. The mail goes where the incident's notice went, else to whom
 * notices about the host go; it threads under the incident's notice.
 */
#include "notify/notify_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bctx {
	struct notify *n;
	int64_t now;
	struct notify_stats *st;
	int failed;
};

static json_t *block_data(const struct desk_block *b)
{
	char t[VTIME_STRLEN];
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)b->id, "prefix", b->prefix,
			      "reason", b->reason, "state", b->state);

	if (!o)
		return NULL;
	json_object_set_new(o, "created", json_string(vtime_format_s(b->created, t)));
	if (b->activated)
		json_object_set_new(o, "activated", json_string(vtime_format_s(b->activated, t)));
	if (b->until)
		json_object_set_new(o, "until", json_string(vtime_format_s(b->until, t)));
	if (b->ended)
		json_object_set_new(o, "ended", json_string(vtime_format_s(b->ended, t)));
	if (b->removed_why[0])
		json_object_set_new(o, "removed_why", json_string(b->removed_why));
	json_object_set_new(o, "expired", json_boolean(!strcmp(b->state, "expired")));
	return o;
}

static int tell(void *ctx, const struct desk_block *b, bool removal)
{
	struct bctx *c = ctx;
	struct notify *n = c->n;
	struct desk_incident inc;
	struct desk_notice old;
	struct notify_who w;
	struct notify_mail nm;
	char ids[24], err[512], host[ADDR_STRLEN];
	const char *to = NULL;
	bool told_before;
	json_t *data;
	int rc;

	if (desk_get(n->d, b->incident_id, &inc)) {
		c->failed++;
		return 0;
	}
	told_before = desk_notice_get(n->d, inc.id, &old) == 0 && old.recipient[0];
	snprintf(host, sizeof(host), "%s", inc.host);
	if (!host[0]) {
		struct vprefix p;

		if (!prefix_parse(b->prefix, &p))
			addr_format(&p.addr, host);
	}
	if (notify_who(n, host, &w)) {
		if (!told_before) {
			/* nobody to tell: recorded, so it is not looked at again every cycle */
			c->st->no_contact++;
			log_warn("notify: block %lld (%s, incident %lld): nobody to tell", (long long)b->id,
				 b->prefix, (long long)inc.id);
			if (desk_block_told(n->d, b->id, removal, NULL, NULL, 0, "nobody to tell") < 0)
				c->failed++;
			return 0;
		}
		memset(&w, 0, sizeof(w));
		snprintf(w.language, sizeof(w.language), "en");
		snprintf(w.format, sizeof(w.format), "text");
		snprintf(w.to, sizeof(w.to), "%s", old.recipient);
	}
	if (told_before)
		to = old.recipient;
	if (!(data = notify_incident_data(n, &inc, 0, 0, false)))
		return VIGIL_ENOMEM;
	notify_data_common(n, data, &w, c->now, 0);
	if (to) {
		json_object_set_new(data, "recipient", json_string(to));
		json_object_set_new(data, "to", json_string(to));
	}
	json_object_set_new(data, "block", block_data(b));
	snprintf(ids, sizeof(ids), "%lld", (long long)inc.id);
	rc = notify_compose(n, removal ? "unblock" : "block", &w, to, data, removal ? "unblock" : "block",
			    ids, NULL, told_before && old.message_id[0] ? old.message_id : NULL,
			    c->now, &nm, err, sizeof(err));
	json_decref(data);
	if (rc) {
		log_error("notify: block %lld: %s", (long long)b->id, err);
		c->failed++;
		return 0;
	}
	rc = desk_block_told(n->d, b->id, removal, &nm.m, nm.raw, nm.len,
			     removal ? "the site is told the block ended" : "the site is told of the block");
	free(nm.raw);
	if (rc == VIGIL_EEXIST)
		return 0;
	if (rc) {
		c->failed++;
		return 0;
	}
	c->st->queued++;
	return 0;
}

int notify_blocks(struct notify *n, int64_t now, struct notify_stats *st)
{
	struct bctx c = { .n = n, .now = now, .st = st };
	int rc = desk_block_untold(n->d, tell, &c);

	if (rc)
		return rc;
	return c.failed ? VIGIL_EIO : 0;
}
