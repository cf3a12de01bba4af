/*
 * users.c - the people of the web desk (see desk.h): users with a role and,
 * for site contacts, their sites; sessions and API tokens kept only as
 * SHA-256 hashes of their secrets. Passwords are hashed by the caller
 * (src/web, libsodium's argon2id); the desk stores the string. Adding,
 * disabling and token creation are audited against incident 0.
 */
#include "desk/priv.h"
#include "util/err.h"
#include "util/vtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool desk_role_ok(const char *role)
{
	static const char *const roles[] = { "admin", "analyst", "readonly", "site" };

	for (size_t i = 0; role && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(role, roles[i]))
			return true;
	return false;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._@-", *s))
			return false;
	return true;
}

static int run1(struct desk *d, const char *sql, const char *const *t, size_t nt,
		const int64_t *v, size_t nv, int64_t *changed)
{
	struct db_stmt *st = desk_q(d, sql);
	int rc;

	if (!st)
		return VIGIL_EDB;
	for (size_t i = 0; i < nt; i++)
		desk_bind_text(d, st, (int)i + 1, t[i]);
	for (size_t i = 0; i < nv; i++)
		desk_bind_int(d, st, (int)(nt + i) + 1, v[i]);
	rc = desk_run(d, st);
	if (changed)
		*changed = d->ops->changes(st);
	d->ops->reset(st);
	return rc;
}

int desk_user_add(struct desk *d, const struct desk_user *u, char *err, size_t errlen)
{
	static const char SQL_USER[] = "INSERT INTO users (name, role, pwhash, created)"
				       " VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING";
	static const char SQL_SITE[] = "INSERT INTO user_site (username, site) VALUES ($1, $2)"
				       " ON CONFLICT DO NOTHING";
	struct db_stmt *st;
	json_t *sites;
	int rc;

	if (!name_ok(u->name)) {
		snprintf(err, errlen, "user name '%.64s': use 1-63 letters, digits and . _ @ -", u->name);
		return VIGIL_EINVAL;
	}
	if (!desk_role_ok(u->role)) {
		snprintf(err, errlen, "role '%.12s': use admin, analyst, readonly or site", u->role);
		return VIGIL_EINVAL;
	}
	if (!strcmp(u->role, "site") && u->nsites == 0) {
		snprintf(err, errlen, "a site user needs at least one --site");
		return VIGIL_EINVAL;
	}
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_USER)))
		goto fail;
	desk_bind_text(d, st, 1, u->name);
	desk_bind_text(d, st, 2, u->role);
	desk_bind_text(d, st, 3, u->pwhash);
	desk_bind_int(d, st, 4, vtime_now_ms());
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		snprintf(err, errlen, "user %s exists already", u->name);
		rc = VIGIL_EEXIST;
		goto fail;
	}
	sites = json_array();
	for (size_t i = 0; i < u->nsites && i < DESK_USER_MAXSITES; i++) {
		if (!(st = desk_q(d, SQL_SITE))) {
			json_decref(sites);
			goto fail;
		}
		desk_bind_text(d, st, 1, u->name);
		desk_bind_text(d, st, 2, u->sites[i]);
		if (desk_run(d, st)) {
			json_decref(sites);
			goto fail;
		}
		json_array_append_new(sites, json_string(u->sites[i]));
	}
	if ((rc = desk_audit_json(d, 0, "user-add",
				  json_pack("{s:s, s:s, s:o}", "user", u->name, "role", u->role,
					    "sites", sites))))
		goto fail;
	return desk_tx_commit(d);
fail:
	if (err && !err[0])
		snprintf(err, errlen, "%s", vigil_strerror(rc));
	desk_tx_rollback(d);
	return rc;
}

static int load_sites(struct desk *d, struct desk_user *u)
{
	static const char SQL[] = "SELECT site FROM user_site WHERE username = $1 ORDER BY site";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, u->name);
	u->nsites = 0;
	while ((rc = desk_step(d, st)) == 1)
		if (u->nsites < DESK_USER_MAXSITES)
			desk_copy(u->sites[u->nsites++], sizeof(u->sites[0]), d->ops->col_text(st, 0));
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

static void row_user(struct desk *d, struct db_stmt *st, struct desk_user *u)
{
	memset(u, 0, sizeof(*u));
	desk_copy(u->name, sizeof(u->name), d->ops->col_text(st, 0));
	desk_copy(u->role, sizeof(u->role), d->ops->col_text(st, 1));
	desk_copy(u->pwhash, sizeof(u->pwhash), d->ops->col_text(st, 2));
	u->created = d->ops->col_int(st, 3);
	u->disabled = d->ops->col_int(st, 4);
}

int desk_user_get(struct desk *d, const char *name, struct desk_user *out)
{
	static const char SQL[] =
		"SELECT name, role, pwhash, created, disabled FROM users WHERE name = $1";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, name);
	rc = desk_step(d, st);
	if (rc == 1)
		row_user(d, st, out);
	d->ops->reset(st);
	if (rc != 1)
		return rc < 0 ? VIGIL_EDB : VIGIL_ENOTFOUND;
	return load_sites(d, out);
}

int desk_user_list(struct desk *d, int (*fn)(void *ctx, const struct desk_user *u), void *ctx)
{
	static const char SQL[] =
		"SELECT name, role, pwhash, created, disabled FROM users ORDER BY name";
	struct db_stmt *st = NULL;
	struct desk_user u;
	int rc;

	/* a statement of its own: load_sites uses the cache while this one runs */
	if (d->ops->prepare(d->db, SQL, &st))
		return VIGIL_EDB;
	while ((rc = desk_step(d, st)) == 1) {
		row_user(d, st, &u);
		if (load_sites(d, &u)) {
			rc = -1;
			break;
		}
		if (fn(ctx, &u))
			break;
	}
	d->ops->finalize(st);
	return rc < 0 ? VIGIL_EDB : 0;
}

int desk_user_disable(struct desk *d, const char *name)
{
	static const char SQL_DIS[] = "UPDATE users SET disabled = $1 WHERE name = $2";
	static const char SQL_SESS[] = "DELETE FROM sessions WHERE username = $1";
	static const char SQL_TOK[] = "DELETE FROM api_tokens WHERE username = $1";
	struct db_stmt *st;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL_DIS)))
		goto fail;
	desk_bind_int(d, st, 1, vtime_now_ms());
	desk_bind_text(d, st, 2, name);
	if (desk_run(d, st))
		goto fail;
	if (d->ops->changes(st) == 0) {
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	if (!(st = desk_q(d, SQL_SESS)))
		goto fail;
	desk_bind_text(d, st, 1, name);
	if (desk_run(d, st))
		goto fail;
	if (!(st = desk_q(d, SQL_TOK)))
		goto fail;
	desk_bind_text(d, st, 1, name);
	if (desk_run(d, st))
		goto fail;
	if ((rc = desk_audit_json(d, 0, "user-disable", json_pack("{s:s}", "user", name))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_user_password(struct desk *d, const char *name, const char *pwhash)
{
	static const char SQL[] = "UPDATE users SET pwhash = $1 WHERE name = $2";
	const char *t[] = { pwhash, name };
	int64_t n = 0;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = run1(d, SQL, t, 2, NULL, 0, &n)))
		goto fail;
	if (n == 0) {
		rc = VIGIL_ENOTFOUND;
		goto fail;
	}
	if ((rc = desk_audit_json(d, 0, "user-password", json_pack("{s:s}", "user", name))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

/* Run one statement of text/int parameters (ints after texts) outside a
 * transaction; *changed gets the rows it changed when asked. */

int desk_session_add(struct desk *d, const char *idhash, const char *user, const char *csrf,
		     int64_t expires, const char *from)
{
	static const char SQL[] = "INSERT INTO sessions (id, username, csrf, created, expires)"
				  " VALUES ($1, $2, $3, $4, $5)";
	const char *t[] = { idhash, user, csrf };
	int64_t v[] = { vtime_now_ms(), expires };
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = run1(d, SQL, t, 3, v, 2, NULL)) ||
	    (rc = desk_audit_json(d, 0, "login", json_pack("{s:s, s:s}", "user", user, "from",
								from ? from : ""))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_session_get(struct desk *d, const char *idhash, int64_t now, char *user, size_t un,
		     char *csrf, size_t cn)
{
	static const char SQL[] = "SELECT s.username, s.csrf FROM sessions s JOIN users u"
				  " ON u.name = s.username WHERE s.id = $1 AND s.expires > $2"
				  " AND u.disabled = 0";
	struct db_stmt *st = desk_q(d, SQL);
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, idhash);
	desk_bind_int(d, st, 2, now);
	rc = desk_step(d, st);
	if (rc == 1) {
		desk_copy(user, un, d->ops->col_text(st, 0));
		desk_copy(csrf, cn, d->ops->col_text(st, 1));
	}
	d->ops->reset(st);
	return rc < 0 ? VIGIL_EDB : rc == 0 ? VIGIL_ENOTFOUND : 0;
}

int desk_session_delete(struct desk *d, const char *idhash, const char *user)
{
	static const char SQL[] = "DELETE FROM sessions WHERE id = $1";
	const char *t[] = { idhash };
	int64_t n = 0;
	int rc;

	if ((rc = desk_tx_begin(d)))
		return rc;
	if ((rc = run1(d, SQL, t, 1, NULL, 0, &n)) ||
	    (n && (rc = desk_audit_json(d, 0, "logout", json_pack("{s:s}", "user", user ? user : "")))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_session_expire(struct desk *d, int64_t now)
{
	static const char SQL[] = "DELETE FROM sessions WHERE expires <= $1";
	int64_t v[] = { now };

	return run1(d, SQL, NULL, 0, v, 1, NULL);
}

int desk_token_add(struct desk *d, const char *hash, const char *user, const char *label)
{
	static const char SQL[] = "INSERT INTO api_tokens (hash, username, label, created)"
				  " VALUES ($1, $2, $3, $4)";
	struct desk_user u;
	struct db_stmt *st;
	int rc;

	if ((rc = desk_user_get(d, user, &u)))
		return rc;
	if ((rc = desk_tx_begin(d)))
		return rc;
	rc = VIGIL_EDB;
	if (!(st = desk_q(d, SQL)))
		goto fail;
	desk_bind_text(d, st, 1, hash);
	desk_bind_text(d, st, 2, user);
	desk_bind_text(d, st, 3, label ? label : "");
	desk_bind_int(d, st, 4, vtime_now_ms());
	if (desk_run(d, st))
		goto fail;
	if ((rc = desk_audit_json(d, 0, "token-add",
				  json_pack("{s:s, s:s}", "user", user, "label", label ? label : ""))))
		goto fail;
	return desk_tx_commit(d);
fail:
	desk_tx_rollback(d);
	return rc;
}

int desk_token_get(struct desk *d, const char *hash, int64_t now, char *user, size_t un)
{
	static const char SQL[] = "SELECT t.username, t.last_used FROM api_tokens t JOIN users u"
				  " ON u.name = t.username WHERE t.hash = $1 AND u.disabled = 0";
	static const char SQL_USED[] = "UPDATE api_tokens SET last_used = $2 WHERE hash = $1";
	struct db_stmt *st = desk_q(d, SQL);
	int64_t last = 0;
	int rc;

	if (!st)
		return VIGIL_EDB;
	desk_bind_text(d, st, 1, hash);
	rc = desk_step(d, st);
	if (rc == 1) {
		desk_copy(user, un, d->ops->col_text(st, 0));
		last = d->ops->col_int(st, 1);
	}
	d->ops->reset(st);
	if (rc != 1)
		return rc < 0 ? VIGIL_EDB : VIGIL_ENOTFOUND;
	/* a write a minute at most, not one per request */
	if (now - last > 60000) {
		const char *t[] = { hash };
		int64_t v[] = { now };

		run1(d, SQL_USED, t, 1, v, 1, NULL);
	}
	return 0;
}
