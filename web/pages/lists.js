// pages/lists.js - the reports (#/reports, #/report/ID: the documents, mostly
// mails, incidents came from; shown as text, never as HTML, since anyone can
// send them), the blocks (#/blocks[?state=]) and the notifications to sites
// (#/notices[?state=]).

import { h, table, fields, link, utc, bytes, num } from "../dom.js";
import { get, qs } from "../api.js";
import { go } from "../nav.js";

const PAGE = 50;

export async function renderReports(main, params, query) {
	const offset = Math.max(0, parseInt(query.get("offset") || "0", 10) || 0);
	const data = await get("/reports" + qs({ limit: PAGE, offset }));
	const items = data.items || [];
	main.append(h("h1", null, "Reports"), table(null, [
		{ label: "id", cell: d => link("#/report/" + d.id, "#" + d.id), num: true },
		{ label: "received (UTC)", cell: d => utc(d.received) },
		{ label: "from", cell: d => d.sender || "-" },
		{ label: "subject", cell: d => d.subject || "-" },
		{ label: "origin", cell: d => d.origin || "-" },
		{ label: "size", cell: d => bytes(d.size), num: true },
		{ label: "outcome", cell: d => d.outcome || "-" },
	], items, "no reports received"),
	h("nav", { class: "pager", "aria-label": "pages" },
		h("button", { type: "button", disabled: offset === 0, onclick: () => go("#/reports" + qs({ offset: Math.max(0, offset - PAGE) || "" })) }, "‹ Newer"),
		h("button", { type: "button", disabled: items.length < PAGE, onclick: () => go("#/reports" + qs({ offset: offset + PAGE })) }, "Older ›")));
}

export async function renderReport(main, params) {
	const d = await get("/reports/" + encodeURIComponent(params[0]));
	main.append(h("h1", null, `Report #${d.id}: `, h("span", { class: "subject" }, d.subject || "(no subject)")),
		fields(null, [
			["received", utc(d.received)], ["from", d.sender || "-"], ["message id", d.message_id || "-"],
			["origin", d.origin || "-"], ["size", bytes(d.size)], ["filed", d.filed === true ? "yes" : d.filed === false ? "no" : utc(d.filed)],
			["outcome", d.outcome || "-"], ["sha256", h("code", null, d.sha256 || "-")],
		]),
		h("h2", null, "As received"),
		d.raw !== undefined ? h("pre", { class: "body raw" }, d.raw)
			: h("p", null, "Not text; base64 (" + num((d.raw_b64 || "").length) + " characters):", h("pre", { class: "body raw" }, d.raw_b64 || "")));
}

export async function renderBlocks(main, params, query) {
	const state = query.get("state") || "";
	const data = await get("/blocks" + qs({ state }));
	const sel = h("select", { id: "b-state", name: "state", onchange: ev => go("#/blocks" + qs({ state: ev.target.value })) },
		["", "pending", "active", "removed", "expired"].map(s => h("option", { value: s, selected: s === state }, s || "any state")));
	main.append(h("h1", null, "Blocks"),
		h("form", { class: "filters", onsubmit: ev => ev.preventDefault() },
			h("div", { class: "field" }, h("label", { for: "b-state" }, "State"), sel)),
		table(null, [
			{ label: "id", cell: b => "#" + b.id, num: true },
			{ label: "incident", cell: b => b.incident ? link("#/incident/" + b.incident, "#" + b.incident) : "-" },
			{ label: "prefix", cell: b => b.prefix },
			{ label: "state", cell: b => b.state },
			{ label: "reason", cell: b => b.reason || "-" },
			{ label: "by", cell: b => b.actor || "-" },
			{ label: "created (UTC)", cell: b => utc(b.created) },
			{ label: "until (UTC)", cell: b => utc(b.until) },
			{ label: "ended (UTC)", cell: b => utc(b.ended) },
			{ label: "leaked flows", cell: b => num(b.leak ? b.leak.flows : 0), num: true },
		], data.items || [], "no blocks"));
}

export async function renderNotices(main, params, query) {
	const state = query.get("state") || "";
	const data = await get("/notices" + qs({ state }));
	const sel = h("select", { id: "n-state", name: "state", onchange: ev => go("#/notices" + qs({ state: ev.target.value })) },
		["", "queued", "sent", "failed"].map(s => h("option", { value: s, selected: s === state }, s || "any state")));
	const list = v => Array.isArray(v) ? v : v === undefined || v === null || v === "" ? [] : [v];
	main.append(h("h1", null, "Notices"),
		h("p", null, "Mail to the sites about their incidents, as the outbox holds it."),
		h("form", { class: "filters", onsubmit: ev => ev.preventDefault() },
			h("div", { class: "field" }, h("label", { for: "n-state" }, "State"), sel)),
		table(null, [
			{ label: "id", cell: n => "#" + n.id, num: true },
			{ label: "created (UTC)", cell: n => utc(n.created) },
			{ label: "state", cell: n => n.state },
			{ label: "kind", cell: n => n.kind || "-" },
			{ label: "to", cell: n => list(n.recipients).join(", ") || "-" },
			{ label: "subject", cell: n => n.subject || "-" },
			{ label: "incidents", cell: n => list(n.incidents).map(i => [link("#/incident/" + i, "#" + i), " "]) },
			{ label: "tries", cell: n => num(n.tries), num: true },
			{ label: "next try (UTC)", cell: n => utc(n.next_try) },
			{ label: "sent (UTC)", cell: n => utc(n.sent_at) },
			{ label: "last error", cell: n => n.last_error || "-" },
		], data.items || [], "no notices"));
}
