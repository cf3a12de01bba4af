/*
 * plain.c - plain IP lists: one address or CIDR a line with '#' or ';'
 * comments (Emerging Threats block and compromised lists, DShield-style
 * lists), and DShield's block list form "start<TAB>end<TAB>len ..." (an
 * inclusive range; its "Start End Netblock" header line is skipped).
 */
#include "intel/intel_int.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

static int plain_line(struct intel_parse *p, char *line, size_t len)
{
	char *s, *cut, *tok2, *end;
	struct vaddr lo, hi;
	int rc;

	(void)len;
	cut = strpbrk(line, "#;");
	if (cut)
		*cut = '\0';
	s = intel_trim(line);
	if (*s == '\0') {
		p->skipped++;
		return 0;
	}
	end = s + strcspn(s, " \t,");
	tok2 = end;
	while (*tok2 == ' ' || *tok2 == '\t' || *tok2 == ',')
		tok2++;
	if (*tok2) {
		/* DShield "start end len ...": a second address makes it a range. */
		size_t n2 = strcspn(tok2, " \t,");
		char a[ADDR_STRLEN], b[ADDR_STRLEN];

		if ((size_t)(end - s) < sizeof(a) && n2 < sizeof(b)) {
			memcpy(a, s, (size_t)(end - s));
			a[end - s] = '\0';
			memcpy(b, tok2, n2);
			b[n2] = '\0';
			if (addr_parse(a, &lo) == 0 && addr_parse(b, &hi) == 0) {
				if (addr_is_v4(&lo) != addr_is_v4(&hi) || addr_cmp(&lo, &hi) > 0) {
					snprintf(p->msg, sizeof(p->msg), "bad range %s - %s", a, b);
					return 1;
				}
				rc = intel_parse_add(p, &lo, &hi, 0, -1, NULL, NULL);
				return rc < 0 ? rc : 0;
			}
		}
		if (!p->header_seen && p->loaded == 0 && strncmp(s, "Start", 5) == 0) {
			p->header_seen = true;
			p->skipped++;
			return 0;
		}
	}
	return intel_parse_add_text(p, s, (size_t)(end - s), -1, NULL, NULL);
}

const struct intel_reader intel_reader_plain = {
	.fmt = INTEL_FMT_PLAIN,
	.name = "plain",
	.default_kind = INTEL_BLOCKLIST,
	.line = plain_line,
};
