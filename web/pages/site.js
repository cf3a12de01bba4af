// pages/site.js - a member site (#/site/NAME[?from=&to=]): its contacts, its
// incidents over time, its top talkers from the flow store and its hosts on
// threat lists (open cc/blocklist incidents); and the list of sites (#/sites).
// Without a range the page shows the server's default, the last 30 days.

import { h, table, fields, link, bytes, num, note, utc } from "../dom.js";
import { get, qs, seg } from "../api.js";
import { dailyChart } from "../charts.js";
import { incidentTable } from "./queue.js";
import { rangeForm, parseTime } from "./range.js";

const DAY = 86400e3;

function contacts(c) {
	if (!c || (Array.isArray(c) && !c.length))
		return note("No contacts recorded for this site.");
	if (Array.isArray(c))
		return h("ul", { class: "contacts" }, c.map(x => h("li", null,
			typeof x === "object" ? Object.entries(x).map(([k, v]) => k + ": " + v).join(", ") : String(x))));
	return fields(null, Object.entries(c).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]));
}

export async function renderList(main) {
	const sites = (await get("/sites")) || [];
	main.append(h("h1", null, "Sites"), table(null, [
		{ label: "site", cell: s => link("#/site/" + seg(s.site), s.site) },
		{ label: "open incidents", cell: s => num(s.open), num: true },
		{ label: "queue", cell: s => link("#/incidents" + qs({ site: s.site }), "incidents") },
	], sites, "no sites"));
}

export async function render(main, params, query) {
	const name = params[0];
	let from = parseTime(query.get("from")), to = parseTime(query.get("to"));
	const recent = await get("/incidents" + qs({ site: name, limit: 10, sort: "-last_seen" }));
	// without a range the server takes the last 30 days; the form says which
	const range = Number.isFinite(from) && Number.isFinite(to) ? { from, to } : {};
	const shown = range.from ? [range.from, range.to] : [Math.floor((Date.now() - 30 * DAY) / DAY) * DAY + DAY, Math.ceil(Date.now() / DAY) * DAY];
	const site = await get("/sites/" + seg(name) + qs(range));
	main.append(h("h1", null, "Site " + site.site),
		rangeForm("#/site/" + seg(name), shown[0], shown[1]),
		h("section", { "aria-labelledby": "sc" }, h("h2", { id: "sc" }, "Contacts"), contacts(site.contacts)),
		h("section", { "aria-labelledby": "sd" }, h("h2", { id: "sd" }, "Incidents over time"),
			dailyChart("New incidents of " + site.site + " per day (UTC)", site.incidents_by_day, shown)),
		h("section", { "aria-labelledby": "st" }, h("h2", { id: "st" }, "Top talkers"),
			h("p", null, "The last day of the range: " + utc(site.top_from) + " to " + utc(site.top_to) + "."),
			table("hosts of the site by bytes", [
				{ label: "host", cell: r => /^[0-9a-f.:]+$/i.test(r.key) ? link("#/host/" + seg(r.key), r.key) : String(r.key) },
				{ label: "flows", cell: r => num(r.flows), num: true },
				{ label: "packets", cell: r => num(r.packets), num: true },
				{ label: "bytes", cell: r => bytes(r.bytes), num: true },
			], site.top_talkers || [], "no flows stored for the site's prefixes")),
		h("section", { "aria-labelledby": "sl" }, h("h2", { id: "sl" }, "Hosts on threat lists"),
			table("hosts with open C&C or block-list incidents", [
				{ label: "host", cell: r => link("#/host/" + seg(r.host), r.host) },
				{ label: "incidents", cell: r => (r.incidents || []).map(i => [link("#/incident/" + i, "#" + i), " "]) },
			], site.listed_hosts || [], "none")),
		h("section", { "aria-labelledby": "si" }, h("h2", { id: "si" }, "Recent incidents"),
			incidentTable(recent.items || [], `newest ${(recent.items || []).length} of ${num(recent.total)}`),
			h("p", null, link("#/incidents" + qs({ site: name }), "All incidents of " + name))));
}
