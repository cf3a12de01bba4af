// desk.cjs - the web desk in a real browser: headless Chromium (Debian's,
// through playwright-core) against a running `vigil web`. run.sh starts the
// server with a desk of sample incidents and passes, in the environment:
//   BASE            http://127.0.0.1:PORT
//   OUT             folder for the screenshots (one per page)
//   CHROMIUM        the browser binary
//   PLAYWRIGHT      the playwright-core module folder
//   ANALYST, SITEUSER, READONLY, PASSWORD   the users made with `vigil web user add`
//   SITE            the site user's site; OTHER_ID an incident of another site;
//   OWN_ID          an incident of its own site; CC_ID the incident the analyst works;
//   XSS_ID          an incident whose subject is markup from outside;
//   LINK_ID         an incident of the same site as CC_ID, to link with it.
// Prints one line a check and "N passed, N failed"; exits non-zero on any failure.

const path = require("path");
const { chromium } = require(process.env.PLAYWRIGHT);

const env = k => {
	if (!process.env[k])
		throw new Error("desk.cjs: " + k + " is not set");
	return process.env[k];
};
const BASE = env("BASE"), OUT = env("OUT"), PASSWORD = env("PASSWORD");
const ANALYST = env("ANALYST"), SITEUSER = env("SITEUSER"), SITE = env("SITE");
const OTHER_ID = env("OTHER_ID"), OWN_ID = env("OWN_ID"), CC_ID = env("CC_ID"), XSS_ID = env("XSS_ID");
const READONLY = env("READONLY"), LINK_ID = env("LINK_ID");

let passed = 0, failed = 0;
function check(name, ok, detail) {
	if (ok) {
		passed++;
		console.log("ok   " + name);
	} else {
		failed++;
		console.log("FAIL " + name + (detail !== undefined ? ": " + detail : ""));
	}
}

async function shot(page, name) {
	// charts are drawn after the first frame: let them settle
	await page.waitForTimeout(300);
	const file = path.join(OUT, name + ".png");
	await page.screenshot({ path: file, fullPage: true });
	console.log("     screenshot " + file);
}

// every form control has a name a screen reader can say
function unlabelled(page) {
	return page.$$eval("#main input, #main select, #main textarea", els => els
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label"))
		.map(e => e.outerHTML.slice(0, 80)));
}

async function h1(page) {
	await page.waitForFunction(() => !document.getElementById("main").hasAttribute("aria-busy")
		&& document.querySelector("#main h1"), null, { timeout: 15000 });
	return (await page.textContent("#main h1")).trim();
}

async function go(page, hash) {
	await page.evaluate(h => { location.hash = h; }, hash);
	await page.waitForFunction(h => location.hash === h, hash);
	return h1(page);
}

async function login(page, user) {
	await page.goto(BASE + "/#/incidents");
	check(user + ": not logged in goes to the login", (await h1(page)).startsWith("Log in"), await page.textContent("#main h1"));
	await page.getByLabel("User").fill(user);
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByRole("button", { name: "Log in" }).click();
	await page.waitForFunction(() => location.hash.startsWith("#/incidents"));
	return h1(page);
}

// fetch from inside the page (its cookie, its origin): {status, body}
function pageFetch(page, method, url, headers, body) {
	return page.evaluate(async ([method, url, headers, body]) => {
		const r = await fetch(url, { method, headers, body, credentials: "same-origin" });
		return { status: r.status, body: await r.text() };
	}, [method, url, headers, body]);
}

async function analyst(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	const errors = [];
	page.on("pageerror", e => errors.push(e.message));
	// the API's 4xx answers the test asks for are logged as "Failed to load resource": not errors of the page
	page.on("console", m => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });

	await page.goto(BASE + "/#/login");
	await h1(page);
	await shot(page, "login");
	// a wrong password is told, not a crash
	await page.getByLabel("User").fill(ANALYST);
	await page.getByLabel("Password").fill("not the password");
	await page.getByRole("button", { name: "Log in" }).click();
	await page.waitForSelector("#main [role=alert]");
	check("wrong password shows an error", /./.test(await page.textContent("#main [role=alert]")));

	check("analyst logs in and sees the queue", (await login(page, ANALYST)) === "Incidents");
	const rows = await page.$$eval("#main table tbody tr", trs => trs.length);
	check("queue lists incidents", rows >= 5, rows + " rows");
	check("queue says how many", /of \d+/.test(await page.textContent("#main .pager")));

	// markup in data is shown as text and never runs
	const xssCell = await page.$$eval("#main table tbody td", tds => tds.map(td => td.textContent).find(t => t.includes("<script>")) || "");
	check("a subject with <script> is shown as text", xssCell.includes("<script>window.__pwned=1</script>"), xssCell);
	check("...and nothing of it ran or became an element", await page.evaluate(() =>
		window.__pwned === undefined && !document.querySelector("#main script, #main img")));
	await shot(page, "queue");
	const ql = await unlabelled(page);
	check("queue: every form control has a label", ql.length === 0, ql.join(" "));

	// paging is done by the server: 4 a page, then the next page
	await go(page, "#/incidents?limit=4");
	const p1 = (await page.textContent("#main .pager span")).trim();
	const total = parseInt(p1.split(" of ")[1] || "0", 10);
	check("queue pages: first page of 4", p1.startsWith("1–4 of ") && total > 8, p1);
	const ids1 = await page.$$eval("#main table tbody tr td:first-child", tds => tds.map(t => t.textContent));
	await page.getByRole("button", { name: "Older ›" }).first().click();
	await page.waitForFunction(() => location.hash.includes("offset=4"));
	await h1(page);
	const p2 = (await page.textContent("#main .pager span")).trim();
	const ids2 = await page.$$eval("#main table tbody tr td:first-child", tds => tds.map(t => t.textContent));
	check("...and the next one", p2 === `5–8 of ${total}` && ids2.length === 4 && !ids2.some(i => ids1.includes(i)), p2 + " " + ids1 + " / " + ids2);
	await go(page, "#/incidents");

	// filters: kind=cc narrows the queue, and is kept in the address
	await page.getByLabel("Kind").selectOption("cc");
	await page.getByRole("button", { name: "Filter" }).click();
	await page.waitForFunction(() => location.hash.includes("kind=cc"));
	await h1(page);
	const kinds = await page.$$eval("#main table tbody tr td:nth-child(3)", tds => tds.map(t => t.textContent));
	check("kind filter keeps only cc", kinds.length >= 1 && kinds.every(k => k === "cc"), kinds.join(","));

	// the incident: take, change state, note; all of it in the audit with the user
	await page.click(`#main a[href="#/incident/${CC_ID}"]`);
	check("incident page opens", (await h1(page)).startsWith(`Incident #${CC_ID}`));
	await page.getByRole("button", { name: "Take" }).click();
	await page.waitForFunction(() => /You own/.test(document.querySelector("#main").textContent));
	const owner = await page.$eval("#main table.fields", t => [...t.rows].find(r => r.cells[0].textContent === "owner").cells[1].textContent);
	check("take makes the analyst the owner", owner === ANALYST, owner);
	await page.getByLabel("Reason for a state change").fill("looked at the beacons");
	await page.getByRole("button", { name: "Open", exact: true }).click();
	await page.waitForFunction(() => /State set to open/.test(document.querySelector("#main").textContent));
	const state = await page.$eval("#main table.fields", t => [...t.rows].find(r => r.cells[0].textContent === "state").cells[1].textContent);
	check("state is now open", state === "open", state);
	await page.getByLabel("Note (internal, for the team)").fill("called the site's security contact");
	await page.getByRole("button", { name: "Add note" }).click();
	await page.waitForFunction(() => /Note added/.test(document.querySelector("#main").textContent));
	const audit = await page.$$eval("#au ~ table tbody tr, section[aria-labelledby=au] table tbody tr",
		trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));
	const mine = audit.filter(r => r.some(c => c.includes(ANALYST)));
	check("audit trail shows the changes with the user's name", mine.length >= 2, JSON.stringify(audit.slice(-4)));
	check("audit trail shows the state change", mine.some(r => r.join(" ").includes("open")), JSON.stringify(mine));
	const notes = await page.textContent("section[aria-labelledby=co]");
	check("note is listed under correspondence", notes.includes("called the site's security contact"));
	await page.getByLabel("Link with incident #").fill(LINK_ID);
	await page.getByRole("button", { name: "Link", exact: true }).click();
	await page.waitForFunction(() => /Linked with incident/.test(document.querySelector("#main").textContent));
	const linked = await page.$eval("#main table.fields", t => [...t.rows].find(r => r.cells[0].textContent === "linked").cells[1].textContent);
	check("link with another incident shows under linked", linked.includes("#" + LINK_ID), linked);
	const cmd = await page.$$eval("#main .command code", cs => cs.map(c => c.textContent));
	check("reproducing vigil flows query is shown", cmd.some(c => c.startsWith("vigil flows")), cmd.join(" | "));
	await page.waitForSelector("section[aria-labelledby=tl] .uplot, section[aria-labelledby=tl] .msg", { timeout: 15000 });
	check("timeline chart of the host is drawn", !!(await page.$("section[aria-labelledby=tl] .uplot canvas")));
	const axes = await page.textContent("section[aria-labelledby=tl] .uplot");
	check("chart axes say UTC and the units", axes.includes("UTC") && axes.includes("bytes/s") && axes.includes("flows"), axes.slice(0, 200));
	await shot(page, "incident");
	const il = await unlabelled(page);
	check("incident: every form control has a label", il.length === 0, il.join(" "));

	// a refused transition is shown, not swallowed (open -> open is no change, new is not a target)
	const refused = await pageFetch(page, "POST", `/api/v1/incidents/${CC_ID}/state`,
		{ "Content-Type": "application/json", "X-CSRF-Token": await page.evaluate(async () => (await (await fetch("/api/v1/me")).json()).csrf) },
		JSON.stringify({ state: "new" }));
	check("a workflow the desk refuses answers 409", refused.status === 409, refused.status + " " + refused.body);

	// a forged POST: the cookie goes along, the CSRF token does not
	const forged = await pageFetch(page, "POST", `/api/v1/incidents/${CC_ID}/state`,
		{ "Content-Type": "application/json" }, JSON.stringify({ state: "rejected", why: "forged" }));
	check("POST without the CSRF token is refused with 403", forged.status === 403, forged.status + " " + forged.body);
	const wrong = await pageFetch(page, "POST", `/api/v1/incidents/${CC_ID}/notes`,
		{ "Content-Type": "application/json", "X-CSRF-Token": "0123456789abcdef" }, JSON.stringify({ text: "forged" }));
	check("POST with a wrong CSRF token is refused with 403", wrong.status === 403, wrong.status + " " + wrong.body);
	await go(page, `#/incident/${CC_ID}`);
	const st2 = await page.$eval("#main table.fields", t => [...t.rows].find(r => r.cells[0].textContent === "state").cells[1].textContent);
	check("...and changed nothing", st2 === "open", st2);

	await go(page, `#/incident/${XSS_ID}`);
	check("incident with markup in its subject shows it as text",
		(await page.textContent("#main h1")).includes("<script>") && await page.evaluate(() => window.__pwned === undefined));

	await go(page, `#/incident/${CC_ID}`);
	const host = await page.$eval("#main table.fields", t => [...t.rows].find(r => r.cells[0].textContent === "host").cells[1].textContent);
	await page.click(`#main table.fields a[href^="#/host/"]`);
	check("host page opens from the incident", (await h1(page)) === "Host " + host.replace(/^-$/, ""));
	await page.waitForSelector("section[aria-labelledby=ht] .uplot, section[aria-labelledby=ht] .msg", { timeout: 15000 });
	check("host page has whois and its incidents",
		(await page.textContent("section[aria-labelledby=wh]")).includes("site") &&
		(await page.$$("section[aria-labelledby=hi] tbody a[href^='#/incident/']")).length >= 1);
	check("host page draws its traffic", !!(await page.$("section[aria-labelledby=ht] .uplot canvas")));
	await shot(page, "host");

	check("sites page", (await go(page, "#/sites")) === "Sites");
	await shot(page, "sites");
	await page.click(`#main a[href="#/site/${encodeURIComponent(SITE)}"]`);
	check("site page opens", (await h1(page)) === "Site " + SITE);
	await page.waitForSelector("section[aria-labelledby=sd] .uplot, section[aria-labelledby=sd] .msg", { timeout: 15000 });
	check("site page charts its incidents by day", !!(await page.$("section[aria-labelledby=sd] .uplot canvas")));
	await shot(page, "site");

	check("reports page", (await go(page, "#/reports")) === "Reports");
	const subjects = await page.$$eval("#main table tbody tr td:nth-child(4)", tds => tds.map(t => t.textContent));
	check("reports list the received mails", subjects.length >= 2, subjects.join(" | "));
	check("a mail's subject with <script> is shown as text and does not run",
		subjects.some(s => s.startsWith("<script>window.__pwned=3</script>Port scanning from <b>your</b>")) &&
		await page.evaluate(() => window.__pwned === undefined && !document.querySelector("#main script, #main b")), subjects.join(" | "));
	await shot(page, "reports");
	await page.click("#main table tbody tr:last-child a[href^='#/report/']");
	check("report page opens", (await h1(page)).startsWith("Report #"));
	const raw = await page.textContent("#main pre.raw");
	check("report shows the mail as received, as text", raw.includes("Subject:") && raw.includes("445/tcp"), raw.slice(0, 200));
	await shot(page, "report");
	check("blocks page", (await go(page, "#/blocks")) === "Blocks");
	const blocks = await page.$$eval("#main table tbody tr td:nth-child(3)", tds => tds.map(t => t.textContent));
	check("blocks list the active block", blocks.includes("10.10.4.44/32"), blocks.join(","));
	await shot(page, "blocks");
	check("notices page", (await go(page, "#/notices")) === "Notices");
	await shot(page, "notices");
	check("an unknown page says not found", (await go(page, "#/nothing/here")) === "Not found");

	check("no script errors in the analyst's pages", errors.length === 0, errors.join(" | "));
	await page.click("#logout");
	await page.waitForFunction(() => location.hash.startsWith("#/login"));
	const after = await pageFetch(page, "GET", "/api/v1/me", {});
	check("logged out: /api/v1/me is 401", after.status === 401, after.status);
	await ctx.close();
}

async function siteContact(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	check("site contact logs in", (await login(page, SITEUSER)) === "Incidents");
	const sites = await page.$$eval("#main table tbody tr td:nth-child(4)", tds => tds.map(t => t.textContent));
	check("site contact's queue holds only its site", sites.length >= 1 && sites.every(s => s === SITE), sites.join(","));
	await shot(page, "queue-site-contact");

	check("its own incident opens", (await go(page, `#/incident/${OWN_ID}`)).startsWith(`Incident #${OWN_ID}`));
	check("...with a note form and no state buttons (the team changes state)",
		!!(await page.$("#wf-note")) && !(await page.$("button[data-action=take], button[data-state]")));
	await page.getByLabel("Note to the team").fill("host reimaged by riverside IT");
	await page.getByRole("button", { name: "Add note" }).click();
	await page.waitForFunction(() => /Note added/.test(document.querySelector("#main").textContent));
	const sn = await page.textContent("section[aria-labelledby=co]");
	check("...its note is listed with its name", sn.includes("host reimaged by riverside IT") && sn.includes(SITEUSER), sn.slice(0, 300));
	await shot(page, "incident-site-contact");
	const csrf = await page.evaluate(async () => (await (await fetch("/api/v1/me")).json()).csrf);
	const st = await pageFetch(page, "POST", `/api/v1/incidents/${OWN_ID}/state`,
		{ "Content-Type": "application/json", "X-CSRF-Token": csrf }, JSON.stringify({ state: "resolved" }));
	check("...a state change by the site contact is refused with 403", st.status === 403, st.status + " " + st.body);
	const ot = await pageFetch(page, "POST", `/api/v1/incidents/${OTHER_ID}/notes`,
		{ "Content-Type": "application/json", "X-CSRF-Token": csrf }, JSON.stringify({ text: "not mine" }));
	check("...a note on another site's incident answers 404", ot.status === 404, ot.status + " " + ot.body);
	const t = await go(page, `#/incident/${OTHER_ID}`);
	check("another site's incident by URL shows not found", t === "Not found", t);
	check("...and none of its data", !(await page.textContent("#main")).includes("exchanged traffic"));
	await shot(page, "not-found-site-contact");
	const api = await pageFetch(page, "GET", `/api/v1/incidents/${OTHER_ID}`, {});
	check("another site's incident by API answers 404", api.status === 404, api.status + " " + api.body);
	const missing = await pageFetch(page, "GET", `/api/v1/incidents/999999`, {});
	check("...the same as a missing one", missing.status === 404 &&
		JSON.parse(api.body).error.message.replace(OTHER_ID, "N") === JSON.parse(missing.body).error.message.replace("999999", "N"),
	api.body + " vs " + missing.body);
	await ctx.close();
}

async function readOnly(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	check("read-only user logs in", (await login(page, READONLY)) === "Incidents");
	check("...opens an incident", (await go(page, `#/incident/${CC_ID}`)).startsWith(`Incident #${CC_ID}`));
	check("...is told it cannot change it and gets no workflow buttons",
		(await page.textContent("section[aria-labelledby=wf]")).includes("read-only") &&
		!(await page.$("button[data-action=take], button[data-state]")));
	const csrf = await page.evaluate(async () => (await (await fetch("/api/v1/me")).json()).csrf);
	const r = await pageFetch(page, "POST", `/api/v1/incidents/${CC_ID}/take`,
		{ "Content-Type": "application/json", "X-CSRF-Token": csrf }, "{}");
	check("...and a POST with its CSRF token is still refused with 403", r.status === 403, r.status + " " + r.body);
	await ctx.close();
}

(async () => {
	const browser = await chromium.launch({
		executablePath: env("CHROMIUM"), headless: true,
		args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
	});
	try {
		await analyst(browser);
		await siteContact(browser);
		await readOnly(browser);
	} catch (e) {
		check("browser run finished", false, e.stack || e.message);
	} finally {
		await browser.close();
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
})();
