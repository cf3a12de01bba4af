/*
 * pgp_mime.h - the PGP/MIME envelopes of pgp.c as compose.c uses them
 * (private to compose.c and pgp.c). Both take the body entity of a mail as
 * gmime built it, serialise it once with the caller's format options (CRLF)
 * and return a new multipart that holds it; the caller has initialised
 * gmime. The message headers stay outside, on the caller's GMimeMessage.
 */
#ifndef VIGIL_NOTIFY_PGP_MIME_H
#define VIGIL_NOTIFY_PGP_MIME_H

#include <gmime/gmime.h>
#include <stddef.h>

struct pgp;

/* RFC 3156 multipart/signed around inner, signed by the secret key keyid
 * (NULL: the first usable secret key). The first part is byte for byte
 * what was signed (checked before returning). Returns 0 and *out (caller
 * unrefs), VIGIL_ENOTFOUND (no usable key) or VIGIL_EIO, reason in err. */
int pgp_mime_sign(struct pgp *p, const char *keyid, GMimeObject *inner, GMimeFormatOptions *fo,
		  GMimeObject **out, char *err, size_t errlen);

/* RFC 3156 multipart/encrypted: inner signed by sign_key (as above) and
 * encrypted to each of to[0..n). Returns as pgp_mime_sign. */
int pgp_mime_encrypt(struct pgp *p, const char *sign_key, const char *const *to, size_t n,
		     GMimeObject *inner, GMimeFormatOptions *fo, GMimeObject **out, char *err,
		     size_t errlen);

#endif
