// sentinel-guard dashboard: polls the service's JSON API and renders it.
// Every value from the audit trail is untrusted (agents and attackers write it): it is only ever
// put into the page with textContent, never innerHTML.
"use strict";

const KEY_STORE = "sentinel-guard.api-key";
const POLL_MS = 2000;
let lastSeenId = 0;

function apiKey() { return sessionStorage.getItem(KEY_STORE) || ""; }

async function api(path, options = {}) {
  const headers = Object.assign({ "Content-Type": "application/json" }, options.headers || {});
  if (apiKey()) headers.Authorization = "Bearer " + apiKey();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const detail = body && (body.message || body.detail || body.error);
    const err = new Error(typeof detail === "string" ? detail : "HTTP " + response.status);
    err.status = response.status;
    throw err;
  }
  return body;
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.appendChild(child);
  return node;
}

function badge(decision) { return el("span", { class: "badge " + decision, text: decision }); }

function summary(args) {
  if (args && typeof args === "object") {
    for (const key of ["command", "cmd", "sql", "query", "url", "path"]) {
      if (typeof args[key] === "string") return args[key];
    }
  }
  return JSON.stringify(args);
}

// Every argument of an escalated call, in order: a reviewer must see the recipient of a transfer
// as well as its amount before approving. Values are already redacted by the service.
function argumentList(args) {
  const list = el("dl", { class: "what" });
  if (!args || typeof args !== "object" || Array.isArray(args)) {
    list.appendChild(el("dd", { text: JSON.stringify(args) }));
    return list;
  }
  const keys = Object.keys(args);
  if (keys.length === 0) list.appendChild(el("dd", { class: "muted", text: "(no arguments)" }));
  for (const key of keys) {
    const value = args[key];
    list.appendChild(el("dt", { text: key }));
    list.appendChild(el("dd", { text: typeof value === "string" ? value : JSON.stringify(value) }));
  }
  return list;
}

function setStatus(ok, text) {
  const status = document.getElementById("status");
  status.className = "status " + (ok ? "ok" : "err");
  document.getElementById("status-text").textContent = text;
}

function renderStats(s) {
  document.getElementById("stat-total").textContent = s.total.toLocaleString();
  for (const d of ["approve", "flag", "block", "escalate"]) {
    document.getElementById("stat-" + d).textContent = (s.by_decision[d] || 0).toLocaleString();
  }
  document.getElementById("stat-shield").textContent = s.shield_trips.toLocaleString();
  const lat = s.latency_ms;
  const ms = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0));
  document.getElementById("stat-latency").textContent =
    lat.p50 === null ? "–" : ms(lat.p50) + " / " + ms(lat.p99) + " ms";
}

function renderStream(records) {
  const body = document.getElementById("stream");
  body.replaceChildren();
  let newest = lastSeenId;
  for (const r of records) {
    const time = new Date(r.ts * 1000).toLocaleTimeString([], { hour12: false });
    const call = summary(r.args);
    const row = el("tr", { "data-id": String(r.id), "data-decision": r.decision }, [
      el("td", { class: "muted", text: String(r.id) }),
      el("td", { class: "muted", text: time }),
      el("td", { text: r.tool }),
      el("td", { class: "call", text: call, title: r.justification }),
      el("td", {}, r.status && r.status !== "pending"
        ? [badge(r.decision), el("span", { text: " " }), badge(r.status)] : [badge(r.decision)]),
      el("td", { text: (r.rules || []).join(", ") || "—", title: (r.rules || []).join(", ") }),
      el("td", { class: "muted", text: r.decided_by }),
    ]);
    if (lastSeenId && r.id > lastSeenId) row.classList.add("fresh");
    newest = Math.max(newest, r.id);
    body.appendChild(row);
  }
  lastSeenId = newest;
  document.getElementById("stream-empty").hidden = records.length > 0;
}

function renderEscalations(items) {
  const list = document.getElementById("escalations");
  list.replaceChildren();
  for (const e of items) {
    const approve = el("button", { class: "approve", type: "button", text: "Approve" });
    const deny = el("button", { class: "deny", type: "button", text: "Deny" });
    approve.addEventListener("click", () => decide(e.id, true, [approve, deny]));
    deny.addEventListener("click", () => decide(e.id, false, [approve, deny]));
    list.appendChild(el("li", { "data-id": String(e.id) }, [
      el("div", {}, [badge("escalate"), el("span", { class: "muted", text: "  #" + e.id + " · " + e.tool })]),
      argumentList(e.args),
      el("div", { class: "why", text: e.justification }),
      el("div", { class: "actions" }, [approve, deny]),
    ]));
  }
  document.getElementById("pending-count").textContent = String(items.length);
  document.getElementById("escalations-empty").hidden = items.length > 0;
}

async function decide(id, approve, buttons) {
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await api("/v1/escalations/" + id, { method: "POST", body: JSON.stringify({ approve }) });
  } catch (err) {
    setStatus(false, "could not resolve #" + id + ": " + err.message);
  }
  await refresh();
}

async function refresh() {
  try {
    const [stats, audit, pending] = await Promise.all([
      api("/v1/stats"), api("/v1/audit?limit=50"), api("/v1/escalations?limit=50"),
    ]);
    renderStats(stats);
    renderStream(audit.records);
    renderEscalations(pending.pending);
    setStatus(true, "live · " + new Date().toLocaleTimeString());
  } catch (err) {
    if (err.status === 401) setStatus(false, "API key required — enter it above");
    else if (err.status === 403) setStatus(false, "this key cannot review: enter a reviewer key (--reviewer-key)");
    else setStatus(false, "offline: " + err.message);
  }
}

async function tryCall(event) {
  event.preventDefault();
  const result = document.getElementById("try-result");
  result.hidden = false;
  result.className = "result";
  let args;
  try {
    args = JSON.parse(document.getElementById("try-args").value || "{}");
    if (!args || typeof args !== "object" || Array.isArray(args)) throw new Error("arguments must be a JSON object");
  } catch (err) {
    result.className = "result error";
    result.textContent = "Invalid arguments: " + err.message;
    return;
  }
  const payload = { tool: document.getElementById("try-tool").value, args };
  const context = document.getElementById("try-context").value.trim();
  if (context) payload.context = context;
  try {
    const v = await api("/v1/oversee", { method: "POST", body: JSON.stringify(payload) });
    result.replaceChildren(
      el("div", {}, [badge(v.decision), el("span", { class: "muted", text: "  #" + v.id + " · " + v.severity +
        " · " + v.decided_by + " · " + v.latency_ms.toFixed(2) + " ms" })]),
      el("div", { class: "why", text: v.justification }),
      el("div", { class: "muted", text: v.rules.length ? "rules: " + v.rules.join(", ") : "no rule fired" }),
    );
    result.setAttribute("data-decision", v.decision);
  } catch (err) {
    result.className = "result error";
    result.textContent = err.message;
  }
  await refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("api-key").value = apiKey();
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, document.getElementById("api-key").value.trim());
    refresh();
  });
  document.getElementById("try-form").addEventListener("submit", tryCall);
  refresh();
  setInterval(refresh, POLL_MS);
});
