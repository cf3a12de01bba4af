// fuzz-libs: vigil_notify
/*
 * fuzz_template.c - compiles arbitrary bytes as a notification template and,
 * when they compile, walks its names and renders it twice over a fixed
 * object (lists, nested objects, every kind of scalar) into a capped
 * buffer. Checks what must always hold: a failed compile leaves no template
 * and says "fuzz:LINE: ...", every name is non-empty with at most
 * TMPL_MAX_DEPTH sections around it and a line inside the text, rendering
 * stays under the cap and gives the same result twice, and text without
 * "{{" renders as itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/template.h"
#include "util/err.h"

#define FZ_CAP 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DATA[] =
    "{\"site\": {\"name\": \"Coleg\", \"id\": 7, \"tags\": [\"a\", \"b\"]},"
    " \"team\": {\"name\": \"CSIRT\", \"signature\": \"-- \\nCSIRT\"},"
    " \"incident\": {\"tag\": \"[vigil #1]\", \"host\": \"192.0.2.1\"},"
    " \"events\": [{\"host\": \"192.0.2.1\", \"port\": 22, \"report\": {\"sender\": \"x\"}},"
    "  {\"host\": \"2001:db8::1\", \"estimate\": true, \"score\": 0.25, \"events\": [1, 2]}],"
    " \"asn\": [64500, 64501], \"empty\": [], \"zero\": 0, \"null\": null, \"t\": true,"
    " \"f\": false, \"s\": \"str\", \"score\": 1e-7, \"big\": -9223372036854775807}";

struct names {
	unsigned lines;
	int bad;
};

static int check_name(void *ctx, const char *name, unsigned line, const char *const *outer,
                      size_t nouter)
{
	struct names *n = ctx;

	if (!name[0] || line < 1 || line > n->lines || nouter > TMPL_MAX_DEPTH)
		n->bad = 1;
	for (size_t i = 0; i < nouter; i++)
		if (!outer[i] || !outer[i][0])
			n->bad = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *obj;
	const char *text = (const char *)data;
	struct names nm = {.lines = 1};
	struct tmpl *t = NULL;
	struct buf a, b;
	char err[256] = "";
	int rc, rc2;

	if (!obj && !(obj = json_loads(DATA, 0, NULL)))
		abort();
	rc = tmpl_compile("fuzz", text, size, &t, err, sizeof(err));
	if (rc) {
		if (t || strncmp(err, "fuzz:", 5) || err[5] < '1' || err[5] > '9')
			abort();
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		nm.lines += text[i] == '\n';
	tmpl_each_name(t, check_name, &nm);
	if (nm.bad)
		abort();

	buf_init(&a, FZ_CAP);
	buf_init(&b, FZ_CAP);
	rc = tmpl_render(t, obj, &a);
	rc2 = tmpl_render(t, obj, &b);
	if ((rc && rc != VIGIL_ELIMIT) || rc != rc2 || a.len > FZ_CAP || a.len != b.len ||
	    (a.len && memcmp(a.data, b.data, a.len)))
		abort();
	if (!rc && size && size <= FZ_CAP) {
		int tags = 0;

		for (size_t i = 0; i + 1 < size && !tags; i++)
			tags = text[i] == '{' && text[i + 1] == '{';
		if (!tags && (a.len != size || memcmp(a.data, text, size)))
			abort();
	}
	buf_free(&a);
	buf_free(&b);
	tmpl_free(t);
	return 0;
}
