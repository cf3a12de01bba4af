/*
 * sender.h - a paced UDP sender for export packets: packets are queued in
 * batches and sent with sendmmsg() so that the flows they carry go out at a
 * target rate (flows per second), smoothly enough for a collector's socket
 * buffer (about a thousand batches a second at most). Bench tool only.
 */
#ifndef VIGIL_BENCH_SENDER_H
#define VIGIL_BENCH_SENDER_H

#include <stddef.h>
#include <stdint.h>

struct sender;

/* Open a sender to "HOST:PORT" (IPv4 or [IPv6]:PORT). rate = flows/s, 0 = as
 * fast as possible. sndbuf = SO_SNDBUF bytes, 0 = system default.
 * Returns 0 or a negative vigil_err; *out is owned by the caller (sender_close). */
int sender_open(const char *hostport, double rate, int sndbuf, struct sender **out);
/* Queue one packet carrying nflows flow records (copied); sends when the
 * batch is full, after sleeping as long as the pace requires. */
int sender_add(struct sender *s, const uint8_t *pkt, size_t len, uint32_t nflows);
/* Send what is queued; print nothing. */
int sender_flush(struct sender *s);
/* Totals so far: packets and flows handed to the kernel, send errors,
 * seconds since the first send. */
void sender_totals(const struct sender *s, uint64_t *packets, uint64_t *flows, uint64_t *errors,
		   double *seconds);
void sender_close(struct sender *s);

#endif
