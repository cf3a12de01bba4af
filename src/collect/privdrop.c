/*
 * privdrop.c - running as root only as long as needed: resolve the user to
 * become, create the store directory owned by that user (so the unprivileged
 * collector can write segments), and after the sockets are bound drop to it
 * with setgroups/setgid/setuid, refusing to go on if root can be regained.
 */
#include "collect/collect_int.h"
#include "util/err.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *drop_user(const struct collect *c)
{
	return c->opts.user[0] ? c->opts.user : "nobody";
}

int collect_priv_resolve(struct collect *c, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	const char *user = drop_user(c);
	int e;

	c->drop = false;
	if (geteuid() != 0 || !c->live)
		return 0;
	if (!strcmp(user, "root")) {
		log_warn("collect: user root: the collector keeps running as root");
		return 0;
	}
	e = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (e || !res) {
		snprintf(err, errlen, "running as root and cannot drop privileges: no user '%s' "
			 "(set [collect] user or -u)", user);
		return VIGIL_ENOTFOUND;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root: refusing to run the collector as root", user);
		return VIGIL_EINVAL;
	}
	c->drop_uid = pw.pw_uid;
	c->drop_gid = pw.pw_gid;
	c->drop = true;
	return 0;
}

/* mkdir -p path with mode 0750 (0755 for parents); returns 0 or VIGIL_ESYS. */
static int mkdirs(const char *path, uid_t uid, gid_t gid, bool chown_new)
{
	char p[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(p))
		return VIGIL_EINVAL;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, i == n ? 0750 : 0755) == 0) {
			if (chown_new && chown(p, uid, gid) != 0)
				return VIGIL_ESYS;
		} else if (errno != EEXIST) {
			return VIGIL_ESYS;
		}
		p[i] = save;
	}
	return 0;
}

/* chown every entry under the open directory dfd not yet owned by uid
 * (segments and day folders a root run left behind), depth-limited. */
static int chown_tree(int dfd, uid_t uid, gid_t gid, int depth)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > 8 || !(d = fdopendir(dfd))) {
		close(dfd);
		return depth > 8 ? 0 : VIGIL_ESYS;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISLNK(st.st_mode))
			continue;
		if (st.st_uid != uid &&
		    fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
			rc = VIGIL_ESYS;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (sub >= 0 && chown_tree(sub, uid, gid, depth + 1) != 0)
				rc = VIGIL_ESYS;
		}
	}
	closedir(d);
	return rc;
}

int collect_priv_prepare_dir(struct collect *c, char *err, size_t errlen)
{
	const char *dir = c->opts.store_dir;
	struct stat st;

	if (mkdirs(dir, c->drop_uid, c->drop_gid, c->drop) != 0) {
		snprintf(err, errlen, "cannot create the store directory %s: %s", dir, strerror(errno));
		return VIGIL_ESYS;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return VIGIL_EINVAL;
	}
	/* An existing directory made by root: hand it over, with what is in it,
	 * so the dropped user can recover an unfinished segment and write new ones. */
	if (c->drop && st.st_uid != c->drop_uid && chown(dir, c->drop_uid, c->drop_gid) != 0) {
		snprintf(err, errlen, "cannot chown %s to the collector's user: %s", dir,
			 strerror(errno));
		return VIGIL_ESYS;
	}
	if (c->drop) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || chown_tree(dfd, c->drop_uid, c->drop_gid, 0) != 0) {
			snprintf(err, errlen, "cannot hand the files under %s to the collector's user: %s",
				 dir, strerror(errno));
			return VIGIL_ESYS;
		}
	}
	return 0;
}

int collect_drop_privileges(struct collect *c, char *err, size_t errlen)
{
	if (!c->drop)
		return 0;
	if (geteuid() != 0) {
		snprintf(err, errlen, "privileges already dropped");
		return 0;
	}
	if (setgroups(1, &c->drop_gid) != 0 || setgid(c->drop_gid) != 0 ||
	    setuid(c->drop_uid) != 0) {
		snprintf(err, errlen, "cannot drop privileges to '%s': %s", drop_user(c),
			 strerror(errno));
		return VIGIL_ESYS;
	}
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0) {
		snprintf(err, errlen, "privilege drop to '%s' did not stick", drop_user(c));
		return VIGIL_ESTATE;
	}
	log_info("collect: running as %s (uid %u)", drop_user(c), (unsigned)c->drop_uid);
	return 0;
}
