/*
 * follow.c - consuming the detectors' event log continuously: a directory
 * of events-YYYYmmddTHHMMSSZ.jsonl files, appended in complete lines, whose
 * names sort in time order. Only complete lines are read; each batch stores
 * (file, offset after its last line) in the same transaction as its events,
 * so after a crash or restart the follower resumes exactly where the last
 * COMMIT left it. Growth and new files are found by polling.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/vtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FOLLOW_POLL_MS 200
#define FOLLOW_BATCH 1000
#define FOLLOW_BUF (1024 * 1024)
#define FOLLOW_MAXNAME 256

static bool log_name(const char *n)
{
	size_t len = strlen(n);

	return !strncmp(n, "events-", 7) && len > 13 && len < FOLLOW_MAXNAME &&
	       !strcmp(n + len - 6, ".jsonl");
}

/* The first log file name in dir that sorts after `after` ("" = any); 1 found, 0 none. */
static int next_file(const char *dir, const char *after, char *out, size_t n)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	bool found = false;

	if (!dh)
		return VIGIL_ESYS;
	while ((de = readdir(dh))) {
		if (!log_name(de->d_name) || strcmp(de->d_name, after) <= 0)
			continue;
		if (!found || strcmp(de->d_name, out) < 0) {
			snprintf(out, n, "%s", de->d_name);
			found = true;
		}
	}
	closedir(dh);
	return found;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct follower {
	struct desk *d;
	const char *key;
	char file[FOLLOW_MAXNAME];
	int64_t off; /* offset just after the last complete line handed to the desk */
	uint64_t lineno;
	struct desk_ingest_stats pending;
};

/* Ingest the complete lines of buf[0..len) (starting at file offset f->off) in
 * batches; returns the bytes consumed (complete lines) or < 0. */
static int64_t feed(struct follower *f, const char *path, char *buf, size_t len,
		    struct desk_ingest_stats *st,
		    void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx)
{
	size_t pos = 0;
	uint64_t inbatch = 0;
	int rc;

	while (pos < len) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - (buf + pos)) + 1;
		if (!f->d->in_tx && (rc = desk_ingest_begin(f->d)))
			return rc;
		f->lineno++;
		if ((rc = desk_ingest_line(f->d, buf + pos, n, path, f->lineno, &f->pending)))
			return rc;
		pos += n;
		if (++inbatch >= FOLLOW_BATCH || pos == len || !memchr(buf + pos, '\n', len - pos)) {
			if ((rc = desk_ingest_commit(f->d, f->key, f->file, f->off + (int64_t)pos)))
				return rc;
			*st = f->pending;
			if (ack)
				ack(ctx, st);
			inbatch = 0;
		}
	}
	return (int64_t)pos;
}

/* The follower; with drain it returns once every complete line is ingested
 * instead of waiting for more. */
static int follow(struct desk *d, const char *dir, volatile sig_atomic_t *stop, bool drain,
		  struct desk_ingest_stats *st,
		  void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx)
{
	char key[PATH_MAX], path[PATH_MAX + FOLLOW_MAXNAME + 2];
	char *buf = malloc(FOLLOW_BUF);
	struct follower f = { .d = d, .key = key };
	int fd = -1, rc = 0;

	if (!buf)
		return VIGIL_ENOMEM;
	if (!realpath(dir, key)) {
		rc = VIGIL_ESYS;
		goto out;
	}
	f.pending = *st;
	if ((rc = desk_follow_position(d, key, f.file, sizeof(f.file), &f.off)))
		goto out;
	if (f.off > 0)
		log_info("desk: resuming %s at %s offset %lld", key, f.file, (long long)f.off);
	while (!*stop) {
		size_t have = 0;
		ssize_t r;

		if (fd < 0) {
			if (!f.file[0]) {
				rc = next_file(key, "", f.file, sizeof(f.file));
				if (rc < 0)
					goto out;
				if (rc == 0) {
					if (drain)
						break;
					sleep_ms(FOLLOW_POLL_MS);
					continue;
				}
				rc = 0;
				f.off = 0;
			}
			snprintf(path, sizeof(path), "%s/%s", key, f.file);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				log_error("desk: %s: %s", path, strerror(errno));
				rc = VIGIL_ESYS;
				goto out;
			}
			f.lineno = 0; /* line numbers count from the resume point */
		}
		while ((r = pread(fd, buf + have, FOLLOW_BUF - have, f.off + (off_t)have)) > 0) {
			int64_t used;

			have += (size_t)r;
			used = feed(&f, f.file, buf, have, st, ack, ctx);
			if (used < 0) {
				rc = (int)used;
				goto out;
			}
			if (used == 0 && have == FOLLOW_BUF) {
				log_error("desk: %s: line at offset %lld longer than %d bytes",
					  path, (long long)f.off, FOLLOW_BUF);
				rc = VIGIL_ELIMIT;
				goto out;
			}
			f.off += used;
			memmove(buf, buf + used, have - (size_t)used);
			have -= (size_t)used;
			if (*stop)
				break;
		}
		if (r < 0) {
			rc = VIGIL_EIO;
			goto out;
		}
		/* At the end of this file: move on if a newer one exists, else wait for growth. */
		char nextname[FOLLOW_MAXNAME];
		int nx = next_file(key, f.file, nextname, sizeof(nextname));

		if (nx < 0) {
			rc = nx;
			goto out;
		}
		if (nx == 1 && have == 0) {
			close(fd);
			fd = -1;
			desk_copy(f.file, sizeof(f.file), nextname);
			f.off = 0;
			continue;
		}
		if (drain)
			break; /* the last file read to its last complete line */
		sleep_ms(FOLLOW_POLL_MS);
	}
out:
	if (d->in_tx)
		desk_ingest_rollback(d);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int desk_follow(struct desk *d, const char *dir, volatile sig_atomic_t *stop,
		struct desk_ingest_stats *st,
		void (*ack)(void *ctx, const struct desk_ingest_stats *st), void *ctx)
{
	return follow(d, dir, stop, false, st, ack, ctx);
}

int desk_follow_drain(struct desk *d, const char *dir, struct desk_ingest_stats *st)
{
	volatile sig_atomic_t never = 0;

	return follow(d, dir, &never, true, st, NULL, NULL);
}
