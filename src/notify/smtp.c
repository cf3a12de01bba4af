/*
 * smtp.c - one SMTP transaction with libcurl's easy interface (smtp.h):
 * the message uploaded from memory (libcurl stuffs leading dots and ends
 * DATA), every recipient given as RCPT TO. A recipient refused makes the
 * whole send fail and nothing is delivered, so the caller never has to
 * work out who got a half-sent notification. The server's last reply line
 * is kept from libcurl's debug stream so the error says what it said.
 */
#include "notify/smtp.h"
#include "util/err.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMTP_MAX_RCPT 1000
#define SMTP_DEFAULT_TIMEOUT_MS 60000L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_start(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct upload {
	const char *p;
	size_t left;
	char reply[256]; /* the server's first refusal (4xx, 5xx), else its last reply */
	long code;       /* that refusal's code */
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct upload *u = arg;
	size_t n = size;

	(void)h;
	if (type != CURLINFO_HEADER_IN || u->code)
		return 0;
	while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n >= sizeof(u->reply))
		n = sizeof(u->reply) - 1;
	for (size_t i = 0; i < n; i++)
		u->reply[i] = data[i] >= ' ' && data[i] < 127 ? data[i] : '?';
	u->reply[n] = '\0';
	if (n >= 3 && u->reply[0] >= '4' && u->reply[0] <= '5' && u->reply[1] >= '0' &&
	    u->reply[1] <= '9' && u->reply[2] >= '0' && u->reply[2] <= '9')
		u->code = (u->reply[0] - '0') * 100 + (u->reply[1] - '0') * 10 + (u->reply[2] - '0');
	return 0;
}

/* c->url with "/helo" appended when a HELO name is set and the URL has no
 * path (libcurl takes the EHLO name from the path). */
static char *make_url(const struct smtp_conf *c)
{
	const char *host = strstr(c->url, "://");
	size_t n = strlen(c->url) + (c->helo ? strlen(c->helo) : 0) + 2;
	char *u = malloc(n);

	if (!u)
		return NULL;
	if (c->helo && *c->helo && host && !strchr(host + 3, '/'))
		snprintf(u, n, "%s/%s", c->url, c->helo);
	else
		snprintf(u, n, "%s", c->url);
	return u;
}

int smtp_send(const struct smtp_conf *c, const char *const *rcpt, size_t n, const void *msg,
	      size_t len, bool *permanent, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "", *url = NULL;
	struct upload u = {.p = msg, .left = len};
	struct curl_slist *to = NULL, *t;
	CURL *h = NULL;
	CURLcode cc;
	long code = 0;
	int rc = VIGIL_EIO;

	*permanent = false;
	if (!c->url || (strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8)) ||
	    !c->from || n == 0 || n > SMTP_MAX_RCPT) {
		snprintf(err, errlen, "SMTP needs an smtp:// or smtps:// URL, a sender and 1 to %d "
			 "recipients", SMTP_MAX_RCPT);
		return VIGIL_EINVAL;
	}
	pthread_once(&curl_once, curl_start);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl could not be initialised: %s",
			 curl_easy_strerror(curl_init_rc));
		return VIGIL_EIO;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(t = curl_slist_append(to, rcpt[i]))) {
			rc = VIGIL_ENOMEM;
			goto out;
		}
		to = t;
	}
	if (!(url = make_url(c)) || !(h = curl_easy_init())) {
		rc = VIGIL_ENOMEM;
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, c->from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms
								  : SMTP_DEFAULT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &u);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds debug_cb, which prints nothing */
	if (c->tls != SMTP_TLS_NONE)
		curl_easy_setopt(h, CURLOPT_USE_SSL, c->tls == SMTP_TLS_REQUIRE ? (long)CURLUSESSL_ALL
										 : (long)CURLUSESSL_TRY);
	if (c->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	if (c->cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if ((cc = curl_easy_perform(h)) == CURLE_OK) {
		rc = 0;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (u.code)
		code = u.code;
	*permanent = code >= 500 && code < 600;
	if (code)
		snprintf(err, errlen, "%s: %s (the server %s: %s)", c->url,
			 ebuf[0] ? ebuf : curl_easy_strerror(cc), u.code ? "refused" : "last said",
			 u.reply[0] ? u.reply : "nothing");
	else
		snprintf(err, errlen, "%s: %s", c->url, ebuf[0] ? ebuf : curl_easy_strerror(cc));
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(to);
	free(url);
	return rc;
}
