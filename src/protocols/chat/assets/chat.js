// pforkd chat: post messages and follow the room with a long poll.
"use strict";

(() => {
	const RETRY_MIN_MS = 500;
	const RETRY_MAX_MS = 30000;
	const POLL_TIMEOUT_MS = 60000;	// the server answers within ~25 s
	const POST_TIMEOUT_MS = 15000;
	const HELD_MS = 2000;

	const inbox = document.getElementById("inbox");
	const form = document.getElementById("messageform");
	const input = document.getElementById("message");
	const button = form.querySelector("button");
	const statusBar = document.getElementById("status");
	const notice = document.getElementById("notice");
	let cursor = "";
	let sending = false;

	// An HTTP answer other than 200.
	class HttpError extends Error {
		constructor(status) {
			super(`HTTP ${status}`);
			this.status = status;
		}
	}

	// The XSRF token: the whole value of the last _xsrf cookie (the one
	// the server reads), unquoted, else the one the page carries.  It may
	// be another application's, such as Tornado's "2|mask|token|time".
	function xsrfToken() {
		let token = "";
		for (const pair of document.cookie.split(";")) {
			const equals = pair.indexOf("=");
			if (equals !== -1 &&
			    pair.slice(0, equals).trim() === "_xsrf")
				token = pair.slice(equals + 1).trim();
		}
		if (token.length >= 2 && token.startsWith("\"") &&
		    token.endsWith("\""))
			token = token.slice(1, -1);
		return token !== "" ? token :
		    form.elements.namedItem("_xsrf").value;
	}

	// POST fields as a form; the parsed JSON reply, or throw.
	async function postForm(path, fields, timeoutMs) {
		const body = new URLSearchParams(fields);
		body.set("_xsrf", xsrfToken());
		const abort = new AbortController();
		const timer = setTimeout(() => abort.abort(), timeoutMs);
		try {
			const response = await fetch(path, {
				method: "POST",
				headers: { "Content-Type":
				    "application/x-www-form-urlencoded" },
				body: body.toString(),
				credentials: "same-origin",
				cache: "no-store",
				signal: abort.signal,
			});
			if (!response.ok)
				throw new HttpError(response.status);
			const reply = await response.json();
			if (reply === null || typeof reply !== "object")
				throw new SyntaxError("not a JSON object");
			return reply;
		} finally {
			clearTimeout(timer);
		}
	}

	// What went wrong, in words a person can act on.
	function describe(error) {
		if (error instanceof HttpError) {
			if (error.status === 403)
				return "Session expired — reload the page";
			if (error.status === 413)
				return "Message too long";
			if (error.status === 503)
				return "Server busy";
			return `Server error (${error.message})`;
		}
		if (error instanceof SyntaxError)
			return "Unexpected reply from the server";
		return "Server unreachable";
	}

	// Show text in a banner, or hide the banner when text is empty.
	function show(banner, text) {
		banner.textContent = text;
		banner.hidden = text === "";
	}

	// Add a message unless its element is already there; before the
	// node `before`, or at the end.  Returns the message's element.
	function addMessage(message, before = null) {
		if (typeof message.id !== "string" ||
		    typeof message.html !== "string")
			throw new SyntaxError("message without id or html");
		const present = document.getElementById(`m${message.id}`);
		if (present)
			return present;
		const template = document.createElement("template");
		template.innerHTML = message.html;
		const first = template.content.firstElementChild;
		inbox.insertBefore(template.content, before);
		return first;
	}

	// Add a batch (oldest first), keeping the server's order around
	// messages this page already had, and follow the newest.
	function addMessages(messages) {
		if (!Array.isArray(messages))
			throw new SyntaxError("messages is not a list");
		let next = null;
		for (let i = messages.length - 1; i >= 0; i--)
			next = addMessage(messages[i], next) || next;
		if (messages.length > 0)
			cursor = messages[messages.length - 1].id;
		scrollToNewest();
	}

	// Scroll the inbox to its last message.
	function scrollToNewest() {
		inbox.scrollTop = inbox.scrollHeight;
	}

	// Wait ms, counting down in the status banner.
	function countdown(reason, ms) {
		return new Promise((resolve) => {
			const end = Date.now() + ms;
			const tick = () => {
				const left = end - Date.now();
				if (left <= 0) {
					clearInterval(timer);
					resolve();
					return;
				}
				const seconds = Math.ceil(left / 1000);
				show(statusBar,
				    `${reason} — retrying in ${seconds} s`);
			};
			const timer = setInterval(tick, 250);
			tick();
		});
	}

	// The long poll: ask for what is newer than the cursor, forever.
	// A poll the server has held for HELD_MS means it is reachable.
	async function poll() {
		let delay = RETRY_MIN_MS;
		for (;;) {
			const held = setTimeout(() => show(statusBar, ""),
			    HELD_MS);
			try {
				const fields = cursor === "" ? {} : { cursor };
				const reply = await postForm(
				    "/a/message/updates", fields,
				    POLL_TIMEOUT_MS);
				// {} means the server's wait ran out.
				if ("messages" in reply)
					addMessages(reply.messages);
			} catch (error) {
				clearTimeout(held);
				const reason = describe(error);
				await countdown(reason, delay);
				show(statusBar, reason + " — reconnecting…");
				delay = Math.min(delay * 2, RETRY_MAX_MS);
				continue;
			}
			clearTimeout(held);
			delay = RETRY_MIN_MS;
			show(statusBar, "");
		}
	}

	// Send the input's text; clear it only once the server took it.
	async function send(event) {
		event.preventDefault();
		const text = input.value;
		if (sending || text.trim() === "") {
			input.focus();
			return;
		}
		sending = true;
		button.disabled = true;
		try {
			const message = await postForm("/a/message/new",
			    { body: text }, POST_TIMEOUT_MS);
			addMessage(message);
			scrollToNewest();
			show(notice, "");
			if (input.value === text)
				input.value = "";
		} catch (error) {
			show(notice, `Not sent: ${describe(error)}.`);
		} finally {
			sending = false;
			button.disabled = false;
			input.focus();
		}
	}

	const rendered = inbox.querySelectorAll(".message");
	if (rendered.length > 0)
		cursor = rendered[rendered.length - 1].id.replace(/^m/, "");
	form.addEventListener("submit", send);
	input.addEventListener("input", () => show(notice, ""));
	scrollToNewest();
	poll();
})();
