/*
 * snapshot.c - the constituency model on disk (`vigil whois import`), so the
 * service and the CLI load it in a moment instead of re-reading RPSL dumps.
 *
 * Layout, all integers little-endian and fixed width:
 *   header   "VGLWHOIS" u32 version (1) u32 flags (0) u64 payload bytes
 *   payload  the string arena (u64 length + bytes), then each record array
 *            as u64 count + records, every record field by field (16-byte
 *            addresses, u32 numbers), in a fixed order (see sects[]), then
 *            the import statistics (u64 each)
 *   trailer  u32 CRC-32 (zlib) of header and payload
 * Loading maps the file, checks the CRC before anything else, then checks
 * every string offset and record index against the arrays it points into,
 * and rebuilds the prefix indexes.
 */
#include "whois/model.h"
#include "util/err.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SNAP_MAGIC "VGLWHOIS"
#define SNAP_VERSION 1
#define SNAP_HDR 24

/* One record array: naddr addresses then nu32 consecutive uint32 fields;
 * when side_at >= 0, one more uint32 sits at that position among them on
 * disk, kept in memory in a parallel W_VEC(uint32_t) at side_off (the nets'
 * parent links, moved out of the record so it fits a cache line; the file
 * layout is unchanged). */
struct sect {
	size_t vec_off, elem; /* offset of the W_VEC in struct whois_db */
	int naddr;
	size_t u32_off;
	int nu32;
	int side_at;
	size_t side_off;
};

#define SECT(field, T, na, first, nu)                                                      \
	{ offsetof(struct whois_db, field), sizeof(T), na, offsetof(T, first), nu, -1, 0 }
static const struct sect sects[] = {
	{ offsetof(struct whois_db, nets), sizeof(struct w_net), 2, offsetof(struct w_net, key), 8,
	  6, offsetof(struct whois_db, net_parent) },
	SECT(routes, struct w_route, 2, key, 5),
	SECT(orgs, struct w_org, 0, key, 8),
	SECT(contacts, struct w_contact, 0, key, 8),
	SECT(irts, struct w_irt, 0, key, 8),
	SECT(auts, struct w_aut, 0, asn, 5),
	SECT(sites, struct w_site, 0, id, 14),
	SECT(sitepfx, struct w_sitepfx, 2, site, 3),
};

/* uint32 fields of one record on disk */
static int disk_u32(const struct sect *s) { return s->nu32 + (s->side_at >= 0); }
#define NSECTS (sizeof(sects) / sizeof(sects[0]))

/* the generic view of a W_VEC */
struct vec {
	void *v;
	size_t n, cap;
};

static uLong crc_big(uLong crc, const uint8_t *p, size_t n)
{
	while (n) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = crc32(crc, p, k);
		p += k;
		n -= k;
	}
	return crc;
}

struct wr {
	FILE *f;
	uLong crc;
	int err;
};

static void put(struct wr *w, const void *p, size_t n)
{
	if (w->err || !n)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->err = VIGIL_EIO;
	w->crc = crc_big(w->crc, (const uint8_t *)p, n);
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(w, b, 4);
}

static void put64(struct wr *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static uint64_t *stat_fields(struct whois_stats *st, size_t *n)
{
	*n = sizeof(*st) / sizeof(uint64_t);
	return &st->inetnum;
}

int whois_save(const struct whois_db *db, const char *path)
{
	struct wr w = { NULL, 0, 0 };
	char tmp[4096];
	struct whois_stats st = db->st;
	size_t nst;
	uint64_t *sf = stat_fields(&st, &nst);
	uint64_t plen;
	int rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return VIGIL_EINVAL;
	plen = 8 + db->a.len + 8 + 4 * (uint64_t)db->files.n + 8 * (uint64_t)nst;
	for (size_t s = 0; s < NSECTS; s++) {
		const struct vec *v = (const struct vec *)((const char *)db + sects[s].vec_off);
		plen += 8 + v->n * ((uint64_t)sects[s].naddr * 16 + 4 * (uint64_t)disk_u32(&sects[s]));
	}
	w.f = fopen(tmp, "wb");
	if (!w.f)
		return VIGIL_EIO;
	w.crc = crc32(0, NULL, 0);
	put(&w, SNAP_MAGIC, 8);
	put32(&w, SNAP_VERSION);
	put32(&w, 0);
	put64(&w, plen);
	put64(&w, db->a.len);
	put(&w, db->a.p, db->a.len);
	put64(&w, db->files.n);
	for (size_t i = 0; i < db->files.n; i++)
		put32(&w, db->files.v[i]);
	for (size_t s = 0; s < NSECTS; s++) {
		const struct vec *v = (const struct vec *)((const char *)db + sects[s].vec_off);
		const struct vec *side = sects[s].side_at < 0 ? NULL
			: (const struct vec *)((const char *)db + sects[s].side_off);
		put64(&w, v->n);
		for (size_t i = 0; i < v->n; i++) {
			const char *rec = (const char *)v->v + i * sects[s].elem;
			put(&w, rec, (size_t)sects[s].naddr * 16);
			for (int k = 0, f = 0; k < disk_u32(&sects[s]); k++) {
				uint32_t x = W_NONE;
				if (k == sects[s].side_at) {
					if (i < side->n)
						x = ((const uint32_t *)side->v)[i];
				} else {
					memcpy(&x, rec + sects[s].u32_off + 4 * (size_t)f++, 4);
				}
				put32(&w, x);
			}
		}
	}
	for (size_t i = 0; i < nst; i++)
		put64(&w, sf[i]);
	uint32_t crc = (uint32_t)w.crc;
	put32(&w, crc);
	rc = w.err;
	if (!rc && (fflush(w.f) || fsync(fileno(w.f))))
		rc = VIGIL_EIO;
	if (fclose(w.f) && !rc)
		rc = VIGIL_EIO;
	if (!rc && rename(tmp, path))
		rc = VIGIL_EIO;
	if (rc)
		unlink(tmp);
	return rc;
}

struct rdle {
	const uint8_t *p, *end;
};

static int get(struct rdle *r, void *dst, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		return VIGIL_EFORMAT;
	memcpy(dst, r->p, n);
	r->p += n;
	return 0;
}

static int get32(struct rdle *r, uint32_t *v)
{
	uint8_t b[4];

	if (get(r, b, 4))
		return VIGIL_EFORMAT;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

static int get64(struct rdle *r, uint64_t *v)
{
	uint32_t lo, hi;

	if (get32(r, &lo) || get32(r, &hi))
		return VIGIL_EFORMAT;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Every string offset inside the arena, every index inside its array. */
static bool ok_str(const struct whois_db *db, uint32_t o) { return o < db->a.len; }
static bool ok_idx(uint32_t i, size_t n) { return i == W_NONE || i < n; }

static int check(const struct whois_db *db)
{
	size_t nf = db->files.n;

	if (!db->a.len || db->a.p[db->a.len - 1] != '\0' || db->a.p[0] != '\0')
		return VIGIL_EFORMAT;
	for (size_t i = 0; i < nf; i++)
		if (!ok_str(db, db->files.v[i]))
			return VIGIL_EFORMAT;
#define STR(x) if (!ok_str(db, (x))) return VIGIL_EFORMAT
#define IDX(x, n) if (!ok_idx((x), (n))) return VIGIL_EFORMAT
#define FILEOK(x) if ((x) >= nf) return VIGIL_EFORMAT
	for (size_t i = 0; i < db->nets.n; i++) {
		const struct w_net *x = &db->nets.v[i];
		STR(x->key); STR(x->netname); STR(x->country);
		IDX(x->org, db->orgs.n); IDX(x->abuse, db->contacts.n); IDX(x->irt, db->irts.n);
		IDX(db->net_parent.v[i], db->nets.n); FILEOK(x->file);
		if (addr_is_v4(&x->lo) != addr_is_v4(&x->hi) || addr_cmp(&x->lo, &x->hi) > 0)
			return VIGIL_EFORMAT;
	}
	for (size_t i = 0; i < db->routes.n; i++) {
		const struct w_route *x = &db->routes.v[i];
		STR(x->key); IDX(x->next, db->routes.n); FILEOK(x->file);
		if (x->next != W_NONE && x->next <= i) /* chains only point forward */
			return VIGIL_EFORMAT;
		if (addr_is_v4(&x->lo) != addr_is_v4(&x->hi) || addr_cmp(&x->lo, &x->hi) > 0)
			return VIGIL_EFORMAT;
	}
	for (size_t i = 0; i < db->orgs.n; i++) {
		const struct w_org *x = &db->orgs.v[i];
		STR(x->key); STR(x->name); STR(x->country); STR(x->email); STR(x->phone);
		IDX(x->abuse, db->contacts.n); FILEOK(x->file);
	}
	for (size_t i = 0; i < db->contacts.n; i++) {
		const struct w_contact *x = &db->contacts.v[i];
		STR(x->key); STR(x->name); STR(x->abuse_mailbox); STR(x->email); STR(x->phone);
		FILEOK(x->file);
	}
	for (size_t i = 0; i < db->irts.n; i++) {
		const struct w_irt *x = &db->irts.v[i];
		STR(x->key); STR(x->abuse_mailbox); STR(x->email); STR(x->signature);
		STR(x->encryption); STR(x->phone); FILEOK(x->file);
	}
	for (size_t i = 0; i < db->auts.n; i++) {
		STR(db->auts.v[i].name); IDX(db->auts.v[i].org, db->orgs.n); FILEOK(db->auts.v[i].file);
	}
	for (size_t i = 0; i < db->sites.n; i++) {
		const struct w_site *x = &db->sites.v[i];
		STR(x->id); STR(x->name); STR(x->contact); STR(x->abuse); STR(x->phone); STR(x->pgp);
		STR(x->language); STR(x->format); STR(x->batch); FILEOK(x->file);
	}
	for (size_t i = 0; i < db->sitepfx.n; i++) {
		const struct w_sitepfx *x = &db->sitepfx.v[i];
		if (x->site >= db->sites.n || addr_cmp(&x->lo, &x->hi) > 0 ||
		    addr_is_v4(&x->lo) != addr_is_v4(&x->hi))
			return VIGIL_EFORMAT;
	}
#undef STR
#undef IDX
#undef FILEOK
	return 0;
}

static int decode(struct whois_db *db, struct rdle *r)
{
	uint64_t n;

	if (get64(r, &n) || n == 0 || n > W_MAX_ARENA || n > (uint64_t)(r->end - r->p))
		return VIGIL_EFORMAT;
	free(db->a.p);
	db->a.p = w_alloc_hot(n, 1); /* huge pages: strings are read at random */
	if (!db->a.p)
		return VIGIL_ENOMEM;
	db->a.len = db->a.cap = n;
	get(r, db->a.p, n);
	if (get64(r, &n) || n > (uint64_t)(r->end - r->p) / 4)
		return VIGIL_EFORMAT;
	if (w_vec_reserve((void **)&db->files.v, &db->files.cap, n ? n : 1, 4))
		return VIGIL_ENOMEM;
	for (db->files.n = 0; db->files.n < n; db->files.n++)
		get32(r, &db->files.v[db->files.n]);
	for (size_t s = 0; s < NSECTS; s++) {
		struct vec *v = (struct vec *)((char *)db + sects[s].vec_off);
		size_t rb = (size_t)sects[s].naddr * 16 + 4 * (size_t)disk_u32(&sects[s]);
		struct vec *side = NULL;
		if (get64(r, &n) || n > (uint64_t)(r->end - r->p) / rb || n >= W_NONE)
			return VIGIL_EFORMAT;
		if (sects[s].side_at >= 0) {
			side = (struct vec *)((char *)db + sects[s].side_off);
			if (w_vec_reserve(&side->v, &side->cap, n ? n : 1, 4))
				return VIGIL_ENOMEM;
			side->n = n;
		}
		/* records go straight into lookup-friendly memory (64-byte
		 * aligned, huge pages when large) */
		if (n && !v->v && (v->v = w_alloc_hot(n, sects[s].elem)) != NULL)
			v->cap = n;
		if (w_vec_reserve(&v->v, &v->cap, n ? n : 1, sects[s].elem))
			return VIGIL_ENOMEM;
		memset(v->v, 0, n * sects[s].elem);
		for (v->n = 0; v->n < n; v->n++) {
			char *rec = (char *)v->v + v->n * sects[s].elem;
			get(r, rec, (size_t)sects[s].naddr * 16);
			for (int k = 0, f = 0; k < disk_u32(&sects[s]); k++) {
				uint32_t x = 0;
				get32(r, &x);
				if (k == sects[s].side_at)
					((uint32_t *)side->v)[v->n] = x;
				else
					memcpy(rec + sects[s].u32_off + 4 * (size_t)f++, &x, 4);
			}
		}
	}
	size_t nst;
	uint64_t *sf = stat_fields(&db->st, &nst);
	for (size_t i = 0; i < nst; i++)
		if (get64(r, &sf[i]))
			return VIGIL_EFORMAT;
	if (r->p != r->end)
		return VIGIL_EFORMAT;
	return check(db);
}

int whois_open(const char *path, struct whois_db **out)
{
	struct whois_db *db = NULL;
	struct stat sb;
	uint8_t *map = MAP_FAILED;
	size_t size = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return VIGIL_EIO;
	if (fstat(fd, &sb) || sb.st_size < SNAP_HDR + 4) {
		rc = sb.st_size < SNAP_HDR + 4 ? VIGIL_EFORMAT : VIGIL_EIO;
		goto out;
	}
	size = (size_t)sb.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = VIGIL_EIO;
		goto out;
	}
	if (memcmp(map, SNAP_MAGIC, 8) != 0) {
		rc = VIGIL_EFORMAT;
		goto out;
	}
	struct rdle r = { map + 8, map + size - 4 };
	uint32_t ver = 0, flags = 0, crc = 0;
	uint64_t plen = 0;
	get32(&r, &ver);
	get32(&r, &flags);
	get64(&r, &plen);
	if (ver != SNAP_VERSION || flags != 0) {
		rc = VIGIL_EUNSUPPORTED;
		goto out;
	}
	if (plen != size - SNAP_HDR - 4) {
		rc = VIGIL_EFORMAT;
		goto out;
	}
	struct rdle t = { map + size - 4, map + size };
	get32(&t, &crc);
	if (crc_big(crc32(0, NULL, 0), map, size - 4) != crc) {
		rc = VIGIL_ECHECKSUM;
		goto out;
	}
	if ((rc = w_db_alloc(&db)) != 0 || (rc = decode(db, &r)) != 0 || (rc = w_db_index(db)) != 0)
		goto out;
	*out = db;
	db = NULL;
out:
	whois_free(db);
	if (map != MAP_FAILED)
		munmap(map, size);
	close(fd);
	return rc;
}
