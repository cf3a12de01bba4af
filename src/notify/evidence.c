/*
 * evidence.c - the stored flows behind an incident, as the nfdump-style
 * lines `vigil flows` prints, for the mail: the host (and its peer) over
 * the time of the events told, capped at [notify] flow_lines. Read from the
 * flow store when one is configured; a mail without them still lists the
 * events and the command that shows the flows.
 */
#include "notify/notify_int.h"
#include "query/query.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void notify_flow_lines(struct notify *n, const struct desk_incident *inc, json_t *events,
		       json_t *data)
{
	struct query_opts o = { .format = QUERY_OUT_TABLE, .limit = n->c.flow_lines };
	struct query_run *qr = NULL;
	struct store_reader *r = NULL;
	struct store_select sel;
	struct store_block *b;
	char filter[256], err[256], *text = NULL, *save = NULL, *line;
	size_t tlen = 0, i;
	int64_t first = INT64_MAX, last = INT64_MIN;
	json_t *ev, *arr;
	FILE *mem;
	int rc;

	if (!n->store_dir[0] || !n->c.flow_lines || !inc->host[0] || !json_array_size(events))
		return;
	/* the time the listed events cover, from their own first/last */
	json_array_foreach(events, i, ev) {
		json_int_t f = json_integer_value(json_object_get(ev, "first_ms"));
		json_int_t l = json_integer_value(json_object_get(ev, "last_ms"));

		if (f && f < first)
			first = f;
		if (l > last)
			last = l;
	}
	if (first == INT64_MAX || last == INT64_MIN)
		return;
	if (inc->peer[0])
		snprintf(filter, sizeof(filter), "host %s and host %s", inc->host, inc->peer);
	else
		snprintf(filter, sizeof(filter), "host %s", inc->host);
	o.from_ms = first;
	o.to_ms = last + 999;
	if (!(mem = open_memstream(&text, &tlen)))
		return;
	if (query_run_new(filter, &o, mem, &qr, err, sizeof(err))) {
		log_warn("notify: flows of incident %lld: %s", (long long)inc->id, err);
		goto out;
	}
	sel = (struct store_select){ .from_ms = o.from_ms, .to_ms = o.to_ms };
	sel.nhosts = query_run_hosts(qr, &sel.hosts);
	if ((rc = store_reader_open(n->store_dir, &sel, &r)) < 0) {
		log_warn("notify: %s: %s", n->store_dir, vigil_strerror(rc));
		goto out;
	}
	while ((rc = store_reader_next_block(r, &b)) > 0)
		if (query_run_block(qr, b))
			break;
	query_run_finish(qr);
out:
	if (r)
		store_reader_close(r);
	query_run_free(qr);
	fclose(mem);
	if (!text)
		return;
	arr = json_array();
	for (line = strtok_r(text, "\n", &save), i = 0; line; line = strtok_r(NULL, "\n", &save), i++) {
		if (i == 0) {
			json_object_set_new(data, "flows_header", json_string(line));
			continue;
		}
		if (!strncmp(line, "Summary:", 8))
			continue;
		json_array_append_new(arr, json_pack("{s:s}", "line", line));
	}
	if (json_array_size(arr))
		json_object_set_new(data, "flows", arr);
	else {
		json_decref(arr);
		json_object_del(data, "flows_header");
	}
	free(text);
}
