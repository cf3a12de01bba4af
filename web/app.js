// app.js - the web desk's page: hash routing (#/incidents, #/incident/12,
// #/host/ADDR, #/site/NAME, #/sites, #/reports, #/report/ID, #/blocks, #/notices,
// #/login), the header with who is logged in, and one place that shows
// errors: a 404 from the API is "Not found" (a site contact asking for
// another site's incident sees exactly that), a 401 goes to the login.

import { h, put, note } from "./dom.js";
import { session, whoami, logout } from "./api.js";
import { setRenderer, takeFlash, go } from "./nav.js";
import * as queue from "./pages/queue.js";
import * as incident from "./pages/incident.js";
import * as host from "./pages/host.js";
import * as site from "./pages/site.js";
import * as lists from "./pages/lists.js";
import * as login from "./pages/login.js";

const ROUTES = [
	{ re: /^\/login$/, title: "Log in", fn: login.render, open: true },
	{ re: /^\/incidents$/, title: "Incidents", fn: queue.render, nav: "incidents" },
	{ re: /^\/incident\/([^/]+)$/, title: "Incident", fn: incident.render, nav: "incidents" },
	{ re: /^\/host\/([^/]+)$/, title: "Host", fn: host.render },
	{ re: /^\/sites$/, title: "Sites", fn: site.renderList, nav: "sites" },
	{ re: /^\/site\/([^/]+)$/, title: "Site", fn: site.render, nav: "sites" },
	{ re: /^\/reports$/, title: "Reports", fn: lists.renderReports, nav: "reports" },
	{ re: /^\/report\/([^/]+)$/, title: "Report", fn: lists.renderReport, nav: "reports" },
	{ re: /^\/blocks$/, title: "Blocks", fn: lists.renderBlocks, nav: "blocks" },
	{ re: /^\/notices$/, title: "Notices", fn: lists.renderNotices, nav: "notices" },
];

const main = document.getElementById("main");
const who = document.getElementById("who");
let generation = 0;

function parseHash() {
	const raw = location.hash.replace(/^#/, "") || "/incidents";
	const q = raw.indexOf("?");
	const path = q < 0 ? raw : raw.slice(0, q);
	return { path, query: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

function header(route) {
	for (const a of document.querySelectorAll("#nav a"))
		if (a.dataset.nav === (route && route.nav))
			a.setAttribute("aria-current", "page");
		else
			a.removeAttribute("aria-current");
	document.getElementById("nav").hidden = !session.me;
	if (!session.me) {
		who.replaceChildren();
		return;
	}
	const me = session.me;
	put(who, h("span", { class: "user" }, me.user),
		" (" + me.role + ((me.sites || []).length ? ": " + me.sites.join(", ") : "") + ") ",
		h("button", { type: "button", id: "logout", onclick: async () => {
			try {
				await logout();
			} finally {
				go("#/login");
			}
		} }, "Log out"));
}

function notFound(view, message) {
	view.replaceChildren(h("h1", { class: "not-found" }, "Not found"), note(message || "There is nothing here.", "error"),
		h("p", null, h("a", { href: "#/incidents" }, "Back to the incidents")));
}

async function render() {
	const gen = ++generation;
	const { path, query } = parseHash();
	let route = null, params = [];
	for (const r of ROUTES) {
		const m = r.re.exec(path);
		if (m) {
			route = r;
			params = m.slice(1).map(decodeURIComponent);
			break;
		}
	}
	if (!session.me && !(route && route.open)) {
		try {
			await whoami();
		} catch (e) {
			put(main, h("h1", null, "The desk cannot be reached"), note(e.message, "error"));
			return;
		}
		if (gen !== generation)
			return;
		if (!session.me) {
			location.replace("#/login" + (path !== "/incidents" ? "?next=" + encodeURIComponent(location.hash) : ""));
			return;
		}
	}
	header(route);
	document.title = "vigil — " + (route ? route.title : "not found");
	const view = h("div", { class: "view" });
	main.setAttribute("aria-busy", "true");
	const flashed = takeFlash();
	if (flashed)
		view.append(note(flashed.text, flashed.kind));
	try {
		if (!route)
			notFound(view, "No page " + path + ".");
		else
			await route.fn(view, params, query);
	} catch (e) {
		if (gen !== generation)
			return;
		if (e.status === 401) {
			location.replace("#/login?next=" + encodeURIComponent(location.hash));
			return;
		}
		if (e.status === 404)
			notFound(view, e.message);
		else
			view.replaceChildren(h("h1", null, "Something went wrong"), note(e.message, "error"));
	}
	if (gen !== generation)
		return;
	main.replaceChildren(view);
	main.removeAttribute("aria-busy");
	const h1 = view.querySelector("h1");
	if (h1 && document.activeElement === document.body) {
		h1.tabIndex = -1;
		h1.focus({ preventScroll: true });
	}
	header(route);
}

setRenderer(render);
window.addEventListener("hashchange", render);
render();
