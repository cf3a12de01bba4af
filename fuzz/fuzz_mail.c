// fuzz-libs: vigil_report
/*
 * fuzz_mail.c - the entry of every abuse report: a raw mail through gmime
 * (report_mail_parse: headers, MIME tree, transfer encodings, charsets,
 * archives opened by libarchive) and the dispatch over every parser
 * (report_parse_msg), including the plain-text fallback. Anything must be
 * read or refused with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int emit(void *ctx, const struct report_occ *o)
{
	size_t *n = ctx;
	if (o->port < -1 || o->port > 65535 || !memchr(o->source, 0, sizeof(o->source)))
		abort();
	(*n)++;
	return 0;
}

static void bad(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg || !msg[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_mail *m;
	struct report_stats st;
	char err[512] = "";
	size_t n = 0;

	if (report_mail_parse(data, size, &m, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();
		return 0;
	}
	const struct report_msg *msg = report_mail_msg(m);
	if (!msg->subject || !msg->from || !msg->message_id)
		abort();
	for (size_t i = 0; i < msg->nparts; i++)
		if (!msg->parts[i].data || msg->parts[i].data[msg->parts[i].len] != 0)
			abort();
	report_parse_msg(msg, emit, bad, &n, &st, err, sizeof(err));
	if (n != st.occurrences)
		abort();
	(void)report_reply_incident(msg->subject);
	report_mail_free(m);
	return 0;
}
