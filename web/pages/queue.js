// pages/queue.js - the incident queue (#/incidents?state=&kind=&site=&host=&owner=&q=&sort=&limit=&offset=),
// RTIR-like: filters in a form, the filter state kept in the address so a
// queue can be bookmarked or sent to a colleague, and paging by the server.

import { h, table, link, utc, num, note } from "../dom.js";
import { get, qs, seg } from "../api.js";
import { go } from "../nav.js";

const SIZES = [25, 50, 100, 200];
const STATES = [["", "any state"], ["new,open,stalled,blocked", "active (not resolved or rejected)"],
	["new", "new"], ["open", "open"], ["stalled", "stalled"], ["blocked", "blocked"],
	["resolved", "resolved"], ["rejected", "rejected"]];
const KINDS = ["", "scan", "portscan", "cc", "blocklist", "amplifier", "dos", "copyright", "report", "campaign"];
const SORTS = [["-id", "newest first"], ["id", "oldest first"], ["-last_seen", "last seen, newest"],
	["last_seen", "last seen, oldest"], ["-updated", "updated, newest"]];
const FILTERS = ["state", "kind", "site", "host", "owner", "q", "sort"];

function select(name, label, options, value) {
	const id = "f-" + name;
	return h("div", { class: "field" },
		h("label", { for: id }, label),
		h("select", { id, name }, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t))));
}

function input(name, label, value, placeholder) {
	const id = "f-" + name;
	return h("div", { class: "field" },
		h("label", { for: id }, label),
		h("input", { id, name, type: "search", value: value || "", placeholder, autocomplete: "off" }));
}

export function incidentTable(items, caption) {
	return table(caption, [
		{ label: "id", cell: i => link("#/incident/" + i.id, "#" + i.id), num: true },
		{ label: "state", cell: i => h("span", { class: "state " + i.state }, i.state) },
		{ label: "kind", cell: i => i.kind },
		{ label: "site", cell: i => i.site ? link("#/site/" + seg(i.site), i.site) : "-" },
		{ label: "host", cell: i => i.host ? link("#/host/" + seg(i.host), i.host) : "-" },
		{ label: "subject", cell: i => i.subject },
		{ label: "owner", cell: i => i.owner || "-" },
		{ label: "events", cell: i => num(i.events), num: true },
		{ label: "last seen", cell: i => utc(i.last_seen) },
	], items, "no incidents match");
}

export async function render(main, params, query) {
	const f = Object.fromEntries(FILTERS.map(k => [k, query.get(k) || ""]));
	const offset = Math.max(0, parseInt(query.get("offset") || "0", 10) || 0);
	const PAGE = Math.min(500, Math.max(1, parseInt(query.get("limit") || "50", 10) || 50));
	const sizes = SIZES.includes(PAGE) ? SIZES : [...SIZES, PAGE].sort((a, b) => a - b);
	let sites = [];
	try {
		sites = (await get("/sites")) || [];
	} catch { /* the filter still works as free text */ }
	const siteOpts = [["", "any site"], ...sites.map(s => [s.site, s.site + (s.open !== undefined ? " (" + s.open + " open)" : "")])];
	if (f.site && !sites.some(s => s.site === f.site))
		siteOpts.push([f.site, f.site]);

	const form = h("form", { class: "filters", role: "search", "aria-label": "filter incidents",
		onsubmit: ev => {
			ev.preventDefault();
			const data = new FormData(ev.target);
			const p = {};
			for (const k of FILTERS)
				p[k] = (data.get(k) || "").trim();
			if (p.sort === "-id")
				p.sort = "";
			p.limit = data.get("limit") === "50" ? "" : data.get("limit");
			go("#/incidents" + qs(p));
		} },
		select("state", "State", STATES, f.state),
		select("kind", "Kind", KINDS.map(k => [k, k || "any kind"]), f.kind),
		select("site", "Site", siteOpts, f.site),
		input("host", "Host", f.host, "10.10.5.66"),
		input("owner", "Owner", f.owner, "user name"),
		input("q", "Text", f.q, "subject or host"),
		select("sort", "Order", SORTS, f.sort || "-id"),
		select("limit", "Per page", sizes.map(n => [String(n), String(n)]), String(PAGE)),
		h("div", { class: "field buttons" },
			h("button", { type: "submit" }, "Filter"),
			h("button", { type: "button", onclick: () => go("#/incidents") }, "Clear")));

	const data = await get("/incidents" + qs({ ...f, limit: PAGE, offset }));
	const total = data.total || 0, items = data.items || [];
	const first = items.length ? offset + 1 : 0, last = offset + items.length;
	const page = off => go("#/incidents" + qs({ ...f, limit: PAGE === 50 ? "" : PAGE, offset: off || "" }));
	const pager = label => h("nav", { class: "pager", "aria-label": label },
		h("button", { type: "button", disabled: offset === 0, onclick: () => page(Math.max(0, offset - PAGE)) }, "‹ Newer"),
		h("span", null, total ? `${num(first)}–${num(last)} of ${num(total)}` : "no incidents"),
		h("button", { type: "button", disabled: last >= total, onclick: () => page(offset + PAGE) }, "Older ›"));

	main.append(h("h1", null, "Incidents"), form, pager("pages"),
		incidentTable(items, `incidents ${num(first)}–${num(last)} of ${num(total)}`), pager("pages, bottom"));
	if (!total && !Object.values(f).some(Boolean))
		main.append(note("The desk has no incidents yet."));
}
