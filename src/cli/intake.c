/*
 * intake.c - abuse mail into the desk (see intake.h).
 *
 * A mail is read twice: a first pass counts what the parsers find and
 * gathers the senders' case ids (so a mail with nothing in it is rejected
 * before anything is stored, and the case ids are claimed before any event
 * is filed); the second pass turns each occurrence into an event inside one
 * ingest transaction. Parsing a mail costs far less than the transaction.
 */
#include "cli/intake.h"
#include "cli/commands.h"
#include "desk/desk.h"
#include "report/report.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/proto.h"
#include "util/sha256.h"
#include "util/vtime.h"
#include "whois/whois.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 4096    /* distinct case ids claimed per mail */
#define MAX_TRACED 4096   /* inside hosts whose site is the gateway's, per mail */
#define REPLY_BODY 16384  /* bytes of a reply kept as correspondence */
#define QUERY_PAD_MS (5 * 60 * 1000)

struct traced {
	struct vaddr inside;
	char site[128];
};

struct intake {
	struct desk *d;
	struct intake_opts o;
	char rejected[1024];
	/* this mail */
	const struct report_msg *msg;
	const char *sha;
	const char *origin;
	char **cases;       /* claimed by an earlier document: skipped */
	size_t ncases;
	char **mine;        /* case ids of this mail (pass 1) */
	size_t nmine;
	struct traced *tr;
	size_t ntr;
	uint64_t occ, bad, skipped_cases, events;
	struct desk_ingest_stats dst;
	struct intake_stats *st;
	int err;
};

/* ---- site lookup: whois, and for a host behind NAT its gateway's site ---- */

static int site_of(void *ctx, const struct vaddr *a, char *site, size_t n)
{
	struct intake *in = ctx;
	struct whois_result r;

	if (in->o.whois && whois_lookup(in->o.whois, a, &r) && r.is_ours && r.site) {
		snprintf(site, n, "%s", r.site);
		return 0;
	}
	for (size_t i = 0; i < in->ntr; i++)
		if (addr_eq(&in->tr[i].inside, a)) {
			snprintf(site, n, "%s", in->tr[i].site);
			return 0;
		}
	return cli_site_of((void *)in->o.whois, a, site, n);
}

int intake_new(struct desk *d, const struct intake_opts *o, struct intake **out)
{
	struct intake *in = calloc(1, sizeof(*in));

	if (!in)
		return VIGIL_ENOMEM;
	in->d = d;
	if (o)
		in->o = *o;
	snprintf(in->rejected, sizeof(in->rejected), "%s",
		 in->o.rejected_dir ? in->o.rejected_dir : "./var/rejected");
	if (!in->o.nat_opts.skew_ms)
		in->o.nat_opts.skew_ms = NAT_DEFAULT_SKEW_MS;
	if (!in->o.nat_opts.max_open_ms)
		in->o.nat_opts.max_open_ms = NAT_DEFAULT_MAX_OPEN_MS;
	if (!(in->tr = calloc(MAX_TRACED, sizeof(*in->tr)))) {
		free(in);
		return VIGIL_ENOMEM;
	}
	desk_set_site_lookup(d, site_of, in);
	*out = in;
	return 0;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void mail_reset(struct intake *in)
{
	free_list(in->cases, in->ncases);
	free_list(in->mine, in->nmine);
	in->cases = in->mine = NULL;
	in->ncases = in->nmine = in->ntr = 0;
	in->occ = in->bad = in->skipped_cases = in->events = 0;
	memset(&in->dst, 0, sizeof(in->dst));
	in->err = 0;
}

void intake_free(struct intake *in)
{
	if (!in)
		return;
	mail_reset(in);
	desk_set_site_lookup(in->d, NULL, NULL);
	free(in->tr);
	free(in);
}

static bool in_list(char **l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i], s))
			return true;
	return false;
}

static int list_add(char ***l, size_t *n, const char *s)
{
	if (*n >= MAX_CASES || in_list(*l, *n, s))
		return 0;
	char **nl = realloc(*l, (*n + 1) * sizeof(**l));
	if (!nl)
		return VIGIL_ENOMEM;
	*l = nl;
	if (!(nl[*n] = strdup(s)))
		return VIGIL_ENOMEM;
	(*n)++;
	return 0;
}

/* ---- pass 1: count, gather case ids ---- */

static int count_occ(void *ctx, const struct report_occ *o)
{
	struct intake *in = ctx;

	in->occ++;
	if (o->case_id[0]) {
		char key[260];
		snprintf(key, sizeof(key), "%s\t%s", o->sender, o->case_id);
		if ((in->err = list_add(&in->mine, &in->nmine, key)))
			return 1;
	}
	return 0;
}

static void count_bad(void *ctx, const char *msg)
{
	struct intake *in = ctx;
	in->bad++;
	(void)msg;
}

/* Pass 2 names each bad row once: the rest of the mail is filed. */
static void name_bad(void *ctx, const char *msg)
{
	struct intake *in = ctx;
	in->bad++;
	log_warn("report: %s: %s (skipped)", in->origin, msg);
}

/* ---- pass 2: occurrences as events ---- */

static void nf_time(int64_t ms, char *buf, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y/%m/%d.%H:%M:%S", &tm);
}

static const char *conf_word(uint8_t c)
{
	return c == NAT_CONF_HIGH ? "high" : "low";
}

/* Trace a gateway's ip:port through the NAT index: writes the inside host
 * into *host (and its port into *port) and a sentence into why. Returns 1
 * traced, 0 not a gateway, -1 a gateway that could not be traced. */
static int trace(struct intake *in, const struct report_occ *o, int64_t t, struct vaddr *host,
		 int32_t *port, char *why, size_t n, char *gw_site, size_t gsn)
{
	struct whois_result r;
	char a[ADDR_STRLEN], b[ADDR_STRLEN], ts[40];

	if (!in->o.whois || !whois_lookup(in->o.whois, &o->ip, &r) || !r.is_nat_gateway)
		return 0;
	snprintf(gw_site, gsn, "%s", r.site ? r.site : "");
	addr_format(&o->ip, a);
	if (o->port < 0 || !t) {
		snprintf(why, n, "NAT gateway %s: the report gives no %s, the inside host is unknown", a,
			 o->port < 0 ? "port" : "time");
		return -1;
	}
	if (!in->o.nat) {
		snprintf(why, n, "NAT gateway %s:%d: no NAT index configured ([nat] dir), the inside host is unknown",
			 a, (int)o->port);
		return -1;
	}
	struct nat_answer ans[4];
	struct nat_lookup_opts lo = in->o.nat_opts;
	lo.proto = o->proto > 0 ? (uint8_t)o->proto : 0;
	int k = nat_lookup(in->o.nat, &o->ip, (uint16_t)o->port, t, &lo, ans, 4);
	if (k <= 0 && lo.proto) { /* the sender may have the protocol wrong (uTP is UDP) */
		lo.proto = 0;
		k = nat_lookup(in->o.nat, &o->ip, (uint16_t)o->port, t, &lo, ans, 4);
	}
	if (k <= 0) {
		snprintf(why, n, "NAT gateway %s:%d: %s at %s (within %llds)", a, (int)o->port,
			 k < 0 ? vigil_strerror(k) : "no mapping in the NAT index",
			 vtime_format_s(t, ts), (long long)(lo.skew_ms / 1000));
		return -1;
	}
	*host = ans[0].inside;
	*port = ans[0].inside_port;
	int w = snprintf(why, n, "through NAT %s:%d -> %s:%u (confidence %s, %s line %u)", a,
			 (int)o->port, addr_format(&ans[0].inside, b), ans[0].inside_port,
			 conf_word(ans[0].confidence), ans[0].source, (unsigned)ans[0].line);
	for (int i = 1; i < k && i < 4 && w > 0 && (size_t)w < n; i++)
		w += snprintf(why + w, n - (size_t)w, "; also %s:%u (%s line %u)",
			      addr_format(&ans[i].inside, b), ans[i].inside_port, ans[i].source,
			      (unsigned)ans[i].line);
	if (ans[0].confidence == NAT_CONF_HIGH)
		in->st->traced_high++;
	else
		in->st->traced_low++;
	return 1;
}

static int file_occ(void *ctx, const struct report_occ *o)
{
	struct intake *in = ctx;
	const struct report_msg *m = in->msg;
	struct event e;
	char nat[300] = "", gw_site[128] = "", a[ADDR_STRLEN], t1[32], t2[32];
	struct buf b;
	int rc;

	if (o->case_id[0]) {
		char key[260];
		snprintf(key, sizeof(key), "%s\t%s", o->sender, o->case_id);
		if (in_list(in->cases, in->ncases, key)) {
			in->skipped_cases++;
			return 0;
		}
	}
	event_init(&e);
	snprintf(e.kind, sizeof(e.kind), "%s", o->type[0] ? o->type : "report");
	e.host = o->ip;
	snprintf(e.role, sizeof(e.role), "source");
	e.has_peer = o->has_peer;
	e.peer = o->peer;
	e.port = o->port;
	e.proto = o->proto;
	int64_t t = o->time_ms ? o->time_ms : m->date_ms;
	int tr = trace(in, o, o->time_ms, &e.host, &e.port, nat, sizeof(nat), gw_site, sizeof(gw_site));
	if (tr == 1) {
		in->st->traced++;
		if (gw_site[0] && in->ntr < MAX_TRACED) {
			in->tr[in->ntr].inside = e.host;
			snprintf(in->tr[in->ntr].site, sizeof(in->tr[in->ntr].site), "%s", gw_site);
			in->ntr++;
		}
	} else if (tr < 0) {
		in->st->untraced++;
	}
	if (!t)
		t = vtime_now_ms();
	e.first_ms = e.last_ms = t;
	e.score = o->confidence == REPORT_CONF_HIGH ? 1.0 : 0.5;
	/* what a person reads first: what, who says so, where it came from */
	char why[1400];
	snprintf(why, sizeof(why), "%.160s reported by %.100s (%s%s%.60s)%s%s; %s%s%.60s, confidence %s",
		 o->detail[0] ? o->detail : o->subtype[0] ? o->subtype : e.kind,
		 o->sender[0] ? o->sender : "?", o->format, o->case_id[0] ? ", case " : "", o->case_id,
		 nat[0] ? "; " : "", nat, o->source, o->time_orig[0] ? ", time as sent " : "",
		 o->time_orig, o->confidence == REPORT_CONF_HIGH ? "high" : "low");
	memcpy(e.why, why, sizeof(e.why) - 1);
	e.why[sizeof(e.why) - 1] = 0;
	snprintf(e.feed, sizeof(e.feed), "%.63s", o->sender);
	snprintf(e.ref, sizeof(e.ref), "%s", o->case_id);
	snprintf(e.source, sizeof(e.source), "report/%.24s", o->format);
	snprintf(e.doc, sizeof(e.doc), "%s", in->sha);
	nf_time(t - QUERY_PAD_MS, t1, sizeof(t1));
	nf_time(t + QUERY_PAD_MS, t2, sizeof(t2));
	/* the border sees a traced host as the gateway's address and port */
	addr_format(tr == 1 ? &o->ip : &e.host, a);
	int qport = tr == 1 ? o->port : e.port;
	if (qport >= 0)
		snprintf(e.query, sizeof(e.query), "-t %s-%s 'host %s and port %d'", t1, t2, a, qport);
	else
		snprintf(e.query, sizeof(e.query), "-t %s-%s 'host %s'", t1, t2, a);

	buf_init(&b, 64 * 1024);
	if ((rc = event_to_json(&e, &b)) == 0)
		rc = desk_ingest_event(in->d, &e, b.data, b.len, e.source, &in->dst);
	buf_free(&b);
	if (rc) {
		in->err = rc;
		return 1;
	}
	in->events++;
	return 0;
}

/* ---- rejected mail ---- */

static int mkdirs(const char *path)
{
	char tmp[1024];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, 0750) && errno != EEXIST)
				return -1;
			tmp[i] = c;
		}
	}
	return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	const char *c = p;
	if (fd < 0)
		return -1;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	if (fsync(fd)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Keep the mail whole as REJECTED/STAMP-HASH.eml with STAMP-HASH.why. */
static int reject(struct intake *in, const void *raw, size_t len, const char *origin,
		  const char *reason)
{
	char sha[SHA256_HEXLEN], stamp[32], base[1200], path[1300], ts[40];
	time_t now = time(NULL);
	struct tm tm;
	struct buf why;
	int rc = 0;

	sha256_hex(raw, len, sha);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (mkdirs(in->rejected)) {
		log_error("report: %s: cannot make the rejected folder: %s", in->rejected, strerror(errno));
		return VIGIL_EIO;
	}
	snprintf(base, sizeof(base), "%s/%s-%.16s", in->rejected, stamp, sha);
	snprintf(path, sizeof(path), "%s.eml", base);
	if (write_file(path, raw, len)) {
		if (errno == EEXIST)
			return 0; /* the same mail rejected this second already */
		log_error("report: %s: %s", path, strerror(errno));
		return VIGIL_EIO;
	}
	buf_init(&why, 1 << 16);
	buf_printf(&why, "origin: %s\nrejected: %s\nsha256: %s\nsize: %zu\nreason: %s\n", origin,
		   vtime_format_s(vtime_now_ms(), ts), sha, len, reason);
	snprintf(path, sizeof(path), "%s.why", base);
	if (write_file(path, why.data, why.len)) {
		log_error("report: %s: %s", path, strerror(errno));
		rc = VIGIL_EIO;
	}
	buf_free(&why);
	log_warn("report: %s rejected (%s); kept as %s.eml", origin, reason, base);
	return rc;
}

/* ---- one mail ---- */

static const char *first_text(const struct report_msg *m, size_t *len)
{
	for (size_t i = 0; i < m->nparts; i++)
		if (!strncmp(m->parts[i].ctype, "text/plain", 10) && !m->parts[i].parent) {
			*len = m->parts[i].len;
			return m->parts[i].data;
		}
	*len = 0;
	return "";
}

static int as_reply(struct intake *in, const struct report_msg *m, int64_t id, const void *raw,
		    size_t len, const char *origin, struct intake_stats *st)
{
	struct desk_document doc = { 0 };
	char outcome[64], *body;
	size_t blen;
	const char *text = first_text(m, &blen);
	int rc;

	snprintf(doc.message_id, sizeof(doc.message_id), "%s", m->message_id);
	snprintf(doc.sender, sizeof(doc.sender), "%s", m->from);
	snprintf(doc.subject, sizeof(doc.subject), "%s", m->subject);
	snprintf(doc.origin, sizeof(doc.origin), "%s", origin);
	rc = desk_document_add(in->d, &doc, raw, len);
	if (rc == VIGIL_EEXIST) {
		st->duplicates++;
		st->filed++;
		return 0;
	}
	if (rc)
		return rc;
	if (blen > REPLY_BODY)
		blen = REPLY_BODY;
	if (!(body = malloc(blen + 1)))
		return VIGIL_ENOMEM;
	memcpy(body, text, blen);
	body[blen] = 0;
	rc = desk_incident_note(in->d, id, "in", m->from, m->subject, body);
	free(body);
	if (rc)
		return rc;
	snprintf(outcome, sizeof(outcome), "reply to #%lld", (long long)id);
	if ((rc = desk_document_filed(in->d, doc.id, outcome)))
		return rc;
	st->replies++;
	st->filed++;
	return 0;
}

int intake_mail(struct intake *in, const void *raw, size_t len, const char *origin,
		struct intake_stats *st)
{
	struct report_mail *mail = NULL;
	struct report_stats rs;
	char err[512] = "", reason[600];
	int rc;

	st->mails++;
	in->st = st;
	if (len > REPORT_MAX_MAIL) {
		snprintf(reason, sizeof(reason), "over the size limit (%zu bytes, at most %u)", len,
			 REPORT_MAX_MAIL);
		goto rejected;
	}
	if ((rc = report_mail_parse(raw, len, &mail, err, sizeof(err)))) {
		if (rc == VIGIL_ENOMEM)
			return rc;
		snprintf(reason, sizeof(reason), "not a readable mail: %s", err[0] ? err : vigil_strerror(rc));
		goto rejected;
	}
	const struct report_msg *m = report_mail_msg(mail);
	int64_t reply = report_reply_incident(m->subject);
	if (reply > 0) {
		struct desk_incident inc;
		if (desk_get(in->d, reply, &inc) == 0) {
			rc = as_reply(in, m, reply, raw, len, origin, st);
			report_mail_free(mail);
			if (rc < 0)
				st->failed++;
			return rc;
		}
		/* a tag naming no incident of ours: read it as a report */
	}

	/* pass 1 */
	mail_reset(in);
	in->msg = m;
	rc = report_parse_msg(m, count_occ, count_bad, in, &rs, err, sizeof(err));
	if (rc == VIGIL_ENOMEM || in->err == VIGIL_ENOMEM) {
		report_mail_free(mail);
		return VIGIL_ENOMEM;
	}
	if (in->occ == 0) {
		snprintf(reason, sizeof(reason), "no reported address found%s%s", err[0] ? ": " : "", err);
		report_mail_free(mail);
		mail = NULL;
		goto rejected;
	}

	/* the document, then the case ids */
	struct desk_document doc = { 0 };
	snprintf(doc.message_id, sizeof(doc.message_id), "%s", m->message_id);
	snprintf(doc.sender, sizeof(doc.sender), "%s", m->from);
	snprintf(doc.subject, sizeof(doc.subject), "%s", m->subject);
	snprintf(doc.origin, sizeof(doc.origin), "%s", origin);
	rc = desk_document_add(in->d, &doc, raw, len);
	if (rc == VIGIL_EEXIST) {
		st->duplicates++;
		st->filed++;
		report_mail_free(mail);
		return 0;
	}
	if (rc)
		goto failed;
	for (size_t i = 0; i < in->nmine; i++) {
		char *tab = strchr(in->mine[i], '\t');
		*tab = 0;
		rc = desk_document_case(in->d, doc.id, in->mine[i], tab + 1);
		*tab = '\t';
		if (rc == VIGIL_EEXIST) {
			if ((rc = list_add(&in->cases, &in->ncases, in->mine[i])))
				goto failed;
		} else if (rc) {
			goto failed;
		}
	}

	/* pass 2: the events, in one transaction */
	in->sha = doc.sha256;
	in->occ = in->bad = 0;
	if ((rc = desk_ingest_begin(in->d)))
		goto failed;
	in->origin = origin;
	rc = report_parse_msg(m, file_occ, name_bad, in, &rs, err, sizeof(err));
	if (in->err || rc == VIGIL_ENOMEM) {
		desk_ingest_rollback(in->d);
		rc = in->err ? in->err : rc;
		goto failed;
	}
	if ((rc = desk_ingest_commit(in->d, NULL, NULL, 0)))
		goto failed;
	char outcome[128];
	if (in->events == 0 && in->skipped_cases)
		snprintf(outcome, sizeof(outcome), "duplicate: %llu case ids filed before",
			 (unsigned long long)in->skipped_cases);
	else
		snprintf(outcome, sizeof(outcome), "%llu events: %llu new incidents, %llu joined",
			 (unsigned long long)in->events, (unsigned long long)in->dst.new_incidents,
			 (unsigned long long)(in->dst.joined + in->dst.reopened));
	if ((rc = desk_document_filed(in->d, doc.id, outcome)))
		goto failed;
	st->filed++;
	if (in->events == 0 && in->skipped_cases)
		st->duplicates++;
	st->case_dups += in->ncases;
	st->occurrences += rs.occurrences;
	st->bad_rows += rs.bad;
	st->events += in->events;
	st->new_incidents += in->dst.new_incidents;
	st->joined += in->dst.joined + in->dst.reopened;
	st->event_dups += in->dst.duplicates;
	report_mail_free(mail);
	mail_reset(in);
	return 0;

failed:
	log_error("report: %s: not filed: %s", origin, vigil_strerror(rc));
	report_mail_free(mail);
	mail_reset(in);
	st->failed++;
	return rc < 0 ? rc : VIGIL_EDB;

rejected:
	report_mail_free(mail);
	mail_reset(in);
	if ((rc = reject(in, raw, len, origin, reason)))
		return rc;
	st->rejected++;
	return 1;
}

/* ---- maildir ---- */

int intake_is_maildir(const char *path)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/new", path);
	if (stat(p, &st) || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(p, sizeof(p), "%s/cur", path);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int read_all(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return VIGIL_EIO;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	if (cap > (size_t)REPORT_MAX_MAIL + 2)
		cap = (size_t)REPORT_MAX_MAIL + 2; /* enough to know it is too big */
	char *b = malloc(cap);
	if (!b) {
		close(fd);
		return VIGIL_ENOMEM;
	}
	while (n < cap) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = b;
	*len = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int intake_maildir(struct intake *in, const char *dir, struct intake_stats *st)
{
	char path[4400], dst[4500];
	DIR *dp;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int status = 0;

	snprintf(path, sizeof(path), "%s/new", dir);
	if (!(dp = opendir(path))) {
		log_error("report: %s: %s", path, strerror(errno));
		return VIGIL_EIO;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str); /* delivery order: names start with the time */
	for (size_t i = 0; i < n; i++) {
		char *raw;
		size_t len;
		snprintf(path, sizeof(path), "%s/new/%s", dir, names[i]);
		int rc = read_all(path, &raw, &len);
		if (rc == VIGIL_EIO)
			continue; /* taken by another reader meanwhile */
		if (rc < 0) {
			status = rc;
			break;
		}
		rc = intake_mail(in, raw, len, path, st);
		free(raw);
		if (rc < 0) {
			status = rc; /* the desk failed: leave this and the rest in new/ */
			break;
		}
		if (rc == 1)
			status = 1;
		snprintf(dst, sizeof(dst), "%s/cur/%s:2,S", dir, names[i]);
		if (rename(path, dst))
			log_error("report: %s -> %s: %s", path, dst, strerror(errno));
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

void intake_print(const struct intake_stats *s, FILE *f)
{
	fprintf(f, "mails %llu: filed %llu, duplicates %llu, %llu case ids seen before, replies %llu, "
		   "rejected %llu, not filed %llu; occurrences %llu, bad rows %llu; events %llu: "
		   "new incidents %llu, joined %llu, repeated events %llu",
		(unsigned long long)s->mails, (unsigned long long)s->filed,
		(unsigned long long)s->duplicates, (unsigned long long)s->case_dups,
		(unsigned long long)s->replies, (unsigned long long)s->rejected,
		(unsigned long long)s->failed, (unsigned long long)s->occurrences,
		(unsigned long long)s->bad_rows, (unsigned long long)s->events,
		(unsigned long long)s->new_incidents, (unsigned long long)s->joined,
		(unsigned long long)s->event_dups);
	if (s->traced || s->untraced) {
		fprintf(f, "; NAT: traced %llu", (unsigned long long)s->traced);
		if (s->traced && !s->traced_low)
			fprintf(f, " (confidence high)");
		else if (s->traced && !s->traced_high)
			fprintf(f, " (confidence low)");
		else if (s->traced)
			fprintf(f, " (confidence high %llu, low %llu)", (unsigned long long)s->traced_high,
				(unsigned long long)s->traced_low);
		fprintf(f, ", untraced %llu", (unsigned long long)s->untraced);
	}
	fputc('\n', f);
}
