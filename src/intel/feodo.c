/*
 * feodo.c - abuse.ch Feodo Tracker's botnet C&C list as CSV:
 *   "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
 * '#' lines are comments; the header row names the columns (dst_ip or
 * ip_address, dst_port or port, malware), so column order may change. Every
 * entry is a C&C server with its port and malware family.
 */
#include "intel/intel_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int feodo_line(struct intel_parse *p, char *line, size_t len)
{
	char *f[INTEL_MAX_COLS];
	char *s = intel_trim(line);
	int n;
	int32_t port = -1;

	(void)len;
	if (*s == '\0' || *s == '#') {
		p->skipped++;
		return 0;
	}
	n = intel_csv_split(s, f, INTEL_MAX_COLS);
	if (n < 0) {
		snprintf(p->msg, sizeof(p->msg), "unterminated quote");
		return 1;
	}
	if (!p->header_seen) {
		for (int i = 0; i < n; i++) {
			if (!strcasecmp(f[i], "dst_ip") || !strcasecmp(f[i], "ip_address"))
				p->col = i;
			else if (!strcasecmp(f[i], "dst_port") || !strcasecmp(f[i], "port"))
				p->port_col = i;
			else if (!strcasecmp(f[i], "malware"))
				p->family_col = i;
		}
		if (p->col >= 0) {
			p->header_seen = true;
			p->skipped++;
			return 0;
		}
		/* No header: the feed's documented order. */
		p->header_seen = true;
		p->col = 1;
		p->port_col = 2;
		p->family_col = 5;
	}
	if (p->col >= n) {
		snprintf(p->msg, sizeof(p->msg), "%d fields, the address is field %d", n, p->col + 1);
		return 1;
	}
	if (p->port_col >= 0 && p->port_col < n && f[p->port_col][0]) {
		port = intel_parse_port(f[p->port_col]);
		if (port < 0) {
			snprintf(p->msg, sizeof(p->msg), "bad port \"%.20s\"", f[p->port_col]);
			return 1;
		}
	}
	return intel_parse_add_text(p, f[p->col], strlen(f[p->col]), port,
				    p->family_col >= 0 && p->family_col < n ? f[p->family_col] : NULL,
				    NULL);
}

const struct intel_reader intel_reader_feodo = {
	.fmt = INTEL_FMT_FEODO,
	.name = "feodo",
	.default_kind = INTEL_CC,
	.line = feodo_line,
};
