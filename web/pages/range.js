// pages/range.js - the "from / to (UTC)" form of the host and site pages.
// The range lives in the address (?from=...&to=..., RFC 3339 UTC) so a view
// can be bookmarked; the server takes RFC 3339 or ms.

import { h } from "../dom.js";
import { qs } from "../api.js";
import { go } from "../nav.js";

export function iso(ms) {
	return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

export function rangeForm(base, from, to, extra = {}) {
	const f = h("input", { id: "r-from", name: "from", type: "text", value: from ? iso(from) : "", placeholder: "2024-03-01T09:00:00Z", size: 22 });
	const t = h("input", { id: "r-to", name: "to", type: "text", value: to ? iso(to) : "", placeholder: "2024-03-01T11:00:00Z", size: 22 });
	return h("form", { class: "filters range", "aria-label": "time range", onsubmit: ev => {
		ev.preventDefault();
		go(base + qs({ ...extra, from: f.value.trim(), to: t.value.trim() }));
	} },
	h("div", { class: "field" }, h("label", { for: "r-from" }, "From (UTC)"), f),
	h("div", { class: "field" }, h("label", { for: "r-to" }, "To (UTC)"), t),
	h("div", { class: "field buttons" }, h("button", { type: "submit" }, "Show")));
}

// ms from "?from=" (RFC 3339 or ms), or NaN.
export function parseTime(s) {
	if (!s)
		return NaN;
	return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
}
