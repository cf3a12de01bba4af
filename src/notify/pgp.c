/*
 * pgp.c - PGP/MIME for outgoing mail (compose.h, pgp_mime.h) with gpgme
 * over a gpg keyring: keys looked up and judged usable (not expired,
 * revoked, disabled or invalid, with a subkey that can encrypt, or sign
 * with its secret part), RFC 3156 multipart/signed (detached armored
 * signature over the body entity serialised once with CRLF; the entity is
 * parsed back from those bytes so the first part is them exactly, which is
 * checked) and multipart/encrypted (signed and encrypted in one pass).
 *
 * Trust: encryption uses GPGME_ENCRYPT_ALWAYS_TRUST, but only ever to keys
 * this file found usable; a CSIRT imports its constituents' keys without
 * certifying them, so their validity in the web of trust is "unknown" and
 * gpg would otherwise refuse them. Which key belongs to which site is the
 * keyring's business. A struct pgp is one gpgme context: one thread at a time.
 */
#include "notify/compose.h"
#include "notify/pgp_mime.h"
#include "util/err.h"

#include <gpgme.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PGP_MAX_RCPT 100

struct pgp {
	gpgme_ctx_t ctx;
};

static pthread_once_t gpgme_once = PTHREAD_ONCE_INIT;
static const char *gpgme_ver;

static void gpgme_start(void)
{
	gpgme_ver = gpgme_check_version(NULL);
}

int pgp_open(const char *gnupghome, struct pgp **out, char *err, size_t errlen)
{
	struct pgp *p;
	gpgme_error_t e;
	struct stat st;

	*out = NULL;
	pthread_once(&gpgme_once, gpgme_start);
	if (!gpgme_ver) {
		snprintf(err, errlen, "gpgme could not be initialised");
		return VIGIL_EUNSUPPORTED;
	}
	if ((e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP))) {
		snprintf(err, errlen, "gpg (GnuPG) cannot be used: %s", gpgme_strerror(e));
		return VIGIL_EUNSUPPORTED;
	}
	if (gnupghome && (stat(gnupghome, &st) || !S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "the keyring folder %s does not exist", gnupghome);
		return VIGIL_EIO;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return VIGIL_ENOMEM;
	if ((e = gpgme_new(&p->ctx)) || (e = gpgme_set_protocol(p->ctx, GPGME_PROTOCOL_OpenPGP)) ||
	    (gnupghome && (e = gpgme_ctx_set_engine_info(p->ctx, GPGME_PROTOCOL_OpenPGP, NULL,
							  gnupghome))) ||
	    /* no pinentry popping up in a daemon: a protected key fails instead */
	    (e = gpgme_set_pinentry_mode(p->ctx, GPGME_PINENTRY_MODE_LOOPBACK))) {
		snprintf(err, errlen, "gpgme over %s: %s", gnupghome ? gnupghome : "the default keyring",
			 gpgme_strerror(e));
		pgp_close(p);
		return VIGIL_EIO;
	}
	gpgme_set_armor(p->ctx, 1);
	gpgme_set_textmode(p->ctx, 0); /* the signed bytes are already CRLF text */
	gpgme_set_keylist_mode(p->ctx, GPGME_KEYLIST_MODE_LOCAL);
	*out = p;
	return 0;
}

void pgp_close(struct pgp *p)
{
	if (!p)
		return;
	if (p->ctx)
		gpgme_release(p->ctx);
	free(p);
}

/* Why k cannot be used, or NULL. */
static const char *unusable(gpgme_key_t k, bool enc)
{
	if (k->revoked)
		return "revoked";
	if (k->expired)
		return "expired";
	if (k->disabled)
		return "disabled";
	if (k->invalid)
		return "invalid";
	for (gpgme_subkey_t sk = k->subkeys; sk; sk = sk->next)
		if (!sk->revoked && !sk->expired && !sk->disabled && !sk->invalid &&
		    (enc ? sk->can_encrypt : sk->can_sign && sk->secret))
			return NULL;
	return enc ? "without a usable encryption subkey" : "without a usable signing subkey";
}

/* The usable key for keyid (NULL: any secret key); the newest when several
 * match. An address is matched exactly (<addr>), not as a substring. */
static int find_key(struct pgp *p, const char *keyid, bool enc, gpgme_key_t *out, char *err,
		    size_t errlen)
{
	char pat[320], why[200] = "";
	const char *pattern = keyid;
	gpgme_key_t k, best = NULL;
	gpgme_error_t e;

	*out = NULL;
	if (keyid && strchr(keyid, '@') && !strchr(keyid, '<')) {
		snprintf(pat, sizeof(pat), "<%s>", keyid);
		pattern = pat;
	}
	if ((e = gpgme_op_keylist_start(p->ctx, pattern, enc ? 0 : 1))) {
		snprintf(err, errlen, "listing the keys for %s: %s", keyid ? keyid : "signing",
			 gpgme_strerror(e));
		return VIGIL_EIO;
	}
	while (!(e = gpgme_op_keylist_next(p->ctx, &k))) {
		const char *bad = unusable(k, enc);

		if (bad) {
			if (!why[0])
				snprintf(why, sizeof(why), "the key %s is %s", k->fpr ? k->fpr : "?", bad);
			gpgme_key_unref(k);
		} else if (!best || k->subkeys->timestamp > best->subkeys->timestamp) {
			if (best)
				gpgme_key_unref(best);
			best = k;
		} else {
			gpgme_key_unref(k);
		}
	}
	gpgme_op_keylist_end(p->ctx);
	if (gpgme_err_code(e) != GPG_ERR_EOF) {
		if (best)
			gpgme_key_unref(best);
		snprintf(err, errlen, "listing the keys for %s: %s", keyid ? keyid : "signing",
			 gpgme_strerror(e));
		return VIGIL_EIO;
	}
	if (!best) {
		snprintf(err, errlen, "no usable %s key for %s: %s", enc ? "encryption" : "secret signing",
			 keyid ? keyid : "the default signer", why[0] ? why : "none in the keyring");
		return VIGIL_ENOTFOUND;
	}
	*out = best;
	return 0;
}

int pgp_find_key(struct pgp *p, const char *keyid, bool for_encrypt, char *fpr, size_t n,
		 char *err, size_t errlen)
{
	gpgme_key_t k;
	int rc;

	if (!keyid || !*keyid) {
		snprintf(err, errlen, "no key id given");
		return VIGIL_EINVAL;
	}
	if ((rc = find_key(p, keyid, for_encrypt, &k, err, errlen)))
		return rc;
	if (!k->fpr || strlen(k->fpr) >= n) {
		snprintf(err, errlen, "the fingerprint of the key for %s does not fit", keyid);
		rc = VIGIL_ELIMIT;
	} else {
		memcpy(fpr, k->fpr, strlen(k->fpr) + 1);
	}
	gpgme_key_unref(k);
	return rc;
}

/* inner written once with fo; *mem holds the bytes (caller unrefs). */
static GByteArray *serialise(GMimeObject *o, GMimeFormatOptions *fo, GMimeStream **mem)
{
	*mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(o, fo, *mem) < 0)
		return NULL;
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*mem));
}

/* A 7bit leaf part over data (armored text). */
static GMimeObject *leaf(const char *subtype, const char *name, const char *desc,
			 const void *data, size_t len)
{
	GMimePart *part = g_mime_part_new_with_type("application", subtype);
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_7BIT);

	g_mime_part_set_content(part, dw);
	g_object_unref(dw);
	g_object_unref(mem);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_7BIT);
	g_mime_object_set_header(GMIME_OBJECT(part), "Content-Description", desc, NULL);
	if (name) {
		g_mime_object_set_disposition(GMIME_OBJECT(part), "inline");
		g_mime_part_set_filename(part, name);
	}
	return GMIME_OBJECT(part);
}

/* Run the gpgme operation: a detached signature of in (encrypt: NULL) or
 * in signed and encrypted to keys. *res, *rlen: gpgme memory (gpgme_free).
 * micalg gets "pgp-<hash>" for a signature. */
static int gpg_run(struct pgp *p, gpgme_key_t signer, gpgme_key_t *keys, const GByteArray *ba,
		   char **res, size_t *rlen, char *micalg, size_t mlen, char *err, size_t errlen)
{
	gpgme_data_t in = NULL, outd = NULL;
	gpgme_sign_result_t sr;
	gpgme_error_t e;
	const char *what = keys ? "encrypting" : "signing", *hash;
	int rc = VIGIL_EIO;

	gpgme_signers_clear(p->ctx);
	if ((e = gpgme_signers_add(p->ctx, signer)) ||
	    (e = gpgme_data_new_from_mem(&in, (const char *)ba->data, ba->len, 0)) ||
	    (e = gpgme_data_new(&outd)))
		goto out;
	if (keys) {
		gpgme_encrypt_result_t er;

		e = gpgme_op_encrypt_sign(p->ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST, in, outd);
		er = gpgme_op_encrypt_result(p->ctx);
		if (!e && er && er->invalid_recipients) {
			snprintf(err, errlen, "encrypting: gpg refused the key %s: %s",
				 er->invalid_recipients->fpr ? er->invalid_recipients->fpr : "?",
				 gpgme_strerror(er->invalid_recipients->reason));
			goto out;
		}
	} else {
		e = gpgme_op_sign(p->ctx, in, outd, GPGME_SIG_MODE_DETACH);
	}
	if (e)
		goto out;
	sr = gpgme_op_sign_result(p->ctx);
	if (!sr || sr->invalid_signers || !sr->signatures) {
		snprintf(err, errlen, "%s: gpg made no signature with %s", what, signer->fpr);
		goto out;
	}
	if (micalg) {
		if (!(hash = gpgme_hash_algo_name(sr->signatures->hash_algo))) {
			snprintf(err, errlen, "signing: unknown hash algorithm %d",
				 (int)sr->signatures->hash_algo);
			goto out;
		}
		snprintf(micalg, mlen, "pgp-%s", hash);
		for (char *c = micalg; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	}
	*res = gpgme_data_release_and_get_mem(outd, rlen);
	outd = NULL;
	rc = *res ? 0 : VIGIL_ENOMEM;
out:
	if (e)
		snprintf(err, errlen, "%s with %s: %s%s", what, signer->fpr, gpgme_strerror(e),
			 gpgme_err_code(e) == GPG_ERR_GENERAL || gpgme_err_code(e) == GPG_ERR_BAD_PASSPHRASE
			 ? " (a secret key with a passphrase? it must have none)" : "");
	gpgme_data_release(in);
	gpgme_data_release(outd);
	gpgme_signers_clear(p->ctx);
	return rc;
}

/* Does the first part of mp, as written, hold s[0..n) exactly? */
static bool first_part_is(GMimeObject *mp, GMimeFormatOptions *fo, const GByteArray *s)
{
	GMimeStream *mem;
	GByteArray *ba = serialise(mp, fo, &mem);
	const char *b = g_mime_multipart_get_boundary(GMIME_MULTIPART(mp));
	size_t bl = b ? strlen(b) : 0, i = 0;
	const guint8 *d;
	bool ok = false;

	if (!ba || !b)
		goto out;
	d = ba->data;
	while (i + 4 <= ba->len && memcmp(d + i, "\r\n\r\n", 4))
		i++;
	i += 4;
	ok = i + 4 + 2 * bl + 6 + s->len <= ba->len && !memcmp(d + i, "--", 2) &&
	     !memcmp(d + i + 2, b, bl) && !memcmp(d + i + 2 + bl, "\r\n", 2) &&
	     !memcmp(d + i + 4 + bl, s->data, s->len) &&
	     !memcmp(d + i + 4 + bl + s->len, "\r\n--", 4) &&
	     !memcmp(d + i + 8 + bl + s->len, b, bl);
out:
	g_object_unref(mem);
	return ok;
}

int pgp_mime_sign(struct pgp *p, const char *keyid, GMimeObject *inner, GMimeFormatOptions *fo,
		  GMimeObject **out, char *err, size_t errlen)
{
	GMimeStream *mem = NULL, *st;
	GMimeParser *parser;
	GMimeObject *content = NULL, *sig;
	GMimeMultipartSigned *mps = NULL;
	GByteArray *ba;
	gpgme_key_t key;
	char *sigbuf = NULL, micalg[40];
	size_t siglen;
	int rc;

	*out = NULL;
	if ((rc = find_key(p, keyid, false, &key, err, errlen)))
		return rc;
	rc = VIGIL_EIO;
	if (!(ba = serialise(inner, fo, &mem))) {
		snprintf(err, errlen, "the part to sign could not be serialised");
		goto out;
	}
	if ((rc = gpg_run(p, key, NULL, ba, &sigbuf, &siglen, micalg, sizeof(micalg), err, errlen)))
		goto out;
	rc = VIGIL_EIO;
	st = g_mime_stream_mem_new_with_buffer((const char *)ba->data, ba->len);
	parser = g_mime_parser_new_with_stream(st);
	content = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	if (!content) {
		snprintf(err, errlen, "the signed part could not be read back");
		goto out;
	}
	mps = g_mime_multipart_signed_new();
	g_mime_multipart_set_boundary(GMIME_MULTIPART(mps), NULL); /* a random one */
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mps), "protocol",
						 "application/pgp-signature");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mps), "micalg", micalg);
	g_mime_multipart_add(GMIME_MULTIPART(mps), content);
	sig = leaf("pgp-signature", "signature.asc", "OpenPGP digital signature", sigbuf, siglen);
	g_mime_multipart_add(GMIME_MULTIPART(mps), sig);
	g_object_unref(sig);
	if (!first_part_is(GMIME_OBJECT(mps), fo, ba)) {
		snprintf(err, errlen, "the signed part changed on its way into multipart/signed");
		goto out;
	}
	*out = GMIME_OBJECT(mps);
	mps = NULL;
	rc = 0;
out:
	if (mps)
		g_object_unref(mps);
	if (content)
		g_object_unref(content);
	if (mem)
		g_object_unref(mem);
	gpgme_free(sigbuf);
	gpgme_key_unref(key);
	return rc;
}

int pgp_mime_encrypt(struct pgp *p, const char *sign_key, const char *const *to, size_t n,
		     GMimeObject *inner, GMimeFormatOptions *fo, GMimeObject **out, char *err,
		     size_t errlen)
{
	static const char version[] = "Version: 1\n";
	GMimeStream *mem = NULL;
	GMimeMultipartEncrypted *mpe;
	GMimeObject *part;
	GByteArray *ba;
	gpgme_key_t *keys, signer = NULL;
	char *cipher = NULL;
	size_t clen;
	int rc = 0;

	*out = NULL;
	if (n > PGP_MAX_RCPT) {
		snprintf(err, errlen, "encrypting to %zu keys, over the limit of %d", n, PGP_MAX_RCPT);
		return VIGIL_EINVAL;
	}
	if (!(keys = calloc(n + 1, sizeof(*keys))))
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < n && !rc; i++)
		rc = find_key(p, to[i], true, &keys[i], err, errlen);
	if (rc || (rc = find_key(p, sign_key, false, &signer, err, errlen)))
		goto out;
	if (!(ba = serialise(inner, fo, &mem))) {
		snprintf(err, errlen, "the part to encrypt could not be serialised");
		rc = VIGIL_EIO;
		goto out;
	}
	if ((rc = gpg_run(p, signer, keys, ba, &cipher, &clen, NULL, 0, err, errlen)))
		goto out;
	mpe = g_mime_multipart_encrypted_new();
	g_mime_multipart_set_boundary(GMIME_MULTIPART(mpe), NULL);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(mpe), "protocol",
						 "application/pgp-encrypted");
	part = leaf("pgp-encrypted", NULL, "PGP/MIME version identification", version,
		    sizeof(version) - 1);
	g_mime_multipart_add(GMIME_MULTIPART(mpe), part);
	g_object_unref(part);
	part = leaf("octet-stream", "encrypted.asc", "OpenPGP encrypted message", cipher, clen);
	g_mime_multipart_add(GMIME_MULTIPART(mpe), part);
	g_object_unref(part);
	*out = GMIME_OBJECT(mpe);
out:
	if (mem)
		g_object_unref(mem);
	gpgme_free(cipher);
	for (size_t i = 0; i < n; i++)
		if (keys[i])
			gpgme_key_unref(keys[i]);
	free(keys);
	if (signer)
		gpgme_key_unref(signer);
	return rc;
}
