/*
 * nat.h - NAT logs: who really held a gateway's outside address and port at
 * a moment. Readers turn firewall and router logs (Cisco ASA 305011/305012
 * and 302013/302014/302015/302016, Linux conntrack events, Juniper SRX
 * RT_FLOW_SESSION_CREATE/CLOSE) and the NAT events of stored flows (natEvent,
 * post-NAT fields, ASA NSEL) into struct nat_rec; the index keeps them on
 * disk, time-partitioned, and answers "gateway ip:port/proto at time T ->
 * inside ip:port" with the log line each answer came from.
 *
 * Data flows one way: reader -> index -> lookup. The readers know nothing of
 * the index and the index nothing of log formats.
 */
#ifndef VIGIL_NAT_NAT_H
#define VIGIL_NAT_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct flow;

/* ---- one mapping event, as a log line states it ---------------------- */

enum nat_ev {
	NAT_OPEN = 1,  /* a translation (session) was built: start_ms */
	NAT_CLOSE = 2, /* torn down: end_ms (start_ms too when the line says how long it lasted) */
};

#define NAT_SRC_MAX 64 /* source file names longer than this are cut */

struct nat_rec {
	uint8_t ev;                 /* enum nat_ev */
	uint8_t proto;              /* IP protocol: 6, 17, 1 ... (0 unknown) */
	int64_t start_ms, end_ms;   /* UTC ms; 0 = not stated by this line */
	struct vaddr outside;       /* the gateway's (translated, global) address */
	uint16_t outside_port;      /* translated port (0 for a one-to-one address mapping) */
	struct vaddr inside;        /* the real (local) host */
	uint16_t inside_port;
	bool has_peer;
	struct vaddr peer;          /* the remote end, when the line names it */
	uint16_t peer_port;
	uint32_t line;              /* line of the source it came from (1-based; 0 for flows) */
};

/* ---- readers: one per log format, behind a table ---------------------- */

struct nat_fmt_opts {
	int year;              /* for syslog stamps without a year ("Jan  2 03:04:05"); 0: this year */
	int32_t utc_offset_s;  /* zone of stamps that carry none (default 0: UTC) */
};

/* Parse one line (no newline, not NUL-terminated) with the format's state
 * (from state_new, or NULL). Returns 1 and fills *out
 * when the line is a NAT mapping event, 0 when it is some other message of
 * the format (skipped, counted as "other"), or VIGIL_EFORMAT with a reason in
 * err when it claims to be one but cannot be read (counted as "bad"). */
typedef int (*nat_parse_fn)(void *state, const char *line, size_t len,
			    const struct nat_fmt_opts *o, struct nat_rec *out, char *err,
			    size_t errlen);

struct nat_format {
	const char *name;  /* "asa", "conntrack", "srx" */
	const char *what;  /* one line for --help */
	/* 0..100: how sure that this line is of this format (for detection). */
	int (*probe)(const char *line, size_t len);
	nat_parse_fn parse;
	/* State a format keeps across lines (the ASA pairs a connection's
	 * teardown with its build by connection id); NULL when it keeps none. */
	void *(*state_new)(void);
	void (*state_free)(void *state);
};

/* The formats, NULL-terminated; nat_format_find("asa") or NULL. */
extern const struct nat_format *const nat_formats[];
const struct nat_format *nat_format_find(const char *name);

struct nat_reader_stats {
	uint64_t lines, records, other, bad;
};

/* A streaming line reader: init / feed / finish, so a file, stdin or a
 * fuzzer can feed it in pieces. fmt NULL: detected from the first lines
 * (each line is probed until one format claims it, then that format is
 * kept). emit gets every record; a non-zero return stops the reader and is
 * returned by feed/finish. bad (may be NULL) gets every bad line with its
 * number and reason; the rest is read on. */
typedef int (*nat_emit_fn)(void *ctx, const struct nat_rec *r);
typedef void (*nat_bad_fn)(void *ctx, uint32_t line, const char *msg);

struct nat_reader;
int nat_reader_new(const struct nat_format *fmt, const struct nat_fmt_opts *o, nat_emit_fn emit,
		   nat_bad_fn bad, void *ctx, struct nat_reader **out);
void nat_reader_free(struct nat_reader *r);
int nat_reader_feed(struct nat_reader *r, const void *data, size_t len);
int nat_reader_finish(struct nat_reader *r);
/* The format in use (NULL while none was detected yet). */
const struct nat_format *nat_reader_format(const struct nat_reader *r);
void nat_reader_get_stats(const struct nat_reader *r, struct nat_reader_stats *st);

/* A stored or decoded flow as a NAT record: returns 1 when it carries a NAT
 * translation (nat_event set or post-NAT source address/port present), 0
 * otherwise. natEvent 1/3/4/... (create) gives NAT_OPEN, 2/5 (delete)
 * NAT_CLOSE; a flow with post-NAT fields and no event gives a closed
 * mapping over [first, last]. */
int nat_from_flow(const struct flow *f, struct nat_rec *out);

/* ---- the index --------------------------------------------------------- */

#define NAT_DEFAULT_SKEW_MS (60LL * 1000)
#define NAT_DEFAULT_MAX_OPEN_MS (24LL * 3600 * 1000)

struct nat_index;

/* Open (creating it when writable) the index in dir. */
int nat_index_open(const char *dir, bool writable, struct nat_index **out, char *err, size_t errlen);
/* Add one record read from source (a file name, "-" or "flows:DIR"). Not
 * durable before nat_index_flush() returned 0. */
int nat_index_add(struct nat_index *x, const struct nat_rec *r, const char *source);
/* Make every mapping added so far that has ended durable (crash-safe: a
 * kill at any moment leaves the index readable, losing at most what was not
 * flushed). Mappings still open are written when their teardown comes or at
 * nat_index_close(); after a crash, ingesting the log again restores them
 * (the same mapping twice is merged). */
int nat_index_flush(struct nat_index *x);
/* Flush and free (NULL is fine). */
int nat_index_close(struct nat_index *x);

struct nat_lookup_opts {
	int64_t skew_ms;      /* complainant's clock tolerance (default NAT_DEFAULT_SKEW_MS) */
	int64_t max_open_ms;  /* an open mapping lasts at most this (default NAT_DEFAULT_MAX_OPEN_MS) */
	uint8_t proto;        /* 0: any */
};

enum nat_confidence { NAT_CONF_NONE = 0, NAT_CONF_LOW = 1, NAT_CONF_HIGH = 2 };

struct nat_answer {
	struct vaddr inside;
	uint16_t inside_port;
	uint8_t proto;
	int64_t start_ms, end_ms;  /* the mapping's interval (end 0: still open at the cap) */
	bool open_ended;           /* no close seen: end is the next mapping or the cap */
	uint8_t confidence;        /* enum nat_confidence */
	char source[NAT_SRC_MAX];  /* the log the answer came from */
	uint32_t line;             /* and its line */
};

/* Who held outside:port at t_ms (within the skew). Writes up to max answers,
 * best first, and returns how many there are (may exceed max), 0 for none.
 * One answer whose interval covers t: confidence high. Several inside the
 * tolerance, or only one found through the skew: low. */
int nat_lookup(struct nat_index *x, const struct vaddr *outside, uint16_t port, int64_t t_ms,
	       const struct nat_lookup_opts *o, struct nat_answer *ans, size_t max);

struct nat_index_info {
	uint64_t partitions, mappings, bytes;
	int64_t first_ms, last_ms;
};
int nat_index_info(struct nat_index *x, struct nat_index_info *out);
/* Remove partitions wholly older than now - max_age (retention like the flow store). */
int nat_index_expire(struct nat_index *x, int64_t max_age_ms, int64_t now_ms, uint64_t *removed);

#endif
