// The board's "why?" view (docs/explain.md): a card's last changes and what each subscription
// weighed for them got, read from /_mock/events/explain. Its own module and elements (the
// <dialog id="why">, each card's `.why` button), beside board.js.

const prefix = document.body.dataset.prefix || "/_mock";
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const $ = (id) => document.getElementById(id);
const SHOWN = 10; // changes shown

async function explained(id) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const query = new URLSearchParams({ extensionId: id, limit: String(SHOWN) });
  const answer = await fetch(`${prefix}/events/explain?${query}`, { headers });
  const body = await answer.json().catch(() => null);
  if (!answer.ok) {
    const item = body && body.errors && body.errors[0];
    throw new Error(item ? `${item.errorCode}: ${item.message}` : `HTTP ${answer.status}`);
  }
  return body;
}

function verdictItem(row) {
  const item = document.createElement("li");
  item.className = "why-verdict";
  item.dataset.reason = row.reason;
  item.dataset.delivered = String(row.delivered);
  const head = document.createElement("strong");
  head.textContent = row.delivered ? "delivered" : `not delivered: ${row.reason}`;
  const who = document.createElement("span");
  who.className = "muted small";
  who.textContent = ` ${row.transport} ${row.subscriptionId.slice(0, 8)}… (owner ${row.ownerId})`;
  item.append(head, who);
  const said = [row.detail, row.nearestFilter && `nearest filter: ${row.nearestFilter}`]
    .filter(Boolean)
    .join(" · ");
  if (said) {
    const detail = document.createElement("p");
    detail.className = "small";
    detail.textContent = said;
    item.append(detail);
  }
  return item;
}

function changeItem(change) {
  const item = document.createElement("li");
  item.className = "why-change";
  item.dataset.considered = change.considered;
  const head = document.createElement("p");
  const time = document.createElement("time");
  time.dateTime = change.timestamp;
  time.textContent = new Date(change.timestamp).toLocaleTimeString();
  const what =
    change.considered === "unchanged"
      ? "a write that changed nothing an event carries"
      : `#${change.sequence}: ${(change.changed || []).join(", ") || "no field"}`;
  head.append(time, ` ${what}`);
  const verdicts = document.createElement("ul");
  if (change.subscriptions.length === 0) {
    const none = document.createElement("li");
    none.className = "muted small";
    none.textContent = "No subscription of the account was there to weigh it.";
    verdicts.append(none);
  }
  for (const row of change.subscriptions) verdicts.append(verdictItem(row));
  item.append(head, verdicts);
  return item;
}

async function show(id) {
  const list = $("why-changes");
  $("why-error").textContent = "";
  list.setAttribute("aria-busy", "true");
  try {
    const found = await explained(id);
    list.replaceChildren(...found.changes.map(changeItem));
    $("why-empty").hidden = found.changes.length > 0;
  } catch (error) {
    $("why-error").textContent = error.message;
  } finally {
    list.removeAttribute("aria-busy");
  }
}

function openWhy(card) {
  const id = card.dataset.id;
  const name = card.querySelector(".open").textContent;
  $("why").dataset.id = id;
  $("why-title").textContent = `Why? ${name}`;
  $("why-changes").replaceChildren();
  $("why-empty").hidden = true;
  $("why").showModal();
  show(id);
}

$("cards").addEventListener("click", (event) => {
  const button = event.target.closest(".why");
  if (button) openWhy(button.closest(".card"));
});
$("why-refresh").addEventListener("click", () => show($("why").dataset.id));
$("why-close").addEventListener("click", () => $("why").close());
