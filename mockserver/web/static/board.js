// The presence board: plain JavaScript, no build step, nothing from a CDN.
//
// Rows come a page at a time from /_mock/board/extensions (never the whole account: 100,000
// cards would not stay usable); presence changes arrive on the gateway's Server-Sent Events
// stream (/_mock/stream, one `presence` event per logged change) and are applied to the cards
// on screen once per animation frame. Without a gateway (flask run, in-process) the page reads
// its rows again every two seconds.

const prefix = document.body.dataset.prefix || "/_mock";
const board = `${prefix}/board`;
const $ = (id) => document.getElementById(id);

// A bearer for `--controls token`, given in the address's fragment (#token=...): the fragment is
// never sent to the server, so it stays out of logs and journals.
const token = new URLSearchParams(location.hash.slice(1)).get("token");

const state = {
  setup: null,
  rows: new Map(), // extension ID -> row, for the cards on screen
  cards: new Map(), // extension ID -> <li>
  paging: { page: 1, totalPages: 0, totalElements: 0, perPage: 60 },
  clockOffset: 0, // the emulator's clock minus this browser's, in ms
  pending: new Map(), // extension ID -> presence body waiting for the next frame
  stale: new Set(), // extension IDs an event touched, to read again
  scheduled: false,
  position: null, // the last stream position applied
  source: null,
  requestsAfter: "",
  editing: null, // the extension ID in the editor
  loadSerial: 0,
};

// Measurements for docs/board.md (read by the browser tests, never asserted on).
const stats = { applied: 0, received: 0, frames: 0, lastApplyMs: 0, maxApplyMs: 0 };
window.presenceBoard = { state, stats, apply: (event) => receive(event) };

async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (token && path.startsWith(prefix)) headers.Authorization = `Bearer ${token}`;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const answer = await fetch(path, { ...options, headers });
  const text = await answer.text();
  const body = text ? JSON.parse(text) : null;
  if (!answer.ok) {
    const item = body && body.errors && body.errors[0];
    throw new Error(item ? `${item.errorCode}: ${item.message}` : `HTTP ${answer.status}`);
  }
  return body;
}

// -- filters, kept in the address so a view can be bookmarked or shared ------------------------
const FILTERS = ["search", "type", "status", "telephony", "queue", "perPage"];

function filtersFromAddress() {
  const query = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value !== null) $(name).value = value;
  }
  const page = Number(query.get("page"));
  state.paging.page = Number.isInteger(page) && page > 0 ? page : 1;
}

function filterQuery() {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = $(name).value.trim();
    if (value && !(name === "perPage" && value === "60")) query.set(name, value);
  }
  if (state.paging.page > 1) query.set("page", String(state.paging.page));
  return query;
}

function presenceFiltered() {
  return Boolean($("status").value || $("telephony").value);
}

function fillSelect(select, values, label = (v) => v) {
  for (const value of values) {
    const option = document.createElement("option");
    option.value = typeof value === "object" ? String(value.id) : value;
    option.textContent = typeof value === "object" ? label(value) : label(value);
    select.append(option);
  }
}

// -- loading a page of rows ----------------------------------------------------------------------
async function load({ quiet = false } = {}) {
  const serial = ++state.loadSerial;
  const query = filterQuery();
  const asked = new URLSearchParams(query);
  if (state.setup) asked.set("account", String(state.setup.account.id));
  if (state.setup && state.setup.account.id !== state.setup.accounts[0].id) {
    query.set("account", String(state.setup.account.id));
  }
  history.replaceState(null, "", `${location.pathname}${query.size ? `?${query}` : ""}${location.hash}`);
  let body;
  try {
    body = await api(`${board}/extensions?${asked}`);
  } catch (error) {
    $("summary").textContent = `Could not load the extensions: ${error.message}`;
    loadingDone();
    return;
  }
  if (serial !== state.loadSerial) return; // a newer load is under way
  loadingDone();
  state.clockOffset = body.now - Date.now();
  state.paging = body.paging;
  if (quiet) {
    patchAll(body.records);
  } else {
    renderAll(body.records);
  }
  summarize();
  performance.mark("board:rows");
}

// The loading state (decision BOARD-41): the page says "Loading the extensions…" until the
// first page of rows (or the reason there is none) arrives.
function loadingDone() {
  $("loading").hidden = true;
  $("cards").removeAttribute("aria-busy");
}

function renderAll(records) {
  state.rows.clear();
  state.cards.clear();
  const fragment = document.createDocumentFragment();
  for (const row of records) {
    state.rows.set(row.id, row);
    const card = cardFor(row);
    state.cards.set(row.id, card);
    fragment.append(card);
  }
  $("cards").replaceChildren(fragment);
}

function patchAll(records) {
  // The same extensions in the same order: only changed cards are redrawn (the polling mode).
  const same =
    records.length === state.rows.size && records.every((row) => state.rows.has(row.id));
  if (!same) {
    renderAll(records);
    return;
  }
  for (const row of records) {
    const old = state.rows.get(row.id);
    if (JSON.stringify(old.presence) !== JSON.stringify(row.presence)) {
      state.rows.set(row.id, row);
      fillCard(state.cards.get(row.id), row, true);
    }
  }
}

function summarize() {
  const { page, perPage, totalElements, totalPages } = state.paging;
  const first = totalElements ? (page - 1) * perPage + 1 : 0;
  const last = Math.min(page * perPage, totalElements);
  $("summary").textContent = totalElements
    ? `Showing ${first.toLocaleString()}–${last.toLocaleString()} of ${totalElements.toLocaleString()} extensions`
    : "No extension matches these filters.";
  $("page-of").textContent = `Page ${page.toLocaleString()} of ${Math.max(totalPages, 1).toLocaleString()}`;
  $("prev").disabled = page <= 1;
  $("next").disabled = page >= totalPages;
}

// -- cards ----------------------------------------------------------------------------------------
const template = $("card-template");
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");

function cardFor(row) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.id = String(row.id);
  fillCard(card, row, false);
  return card;
}

function otherParty(call) {
  const inbound = call.direction === "Inbound";
  const name = inbound ? call.fromName : call.toName;
  const number = inbound ? call.from : call.to;
  return [name, number].filter(Boolean).join(" ") || "unknown";
}

function mainCall(calls) {
  const rank = { CallConnected: 4, OnHold: 3, Ringing: 2, ParkedCall: 1 };
  return [...calls].sort((a, b) => (rank[b.telephonyStatus] || 0) - (rank[a.telephonyStatus] || 0))[0];
}

function fillCard(card, row, flash) {
  const p = row.presence || {};
  const isUser = row.type === "User";
  const presence = p.presenceStatus || "Offline";
  const telephony = p.telephonyStatus || "NoCall";
  card.dataset.presence = presence;
  card.dataset.telephony = telephony;
  card.dataset.type = row.type;
  const open = card.querySelector(".open");
  open.textContent = row.name;
  open.setAttribute("aria-label", `${row.name}, extension ${row.extensionNumber}: change`);
  const badge = card.querySelector(".badge.presence");
  badge.textContent = presence;
  badge.dataset.value = presence;
  card.querySelector(".sub").textContent =
    `Ext. ${row.extensionNumber} · ${row.type}${row.status !== "Enabled" ? ` · ${row.status}` : ""}`;

  const facts = [];
  if (isUser) {
    facts.push(["Status", p.userStatus || "—"]);
    facts.push(["DND", p.dndStatus || "—", p.dndStatus === "DoNotAcceptAnyCalls" ? "dnd" : null]);
    const calls = p.activeCalls || [];
    if (telephony !== "NoCall" && calls.length) {
      const call = mainCall(calls);
      const more = calls.length > 1 ? ` (+${calls.length - 1} more)` : "";
      facts.push(["Phone", callText(call) + more, telephony === "Ringing" ? "ringing" : "call", call]);
    } else {
      facts.push(["Phone", telephony]);
    }
    if (p.meetingStatus) facts.push(["Meeting", p.meetingStatus, p.meetingStatus === "Connected" ? "meeting" : null]);
    if (p.message) facts.push(["Message", p.message]);
    if (row.queues.length) facts.push(["Queues", row.queues.map((q) => q.name).join(", ")]);
  } else if (row.members) {
    facts.push(["Members", String(row.members)]);
  }
  const list = card.querySelector(".facts");
  const fragment = document.createDocumentFragment();
  for (const [term, value, badgeClass, call] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    if (badgeClass) {
      const span = document.createElement("span");
      span.className = `badge ${badgeClass}`;
      span.textContent = term === "Phone" ? telephony : value;
      dd.append(span, " ");
      if (term === "Phone") dd.append(value);
    } else {
      dd.textContent = value;
    }
    if (call && call.startTime) {
      const time = document.createElement("time");
      time.dateTime = call.startTime;
      time.dataset.start = String(Date.parse(call.startTime));
      time.textContent = duration(Number(time.dataset.start));
      dd.append(" · ", time);
    }
    fragment.append(dt, dd);
  }
  list.replaceChildren(fragment);

  const quick = card.querySelector(".quick");
  quick.replaceChildren();
  if (isUser && state.setup && state.setup.calls) {
    const ring = document.createElement("button");
    ring.type = "button";
    ring.className = "ring";
    ring.textContent = "Ring";
    ring.setAttribute("aria-label", `Ring ${row.name}`);
    ring.addEventListener("click", () => ringFrom(row.id, "").catch(showError));
    quick.append(ring);
  }
  if (flash && !reducedMotion.matches) {
    // The Web Animations API restarts the highlight without forcing a layout per card.
    card.animate([{ backgroundColor: "#fff8c5" }, { backgroundColor: "#ffffff" }], 900);
  }
  if (state.editing === row.id) fillEditorCalls(row);
}

function callText(call) {
  const direction = call.direction === "Inbound" ? "from" : "to";
  return `${direction} ${otherParty(call)}`;
}

function duration(startMs) {
  const seconds = Math.max(0, Math.floor((Date.now() + state.clockOffset - startMs) / 1000));
  if (seconds >= 86400) return `since ${new Date(startMs).toLocaleString()}`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function tick() {
  for (const time of document.querySelectorAll("#cards time[data-start]")) {
    time.textContent = duration(Number(time.dataset.start));
  }
}

// -- live: the event stream ------------------------------------------------------------------------
function setLive(kind, text) {
  const live = $("live");
  live.dataset.state = kind;
  live.textContent = text;
}

// One `presence` event of the stream (decision WS-15): {position, extensionId (a string),
// sequence, time (the emulator's clock, seconds), body (the extension's full presence state)}.
function receive(event) {
  stats.received += 1;
  if (event.position !== undefined) state.position = event.position;
  const id = Number(event.extensionId);
  if (state.rows.has(id)) {
    state.pending.set(id, event.body);
    schedule();
  } else if (presenceFiltered()) {
    reloadSoon(); // it may enter the filtered view
  }
  if (!state.setup.events) addEvent(event);
}

function schedule() {
  if (state.scheduled) return;
  state.scheduled = true;
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
}

// The state an event carries has what presence events carry (docs/contract.md#event-bodies): no status message, no
// uri. It is laid over the card's record, and the card is read again soon (refreshSoon) so it
// ends up exactly what a GET reads.
function merged(presence, body) {
  const next = { ...presence };
  for (const [key, value] of Object.entries(body)) {
    if (key !== "extensionId" && key !== "sequence" && key !== "totalActiveCalls") next[key] = value;
  }
  if (!("meetingStatus" in body)) delete next.meetingStatus;
  if (!("activeCalls" in body)) next.activeCalls = [];
  return next;
}

function flush() {
  const started = performance.now();
  state.scheduled = false;
  stats.frames += 1;
  let leaves = false;
  for (const [id, body] of state.pending) {
    const row = state.rows.get(id);
    if (!row) continue;
    row.presence = merged(row.presence, body);
    fillCard(state.cards.get(id), row, true);
    stats.applied += 1;
    state.stale.add(id);
    if (!matchesPresenceFilter(row.presence)) leaves = true;
  }
  state.pending.clear();
  if (leaves) reloadSoon();
  else refreshSoon();
  const spent = performance.now() - started;
  stats.lastApplyMs = spent;
  stats.maxApplyMs = Math.max(stats.maxApplyMs, spent);
}

function matchesPresenceFilter(presence) {
  const status = $("status").value;
  const telephony = $("telephony").value;
  if (status && presence.presenceStatus !== status) return false;
  return !telephony || (presence.telephonyStatus || "NoCall") === telephony;
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => load({ quiet: true }), 300);
}

// The cards events touched, read again in one request at most every REFRESH_MS.
const REFRESH_MS = 300;
let refreshTimer = null;
function refreshSoon() {
  if (refreshTimer !== null || !state.stale.size) return;
  refreshTimer = setTimeout(async () => {
    const ids = [...state.stale].filter((id) => state.rows.has(id)).slice(0, 200);
    state.stale.clear();
    try {
      if (ids.length) {
        const body = await api(`${board}/extensions?${new URLSearchParams({ ...accountQuery(), ids: ids.join(",") })}`);
        for (const row of body.records) {
          const old = state.rows.get(row.id);
          if (old && JSON.stringify(old.presence) !== JSON.stringify(row.presence)) applyRow(row);
        }
      }
    } catch {
      // the next event or poll tries again
    } finally {
      refreshTimer = null;
      refreshSoon();
    }
  }, REFRESH_MS);
}

function accountQuery() {
  return state.setup ? { account: String(state.setup.account.id) } : {};
}

// Without a stream (no gateway: flask run, in-process) or while it is down, the page reads its
// rows every POLL_MS; with a stream, every SAFETY_MS for what no event carries (the message).
const POLL_MS = 2000;
const SAFETY_MS = 10000;
let pollTimer = null;
function poll(every) {
  clearInterval(pollTimer);
  pollTimer = setInterval(() => load({ quiet: true }), every);
}

// No stream, but the REST app serves the event log (/_mock/event-log): read it every
// LOG_POLL_MS from the last position seen, and apply its changes as the stream's.
const LOG_POLL_MS = 500;
let logTimer = null;
let logBusy = false;
function pollLog() {
  clearInterval(logTimer);
  logTimer = setInterval(async () => {
    if (logBusy) return;
    logBusy = true;
    try {
      const after = state.position ?? state.setup.position ?? 0;
      const body = await api(`${state.setup.eventLog}?${new URLSearchParams({ after, limit: 1000 })}`);
      for (const change of body.records) receive(change);
      if (body.records.length === 0 && body.last < after) state.position = body.last; // a reset
    } catch {
      // the status line says when the emulator is gone
    } finally {
      logBusy = false;
    }
  }, LOG_POLL_MS);
}

function withoutStream(text) {
  if (state.setup.eventLog) {
    setLive("polling", `${text}: reading the event log every 0.5 s`);
    pollLog();
    poll(SAFETY_MS);
  } else {
    setLive("polling", `${text}: polling every 2 s`);
    poll(POLL_MS);
  }
}

function connect() {
  const stream = state.setup.stream;
  if (!stream) {
    withoutStream("No event stream");
    return;
  }
  const url = new URL(stream, location.href);
  const after = state.position ?? state.setup.position;
  if (after !== undefined && after !== null) url.searchParams.set("after", String(after));
  const source = new EventSource(url);
  state.source = source;
  let opened = false;
  let everOpened = false;
  const fallback = setTimeout(() => {
    if (!opened) withoutStream("No event stream");
  }, 3000);
  source.addEventListener("open", () => {
    opened = true;
    everOpened = true;
    clearTimeout(fallback);
    clearInterval(logTimer);
    setLive("live", "Live");
    poll(SAFETY_MS);
    load({ quiet: true }); // what changed while it was down
  });
  source.addEventListener("error", () => {
    // Refused on a reconnect (under --controls token the stream's ticket is good for 10 minutes
    // of reconnecting): ask the setup for a fresh stream URL and open that one.
    if (everOpened && source.readyState === EventSource.CLOSED) setTimeout(renewStream, RENEW_MS);
    if (!opened) return;
    opened = false;
    withoutStream("Reconnecting");
  });
  source.addEventListener("presence", (message) => receive(JSON.parse(message.data)));
}

const RENEW_MS = 2000;

async function renewStream() {
  const asked = new URLSearchParams({ account: String(state.setup.account.id) });
  try {
    state.setup.stream = (await api(`${board}/setup?${asked}`)).stream;
  } catch {
    setTimeout(renewStream, RENEW_MS * 5); // the server is away: the page polls meanwhile
    return;
  }
  connect();
}

// -- the panels: requests and events, newest first ---------------------------------------------------
const PANEL_ROWS = 200;

function prependCapped(list, items) {
  const fragment = document.createDocumentFragment();
  for (const item of items) fragment.append(item);
  list.prepend(fragment);
  while (list.childElementCount > PANEL_ROWS) list.lastElementChild.remove();
}

function requestItem(entry) {
  const li = document.createElement("li");
  const query = Object.entries(entry.query || {})
    .map(([k, vs]) => vs.map((v) => `${k}=${v}`).join("&"))
    .join("&");
  li.textContent = `${entry.time.slice(11, 23)} ${entry.method} ${entry.path}${query ? `?${query}` : ""} → ${entry.status}`;
  if (entry.verdict === "violation") {
    li.className = "violation";
    for (const problem of entry.problems || []) {
      const rule = document.createElement("span");
      rule.className = "rule";
      rule.textContent = `violation: ${problem.rule} (${problem.parameter}): ${problem.message}`;
      li.append(rule);
    }
  }
  return li;
}

// Several workers write their journal entries in batches (scaleout/journal_writer.py), so an entry may
// arrive a little after a newer one: each read looks LOOKBACK_MS further back and leaves out
// what the panel already shows.
const LOOKBACK_MS = 5000;
const shownRequests = new Set();

function addRequests(entries) {
  // `entries` newest first
  const fresh = entries.filter((entry) => {
    const key = `${entry.time}|${entry.method}|${entry.path}|${entry.status}`;
    if (shownRequests.has(key)) return false;
    shownRequests.add(key);
    return true;
  });
  if (!fresh.length) return;
  if (fresh[0].time > state.requestsAfter) state.requestsAfter = fresh[0].time;
  fresh.sort((a, b) => (a.time < b.time ? 1 : -1));
  prependCapped($("requests"), fresh.map(requestItem));
  for (const key of shownRequests) {
    if (shownRequests.size <= 5 * PANEL_ROWS) break;
    shownRequests.delete(key); // the oldest first (a Set keeps insertion order)
  }
}

async function pollRequests() {
  try {
    const newest = Date.parse(state.requestsAfter);
    const after = Number.isNaN(newest) ? "" : new Date(newest - LOOKBACK_MS).toISOString();
    const answer = await api(`${board}/requests?${new URLSearchParams({ after })}`);
    addRequests(answer.records);
  } catch {
    // shown by the status line when the emulator is gone
  }
}

function addEvent(event) {
  const li = document.createElement("li");
  const body = event.body || {};
  const when = event.time ? new Date(event.time * 1000).toISOString().slice(11, 23) : "";
  const name = state.rows.get(Number(event.extensionId))?.name || `extension ${event.extensionId}`;
  li.textContent = `${when} #${event.position ?? "?"} ${name}: ${body.presenceStatus ?? "?"} / ${body.telephonyStatus ?? "?"} (seq ${event.sequence ?? "?"})`;
  prependCapped($("events"), [li]);
}

// The delivered-events journal (/_mock/events): each notification a WebHook or
// WebSocket subscriber was sent, with the receiver's answer; read every second, newest first.
let eventsAfter = -Infinity;
function deliveredItem(entry) {
  const li = document.createElement("li");
  const envelope = entry.event || {};
  const body = envelope.body || {};
  const to = entry.address || entry.sessionId || entry.subscriptionId;
  const outcome = entry.delivered ? "delivered" : `failed${entry.status ? ` ${entry.status}` : ""}${entry.error ? `: ${entry.error}` : ""}`;
  const when = new Date(entry.time * 1000).toISOString().slice(11, 23);
  const name = state.rows.get(Number(body.extensionId))?.name;
  const who = `${name ? `${name} ` : ""}ext ${body.extensionId ?? "?"}`;
  li.textContent = `${when} ${entry.transport} #${entry.position} → ${to}: ${envelope.event || ""} ${who} ${body.presenceStatus ?? ""} ${body.telephonyStatus ?? ""} (${outcome})`;
  if (!entry.delivered) li.className = "violation";
  return li;
}

async function pollEvents() {
  try {
    const entries = (await api(state.setup.events)).records;
    const newer = entries.filter((entry) => entry.time > eventsAfter);
    if (!newer.length) return;
    newer.sort((a, b) => b.time - a.time);
    eventsAfter = newer[0].time;
    prependCapped($("events"), newer.slice(0, PANEL_ROWS).map(deliveredItem));
  } catch {
    // the status line says when the emulator is gone
  }
}

// -- the editor: presence and calls ---------------------------------------------------------------------
function openEditor(id) {
  const row = state.rows.get(id);
  if (!row) return;
  state.editing = id;
  $("editor-title").textContent = row.name;
  $("editor-sub").textContent = `Ext. ${row.extensionNumber} · ${row.type}`;
  const isUser = row.type === "User";
  $("presence-fields").disabled = !isUser;
  $("edit-userStatus").value = row.presence.userStatus || "Available";
  $("edit-dndStatus").value = row.presence.dndStatus || "TakeAllCalls";
  $("edit-message").value = row.presence.message || "";
  $("editor-error").textContent = "";
  fillEditorCalls(row);
  $("editor").showModal();
}

function fillEditorCalls(row) {
  const calls = state.setup.calls;
  $("call-fields").disabled = !calls || row.type !== "User";
  $("calls-note").textContent = calls ? "" : "Calls are not served by this emulator.";
  const list = $("editor-calls");
  list.replaceChildren();
  for (const call of row.presence.activeCalls || []) {
    const li = document.createElement("li");
    li.append(`${call.telephonyStatus} ${callText(call)} `);
    const actions = call.telephonyStatus === "Ringing" ? ["answer", "end"]
      : call.telephonyStatus === "OnHold" ? ["unhold", "end"] : ["hold", "end"];
    for (const action of actions) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action[0].toUpperCase() + action.slice(1);
      button.addEventListener("click", () => callAction(row.id, call, action).catch(showError));
      li.append(button);
    }
    list.append(li);
  }
  if (calls && row.type === "User") {
    const li = document.createElement("li");
    const inMeeting = row.presence.meetingStatus === "Connected";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = inMeeting ? "End meeting" : "Start meeting";
    button.addEventListener("click", () => meeting(row.id, inMeeting ? "end" : "start").catch(showError));
    li.append(button);
    list.append(li);
  }
}

function showError(error) {
  if ($("editor").open) $("editor-error").textContent = error.message;
  else setLive($("live").dataset.state, `${$("live").textContent} · ${error.message}`);
}

async function savePresence() {
  const id = state.editing;
  const json = {
    userStatus: $("edit-userStatus").value,
    dndStatus: $("edit-dndStatus").value,
    message: $("edit-message").value,
  };
  const row = await api(`${board}/extensions/${id}/presence`, { method: "POST", json });
  applyRow(row);
  $("editor").close();
}

function applyRow(row) {
  if (!state.rows.has(row.id)) return;
  state.rows.set(row.id, row);
  fillCard(state.cards.get(row.id), row, true);
}

async function refreshRow(id) {
  applyRow(await api(`${board}/extensions/${id}`));
}

// The calls API as /_mock/board/setup describes it: an outside caller unless a
// number is given (an extension number rings extension to extension).
const OUTSIDE_CALLER = "+14155550123";

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name]));
}

function accountBody() {
  return { accountId: String(state.setup.account.id) };
}

async function ringFrom(id, from) {
  const row = state.rows.get(id);
  const json = { ...accountBody(), from: from || OUTSIDE_CALLER, to: row ? row.extensionNumber : String(id) };
  await api(state.setup.calls.place, { method: "POST", json });
  await refreshRow(id);
}

async function callAction(id, call, step) {
  const path = fill(state.setup.calls.step, { session: call.telephonySessionId || call.id, step });
  await api(path, { method: "POST", json: { ...accountBody(), extensionId: String(id) } });
  await refreshRow(id);
}

async function meeting(id, step) {
  const path = fill(state.setup.calls.meeting, { extension: id, step });
  await api(path, { method: "POST", json: accountBody() });
  await refreshRow(id);
}

// office-day: POST /_mock/activity starts it (over), DELETE stops it; the player in the
// server (the gateway process of any `serve`) plays it.
async function toggleOfficeDay() {
  const running = $("office-day").getAttribute("aria-pressed") === "true";
  const url = state.setup.activity.url;
  const answer = running
    ? await api(url, { method: "DELETE" })
    : await api(url, { method: "POST", json: { name: "office-day" } });
  setOfficeDay(Boolean(answer.active));
}

function setOfficeDay(running) {
  const button = $("office-day");
  button.setAttribute("aria-pressed", String(running));
  button.textContent = running ? "Stop office day" : "Start office day";
  followProgress(running);
}

// -- office-day's progress (decision BOARD-40) ---------------------------------------------------
// While the day runs, GET /_mock/activity every second: the pace, the steps the server's player
// has played, the calls in progress in the account, and the next step and when it is due.
const PROGRESS_MS = 1000;
const STEP_WORDS = {
  ring: "a call rings",
  "queue-call": "a queue call rings",
  answer: "an answer",
  hold: "a hold",
  unhold: "back from hold",
  end: "a call ends",
  transfer: "a transfer",
  park: "a call is parked",
  pickup: "a parked call is picked up",
  "meeting-start": "a meeting starts",
  "meeting-end": "a meeting ends",
  presence: "a status change",
};
let progressTimer = null;

function followProgress(running) {
  clearInterval(progressTimer);
  progressTimer = null;
  $("progress").hidden = !running;
  if (!running) return;
  readProgress();
  progressTimer = setInterval(readProgress, PROGRESS_MS);
}

async function readProgress() {
  let day;
  try {
    day = await api(state.setup.activity.url);
  } catch {
    return; // the status line says when the emulator is gone
  }
  if (!day.active) {
    setOfficeDay(false); // stopped elsewhere: a reset, another page, `presence-mock activity --stop`
    return;
  }
  showProgress(day);
}

function showProgress(day) {
  const player = day.player || {};
  $("progress-pace").textContent = day.rate === 1 ? "×1 (realistic)" : `×${day.rate}`;
  $("progress-steps").textContent = (player.steps ?? 0).toLocaleString();
  $("progress-placed").textContent = (player.placed ?? 0).toLocaleString();
  $("progress-calls").textContent = player.calls === undefined ? "—" : player.calls.toLocaleString();
  $("progress-next").textContent = player.next ? nextText(player.next) : "waiting for the server's player…";
}

function nextText(next) {
  const who = [
    next.from && `from ${next.from}`,
    next.to && `to ${next.to}`,
    next.queue && `queue ${next.queue}`,
    next.by && `by ${next.by}`,
    next.user && `for ${next.user}`,
  ].filter(Boolean).join(" ");
  const seconds = Math.round((Date.parse(next.at) - (Date.now() + state.clockOffset)) / 1000);
  const when = seconds > 0 ? `in ${seconds} s` : "due now";
  return `${STEP_WORDS[next.action] || next.action}${who ? ` ${who}` : ""} · ${when}`;
}

// -- start ------------------------------------------------------------------------------------------------
async function start() {
  performance.mark("board:start");
  try {
    const wanted = new URLSearchParams(location.search).get("account");
    state.setup = await api(`${board}/setup${wanted ? `?${new URLSearchParams({ account: wanted })}` : ""}`);
  } catch (error) {
    setLive("down", `Cannot reach the emulator: ${error.message}`);
    $("summary").textContent = "";
    loadingDone();
    return;
  }
  const setup = state.setup;
  $("account").textContent =
    `${setup.account.name} · ${setup.extensions.toLocaleString()} extensions`;
  fillSelect($("type"), setup.types);
  fillSelect($("status"), setup.statuses);
  fillSelect($("telephony"), setup.telephony);
  fillSelect($("queue"), setup.queues, (q) => `${q.name} (${q.extensionNumber})`);
  fillSelect($("edit-userStatus"), setup.userStatuses);
  fillSelect($("edit-dndStatus"), setup.dndStatuses);
  filtersFromAddress();

  let typing = null;
  $("filters").addEventListener("input", (event) => {
    state.paging.page = 1;
    clearTimeout(typing);
    typing = setTimeout(load, event.target.id === "search" ? 200 : 0);
  });
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("prev").addEventListener("click", () => { state.paging.page -= 1; load().then(() => $("cards").focus()); });
  $("next").addEventListener("click", () => { state.paging.page += 1; load().then(() => $("cards").focus()); });
  $("cards").addEventListener("click", (event) => {
    const open = event.target.closest(".open");
    if (open) openEditor(Number(open.closest(".card").dataset.id));
  });
  $("editor-form").addEventListener("submit", (event) => {
    event.preventDefault();
    savePresence().catch(showError);
  });
  $("close").addEventListener("click", () => $("editor").close());
  $("editor").addEventListener("close", () => { state.editing = null; });
  $("ring").addEventListener("click", () =>
    ringFrom(state.editing, $("ring-from").value.trim()).catch(showError),
  );
  $("reset").addEventListener("click", async () => {
    if (!confirm("Reset the emulator? Presence goes back to the seed, the journal is emptied.")) return;
    await api(`${prefix}/reset`, { method: "POST" }).catch(showError);
    $("requests").replaceChildren();
    shownRequests.clear();
    state.requestsAfter = "";
    if (state.setup.activity) setOfficeDay(false); // a reset stops it
    await load();
  });
  const activity = setup.activity;
  if (activity) {
    setOfficeDay(activity.running);
    $("office-day").addEventListener("click", () => toggleOfficeDay().catch(showError));
  } else {
    $("office-day").hidden = true; // no calls API here (controls off): nothing to start
  }
  $("events-source").textContent = setup.events
    ? "Notifications delivered to subscribers (WebHook and WebSocket)."
    : setup.stream
      ? "Presence changes from the emulator's event stream, as this page received them."
      : "No event stream here: changes are read every 2 s.";
  if (setup.accounts.length > 1) {
    fillSelect($("account-select"), setup.accounts, (a) => a.name);
    $("account-select").value = String(setup.account.id);
    $("account-field").hidden = false;
    $("account-select").addEventListener("change", () => {
      location.search = `?account=${encodeURIComponent($("account-select").value)}`;
    });
  }

  await load();
  connect();
  setInterval(tick, 1000);
  pollRequests();
  setInterval(pollRequests, 1000);
  if (setup.events) {
    pollEvents();
    setInterval(pollEvents, 1000);
  }
}

start();
