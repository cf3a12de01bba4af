// pages/host.js - one address (#/host/ADDR[?from=&to=]): who is responsible
// for it (whois), its incidents, its traffic and its top peers. The range
// defaults to its newest incident's time +- 1 h, else the server's last 24 h.

import { h, table, fields, link, bytes, num, note } from "../dom.js";
import { get, qs, seg } from "../api.js";
import { trafficChart } from "../charts.js";
import { incidentTable } from "./queue.js";
import { stepFor } from "./incident.js";
import { rangeForm, parseTime } from "./range.js";

function whoisTable(w) {
	if (!w)
		return note("No whois data for this address.");
	const val = v => v === null || v === undefined || v === "" ? "-"
		: Array.isArray(v) ? (v.length ? v.map(x => typeof x === "object" ? JSON.stringify(x) : String(x)).join(", ") : "-")
			: typeof v === "object" ? Object.entries(v).map(([k, x]) => h("div", null, k + ": " + (typeof x === "object" ? JSON.stringify(x) : x)))
				: typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
	return fields("whois", Object.entries(w).map(([k, v]) => [k, val(v)]));
}

function peers(caption, data) {
	return table(caption, [
		{ label: "address", cell: r => /^[0-9a-f.:]+$/i.test(r.key) ? link("#/host/" + seg(r.key), r.key) : String(r.key) },
		{ label: "flows", cell: r => num(r.flows), num: true },
		{ label: "packets", cell: r => num(r.packets), num: true },
		{ label: "bytes", cell: r => bytes(r.bytes), num: true },
	], (data && data.items) || [], "no flows stored");
}

export async function render(main, params, query) {
	const addr = params[0];
	const host = await get("/hosts/" + seg(addr));
	let from = parseTime(query.get("from")), to = parseTime(query.get("to"));
	const incs = host.incidents || [];
	if (!Number.isFinite(from) && !Number.isFinite(to) && incs.length) {
		const f = Date.parse(incs[0].first_seen), l = Date.parse(incs[0].last_seen);
		if (Number.isFinite(f) && Number.isFinite(l)) {
			from = Math.floor((f - 3600e3) / 60e3) * 60e3;
			to = Math.ceil((l + 3600e3) / 60e3) * 60e3;
		}
	}
	const range = Number.isFinite(from) && Number.isFinite(to) ? { from, to } : {};
	main.append(h("h1", null, "Host " + host.host),
		fields(null, [["site", host.site ? link("#/site/" + seg(host.site), host.site) : "not in the constituency"],
			["incidents", num(incs.length)]]),
		h("section", { "aria-labelledby": "wh" }, h("h2", { id: "wh" }, "Whois"), whoisTable(host.whois)),
		h("section", { "aria-labelledby": "hi" }, h("h2", { id: "hi" }, "Incidents"), incidentTable(incs, null)));
	const traffic = h("section", { "aria-labelledby": "ht" }, h("h2", { id: "ht" }, "Traffic"),
		rangeForm("#/host/" + seg(addr), range.from, range.to));
	main.append(traffic);
	try {
		const step = stepFor(range.from ? range.to - range.from : 24 * 3600e3);
		const [series, dst, src] = await Promise.all([
			get(`/hosts/${seg(addr)}/series` + qs({ step, ...range })),
			get(`/hosts/${seg(addr)}/flows` + qs({ top: "dstip", n: 10, ...range })),
			get(`/hosts/${seg(addr)}/flows` + qs({ top: "srcip", n: 10, ...range })),
		]);
		traffic.append(trafficChart(`Traffic of ${host.host}`, series, null),
			h("div", { class: "pair" }, peers("top destination addresses", dst), peers("top source addresses", src)));
	} catch (e) {
		traffic.append(note("Flows: " + e.message, "error"));
	}
}
