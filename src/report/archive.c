/*
 * archive.c - attachments that hold the report: Shadowserver mails carry
 * their CSV zipped, other senders gzip or tar it. Opened from memory with
 * libarchive; regular members are handed on one by one, each unpacked into
 * a buffer capped at REPORT_MAX_PART, with caps on the member count and on
 * the bytes of all members together, so a zip bomb is refused with
 * VIGIL_ELIMIT and a reason. A part that is no archive (by its magic bytes)
 * costs a few comparisons and returns 0.
 */
#include "report/report.h"
#include "util/buf.h"
#include "util/err.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* All members of one archive together: no more than a whole mail may hold. */
#define ARCHIVE_MAX_TOTAL ((uint64_t)REPORT_MAX_MAIL)
#define ARCHIVE_CHUNK 65536

enum magic { MAGIC_NONE, MAGIC_CONTAINER, MAGIC_COMPRESSED };

static enum magic magic_of(const unsigned char *d, size_t n)
{
	if (n >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4)
		return MAGIC_CONTAINER; /* zip */
	if (n >= 262 && !memcmp(d + 257, "ustar", 5))
		return MAGIC_CONTAINER; /* tar */
	if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return MAGIC_COMPRESSED; /* gzip: a bare file or a tar */
	if (n >= 3 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h')
		return MAGIC_COMPRESSED; /* bzip2 */
	if (n >= 6 && !memcmp(d, "\xfd" "7zXZ", 5))
		return MAGIC_COMPRESSED; /* xz */
	return MAGIC_NONE;
}

/* A bare compressed file has no member name: the attachment's, less its suffix. */
static void raw_name(const char *fname, char *out, size_t cap)
{
	static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".gzip" };
	size_t fl = strlen(fname);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);
		if (fl > sl && !strcasecmp(fname + fl - sl, suffixes[i])) {
			fl -= sl;
			break;
		}
	}
	snprintf(out, cap, "%.*s", (int)fl, fname);
}

static const char *why(struct archive *a, const char *dflt)
{
	const char *s = archive_error_string(a);
	return s ? s : dflt;
}

int report_archive_each(const struct report_part *p,
			int (*fn)(void *ctx, const char *name, const void *data, size_t len),
			void *ctx, char *err, size_t errlen)
{
	struct archive *a = NULL;
	struct archive_entry *ent;
	struct buf b;
	const char *fname = p->filename ? p->filename : "";
	uint64_t total = 0;
	int members = 0, rc = 0, r;
	enum magic mg;

	if (!p->data || (mg = magic_of((const unsigned char *)p->data, p->len)) == MAGIC_NONE)
		return 0;
	buf_init(&b, REPORT_MAX_PART);
	if (!(a = archive_read_new()))
		return VIGIL_ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	if (mg == MAGIC_COMPRESSED)
		archive_read_support_format_raw(a); /* a bare .gz: one member; a .tar.gz bids tar */
	if (archive_read_open_memory(a, p->data, p->len) != ARCHIVE_OK) {
		snprintf(err, errlen, "attachment %s: not a readable archive: %s", fname, why(a, "?"));
		rc = VIGIL_EFORMAT;
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		const char *name = archive_entry_pathname(ent);
		char namebuf[256];
		la_ssize_t n;

		if (!raw && archive_entry_filetype(ent) != AE_IFREG)
			continue; /* directories, links, devices */
		if (++members > REPORT_MAX_PARTS) {
			snprintf(err, errlen, "attachment %s: more than %d members", fname, REPORT_MAX_PARTS);
			rc = VIGIL_ELIMIT;
			goto out;
		}
		if (raw || !name || !*name) {
			raw_name(fname, namebuf, sizeof(namebuf));
			name = namebuf;
		}
		buf_reset(&b);
		for (;;) {
			char chunk[ARCHIVE_CHUNK];

			if ((n = archive_read_data(a, chunk, sizeof(chunk))) <= 0)
				break;
			total += (uint64_t)n;
			if (total > ARCHIVE_MAX_TOTAL) {
				snprintf(err, errlen, "attachment %s: members unpack to more than %llu bytes",
					 fname, (unsigned long long)ARCHIVE_MAX_TOTAL);
				rc = VIGIL_ELIMIT;
				goto out;
			}
			if ((rc = buf_add(&b, chunk, (size_t)n)) < 0) {
				if (rc == VIGIL_ELIMIT)
					snprintf(err, errlen, "attachment %s: member %s unpacks to more than %u bytes",
						 fname, name, REPORT_MAX_PART);
				else
					snprintf(err, errlen, "attachment %s: out of memory", fname);
				goto out;
			}
		}
		if (n < 0) {
			snprintf(err, errlen, "attachment %s: member %s: %s", fname, name, why(a, "read error"));
			rc = VIGIL_EFORMAT;
			goto out;
		}
		if ((rc = fn(ctx, name, b.data ? b.data : "", b.len)) != 0)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errlen, "attachment %s: damaged archive after %d member%s: %s", fname, members,
			 members == 1 ? "" : "s", why(a, "?"));
		rc = VIGIL_EFORMAT;
	}
out:
	buf_free(&b);
	archive_read_free(a);
	if (rc < 0)
		return rc;
	return members ? members : 1; /* an archive, even an empty one, is no other format */
}
