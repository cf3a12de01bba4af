/*
 * sender.c - the paced batch UDP sender (see sender.h). Pacing is by
 * absolute deadline: batch k may leave when t0 + flows_before_k / rate has
 * come, so short sleeps that overshoot are caught up and the long-run rate
 * is exact. The batch size grows with the rate so the sender wakes up at
 * most ~2000 times a second and leaves the CPU to the collector.
 */
#define _GNU_SOURCE /* sendmmsg */
#include "sender.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEND_MAXBATCH 64
#define SEND_MAXPKT 1500

struct sender {
	int fd;
	double rate;
	unsigned batch;           /* packets per sendmmsg */
	unsigned nq;              /* queued packets */
	uint64_t qflows;          /* flows in the queued packets */
	uint64_t paced;           /* flows whose send time has come (sent or not) */
	uint32_t pflows[SEND_MAXBATCH]; /* flows in each queued packet */
	uint64_t t0_ns;           /* first send */
	uint64_t packets, flows, errors;
	uint64_t last_ns;
	struct mmsghdr msgs[SEND_MAXBATCH];
	struct iovec iov[SEND_MAXBATCH];
	uint8_t bufs[SEND_MAXBATCH][SEND_MAXPKT];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int split_hostport(const char *hp, char *host, size_t hostlen, const char **port)
{
	const char *colon;
	size_t n;

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');
		if (!close || close[1] != ':')
			return -2;
		n = (size_t)(close - hp - 1);
		colon = close + 1;
		hp++;
	} else {
		colon = strrchr(hp, ':');
		if (!colon)
			return -2;
		n = (size_t)(colon - hp);
	}
	if (n == 0 || n >= hostlen)
		return -2;
	memcpy(host, hp, n);
	host[n] = 0;
	*port = colon + 1;
	return 0;
}

int sender_open(const char *hostport, double rate, int sndbuf, struct sender **out)
{
	char host[256];
	const char *port;
	struct addrinfo hints, *ai = NULL;
	struct sender *s = NULL;
	int rc = -2;

	*out = NULL;
	if (split_hostport(hostport, host, sizeof(host), &port) < 0)
		goto out;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -1;
		goto out;
	}
	s->fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (s->fd < 0 || connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		rc = -12;
		goto out;
	}
	if (sndbuf > 0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	s->rate = rate;
	/* ~28 flows a packet; aim at <= 2000 wake-ups a second. */
	s->batch = 1;
	if (rate <= 0)
		s->batch = SEND_MAXBATCH;
	else if (rate / 28.0 / 2000.0 > 1.0)
		s->batch = (unsigned)(rate / 28.0 / 2000.0) + 1;
	if (s->batch > SEND_MAXBATCH)
		s->batch = SEND_MAXBATCH;
	for (unsigned i = 0; i < SEND_MAXBATCH; i++) {
		s->iov[i].iov_base = s->bufs[i];
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (ai)
		freeaddrinfo(ai);
	if (s) {
		if (s->fd >= 0)
			close(s->fd);
		free(s);
	}
	return rc;
}

static void pace(struct sender *s)
{
	uint64_t due;
	struct timespec ts;

	if (s->t0_ns == 0)
		s->t0_ns = mono_ns();
	if (s->rate <= 0)
		return;
	due = s->t0_ns + (uint64_t)((double)s->paced / s->rate * 1e9);
	if (mono_ns() >= due)
		return;
	ts.tv_sec = (time_t)(due / 1000000000u);
	ts.tv_nsec = (long)(due % 1000000000u);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int sender_flush(struct sender *s)
{
	unsigned done = 0;

	if (s->nq == 0)
		return 0;
	pace(s);
	while (done < s->nq) {
		int n = sendmmsg(s->fd, s->msgs + done, s->nq - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ECONNREFUSED (nobody listening yet) or ENOBUFS: count and drop one. */
			s->errors++;
			done++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			s->packets++;
			s->flows += s->pflows[done + (unsigned)i];
		}
		done += (unsigned)n;
	}
	s->paced += s->qflows;
	s->last_ns = mono_ns();
	s->nq = 0;
	s->qflows = 0;
	return 0;
}

int sender_add(struct sender *s, const uint8_t *pkt, size_t len, uint32_t nflows)
{
	if (len > SEND_MAXPKT)
		return -2;
	memcpy(s->bufs[s->nq], pkt, len);
	s->iov[s->nq].iov_len = len;
	s->pflows[s->nq] = nflows;
	s->nq++;
	s->qflows += nflows;
	if (s->nq >= s->batch)
		return sender_flush(s);
	return 0;
}

void sender_totals(const struct sender *s, uint64_t *packets, uint64_t *flows, uint64_t *errors,
		   double *seconds)
{
	*packets = s->packets;
	*flows = s->flows;
	*errors = s->errors;
	*seconds = s->t0_ns ? (double)(s->last_ns - s->t0_ns) / 1e9 : 0.0;
}

void sender_close(struct sender *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
