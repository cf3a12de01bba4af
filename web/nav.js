// nav.js - moving between views: go() changes the address (hash routing),
// and reloads the view when the address is already the one asked for.
// A flash message survives exactly one render (e.g. "state set to open").

let renderFn = null;
let flashMsg = null;

export function setRenderer(fn) {
	renderFn = fn;
}

export function go(hash) {
	if (location.hash === hash && renderFn)
		renderFn();
	else
		location.hash = hash;
}

export function reload() {
	if (renderFn)
		renderFn();
}

export function flash(text, kind = "status") {
	flashMsg = { text, kind };
}

export function takeFlash() {
	const f = flashMsg;
	flashMsg = null;
	return f;
}
