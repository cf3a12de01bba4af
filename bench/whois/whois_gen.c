/*
 * whois_gen.c - writes a synthetic RIPE-style RPSL dump at the scale of the
 * real RIPE database, for bench/whois (never committed: generate it to a
 * temporary file).
 *
 *   whois_gen [-n INETNUMS] [-s SEED] [-x 1] > /tmp/synth.db
 *
 * -x 1 makes one assignment in 50 an odd range that is not a prefix (from
 * the second address to the last but one), as real dumps have: those split
 * even a /29, so lookups there take the interval search (whois_bench digest
 * checks that path against another build).
 *
 * Nesting follows the registry: allocations (/20, ALLOCATED PA) each with an
 * organisation, an abuse role and a route; every tenth allocation holds a
 * sub-allocation (/22) with assignments of its own; the rest of each
 * allocation is filled with assignments (/29 to /26, ASSIGNED PA) with their
 * own netnames, a few with their own abuse-c. One irt per hundred
 * allocations (mnt-irt), one inet6num /32 and a route6 per allocation,
 * more-specific routes for one allocation in ten. Deterministic for a seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13; /* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const char *countries[] = { "GB", "DE", "FR", "NL", "IT", "ES", "SE", "PL", "RU", "UA",
				   "CH", "AT", "BE", "DK", "NO", "FI", "CZ", "RO", "IR", "TR" };

static void ip(char *b, uint32_t a)
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

static uint64_t inetnums, target;
static int odd;

static void inetnum(uint32_t lo, uint32_t hi, const char *netname, const char *status,
		    const char *org, const char *abuse, const char *irt, unsigned cc)
{
	char a[16], b[16];

	ip(a, lo);
	ip(b, hi);
	printf("inetnum:        %s - %s\nnetname:        %s\n", a, b, netname);
	printf("descr:          Synthetic network %s\n", netname);
	printf("country:        %s\n", countries[cc % 20]);
	if (org)
		printf("org:            %s\n", org);
	printf("admin-c:        DUMY-RIPE\ntech-c:         DUMY-RIPE\n");
	if (abuse)
		printf("abuse-c:        %s\n", abuse);
	printf("status:         %s\n", status);
	if (irt)
		printf("mnt-irt:        %s\n", irt);
	printf("mnt-by:         SYN-MNT\ncreated:        2020-01-01T00:00:00Z\n"
	       "last-modified:  2024-01-01T00:00:00Z\nsource:         RIPE\n\n");
	inetnums++;
}

/* Fill [lo, hi] with assignments; returns how many. */
static void assignments(uint32_t lo, uint32_t hi, uint32_t alloc, const char *abuse_role)
{
	uint32_t p = lo;
	unsigned k = 0;

	while (p <= hi && inetnums < target) {
		unsigned len = 26 + rnd() % 4; /* /26 .. /29 */
		uint32_t size = 1u << (32 - len);
		p = (p + size - 1) & ~(size - 1);
		if (p + size - 1 > hi || p + size - 1 < p)
			break;
		if (rnd() % 8 == 0) { /* leave a gap */
			p += size;
			continue;
		}
		char name[48];
		snprintf(name, sizeof(name), "SYN-A%u-%u", alloc, k++);
		uint32_t first = p, last = p + size - 1;
		if (odd && rnd() % 50 == 0) {
			first++;
			last--;
		}
		inetnum(first, last, name, "ASSIGNED PA", NULL,
			rnd() % 20 == 0 ? abuse_role : NULL, NULL, rnd());
		p += size;
	}
}

int main(int argc, char **argv)
{
	target = 4500000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			target = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-x"))
			odd = strtol(argv[i + 1], NULL, 10) != 0;
		else if (!strcmp(argv[i], "-s"))
			rng ^= strtoull(argv[i + 1], NULL, 10) * 0x9e3779b97f4a7c15ull;
	}
	printf("# Synthetic RIPE-style dump written by bench/whois/whois_gen (not real data)\n\n");
	for (uint32_t n = 0; inetnums < target; n++) {
		/* allocations at /20 steps from 2.0.0.0, skipping 10/8, 127/8 and 224/3 */
		uint32_t lo = (2u << 24) + n * 4096u;
		if ((lo >> 24) >= 10)
			lo += 1u << 24;
		if ((lo >> 24) >= 127)
			lo += 1u << 24;
		if ((lo >> 24) >= 224)
			break;
		uint32_t hi = lo + 4095;
		char org[32], role[32], irt[32], name[32], a[16];
		snprintf(org, sizeof(org), "ORG-SYN%u-RIPE", n);
		snprintf(role, sizeof(role), "SYN%u-RIPE", n);
		snprintf(irt, sizeof(irt), "IRT-SYN%u", n / 100);
		snprintf(name, sizeof(name), "SYN-ALLOC-%u", n);
		if (n % 100 == 0)
			printf("irt:            %s\naddress:        Synthetic\n"
			       "e-mail:         cert%u@example.net\nabuse-mailbox:  cert%u@example.net\n"
			       "signature:      PGPKEY-%08X\nencryption:     PGPKEY-%08X\n"
			       "auth:           PGPKEY-%08X\nmnt-by:         SYN-MNT\nsource:         RIPE\n\n",
			       irt, n / 100, n / 100, n, n, n);
		printf("organisation:   %s\norg-name:       Synthetic Organisation %u\n"
		       "org-type:       LIR\naddress:        Synthetic\ncountry:        %s\n"
		       "e-mail:         noc%u@example.net\nphone:          +31 20 000 %04u\n"
		       "abuse-c:        %s\nmnt-ref:        SYN-MNT\nmnt-by:         SYN-MNT\n"
		       "source:         RIPE\n\n",
		       org, n, countries[n % 20], n, n % 10000, role);
		printf("role:           Synthetic Abuse %u\naddress:        Synthetic\n"
		       "e-mail:         abuse%u@example.net\nabuse-mailbox:  abuse%u@example.net\n"
		       "nic-hdl:        %s\nmnt-by:         SYN-MNT\nsource:         RIPE\n\n",
		       n, n, n, role);
		inetnum(lo, hi, name, "ALLOCATED PA", org, NULL, n % 100 == 0 ? irt : NULL, n);
		ip(a, lo);
		printf("route:          %s/20\norigin:         AS%u\nmnt-by:         SYN-MNT\n"
		       "source:         RIPE\n\n",
		       a, 4200000000u + n % 100000);
		if (n % 10 == 3)
			printf("route:          %s/22\norigin:         AS%u\nmnt-by:         SYN-MNT\n"
			       "source:         RIPE\n\n",
			       a, 4200100000u + n % 100000);
		printf("inet6num:       2a%02x:%x::/32\nnetname:        %s\ncountry:        %s\n"
		       "org:            %s\nstatus:         ALLOCATED-BY-RIR\nmnt-by:         SYN-MNT\n"
		       "source:         RIPE\n\n",
		       0x10 + n / 65536 % 0xe0, n % 65536, name, countries[n % 20], org);
		printf("route6:         2a%02x:%x::/32\norigin:         AS%u\nmnt-by:         SYN-MNT\n"
		       "source:         RIPE\n\n",
		       0x10 + n / 65536 % 0xe0, n % 65536, 4200000000u + n % 100000);
		if (n % 10 == 0) { /* a sub-allocation with its own assignments */
			char sub[32];
			snprintf(sub, sizeof(sub), "SYN-SUB-%u", n);
			inetnum(lo, lo + 1023, sub, "SUB-ALLOCATED PA", NULL, NULL, NULL, n);
			assignments(lo, lo + 1023, n, role);
			assignments(lo + 1024, hi, n, role);
		} else {
			assignments(lo, hi, n, role);
		}
	}
	fprintf(stderr, "whois_gen: %" PRIu64 " inetnum objects\n", inetnums);
	return 0;
}
