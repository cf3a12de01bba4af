/*
 * evlog.c - the event log the online detectors append to and the incident
 * desk follows (format in docs/internals/event-log.md): a directory of
 * events-YYYYmmddTHHMMSSZ.jsonl files, each batch appended as complete JSON
 * lines with one write() and made durable with fdatasync(), rotated by size
 * or age. A crash can leave at most a torn last line, which readers ignore
 * (they consume complete lines only) and which the writer cuts off when it
 * reopens the newest file.
 */
#include "detect/detect.h"
#include "util/buf.h"
#include "util/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EVLOG_MAX_BATCH (64u << 20)

struct evlog {
	char dir[512];
	char path[600];
	int fd;
	uint64_t size;
	int64_t opened_ms;
	struct evlog_opts o;
	struct buf b;
};

static int mkdirs(const char *dir)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return VIGIL_EIO;
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return VIGIL_EIO;
	return 0;
}

/* Name of the newest events-*.jsonl file in dir into out ("" if none). */
static void newest(const char *dir, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	out[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, "events-", 7) != 0 || l < 7 + 6 ||
		    strcmp(de->d_name + l - 6, ".jsonl") != 0)
			continue;
		if (strcmp(de->d_name, out) > 0)
			snprintf(out, n, "%s", de->d_name);
	}
	closedir(d);
}

/* Reopen the newest file for appending, cutting a torn last line. */
static int reopen(struct evlog *l)
{
	char name[256];
	struct stat st;
	off_t end;
	char c;

	newest(l->dir, name, sizeof(name));
	if (!name[0])
		return 0;
	snprintf(l->path, sizeof(l->path), "%s/%s", l->dir, name);
	l->fd = open(l->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (l->fd < 0)
		return VIGIL_EIO;
	if (fstat(l->fd, &st) < 0)
		return VIGIL_EIO;
	end = st.st_size;
	while (end > 0 && pread(l->fd, &c, 1, end - 1) == 1 && c != '\n')
		end--;
	if (end != st.st_size && ftruncate(l->fd, end) < 0)
		return VIGIL_EIO;
	l->size = (uint64_t)end;
	l->opened_ms = (int64_t)st.st_mtime * 1000; /* age counts from the last write */
	return 0;
}

int evlog_open(const char *dir, const struct evlog_opts *opts, struct evlog **out)
{
	struct evlog *l = calloc(1, sizeof(*l));
	int rc = VIGIL_ENOMEM;

	*out = NULL;
	if (!l)
		goto out;
	l->fd = -1;
	if (opts)
		l->o = *opts;
	if (!l->o.max_bytes)
		l->o.max_bytes = 64u << 20;
	if (!l->o.max_age_ms)
		l->o.max_age_ms = 3600 * 1000;
	if (!l->o.sync)
		l->o.sync = 1;
	if (strlen(dir) >= sizeof(l->dir)) {
		rc = VIGIL_EINVAL;
		goto out;
	}
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	buf_init(&l->b, EVLOG_MAX_BATCH);
	rc = mkdirs(dir);
	if (rc < 0)
		goto out;
	rc = reopen(l);
	if (rc < 0)
		goto out;
	*out = l;
	l = NULL;
out:
	evlog_close(l);
	return rc;
}

static int rotate(struct evlog *l, int64_t now_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	char stamp[32];
	int dfd;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(l->path, sizeof(l->path), "%s/events-%s.jsonl", l->dir, stamp);
	l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (l->fd < 0)
		return VIGIL_EIO;
	dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (l->o.sync > 0)
			fsync(dfd); /* the new name is durable */
		close(dfd);
	}
	l->size = 0;
	l->opened_ms = now_ms;
	return 0;
}

int evlog_append(struct evlog *l, const struct event *e, size_t n, int64_t now_ms)
{
	size_t off = 0;
	int rc;

	if (n == 0)
		return 0;
	buf_reset(&l->b);
	for (size_t i = 0; i < n; i++) {
		if (event_to_json(&e[i], &l->b) < 0 || buf_addc(&l->b, '\n') < 0)
			return VIGIL_ELIMIT;
	}
	if (l->fd < 0 || l->size >= l->o.max_bytes || now_ms - l->opened_ms >= l->o.max_age_ms) {
		rc = rotate(l, now_ms);
		if (rc < 0)
			return rc;
	}
	while (off < l->b.len) {
		ssize_t w = write(l->fd, l->b.data + off, l->b.len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return VIGIL_EIO;
		}
		off += (size_t)w;
	}
	if (l->o.sync > 0 && fdatasync(l->fd) < 0)
		return VIGIL_EIO;
	l->size += l->b.len;
	return 0;
}

const char *evlog_current(const struct evlog *l)
{
	return l->fd >= 0 ? l->path : "";
}

void evlog_close(struct evlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	buf_free(&l->b);
	free(l);
}
