// pages/incident.js - one incident (#/incident/N): its fields, the workflow
// buttons, the traffic of its host around it, the evidence with each event's
// reason and the `vigil flows` command that reproduces it, correspondence and
// notes, and the audit trail. Every action POSTs with the session's CSRF token
// (api.js) and re-reads the incident so what is shown is what the desk holds.

import { h, table, fields, link, utc, bytes, num, note } from "../dom.js";
import { get, post, qs, seg, session } from "../api.js";
import { trafficChart } from "../charts.js";
import { flash, reload } from "../nav.js";

const STATES = ["open", "stalled", "blocked", "resolved", "rejected"];
const PROTO = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6" };

// A step (s) that gives at most ~300 bins over span_ms.
export function stepFor(spanMs) {
	for (const s of [60, 300, 900, 3600, 21600, 86400])
		if (spanMs / 1000 / s <= 300)
			return s;
	return 86400;
}

function copyable(label, text) {
	const code = h("code", null, text);
	const status = h("span", { class: "copied", role: "status" });
	const btn = h("button", { type: "button", class: "copy", "aria-label": "copy " + label,
		onclick: async () => {
			try {
				await navigator.clipboard.writeText(text);
				status.textContent = "copied";
			} catch {
				const r = document.createRange();
				r.selectNodeContents(code);
				getSelection().removeAllRanges();
				getSelection().addRange(r);
				status.textContent = "selected: press Ctrl+C";
			}
		} }, "Copy");
	return h("div", { class: "command" }, h("pre", null, code), btn, status);
}

function detail(d) {
	if (d === null || d === undefined)
		return "";
	if (typeof d !== "object")
		return String(d);
	return Object.entries(d).filter(([, v]) => v !== "" && v !== null)
		.map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v)).join("; ");
}

function reproducing(inc) {
	const cmds = [];
	if (inc.query)
		cmds.push("vigil flows " + inc.query);
	for (const e of inc.evidence || [])
		if (e.reproduce && !cmds.includes(e.reproduce))
			cmds.push(e.reproduce);
	return cmds.slice(0, 5);
}

function workflow(inc, msg) {
	const me = session.me || {};
	if (me.role === "readonly")
		return h("section", { "aria-labelledby": "wf" }, h("h2", { id: "wf" }, "Workflow"),
			note("Your role is read-only: you can look but not change."));
	const run = async (what, fn) => {
		msg.replaceChildren();
		try {
			await fn();
			flash(what);
			reload();
		} catch (e) {
			if (e.status === 401) {
				location.hash = "#/login?next=" + encodeURIComponent(location.hash);
				return;
			}
			msg.append(note(e.message, "error"));
		}
	};
	const why = h("input", { id: "wf-why", type: "text", name: "why", placeholder: "why (kept in the audit trail)", autocomplete: "off" });
	const buttons = [
		h("button", { type: "button", "data-action": "take", disabled: inc.owner === me.user,
			onclick: () => run("You own incident #" + inc.id + " now.", () => post(`/incidents/${inc.id}/take`)) }, "Take"),
		...STATES.map(s => h("button", { type: "button", "data-state": s, disabled: inc.state === s,
			onclick: () => run("State set to " + s + ".", () => post(`/incidents/${inc.id}/state`, { state: s, why: why.value.trim() })) },
			s[0].toUpperCase() + s.slice(1))),
	];
	const text = h("textarea", { id: "wf-note", name: "text", rows: 3, required: true });
	const noteForm = h("form", { class: "note-form", onsubmit: ev => {
		ev.preventDefault();
		if (!text.value.trim())
			return;
		run("Note added.", () => post(`/incidents/${inc.id}/notes`, { text: text.value }));
	} },
		h("label", { for: "wf-note" }, me.role === "site" ? "Note to the team" : "Note (internal, for the team)"), text,
		h("button", { type: "submit" }, "Add note"));
	if (me.role === "site")
		return h("section", { "aria-labelledby": "wf", class: "workflow" },
			h("h2", { id: "wf" }, "Notes to the team"),
			h("p", null, "You can tell the team what your site found or did; the team changes the incident's state."),
			noteForm);
	const other = h("input", { id: "wf-link", name: "other", type: "number", min: 1, required: true, inputmode: "numeric" });
	const linkForm = h("form", { class: "link-form", onsubmit: ev => {
		ev.preventDefault();
		const m = parseInt(other.value, 10);
		if (m > 0)
			run("Linked with incident #" + m + ".", () => post(`/incidents/${inc.id}/link`, { other: m }));
	} },
		h("label", { for: "wf-link" }, "Link with incident #"), other, h("button", { type: "submit" }, "Link"));
	return h("section", { "aria-labelledby": "wf", class: "workflow" },
		h("h2", { id: "wf" }, "Workflow"),
		h("div", { class: "field" }, h("label", { for: "wf-why" }, "Reason for a state change"), why),
		h("div", { class: "buttons", role: "group", "aria-label": "workflow actions" }, buttons),
		noteForm, linkForm);
}

function topTable(caption, data) {
	return table(caption, [
		{ label: "address", cell: r => r.key && /^[0-9a-f.:]+$/i.test(r.key) ? link("#/host/" + seg(r.key), r.key) : String(r.key) },
		{ label: "flows", cell: r => num(r.flows), num: true },
		{ label: "packets", cell: r => num(r.packets), num: true },
		{ label: "bytes", cell: r => bytes(r.bytes), num: true },
	], (data && data.items) || [], "no flows stored");
}

export async function render(main, params) {
	const id = parseInt(params[0], 10);
	if (!(id > 0))
		throw Object.assign(new Error("no incident " + params[0]), { status: 404 });
	const inc = await get("/incidents/" + id);
	const msg = h("div", { class: "messages" });
	const first = Date.parse(inc.first_seen), last = Date.parse(inc.last_seen);
	const span = (Number.isFinite(last - first) ? last - first : 0) + 2 * 3600e3;

	main.append(
		h("h1", null, `Incident #${inc.id}: `, h("span", { class: "subject" }, inc.subject || inc.kind)),
		msg,
		fields(null, [
			["state", h("span", { class: "state " + inc.state }, inc.state)],
			["kind", inc.kind],
			["site", inc.site ? link("#/site/" + seg(inc.site), inc.site) : "-"],
			["host", inc.host ? link("#/host/" + seg(inc.host), inc.host) : "-"],
			["peer", inc.peer || "-"],
			["owner", inc.owner || "nobody"],
			["events", num(inc.events) + (inc.duplicates ? ` (+${num(inc.duplicates)} duplicates)` : "")],
			["first seen", utc(inc.first_seen)], ["last seen", utc(inc.last_seen)],
			["created", utc(inc.created)], ["updated", utc(inc.updated)],
			["resolved", utc(inc.resolved_at)], ["answer due", utc(inc.due)],
			["parent", inc.parent ? link("#/incident/" + inc.parent, "#" + inc.parent) : "-"],
			["merged into", inc.merged_into ? link("#/incident/" + inc.merged_into, "#" + inc.merged_into) : "-"],
			["children", (inc.children || []).length ? (inc.children || []).map(c => [link("#/incident/" + c.id, "#" + c.id), " "]) : "-"],
			["linked", (inc.links || []).length ? inc.links.map(l => [link("#/incident/" + l, "#" + l), " "]) : "-"],
			["peers", (inc.peers || []).join(", ") || "-"],
			["notice", inc.notice ? `${inc.notice.stage} to ${inc.notice.to}, last sent ${utc(inc.notice.last_sent)}` : "-"],
		]),
		workflow(inc, msg));

	const traffic = h("section", { "aria-labelledby": "tl" }, h("h2", { id: "tl" }, "Traffic of " + (inc.host || "the host")));
	main.append(traffic);

	const cmds = reproducing(inc);
	main.append(h("section", { "aria-labelledby": "ev" },
		h("h2", { id: "ev" }, "Evidence"),
		cmds.length ? [h("p", null, "Reproduce with:"), cmds.map(c => copyable("the query", c))] : null,
		table(`${(inc.evidence || []).length} of ${num(inc.events)} events`, [
			{ label: "first (UTC)", cell: e => utc(e.first) },
			{ label: "last (UTC)", cell: e => utc(e.last) },
			{ label: "kind", cell: e => e.kind },
			{ label: "host", cell: e => e.host },
			{ label: "peer", cell: e => e.peer || "-" },
			{ label: "port", cell: e => e.port === undefined ? "-" : (PROTO[e.proto] ? e.port + "/" + PROTO[e.proto] : String(e.port)) },
			{ label: "flows", cell: e => num(e.flows), num: true },
			{ label: "packets", cell: e => num(e.packets), num: true },
			{ label: "bytes", cell: e => bytes(e.bytes), num: true },
			{ label: "score", cell: e => e.score === undefined ? "-" : Number(e.score).toFixed(1), num: true },
			{ label: "why", cell: e => e.why },
			{ label: "source", cell: e => e.source || "-" },
		], inc.evidence || [], "no events")));

	main.append(h("section", { "aria-labelledby": "co" },
		h("h2", { id: "co" }, "Correspondence and notes"),
		table(null, [
			{ label: "time (UTC)", cell: r => utc(r.time) },
			{ label: "by", cell: r => r.actor },
			{ label: "kind", cell: r => ({ note: "note", in: "received", out: "sent" })[r.direction] || r.direction },
			{ label: "with", cell: r => r.correspondent || "-" },
			{ label: "subject", cell: r => r.subject || "-" },
			{ label: "text", cell: r => h("pre", { class: "body" }, r.body) },
		], inc.investigations || [], "nothing written yet")));

	if ((inc.blocks || []).length)
		main.append(h("section", { "aria-labelledby": "bl" }, h("h2", { id: "bl" }, "Blocks"),
			table(null, [
				{ label: "id", cell: b => "#" + b.id, num: true },
				{ label: "prefix", cell: b => b.prefix },
				{ label: "state", cell: b => b.state },
				{ label: "reason", cell: b => b.reason },
				{ label: "created (UTC)", cell: b => utc(b.created) },
				{ label: "until (UTC)", cell: b => utc(b.until) },
			], inc.blocks)));

	if ((inc.documents || []).length || (inc.reports || []).length)
		main.append(h("section", { "aria-labelledby": "rp" }, h("h2", { id: "rp" }, "Reports it came from"),
			(inc.documents || []).length ? table("documents (mails)", [
				{ label: "id", cell: d => link("#/report/" + d.id, "#" + d.id), num: true },
				{ label: "received (UTC)", cell: d => utc(d.received) },
				{ label: "from", cell: d => d.sender },
				{ label: "subject", cell: d => d.subject },
			], inc.documents) : null,
			(inc.reports || []).length ? h("details", null, h("summary", null, `${inc.reports.length} event records as received`),
				inc.reports.map(r => h("pre", { class: "body" }, r.raw))) : null));

	main.append(h("section", { "aria-labelledby": "au" },
		h("h2", { id: "au" }, "Audit trail"),
		table(null, [
			{ label: "seq", cell: a => String(a.seq), num: true },
			{ label: "time (UTC)", cell: a => utc(a.time) },
			{ label: "who", cell: a => a.actor },
			{ label: "action", cell: a => a.action },
			{ label: "detail", cell: a => detail(a.detail) },
		], inc.audit || [], "no entries")));

	// The charts last: they read the flow store, the slowest part.
	const step = stepFor(span);
	try {
		const [series, dst, src] = await Promise.all([
			get(`/incidents/${inc.id}/series` + qs({ step })),
			get(`/incidents/${inc.id}/flows` + qs({ top: "dstip", n: 10 })),
			get(`/incidents/${inc.id}/flows` + qs({ top: "srcip", n: 10 })),
		]);
		traffic.append(trafficChart(`Traffic of ${inc.host}, ${utc(series.from)} to ${utc(series.to)}; the incident's own time shaded`,
			series, Number.isFinite(first) ? [first, last] : null),
		h("div", { class: "pair" }, topTable("top destination addresses", dst), topTable("top source addresses", src)));
	} catch (e) {
		traffic.append(note("Flows: " + e.message, "error"));
	}
}
