/*
 * server.c - the HTTP side of the web desk: libmicrohttpd in one internal
 * thread (so the desk connection is used by one thread at a time), TLS
 * through GnuTLS when a certificate is configured, request bodies gathered
 * up to WEB_MAX_BODY, the static page served from root (no traversal: the
 * path is split into checked segments and the file's real path must stay
 * under root's), and the answers the routes leave in struct web_req.
 */
#include "web/web_int.h"
#include "util/err.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext, *type;
} ctypes[] = {
	{ "html", "text/html; charset=utf-8" }, { "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" }, { "css", "text/css; charset=utf-8" },
	{ "json", "application/json" },         { "svg", "image/svg+xml" },
	{ "png", "image/png" },                 { "ico", "image/x-icon" },
	{ "txt", "text/plain; charset=utf-8" }, { "map", "application/json" },
	{ "woff2", "font/woff2" },
};

static const char *ctype_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(ctypes) / sizeof(ctypes[0]); i++)
		if (!strcmp(dot + 1, ctypes[i].ext))
			return ctypes[i].type;
	return "application/octet-stream";
}

static void common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
}

static enum MHD_Result send_req(struct web_req *r)
{
	struct MHD_Response *resp;
	char *s;
	enum MHD_Result ret;

	if (r->stream_fd > 0) {
		/* the pipe is libmicrohttpd's now (closed with the response) */
		resp = MHD_create_response_from_pipe(r->stream_fd);
		if (!resp)
			close(r->stream_fd);
		r->stream_fd = 0;
	} else if (r->text) {
		resp = MHD_create_response_from_buffer(strlen(r->text), r->text, MHD_RESPMEM_MUST_FREE);
		r->text = NULL;
	} else {
		if (!r->out)
			web_error(r, 500, "no answer");
		s = json_dumps(r->out, JSON_COMPACT);
		if (!s)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	common_headers(resp);
	if (r->set_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->retry_after > 0) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A file under root for the request path, or a JSON 404. */
static enum MHD_Result send_static(struct web_req *r)
{
	char segs[WEB_MAX_SEGS][256], path[PATH_MAX], real[PATH_MAX];
	size_t n, len, rl;
	struct MHD_Response *resp;
	struct stat st;
	enum MHD_Result ret;
	int fd;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		web_error(r, 405, "%s is not allowed here", r->method);
		return send_req(r);
	}
	if (web_split_path(r->url, segs, WEB_MAX_SEGS, &n) || !r->w->root)
		goto missing;
	len = (size_t)snprintf(path, sizeof(path), "%s", r->w->root);
	for (size_t i = 0; i < n && len < sizeof(path); i++) {
		if (segs[i][0] == '.') /* no hidden files, no .. */
			goto missing;
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", segs[i]);
	}
	if (len >= sizeof(path) - 16)
		goto missing;
	if (n == 0 || stat(path, &st) == 0) {
		if (n == 0 || S_ISDIR(st.st_mode))
			snprintf(path + len, sizeof(path) - len, "/index.html");
	}
	if (!realpath(path, real))
		goto missing;
	rl = strlen(r->w->root);
	if (strncmp(real, r->w->root, rl) || (real[rl] != '/' && real[rl] != '\0'))
		goto missing;
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto missing;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		goto missing;
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype_of(real));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	common_headers(resp);
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
missing:
	web_error(r, 404, "no such page");
	return send_req(r);
}

static void peer_of(struct web_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(r->peer, sizeof(r->peer), "?");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, r->peer, sizeof(r->peer));
		r->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, r->peer, sizeof(r->peer));
		r->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
			      (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct web_req *r = *con_cls;

	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->w = w;
		r->conn = conn;
		r->method = method;
		r->url = url;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_big && r->len + *upload_size <= WEB_MAX_BODY) {
			char *b = realloc(r->body, r->len + *upload_size + 1);

			if (!b)
				return MHD_NO;
			r->body = b;
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		} else {
			r->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	peer_of(r);
	if (strncmp(url, "/api/", 5) && strcmp(url, "/metrics"))
		return send_static(r);
	if (r->too_big)
		web_error(r, 413, "request body over %d bytes", WEB_MAX_BODY);
	else
		web_dispatch(r);
	return send_req(r);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct web_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	json_decref(r->out);
	free(r->text);
	if (r->stream_fd > 0)
		close(r->stream_fd);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && n < (1 << 20) &&
	    fseek(fp, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
		if (fread(s, 1, (size_t)n, fp) != (size_t)n) {
			free(s);
			s = NULL;
		} else {
			s[n] = '\0';
		}
	}
	fclose(fp);
	return s;
}

/* "ADDR:PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	char host[128];
	const char *colon;
	int64_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		colon = e + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	if (web_parse_int(colon + 1, &port) || port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return 0;
	}
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int web_start(const struct web_conf *c, struct web **out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	char real[PATH_MAX];
	struct web *w;
	bool v6 = false;
	int rc;

	*out = NULL;
	if (!(w = calloc(1, sizeof(*w))))
		return VIGIL_ENOMEM;
	w->c = *c;
	w->listen = strdup(c->listen ? c->listen : WEB_DEFAULT_LISTEN);
	w->store_dir = dup_or_null(c->store_dir);
	w->desk_url = dup_or_null(c->desk_url);
	w->c.listen = w->listen;
	w->c.store_dir = w->store_dir;
	w->c.desk_url = w->desk_url;
	w->c.root = NULL;
	if (w->c.session_ttl_ms <= 0)
		w->c.session_ttl_ms = WEB_DEFAULT_TTL_MS;
	if (w->c.login_rate <= 0)
		w->c.login_rate = WEB_DEFAULT_LOGIN_RATE;
	if (c->root) {
		if (!realpath(c->root, real)) {
			snprintf(err, errlen, "[web] root %s: not found", c->root);
			rc = VIGIL_ENOTFOUND;
			goto fail;
		}
		w->root = strdup(real);
	}
	if (parse_listen(w->listen, &ss, &v6)) {
		snprintf(err, errlen, "[web] listen '%.100s': use ADDR:PORT or [V6]:PORT", w->listen);
		rc = VIGIL_EINVAL;
		goto fail;
	}
	if ((c->cert && *c->cert) || (c->key && *c->key)) {
		w->cert_pem = c->cert ? slurp(c->cert) : NULL;
		w->key_pem = c->key ? slurp(c->key) : NULL;
		if (!w->cert_pem || !w->key_pem) {
			snprintf(err, errlen, "[web] cert and key: both PEM files must be readable (%s, %s)",
				 c->cert ? c->cert : "unset", c->key ? c->key : "unset");
			rc = VIGIL_EINVAL;
			goto fail;
		}
		w->tls = true;
		flags |= MHD_USE_TLS;
	}
	if ((rc = desk_open(w->desk_url, &w->desk, err, errlen)))
		goto fail;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (w->tls)
		w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					  MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
					  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					  MHD_OPTION_CONNECTION_LIMIT, 256u,
					  MHD_OPTION_HTTPS_MEM_CERT, w->cert_pem,
					  MHD_OPTION_HTTPS_MEM_KEY, w->key_pem, MHD_OPTION_END);
	else
		w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
					  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
					  MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
					  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					  MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
	if (!w->mhd) {
		snprintf(err, errlen, "cannot listen on %s%s", w->listen,
			 w->tls ? " (or the TLS certificate/key was refused)" : "");
		rc = VIGIL_ESYS;
		goto fail;
	}
	{
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);

		w->port = di ? di->port : 0;
	}
	log_info("web: serving on %s (port %u)%s, page from %s", w->listen, (unsigned)w->port,
		 w->tls ? " with TLS" : "", w->root ? w->root : "(none)");
	*out = w;
	return 0;
fail:
	web_stop(w);
	return rc;
}

uint16_t web_port(const struct web *w)
{
	return w ? w->port : 0;
}

void web_stop(struct web *w)
{
	if (!w)
		return;
	if (w->mhd)
		MHD_stop_daemon(w->mhd);
	desk_close(w->desk);
	free(w->listen);
	free(w->root);
	free(w->store_dir);
	free(w->desk_url);
	free(w->cert_pem);
	free(w->key_pem);
	free(w);
}
