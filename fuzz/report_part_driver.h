/*
 * report_part_driver.h - the common body of the report parser fuzz targets:
 * the input becomes one decoded part of a mail (the first byte picks the
 * content type and attachment name, as a parser's probe sees them), is
 * offered to the parser's probe and, whatever the probe says, parsed.
 * Every occurrence must be well formed; a refusal must say why.
 */
#ifndef VIGIL_FUZZ_REPORT_PART_DRIVER_H
#define VIGIL_FUZZ_REPORT_PART_DRIVER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/err.h"

static int fz_emit(void *ctx, const struct report_occ *o)
{
	size_t *n = ctx;
	/* fixed-size strings are NUL-terminated, ports in range */
	if (memchr(o->type, 0, sizeof(o->type)) == NULL || memchr(o->case_id, 0, sizeof(o->case_id)) == NULL ||
	    memchr(o->source, 0, sizeof(o->source)) == NULL || memchr(o->detail, 0, sizeof(o->detail)) == NULL ||
	    o->port < -1 || o->port > 65535 || o->confidence > REPORT_CONF_HIGH)
		abort();
	(*n)++;
	return 0;
}

static void fz_bad(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg || !msg[0])
		abort();
}

static int fz_run_part(const struct report_parser *pr, const uint8_t *data, size_t size)
{
	static const char *const ctypes[] = { "text/plain", "application/xml", "text/csv",
					      "application/json", "text/yaml", "application/octet-stream" };
	static const char *const names[] = { "", "notice.xml", "2024-03-01-scan_ssh-example-asn.csv",
					     "report.txt", "report.json", "event4_sinkhole_http.csv" };
	struct report_part part;
	struct report_msg msg;
	char err[512];
	size_t n = 0;
	unsigned k = size ? data[0] % 6 : 0;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data + 1, size - 1);
	buf[size ? size - 1 : 0] = 0;
	memset(&part, 0, sizeof(part));
	part.index = 1;
	part.ctype = ctypes[k];
	part.filename = names[(size > 1 ? data[1] : 0) % 6];
	part.data = buf;
	part.len = size ? size - 1 : 0;
	memset(&msg, 0, sizeof(msg));
	msg.message_id = "fuzz@example.org";
	msg.from = "abuse@example.org";
	msg.from_name = "";
	msg.subject = "report";
	msg.date = "";
	msg.in_reply_to = "";
	msg.x_arf = k == 4 ? "PLAIN" : "";
	msg.parts = &part;
	msg.nparts = 1;
	int p = pr->probe(&msg, &part);
	if (p < 0 || p > 100)
		abort();
	err[0] = 0;
	int rc = pr->parse(&msg, &part, fz_emit, fz_bad, &n, err, sizeof(err));
	if (rc < 0 && !err[0] && rc != VIGIL_ENOMEM)
		abort();
	free(buf);
	return 0;
}

#endif
