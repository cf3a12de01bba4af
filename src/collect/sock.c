/*
 * sock.c - the collector's UDP sockets: bind one address (IPv6 sockets
 * v6-only so [::] and 0.0.0.0 share a port), ask for a large receive buffer
 * (SO_RCVBUFFORCE when privileged, else SO_RCVBUF up to rmem_max), turn on
 * SO_RXQ_OVFL so every receive carries the socket's kernel drop count, and
 * receive up to COLLECT_VLEN datagrams per system call with recvmmsg.
 */
#define _GNU_SOURCE 1
#include "collect/collect_int.h"
#include "util/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

char *collect_listen_format(const struct collect_listen *l, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_format(&l->addr, a);
	if (addr_is_v4(&l->addr))
		snprintf(buf, len, "%s:%u", a, l->port);
	else
		snprintf(buf, len, "[%s]:%u", a, l->port);
	return buf;
}

static void set_rcvbuf(struct collect_sock *s, int64_t want)
{
	int v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;
	int got = 0;
	socklen_t gl = sizeof(got);

	if (want <= 0)
		return;
#ifdef SO_RCVBUFFORCE
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0)
#endif
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	/* Linux reports double what was set (bookkeeping overhead). */
	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0)
		s->rcvbuf = got;
}

int collect_sock_open(struct collect_sock *s, const struct collect_listen *l, int64_t rcvbuf,
		      char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char where[80];
	int one = 1, fd = -1, rc = VIGIL_ESYS;
	int v4 = addr_is_v4(&l->addr);

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->where = *l;
	memset(&ss, 0, sizeof(ss));
	collect_listen_format(l, where, sizeof(where));
	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(l->port);
		sin->sin_addr.s_addr = htonl(addr_v4(&l->addr));
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(l->port);
		memcpy(&sin6->sin6_addr, l->addr.b, 16);
		sl = sizeof(*sin6);
	}
	s->msgs = calloc(COLLECT_VLEN, sizeof(*s->msgs));
	if (!s->msgs) {
		snprintf(err, errlen, "out of memory");
		rc = VIGIL_ENOMEM;
		goto out;
	}
	fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: socket: %s", where, strerror(errno));
		rc = errno == EAFNOSUPPORT ? VIGIL_EUNSUPPORTED : VIGIL_ESYS;
		goto out;
	}
	if (!v4 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
		snprintf(err, errlen, "%s: IPV6_V6ONLY: %s", where, strerror(errno));
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(errno));
		rc = errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT ? VIGIL_EUNSUPPORTED : VIGIL_ESYS;
		goto out;
	}
	s->fd = fd;
	fd = -1;
#ifdef SO_RXQ_OVFL
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
#endif
	set_rcvbuf(s, rcvbuf);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc) {
		free(s->msgs);
		s->msgs = NULL;
	}
	return rc;
}

/* Point the message headers at the shared datagram buffers. */
static void prepare(struct collect_sock *s)
{
	for (int i = 0; i < COLLECT_VLEN; i++) {
		s->iov[i].iov_base = s->bufs + (size_t)i * COLLECT_DGRAM_MAX;
		s->iov[i].iov_len = COLLECT_DGRAM_MAX;
		memset(&s->msgs[i].msg_hdr, 0, sizeof(s->msgs[i].msg_hdr));
		s->msgs[i].msg_hdr.msg_name = &s->from[i];
		s->msgs[i].msg_hdr.msg_namelen = sizeof(s->from[i]);
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
		s->msgs[i].msg_hdr.msg_control = s->ctrl[i];
		s->msgs[i].msg_hdr.msg_controllen = sizeof(s->ctrl[i]);
		s->msgs[i].msg_len = 0;
	}
}

/* The newest SO_RXQ_OVFL count carried by message i, if any. */
static void take_ovfl(struct collect_sock *s, int i)
{
#ifdef SO_RXQ_OVFL
	struct msghdr *m = &s->msgs[i].msg_hdr;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t v;
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			s->ovfl = v;
		}
	}
#else
	(void)s;
	(void)i;
#endif
}

int collect_sock_recv(struct collect_sock *s)
{
	int n;

	prepare(s);
#ifdef __linux__
	n = recvmmsg(s->fd, s->msgs, COLLECT_VLEN, MSG_DONTWAIT, NULL);
#else
	for (n = 0; n < COLLECT_VLEN; n++) {
		ssize_t r = recvmsg(s->fd, &s->msgs[n].msg_hdr, MSG_DONTWAIT);
		if (r < 0)
			break;
		s->msgs[n].msg_len = (unsigned)r;
	}
	if (n == 0)
		n = -1;
#endif
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return VIGIL_ESYS;
	}
	if (n > 0)
		take_ovfl(s, n - 1);
	return n;
}

const uint8_t *collect_sock_dgram(const struct collect_sock *s, int i, size_t *len, bool *trunc)
{
	*len = s->msgs[i].msg_len;
	*trunc = (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
	return s->iov[i].iov_base;
}

void collect_sock_from(const struct collect_sock *s, int i, struct vaddr *a)
{
	const struct sockaddr_storage *ss = &s->from[i];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		addr_from_v4(a, ntohl(sin->sin_addr.s_addr));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
		addr_from_v6(a, sin6->sin6_addr.s6_addr);
	} else {
		memset(a, 0, sizeof(*a));
	}
}

void collect_sock_close(struct collect_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->msgs);
	s->msgs = NULL;
}
