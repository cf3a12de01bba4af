// api.js - the page's one door to the server's JSON API (/api/v1, see
// docs/internals/web.md). Keeps who is logged in and the session's CSRF token,
// sends the token on every state-changing request, and turns the server's
// {"error":{"status","message"}} into an ApiError the pages can show.

export const BASE = "/api/v1";

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

// Who is logged in: {user, role, sites, csrf} or null.
export const session = { me: null };

async function call(method, path, body) {
	const headers = { Accept: "application/json" };
	const opts = { method, headers, credentials: "same-origin" };
	if (body !== undefined) {
		headers["Content-Type"] = "application/json";
		opts.body = JSON.stringify(body);
	}
	if (method !== "GET" && session.me && session.me.csrf)
		headers["X-CSRF-Token"] = session.me.csrf;
	let res;
	try {
		res = await fetch(BASE + path, opts);
	} catch (e) {
		throw new ApiError(0, "the server cannot be reached (" + e.message + ")");
	}
	let data = null;
	const text = await res.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			throw new ApiError(res.status, "the server answered something that is not JSON (HTTP " + res.status + ")");
		}
	}
	if (!res.ok) {
		const msg = data && data.error && data.error.message ? data.error.message : "HTTP " + res.status;
		if (res.status === 401 && path !== "/login")
			session.me = null;
		throw new ApiError(res.status, msg);
	}
	return data;
}

export const get = path => call("GET", path);
export const post = (path, body = {}) => call("POST", path, body);

// "?a=1&b=2" from an object, leaving out empty values.
export function qs(params) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== "")
			p.set(k, String(v));
	const s = p.toString();
	return s ? "?" + s : "";
}

// Path segment for an address or a name.
export const seg = s => encodeURIComponent(String(s));

export async function whoami() {
	try {
		session.me = await get("/me");
	} catch (e) {
		if (e.status !== 401)
			throw e;
		session.me = null;
	}
	return session.me;
}

export async function login(user, password) {
	session.me = await post("/login", { user, password });
	return session.me;
}

export async function logout() {
	try {
		await post("/logout");
	} finally {
		session.me = null;
	}
}
