/*
 * smtp.h - handing a mail to the team's SMTP server with libcurl (internal
 * to src/notify): smtp:// with optional or required STARTTLS, smtps://,
 * AUTH when a user is set. One connection per send; the caller retries.
 */
#ifndef VIGIL_NOTIFY_SMTP_H
#define VIGIL_NOTIFY_SMTP_H

#include <stdbool.h>
#include <stddef.h>

enum smtp_tls { SMTP_TLS_NONE, SMTP_TLS_TRY, SMTP_TLS_REQUIRE };

struct smtp_conf {
	const char *url;      /* smtp://host[:port] or smtps://host[:port] */
	const char *helo;     /* name given in EHLO (NULL: libcurl's default) */
	const char *user;     /* NULL: no AUTH */
	const char *password;
	enum smtp_tls tls;    /* STARTTLS on smtp:// */
	const char *cafile;   /* NULL: the system's */
	bool insecure;        /* do not verify the server's certificate (tests only) */
	long timeout_ms;      /* whole transaction; 0: 60 s */
	const char *from;     /* envelope sender (bare address) */
};

/* Send msg[0..len) (CRLF lines, a whole RFC 5322 message) to rcpt[0..n)
 * (bare addresses). Returns 0 once the server accepted the message (250
 * after DATA); otherwise VIGIL_EIO with the server's reply or the
 * connection error in err, and *permanent set when the server refused for
 * good (5xx: do not retry). */
int smtp_send(const struct smtp_conf *c, const char *const *rcpt, size_t n, const void *msg,
	      size_t len, bool *permanent, char *err, size_t errlen);

#endif
