/*
 * compose.h - outgoing mail as RFC 5322 bytes (internal to src/notify): a
 * UTF-8 text body with attachments, built with gmime, optionally PGP/MIME
 * signed (RFC 3156 multipart/signed) and encrypted (multipart/encrypted)
 * with gpgme. Lines end in CRLF, every part is 7-bit safe (quoted-printable
 * or base64), so what was signed is what arrives.
 */
#ifndef VIGIL_NOTIFY_COMPOSE_H
#define VIGIL_NOTIFY_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mail_attach {
	const char *filename;     /* e.g. "incidents.csv" */
	const char *content_type; /* e.g. "text/csv; charset=utf-8" */
	const void *data;
	size_t len;
};

struct mail_header {
	const char *name, *value; /* extra headers: X-Vigil-Incident, Auto-Submitted ... */
};

struct mail_out {
	const char *from;       /* "CSIRT <csirt@example.net>" */
	const char *to;         /* comma-separated addresses (with display names allowed) */
	const char *cc;         /* may be NULL */
	const char *reply_to;   /* may be NULL */
	const char *subject;    /* UTF-8; encoded as RFC 2047 where needed */
	const char *message_id; /* without <>; required */
	const char *in_reply_to; /* without <>; may be NULL (also written as References) */
	int64_t date_ms;        /* Date: header, ms since the epoch */
	const char *language;   /* Content-Language, may be NULL */
	const char *body;       /* UTF-8 text */
	const struct mail_attach *att;
	size_t natt;
	const struct mail_header *hdr;
	size_t nhdr;
	/* PGP: sign with sign_key (fingerprint, key id or address; NULL: the
	 * default secret key of the keyring) when sign is set; encrypt to every
	 * key of encrypt_to (signed and encrypted then) when nencrypt > 0. */
	bool sign;
	const char *sign_key;
	const char *const *encrypt_to;
	size_t nencrypt;
};

struct pgp;

/* A gpgme context over the keyring in gnupghome (NULL: $GNUPGHOME or
 * ~/.gnupg). Returns 0 and *out, or VIGIL_EUNSUPPORTED/VIGIL_EIO with the
 * reason in err. */
int pgp_open(const char *gnupghome, struct pgp **out, char *err, size_t errlen);
void pgp_close(struct pgp *p);
/* Find a usable (not expired, revoked or disabled) key for keyid (a key id,
 * fingerprint or address): for encryption when for_encrypt, else for
 * signing (secret key). Returns 0 and its fingerprint in fpr (>= 41 bytes),
 * VIGIL_ENOTFOUND with the reason in err. */
int pgp_find_key(struct pgp *p, const char *keyid, bool for_encrypt, char *fpr, size_t n,
		 char *err, size_t errlen);

/* Build the mail; *out (malloc'd, caller frees, NUL-terminated) and *len.
 * p may be NULL when neither sign nor encrypt is asked. Returns 0,
 * VIGIL_EINVAL (a required field missing), VIGIL_ENOTFOUND (a key), VIGIL_EIO
 * (gpgme failed) with the reason in err. */
int mail_compose(const struct mail_out *m, struct pgp *p, char **out, size_t *len, char *err,
		 size_t errlen);

/* The bare address of each entry of a comma-separated list ("A <a@x>, b@y"
 * -> "a@x", "b@y") into v[0..max) (pointers into buf, which it fills).
 * Returns the count, or VIGIL_ELIMIT / VIGIL_EFORMAT (not an address). */
int mail_addresses(const char *list, char *buf, size_t buflen, const char **v, size_t max);

#endif
