/*
 * auth.c - who is asking: passwords checked with libsodium's argon2id
 * (crypto_pwhash_str_verify), sessions as random 256-bit ids in an HttpOnly
 * SameSite=Strict cookie (the desk keeps only their SHA-256), a CSRF token
 * per session that every cookie-authenticated write must echo in
 * X-CSRF-Token, API tokens as Bearer credentials (also kept hashed), and
 * failed logins limited per source address and per user name.
 */
#include "web/web_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/vtime.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int web_password_hash(const char *password, char *out, size_t n)
{
	if (n < crypto_pwhash_STRBYTES || sodium_init() < 0)
		return VIGIL_EINVAL;
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		return VIGIL_ENOMEM;
	return 0;
}

int web_secret(char secret[65], char hash[65])
{
	unsigned char b[32];

	if (sodium_init() < 0)
		return VIGIL_ESYS;
	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(secret, 65, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
	if (hash)
		sha256_hex(secret, 64, hash);
	return 0;
}

static bool is_hex64(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

void web_auth(struct web_req *r)
{
	struct desk *d = r->w->desk;
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	const char *sid = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, WEB_SESSION_COOKIE);
	char user[64], hash[SHA256_HEXLEN];
	int64_t now = vtime_now_ms();

	if (r->authed)
		return;
	if (authz && !strncmp(authz, "Bearer ", 7)) {
		const char *tok = authz + 7;

		if (!is_hex64(tok) || desk_token_get(d, sha256_hex(tok, 64, hash), now, user,
						     sizeof(user)))
			return;
		if (desk_user_get(d, user, &r->user) || r->user.disabled)
			return;
		r->authed = r->by_token = true;
		r->csrf[0] = '\0';
		return;
	}
	if (!sid || !is_hex64(sid))
		return;
	sha256_hex(sid, 64, r->sid_hash);
	if (now - r->w->last_expire > 60000) {
		desk_session_expire(d, now);
		r->w->last_expire = now;
	}
	if (desk_session_get(d, r->sid_hash, now, user, sizeof(user), r->csrf, sizeof(r->csrf)))
		return;
	if (desk_user_get(d, user, &r->user) || r->user.disabled)
		return;
	r->authed = true;
}

bool web_csrf_ok(struct web_req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");

	if (r->by_token)
		return true;
	return h && r->csrf[0] && strlen(h) == strlen(r->csrf) &&
	       sodium_memcmp(h, r->csrf, strlen(h)) == 0;
}

/* The rate slot of key (a failure table, one minute windows). */
static struct web_rate *rate_slot(struct web *w, const char *key)
{
	uint32_t h = 2166136261u;

	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &w->rate[h % WEB_RATE_SLOTS];
}

/* A site's users may share one address (NAT): an address gets four times
 * a user name's allowance. */
#define WEB_ADDR_RATE(w) ((w)->c.login_rate * 4)

/* The key's bucket drained to now (rate failures a minute); NULL when the
 * slot holds another key or nothing. */
static struct web_rate *rate_level(struct web *w, const char *key, int rate, int64_t now)
{
	struct web_rate *s = rate_slot(w, key);
	int64_t drained;

	if (strcmp(s->key, key))
		return NULL;
	drained = now > s->last ? (now - s->last) * rate * 1000 / 60000 : 0;
	s->level = s->level > drained ? s->level - drained : 0;
	s->last = now;
	return s;
}

/* Seconds to wait when key has failed rate times in the last minute (or
 * more, draining), else 0. */
static int rate_wait(struct web *w, const char *key, int rate, int64_t now)
{
	struct web_rate *s = rate_level(w, key, rate, now);
	int64_t over;

	if (!s || s->level + 1000 <= (int64_t)rate * 1000)
		return 0;
	/* until one more failure fits */
	over = s->level + 1000 - (int64_t)rate * 1000;
	return (int)((over * 60 / rate + 999) / 1000) + 1;
}

static void rate_fail(struct web *w, const char *key, int rate, int64_t now)
{
	struct web_rate *s = rate_level(w, key, rate, now);

	if (!s) {
		s = rate_slot(w, key);
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->last = now;
		s->level = 0;
	}
	s->level += 1000;
}

int web_login(struct web_req *r)
{
	struct web *w = r->w;
	char err[256], kaddr[72], kuser[72], sid[65], csrf[65], actor[80], uname[64];
	const char *user, *pass;
	int64_t now = vtime_now_ms();
	json_t *b = web_body_object(r->body, r->len, err, sizeof(err));
	int wait, ok;

	if (!b)
		return web_error(r, 400, "%s", err);
	user = json_string_value(json_object_get(b, "user"));
	pass = json_string_value(json_object_get(b, "password"));
	if (!user || !pass || !*user || strlen(user) >= 64 || strlen(pass) > 1024) {
		json_decref(b);
		return web_error(r, 400, "body: {\"user\":\"...\",\"password\":\"...\"} is needed");
	}
	snprintf(uname, sizeof(uname), "%s", user);
	for (char *c = uname; *c; c++) /* the name goes into the log: one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(kaddr, sizeof(kaddr), "a:%s", r->peer);
	snprintf(kuser, sizeof(kuser), "u:%.63s", user);
	wait = rate_wait(w, kaddr, WEB_ADDR_RATE(w), now);
	if (!wait)
		wait = rate_wait(w, kuser, w->c.login_rate, now);
	if (wait) {
		json_decref(b);
		r->retry_after = wait;
		return web_error(r, 429, "too many failed logins: wait %d s", wait);
	}
	if (desk_user_get(w->desk, user, &r->user) == 0) {
		ok = crypto_pwhash_str_verify(r->user.pwhash, pass, strlen(pass)) == 0 &&
		     !r->user.disabled;
	} else {
		/* the same work for an unknown name, so timing does not tell names */
		static char dummy[crypto_pwhash_STRBYTES];

		if (!dummy[0])
			web_password_hash("vigil-unknown-user", dummy, sizeof(dummy));
		if (crypto_pwhash_str_verify(dummy, pass, strlen(pass)) == 0)
			log_warn("web: the password of the unknown-user check was given");
		ok = false;
	}
	json_decref(b);
	if (!ok) {
		rate_fail(w, kaddr, WEB_ADDR_RATE(w), now);
		rate_fail(w, kuser, w->c.login_rate, now);
		log_warn("web: failed login for '%s' from %s", uname, r->peer);
		memset(&r->user, 0, sizeof(r->user));
		return web_error(r, 401, "wrong user or password");
	}
	if (web_secret(sid, r->sid_hash) || web_secret(csrf, NULL))
		return web_error(r, 500, "no randomness");
	snprintf(actor, sizeof(actor), "web:%s", r->user.name);
	desk_set_actor(w->desk, actor);
	if (desk_session_add(w->desk, r->sid_hash, r->user.name, csrf, now + w->c.session_ttl_ms,
			     r->peer))
		return web_error(r, 500, "the desk refused the session");
	snprintf(r->csrf, sizeof(r->csrf), "%s", csrf);
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 WEB_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", sid,
		 (long long)(w->c.session_ttl_ms / 1000), w->tls ? "; Secure" : "");
	sodium_memzero(sid, sizeof(sid));
	r->authed = true;
	log_info("web: %s logged in from %s", r->user.name, r->peer);
	return web_json(r, web_me_json(r));
}

int web_logout(struct web_req *r)
{
	web_auth(r);
	if (r->authed && !r->by_token) {
		if (!web_csrf_ok(r))
			return web_error(r, 403, "missing or wrong X-CSRF-Token");
		desk_session_delete(r->w->desk, r->sid_hash, r->user.name);
	}
	snprintf(r->set_cookie, sizeof(r->set_cookie),
		 WEB_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
		 r->w->tls ? "; Secure" : "");
	return web_json(r, json_pack("{s:b}", "ok", 1));
}

int web_me(struct web_req *r)
{
	return web_json(r, web_me_json(r));
}
