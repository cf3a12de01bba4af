/*
 * csvip.c - a generic CSV list with an IP column: a header row, then one
 * entry a row. The column is the one named ip, ip_address, src_ip, dst_ip,
 * address, cidr, network or prefix, or the one given as `csv:col=N:PATH`
 * (1-based, then the first row is data unless it fails to parse). Columns
 * named port / malware / family fill the entry's port and family.
 */
#include "intel/intel_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const ip_names[] = {
	"ip", "ip_address", "ipaddress", "src_ip", "dst_ip", "address", "addr", "cidr",
	"network", "prefix", "indicator",
};

static int csv_line(struct intel_parse *p, char *line, size_t len)
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
		bool given = p->col >= 0;

		p->header_seen = true;
		for (int i = 0; i < n; i++) {
			for (size_t k = 0; !given && k < sizeof(ip_names) / sizeof(ip_names[0]); k++)
				if (!strcasecmp(f[i], ip_names[k]) && p->col < 0)
					p->col = i;
			if (!strcasecmp(f[i], "port") || !strcasecmp(f[i], "dst_port"))
				p->port_col = i;
			else if (!strcasecmp(f[i], "malware") || !strcasecmp(f[i], "family"))
				p->family_col = i;
		}
		if (p->col < 0) {
			snprintf(p->msg, sizeof(p->msg),
				 "no IP column in the header (name one with csv:col=N:FILE)");
			p->col = 0;
			return 1;
		}
		if (!given)
			goto header;
		/* A given column: the first row is a header only if it is not an address. */
		if (p->col < n) {
			struct vprefix pf;

			if (prefix_parse(f[p->col], &pf) < 0)
				goto header;
		}
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
header:
	p->skipped++;
	return 0;
}

const struct intel_reader intel_reader_csv = {
	.fmt = INTEL_FMT_CSV,
	.name = "csv",
	.default_kind = INTEL_BLOCKLIST,
	.line = csv_line,
};
