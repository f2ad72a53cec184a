// The participant's phone: propose, see the room's items live, edit or withdraw one's own.
import { Live, bootData, keepDraft, plural } from "./live.js";
import { editInline, el, itemCard, renderList } from "./items.js";

const boot = bootData();
const t = boot.t;
const countries = JSON.parse(document.getElementById("countries").textContent);
const byName = new Map(countries.map((c) => [c.name.toLowerCase(), c.code]));

const form = document.querySelector("[data-propose]");
const text = form.querySelector("[data-text]");
const textLabel = form.querySelector("[data-text-label]");
const countryField = form.querySelector("[data-country-field]");
const country = form.querySelector("[data-country]");
const counter = form.querySelector("[data-count]");
const errorBox = form.querySelector("[data-error]");
const submit = form.querySelector("[data-submit]");
const banner = document.querySelector("[data-banner]");
const mineList = document.querySelector("[data-mine]");
const allList = document.querySelector("[data-items]");
const countAll = document.querySelector("[data-count-all]");
const editing = new Map(); // item id -> its card, left alone while the person edits

const draftKey = `bridge:draft:${boot.workshop}`;
const clearText = keepDraft(text, `${draftKey}:text`);
const clearCountry = keepDraft(country, `${draftKey}:country`);
const kindKey = `${draftKey}:kind`;

const live = new Live(boot, render);
live.showError = showError;
render(live.state); // commands queued before a reload show at once, connected or not

function kind() {
  return form.querySelector("input[name=kind]:checked").value;
}

function syncKind() {
  localStorage.setItem(kindKey, kind());
  const market = kind() === "market";
  countryField.hidden = !market;
  textLabel.textContent = market ? textLabel.dataset.market : textLabel.dataset.idea;
}

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

form.querySelectorAll("input[name=kind]").forEach((radio) => {
  radio.checked = radio.value === (localStorage.getItem(kindKey) || "idea");
  radio.addEventListener("change", syncKind);
});
syncKind();
counter.textContent = text.value.length;
text.addEventListener("input", () => (counter.textContent = text.value.length));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const payload = { kind: kind(), text: text.value.trim() };
  if (payload.kind === "market") {
    payload.country = byName.get(country.value.trim().toLowerCase());
    if (!payload.country) return showError(t.choose_country);
  }
  if (!payload.text) return text.focus();
  // Queued at once (and kept across a reload), so the form is cleared now.
  const done = live.send("propose_item", payload);
  text.value = "";
  country.value = "";
  counter.textContent = "0";
  clearText();
  clearCountry();
  const ack = await done;
  if (!ack.ok) {
    text.value = payload.text;
    showError(ack.error);
  }
});

function mineActions() {
  const open = live.state.workshop?.submissions_open && live.state.workshop?.status === "open";
  if (!open) return [];
  return [
    [t.edit, (item, li) => {
      editing.set(item.id, li);
      editInline(li, item, t, async (value) => {
        const ack = await live.send("edit_item", { item_id: item.id, text: value.trim(), country: item.country });
        if (!ack.ok) return showError(ack.error);
        editing.delete(item.id);
        render(live.state);
      });
    }],
    [t.withdraw, (item) => {
      if (confirm(t.confirm_withdraw)) live.send("withdraw_item", { item_id: item.id }).then((a) => a.ok || showError(a.error));
    }, "danger"],
  ];
}

// Before the first snapshot (a page loaded while the server is unreachable) only the
// person's own queued items can be shown; they must not vanish from view meanwhile.
function render(state) {
  const ws = state.workshop;
  renderMine(state);
  if (!ws) return;
  const ended = ws.status !== "open";
  const closed = ended || !ws.submissions_open;
  banner.hidden = !(ended || closed || ws.private_ideation);
  banner.textContent = ended ? t.ended : closed ? t.closed : ws.private_ideation ? t.private : "";
  for (const node of form.elements) node.disabled = closed;
  submit.disabled = closed;

  const items = [...state.items.values()];
  const shown = items.filter((i) => !i.mine || !ws.private_ideation);
  countAll.textContent = plural(t, "items_one", "items_many", shown.length);
  renderList(allList, shown.reverse(), (item) => itemCard(item, t), ws.private_ideation ? t.private : t.none_yet);
}

function renderMine(state) {
  const mine = [...state.items.values()].filter((i) => i.mine);
  const pending = live.pending("propose_item").map((c) => ({ ...c.payload, id: c.payload.op_id, pending: true, mine: true, country_name: countries.find((x) => x.code === c.payload.country)?.name }));
  renderList(mineList, [...pending, ...mine.reverse()], (item) => {
    if (editing.has(item.id)) return editing.get(item.id);
    const card = itemCard(item, t, { actions: item.pending ? [] : mineActions() });
    if (item.pending) {
      card.classList.add("is-pending");
      card.append(el("p", "pending", live.socket.connected ? t.sending : t.waiting));
    }
    return card;
  });
}
