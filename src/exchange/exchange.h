/*
 * exchange.h - incidents out to other teams in the formats they read:
 * IODEF 2.0 (RFC 7970) and 1.0 (RFC 5070) written with libxml2, X-ARF v4
 * JSON, and vigil's own JSON (desk_show). The writers sit behind one table
 * keyed by format name; each reads an incident as desk_show() gives it (the
 * incident, its evidence, hosts and peers), so nothing here touches the
 * desk's storage. Importing IODEF is src/report's job (report_iodef).
 */
#ifndef VIGIL_EXCHANGE_EXCHANGE_H
#define VIGIL_EXCHANGE_EXCHANGE_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* Who we are, as the documents name us ([exchange] in vigil.conf). */
struct exchange_opts {
	const char *team;        /* IncidentID name: the team's domain ("csirt.example.ac.uk") */
	const char *team_name;   /* ContactName of the creator ("Example CSIRT") */
	const char *email;       /* the creator's address */
	const char *restriction; /* IODEF restriction / TLP: amber (default), green, red, white, private ... */
	const char *lang;        /* xml:lang, default "en" */
	int64_t now_ms;          /* GenerationTime / ReportTime; 0: now */
};

/* Write incidents[0..n) (desk_show() objects) in format ("iodef", "iodef1",
 * "xarf", "json") to out. An IODEF document holds every incident; xarf is
 * one JSON document a line per incident; json an array. Returns 0, or
 * VIGIL_EINVAL (unknown format, with a sentence in err) / VIGIL_ENOMEM. */
int exchange_write(const char *format, json_t *const *incidents, size_t n,
		   const struct exchange_opts *o, struct buf *out, char *err, size_t errlen);

/* The format names, NULL-terminated (for usage lines). */
extern const char *const exchange_formats[];

/* How vigil's kinds map to IODEF and X-ARF (docs/internals/exchange.md). */
struct exchange_kind_map {
	const char *kind;          /* cc, blocklist, scan ... */
	const char *impact2;       /* IODEF 2.0 SystemImpact type */
	const char *impact1;       /* IODEF 1.0 Impact type */
	const char *action;        /* Expectation action */
	const char *xarf_class;    /* X-ARF v4 ReportClass */
	const char *xarf_type;     /* X-ARF v4 ReportType */
	const char *host_role;     /* System category of the incident's host */
	const char *peer_role;     /* and of its peer */
};
/* The entry for kind (a generic one for kinds not in the table; never NULL). */
const struct exchange_kind_map *exchange_kind(const char *kind);
/* The vigil kind of an IODEF 1.0/2.0 impact type or X-ARF report type
 * ("recon" -> "scan"); NULL when none fits. */
const char *exchange_kind_of_impact(const char *impact);

#endif
