/*
 * event.h - the one record that detectors and report parsers emit and the
 * incident desk consumes, serialised as one JSON object a line (DESIGN.md):
 *
 *   {"kind": "scan|portscan|cc|blocklist|amplifier|dos|copyright|report|...",
 *    "host": IP, "role": "source|destination", "peer": IP?, "port": N?,
 *    "proto": "tcp|udp|icmp"?, "first": RFC3339, "last": RFC3339,
 *    "flows": N, "packets": N, "bytes": N, "distinct": N?, "score": X,
 *    "why": "...", "feed": NAME?, "estimate": bool, "sampling": N?,
 *    "ref": external reference?, "query": vigil flows arguments?,
 *    "source": who emitted it (detector or report parser)?,
 *    "doc": SHA-256 of the raw document (mail) it was reported in?}
 *
 * Fixed-size strings keep ownership trivial; over-long values are truncated.
 */
#ifndef VIGIL_UTIL_EVENT_H
#define VIGIL_UTIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/buf.h"

struct event {
	char kind[24];
	struct vaddr host;
	char role[16];      /* "source" or "destination" */
	bool has_peer;
	struct vaddr peer;
	int32_t port;       /* -1: none */
	int16_t proto;      /* -1: none */
	int64_t first_ms, last_ms;
	uint64_t flows, packets, bytes; /* estimates of real traffic when estimate */
	int64_t distinct;   /* -1: none */
	double score;
	bool estimate;      /* counts were scaled up by the sampling rate */
	uint32_t sampling;  /* 0: unknown / not flow-based */
	char why[512];
	char feed[64];
	char ref[128];
	char query[512];
	char source[32];
	char doc[65];       /* SHA-256 (hex) of the document it came from (a mail), "" for none */
};

/* Zero an event with the "none" markers set. */
void event_init(struct event *e);
/* Append e as one JSON object (no newline) to b. */
int event_to_json(const struct event *e, struct buf *b);
/* Parse one JSON line. On error returns VIGIL_EFORMAT and writes a reason
 * ("missing \"host\"", ...) into err. */
int event_from_json(const char *s, size_t len, struct event *e, char *err, size_t errlen);

#endif
