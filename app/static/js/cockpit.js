// The facilitator's cockpit: the room's switches and moderation of every item.
import { Live, bootData, plural } from "./live.js";
import { editInline, itemCard, renderList } from "./items.js";

const boot = bootData();
const t = boot.t;
const list = document.querySelector("[data-items]");
const countAll = document.querySelector("[data-count-all]");
const connected = document.querySelector("[data-connected]");
const errorBox = document.querySelector("[data-error]");
const toggleSubmissions = document.querySelector("[data-toggle-submissions]");
const togglePrivate = document.querySelector("[data-toggle-private]");
const phaseBar = document.querySelector("[data-phases]");
const editing = new Map();

const live = new Live(boot, render);
live.showError = showError;

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

async function command(event, payload) {
  showError("");
  const ack = await live.send(event, payload);
  if (!ack.ok) showError(ack.error);
  return ack;
}

toggleSubmissions.addEventListener("click", () =>
  command("set_submissions", { open: !live.state.workshop.submissions_open }));
togglePrivate.addEventListener("click", () =>
  command("set_private", { private: !live.state.workshop.private_ideation }));

const actionsFor = (item) => [
  [t.edit, (item, li) => {
    editing.set(item.id, li);
    editInline(li, item, t, async (value) => {
      const ack = await command("edit_item", { item_id: item.id, text: value.trim(), country: item.country });
      if (ack.ok) editing.delete(item.id);
      render(live.state);
    });
  }],
  [item.state === "hidden" ? t.show : t.hide, (item) => {
    const hidden = item.state !== "hidden";
    if (!hidden || confirm(t.confirm_hide)) command("hide_item", { item_id: item.id, hidden });
  }],
];

function renderPhases(ws) {
  const buttons = ws.phases.map((phase) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = `button small phase${phase === ws.phase ? " is-current" : ""}`;
    button.textContent = boot.phases[phase];
    button.dataset.phase = phase;
    if (phase === ws.phase) button.setAttribute("aria-current", "step");
    button.addEventListener("click", () => phase !== live.state.workshop.phase && command("set_phase", { phase }));
    li.append(button);
    return li;
  });
  phaseBar.replaceChildren(...buttons);
}

function render(state) {
  const ws = state.workshop;
  if (!ws) return;
  renderPhases(ws);
  toggleSubmissions.textContent = ws.submissions_open ? t.lock : t.unlock;
  toggleSubmissions.setAttribute("aria-pressed", String(!ws.submissions_open));
  togglePrivate.textContent = ws.private_ideation ? t.reveal : t.make_private;
  togglePrivate.setAttribute("aria-pressed", String(ws.private_ideation));
  connected.textContent = plural(t, "connected_one", "connected_many", state.connected);
  const items = [...state.items.values()].reverse();
  countAll.textContent = plural(t, "items_one", "items_many", items.length);
  renderList(list, items, (item) => {
    if (editing.has(item.id)) return editing.get(item.id);
    return itemCard(item, t, { actions: actionsFor(item) });
  }, t.none_staff);
}
