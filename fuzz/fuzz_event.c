// fuzz-libs: vigil_util
/*
 * fuzz_event.c - the event JSON lines reader (event_from_json in
 * src/util/event.c), which the desk feeds with whatever lands in the event
 * log. Any input must parse or be refused with a reason, and an accepted
 * event must survive a write/read round trip unchanged (the desk's event id
 * hashes that canonical form, so it has to be stable).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event e, e2;
	struct buf b1, b2;
	char err[160];

	err[0] = '\0';
	if (event_from_json((const char *)data, size, &e, err, sizeof(err)) != 0) {
		if (!err[0])
			abort(); /* a refusal always says why */
		return 0;
	}
	buf_init(&b1, 1 << 20);
	buf_init(&b2, 1 << 20);
	if (event_to_json(&e, &b1) != 0)
		abort();
	if (event_from_json(b1.data, b1.len, &e2, err, sizeof(err)) != 0)
		abort(); /* what we write we must read */
	if (event_to_json(&e2, &b2) != 0 || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
		abort(); /* canonical form is a fixed point */
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
