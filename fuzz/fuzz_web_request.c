// fuzz-libs: vigil_web
/*
 * fuzz_web_request.c - what the web desk decodes from a request itself: the
 * path split into percent-decoded segments and matched against the route
 * patterns, integers and times from the query string, and the JSON body.
 * Input: line 1 the path, line 2 a query value, the rest the body.
 */
#include "web/web_int.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const patterns[] = { "incidents", "incidents/#", "incidents/#/state",
						"hosts/*/series", "sites/*", "reports/*" };
	char segs[WEB_MAX_SEGS][256], path[4096], arg[512], err[256];
	const char *p = (const char *)data, *end = p + size;
	const char *nl = memchr(p, '\n', size);
	size_t n, l = nl ? (size_t)(nl - p) : size;
	int64_t v;
	json_t *o;

	if (l >= sizeof(path))
		l = sizeof(path) - 1;
	memcpy(path, p, l);
	path[l] = '\0';
	p = nl ? nl + 1 : end;
	nl = memchr(p, '\n', (size_t)(end - p));
	l = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (l >= sizeof(arg))
		l = sizeof(arg) - 1;
	memcpy(arg, p, l);
	arg[l] = '\0';
	p = nl ? nl + 1 : end;
	if (web_split_path(path, segs, WEB_MAX_SEGS, &n) == 0)
		for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
			web_pattern_match(patterns[i], segs, n);
	web_parse_int(arg, &v);
	web_parse_time(arg, &v);
	o = web_body_object(p, (size_t)(end - p), err, sizeof(err));
	json_decref(o);
	return 0;
}
