// dom.js - building the page from data without ever parsing data as HTML.
// Every string that came from the server (reports come from outside) goes in
// as a text node or an attribute value; nothing here touches innerHTML.

// h("a", {href: "#/x", class: "c"}, "text", child...) -> an element.
// Attributes starting with "on" are event listeners; null/false children are dropped.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k.startsWith("on") && typeof v === "function")
			el.addEventListener(k.slice(2), v);
		else if (k === "dataset")
			Object.assign(el.dataset, v);
		else
			el.setAttribute(k, v === true ? "" : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

// A <table> with a caption, header cells and one row per item.
// cols: [{label, cell: item => Node|string, num: bool}]
export function table(caption, cols, items, empty = "none") {
	const head = h("tr", null, cols.map(c => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)));
	const rows = items.length
		? items.map(it => h("tr", null, cols.map(c => h("td", { class: c.num ? "num" : null }, c.cell(it)))))
		: [h("tr", null, h("td", { colspan: cols.length, class: "empty" }, empty))];
	// in a box that scrolls sideways, so a wide table never pushes the page past the window
	return h("div", { class: "table-wrap" },
		h("table", null, caption ? h("caption", null, caption) : null, h("thead", null, head), h("tbody", null, rows)));
}

// A two-column table of fields: [[label, value], ...].
export function fields(caption, pairs) {
	return h("table", { class: "fields" }, caption ? h("caption", null, caption) : null,
		h("tbody", null, pairs.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", null, v)))));
}

export function link(href, text) {
	return h("a", { href }, text);
}

// Times: RFC 3339 strings or ms since the epoch, shown in UTC and saying so.
export function utc(t) {
	if (t === null || t === undefined || t === "")
		return "-";
	const d = typeof t === "number" ? new Date(t) : new Date(t);
	if (Number.isNaN(d.getTime()))
		return String(t);
	return d.toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "").replace(/\.\d+$/, "") + " UTC";
}

// 1234567 -> "1.2 MB" (decimal units, as nfdump prints them).
export function bytes(n) {
	if (n === null || n === undefined)
		return "-";
	const u = ["B", "kB", "MB", "GB", "TB"];
	let i = 0, v = Number(n);
	while (Math.abs(v) >= 1000 && i < u.length - 1) {
		v /= 1000;
		i++;
	}
	return (i ? v.toFixed(1) : String(v)) + " " + u[i];
}

export function num(n) {
	return n === null || n === undefined ? "-" : Number(n).toLocaleString("en");
}

// Replace the contents of el with the given nodes.
export function put(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// A status line (role=status) or an error (role=alert) for a person.
export function note(text, kind = "status") {
	return h("p", { class: "msg " + kind, role: kind === "error" ? "alert" : "status" }, text);
}
