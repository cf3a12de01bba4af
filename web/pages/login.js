// pages/login.js - the login form (#/login). On success the session cookie
// is set by the server (HttpOnly) and the page keeps only the CSRF token.

import { h, note } from "../dom.js";
import { login } from "../api.js";
import { go } from "../nav.js";

export async function render(main, params, query) {
	const msg = h("div", { class: "messages" });
	const user = h("input", { id: "login-user", name: "user", type: "text", autocomplete: "username", required: true, autofocus: true });
	const pass = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
	const button = h("button", { type: "submit" }, "Log in");
	const form = h("form", { class: "login", "aria-labelledby": "login-h", onsubmit: async ev => {
		ev.preventDefault();
		msg.replaceChildren();
		button.disabled = true;
		try {
			await login(user.value.trim(), pass.value);
			const next = query.get("next");
			go(next && next.startsWith("#/") && !next.startsWith("#/login") ? next : "#/incidents");
		} catch (e) {
			msg.append(note(e.status === 429 ? "Too many attempts: " + e.message : e.message, "error"));
			pass.value = "";
			pass.focus();
		} finally {
			button.disabled = false;
		}
	} },
	h("h1", { id: "login-h" }, "Log in to the vigil desk"),
	msg,
	h("div", { class: "field" }, h("label", { for: "login-user" }, "User"), user),
	h("div", { class: "field" }, h("label", { for: "login-password" }, "Password"), pass),
	button);
	main.append(form);
	user.focus();
}
