/*
 * load.c - loading one list file into an intel set: the "[name=F:][kind=K:]
 * [FORMAT:][col=N:]PATH" spec, format detection by content, reading the file
 * (capped), splitting it into lines and handing each to the format's reader,
 * reporting bad lines with file:line. Also the small text helpers the readers
 * share.
 */
#include "intel/intel_int.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct intel_reader *const readers[] = {
	&intel_reader_plain, &intel_reader_feodo, &intel_reader_spamhaus,
	&intel_reader_spamhaus_json, &intel_reader_csv,
};

static const struct {
	const char *name;
	enum intel_format fmt;
} format_names[] = {
	{ "plain", INTEL_FMT_PLAIN }, { "et", INTEL_FMT_PLAIN }, { "dshield", INTEL_FMT_PLAIN },
	{ "feodo", INTEL_FMT_FEODO }, { "spamhaus", INTEL_FMT_SPAMHAUS },
	{ "drop", INTEL_FMT_SPAMHAUS }, { "spamhaus-json", INTEL_FMT_SPAMHAUS_JSON },
	{ "csv", INTEL_FMT_CSV }, { "auto", INTEL_FMT_AUTO },
};

const char *intel_format_name(enum intel_format f)
{
	switch (f) {
	case INTEL_FMT_PLAIN: return "plain";
	case INTEL_FMT_FEODO: return "feodo";
	case INTEL_FMT_SPAMHAUS: return "spamhaus";
	case INTEL_FMT_SPAMHAUS_JSON: return "spamhaus-json";
	case INTEL_FMT_CSV: return "csv";
	default: return "auto";
	}
}

int intel_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(format_names[i].name, name) == 0)
			return (int)format_names[i].fmt;
	return -1;
}

char *intel_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int32_t intel_parse_port(const char *s)
{
	int32_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return v;
}

int intel_csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *r = line, *w = line;

	while (n < max) {
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"') {
					if (r[1] == '"') {
						*w++ = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				*w++ = *r++;
			}
			while (*r && *r != ',')
				r++; /* junk after the closing quote is dropped */
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (*r == ',') {
			*w++ = '\0';
			r++;
			continue;
		}
		*w = '\0';
		break;
	}
	for (int i = 0; i < n; i++)
		fields[i] = intel_trim(fields[i]);
	return n;
}

int intel_parse_add_text(struct intel_parse *p, const char *s, size_t n, int32_t port,
			 const char *family, const char *ref)
{
	char tmp[PREFIX_STRLEN + 8];
	struct vprefix pf;
	struct vaddr lo, hi;
	int rc;

	if (n == 0 || n >= sizeof(tmp)) {
		snprintf(p->msg, sizeof(p->msg), "not an address or prefix");
		return 1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (prefix_parse(tmp, &pf) < 0) {
		snprintf(p->msg, sizeof(p->msg), "not an address or prefix: \"%.60s\"", tmp);
		return 1;
	}
	prefix_range(&pf, &lo, &hi);
	rc = intel_parse_add(p, &lo, &hi, pf.len, port, family, ref);
	if (rc < 0) {
		snprintf(p->msg, sizeof(p->msg), "%s", vigil_strerror(rc));
		return rc;
	}
	return 0;
}

/* First line that is not blank and not a # or ; comment, copied into out. */
static void first_data_line(const char *d, size_t len, char *out, size_t outlen)
{
	size_t i = 0;

	out[0] = '\0';
	while (i < len) {
		size_t j = i, k;

		while (j < len && d[j] != '\n')
			j++;
		k = i;
		while (k < j && (d[k] == ' ' || d[k] == '\t' || d[k] == '\r'))
			k++;
		if (k < j && d[k] != '#' && d[k] != ';') {
			size_t n = j - k < outlen - 1 ? j - k : outlen - 1;

			memcpy(out, d + k, n);
			out[n] = '\0';
			return;
		}
		i = j + 1;
	}
}

static enum intel_format detect_format(const char *d, size_t len)
{
	char line[512];

	first_data_line(d, len, line, sizeof(line));
	if (line[0] == '{')
		return INTEL_FMT_SPAMHAUS_JSON;
	if (strstr(line, "dst_ip") && strstr(line, "first_seen"))
		return INTEL_FMT_FEODO;
	if (strstr(line, "; SBL") || strstr(line, ";SBL") || strstr(line, " ; ") ||
	    ((line[0] == 'A' || line[0] == 'a') && (line[1] == 'S' || line[1] == 's') &&
	     line[2] >= '0' && line[2] <= '9'))
		return INTEL_FMT_SPAMHAUS;
	if (strchr(line, ',') && !strchr(line, '\t'))
		return INTEL_FMT_CSV;
	return INTEL_FMT_PLAIN;
}

static const struct intel_reader *reader_for(enum intel_format f)
{
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (readers[i]->fmt == f)
			return readers[i];
	return &intel_reader_plain;
}

long intel_load_mem(struct intel_set *s, const char *file, const char *feed, enum intel_format fmt,
		    int kind, int col, const char *data, size_t len, intel_err_fn errfn, void *ctx,
		    struct intel_load_stats *stats)
{
	const struct intel_reader *rd;
	struct intel_parse p;
	char *line = NULL;
	uint64_t bad = 0;
	size_t i = 0;
	long rc = 0;

	if (fmt == INTEL_FMT_AUTO)
		fmt = detect_format(data, len);
	rd = reader_for(fmt);
	memset(&p, 0, sizeof(p));
	p.set = s;
	p.file = file ? file : "-";
	p.feed = intel_set_feed_name(s, feed && *feed ? feed : "list", fmt);
	if (!p.feed) {
		rc = VIGIL_ELIMIT;
		goto out;
	}
	p.kind = kind >= 0 ? kind : rd->default_kind;
	p.col = col > 0 ? col - 1 : -1;
	p.port_col = p.family_col = p.ref_col = -1;
	line = malloc(INTEL_MAX_LINE + 1);
	if (!line) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	while (i < len) {
		size_t j = i, n;
		int r;

		while (j < len && data[j] != '\n')
			j++;
		n = j - i;
		p.lineno++;
		if (n > INTEL_MAX_LINE) {
			bad++;
			if (errfn)
				errfn(ctx, p.file, p.lineno, "line too long");
			i = j + 1;
			continue;
		}
		memcpy(line, data + i, n);
		line[n] = '\0';
		i = j + 1;
		if (memchr(line, '\0', n)) {
			bad++;
			if (errfn)
				errfn(ctx, p.file, p.lineno, "NUL byte in line");
			continue;
		}
		p.msg[0] = '\0';
		r = rd->line(&p, line, n);
		if (r < 0) {
			rc = r;
			goto out;
		}
		if (r > 0) {
			bad++;
			if (errfn)
				errfn(ctx, p.file, p.lineno, p.msg[0] ? p.msg : "bad line");
		}
	}
	rc = (long)p.loaded;
out:
	if (p.feed)
		intel_set_feed_count(s, p.feed, p.loaded, bad);
	if (stats) {
		snprintf(stats->feed, sizeof(stats->feed), "%s", p.feed ? p.feed : "");
		stats->format = fmt;
		stats->loaded = p.loaded;
		stats->bad = bad;
		stats->skipped = p.skipped;
	}
	free(line);
	return rc;
}

/* Feed name from a path: the file name without directories and extension. */
static void feed_from_path(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/');
	const char *dot;
	size_t len;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	len = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	if (len >= n)
		len = n - 1;
	memcpy(out, b, len);
	out[len] = '\0';
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	size_t cap = 0, n = 0;
	int rc = VIGIL_EIO;

	if (!f)
		goto out;
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nd;

			if (cap >= INTEL_MAX_FILE) {
				rc = VIGIL_ELIMIT;
				goto out;
			}
			nd = realloc(d, ncap + 1);
			if (!nd) {
				rc = VIGIL_ENOMEM;
				goto out;
			}
			d = nd;
			cap = ncap;
		}
		got = fread(d + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto out;
	d[n] = '\0';
	*data = d;
	*len = n;
	d = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	free(d);
	return rc;
}

long intel_load(struct intel_set *s, const char *spec, intel_err_fn errfn, void *ctx,
		struct intel_load_stats *stats)
{
	char feed[64] = "";
	const char *path = spec;
	enum intel_format fmt = INTEL_FMT_AUTO;
	int kind = -1, col = 0;
	char *data = NULL;
	size_t len = 0;
	long rc;

	/* Peel "key=value:" and "format:" prefixes off the front. */
	for (;;) {
		const char *colon = strchr(path, ':');
		char word[80];
		size_t n;
		int f;

		if (!colon || (size_t)(colon - path) >= sizeof(word))
			break;
		n = (size_t)(colon - path);
		memcpy(word, path, n);
		word[n] = '\0';
		if (strncmp(word, "name=", 5) == 0) {
			snprintf(feed, sizeof(feed), "%.63s", word + 5);
		} else if (strcmp(word, "kind=cc") == 0) {
			kind = INTEL_CC;
		} else if (strcmp(word, "kind=blocklist") == 0) {
			kind = INTEL_BLOCKLIST;
		} else if (strncmp(word, "col=", 4) == 0) {
			col = (int)intel_parse_port(word + 4);
			if (col <= 0 || col > INTEL_MAX_COLS)
				return VIGIL_EINVAL;
		} else if ((f = intel_format_parse(word)) >= 0) {
			fmt = (enum intel_format)f;
		} else {
			break; /* part of the path */
		}
		path = colon + 1;
	}
	if (!feed[0])
		feed_from_path(path, feed, sizeof(feed));
	rc = read_file(path, &data, &len);
	if (rc < 0) {
		if (errfn)
			errfn(ctx, path, 0, rc == VIGIL_EIO ? strerror(errno) : vigil_strerror((int)rc));
		goto out;
	}
	rc = intel_load_mem(s, path, feed, fmt, kind, col, data, len, errfn, ctx, stats);
out:
	free(data);
	return rc;
}
