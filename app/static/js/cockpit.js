// The facilitator's cockpit: phases, the countdown, the room's switches, moderation of
// every item and comment, the spotlight, and the clustering board.
import { Live, bootData, plural } from "./live.js";
import { editInline, el, itemCard } from "./items.js";
import { mergedHistory, renderBoard } from "./board.js";
import { fill } from "./ballot.js";
import { Merging, short } from "./board_tools.js";
import { discussionFor } from "./discussion.js";
import { mountCountdown } from "./timer.js";
import { mountRounds } from "./rounds.js";
import { mountTeams } from "./cockpit_teams.js";

const boot = bootData();
const t = boot.t;
const $ = (selector) => document.querySelector(selector);
const list = $("[data-items]");
const listView = $("[data-list-view]");
const boardView = $("[data-board-view]");
const roundsView = $("[data-rounds-view]");
const countAll = $("[data-count-all]");
const connected = $("[data-connected]");
const errorBox = $("[data-error]");
const toggleSubmissions = $("[data-toggle-submissions]");
const togglePrivate = $("[data-toggle-private]");
const phaseBar = $("[data-phases]");
const phaseNote = $("[data-phase-note]");
const editing = new Map();
const cards = new Map(); // item id -> {node, sig}: unchanged cards keep their node (and focus)
let chosenView = null; // the facilitator's Board/List choice, until the phase changes
let shownPhase = null;

const live = new Live(boot, render);
live.showError = showError;
const countdown = mountCountdown($("[data-countdown]"), live, t, { hideIdle: false, onState: renderTimer });

function showError(message) {
  errorBox.textContent = message || "";
  errorBox.hidden = !message;
}

const rounds = mountRounds(roundsView, live, t, command);
const teamsView = $("[data-teams-view]");
const teams = mountTeams(teamsView, live, t, command);

async function command(event, payload) {
  showError("");
  const ack = await live.send(event, payload);
  if (!ack.ok) showError(ack.error || t.error);
  return ack;
}

// --- the room's switches and phases ------------------------------------------------

toggleSubmissions.addEventListener("click", () =>
  command("set_submissions", { open: !live.state.workshop.submissions_open }));
togglePrivate.addEventListener("click", () =>
  command("set_private", { private: !live.state.workshop.private_ideation }));

function neighbour(by) {
  const ws = live.state.workshop;
  return ws ? ws.phases[ws.phases.indexOf(ws.phase) + by] : undefined;
}

// A second click before the first answer counts from the phase asked for, not the old one.
let phaseAsked = null;
for (const [selector, by] of [["[data-phase-prev]", -1], ["[data-phase-next]", 1]]) {
  $(selector).addEventListener("click", async () => {
    const ws = live.state.workshop;
    const phase = ws && ws.phases[ws.phases.indexOf(phaseAsked ?? ws.phase) + by];
    if (!phase) return;
    phaseAsked = phase;
    await command("set_phase", { phase });
    if (phaseAsked === phase) phaseAsked = null;
  });
}

// A click on the bar while a phase change waits for its answer (offline, or on its way) sends
// nothing: the room would otherwise get a second change, from the phase the first one left.
function movePhase(phase) {
  if (phase === live.state.workshop.phase || live.pending("set_phase").length) return;
  command("set_phase", { phase });
}

// The phase a change still waiting for its answer moves the room to.
function movingTo() {
  return live.pending("set_phase").at(-1)?.payload.phase;
}

function renderPhases(ws) {
  const asked = movingTo();
  const buttons = ws.phases.map((phase) => {
    const li = el("li");
    const button = el("button", `button small phase${phase === ws.phase ? " is-current" : ""}`, boot.phases[phase]);
    button.type = "button";
    button.dataset.phase = phase;
    if (phase === ws.phase) button.setAttribute("aria-current", "step");
    if (phase === asked) {
      button.classList.add("is-pending");
      button.setAttribute("aria-busy", "true");
    }
    button.addEventListener("click", () => movePhase(phase));
    li.append(button);
    return li;
  });
  const focused = phaseBar.contains(document.activeElement) ? document.activeElement.dataset.phase : null;
  phaseBar.replaceChildren(...buttons);
  // A keyboard user who chose a phase stays on its button: the bar is drawn anew, and a focus
  // left on a removed button would send the next Tab back to the top of the page.
  if (focused) phaseBar.querySelector(`[data-phase="${focused}"]`)?.focus();
  const prev = $("[data-phase-prev]");
  const next = $("[data-phase-next]");
  prev.disabled = !neighbour(-1);
  next.disabled = !neighbour(1);
  prev.title = neighbour(-1) ? boot.phases[neighbour(-1)] : "";
  next.title = neighbour(1) ? boot.phases[neighbour(1)] : "";
}

// --- the countdown -----------------------------------------------------------------

const minutes = $("[data-timer-minutes]");
const seconds = $("[data-timer-seconds]");
const lockBox = $("[data-timer-lock]");
const toggleTimer = $("[data-timer-toggle]");

function typedSeconds() {
  const total = (Number.parseInt(minutes.value, 10) || 0) * 60 + (Number.parseInt(seconds.value, 10) || 0);
  if (total < 1 || total > 4 * 3600) {
    showError(t.timer_range);
    return null;
  }
  return total;
}

$("[data-timer-set]").addEventListener("submit", (e) => {
  e.preventDefault();
  const total = typedSeconds();
  if (total) command("timer", { action: "set", seconds: total, lock_at_zero: lockBox.checked });
});

toggleTimer.addEventListener("click", async () => {
  const state = countdown.state;
  if (state === "running") return command("timer", { action: "pause" });
  if (state === "set" || state === "paused") return command("timer", { action: "start", lock_at_zero: lockBox.checked });
  // Nothing set, or run out: start afresh from the minutes typed.
  const total = typedSeconds();
  if (!total) return;
  const ack = await command("timer", { action: "set", seconds: total, lock_at_zero: lockBox.checked });
  if (ack.ok) command("timer", { action: "start" });
});

$("[data-timer-extend]").addEventListener("click", () => command("timer", { action: "extend", seconds: 60 }));
$("[data-timer-clear]").addEventListener("click", () => command("timer", { action: "clear" }));

// The lock changes on its own with an action that leaves the countdown as it is: "start"
// does nothing to a running (or run-out) countdown, "pause" nothing to a stopped one.
lockBox.addEventListener("change", () => {
  const running = live.state.workshop?.timer?.state === "running";
  command("timer", { action: running ? "start" : "pause", lock_at_zero: lockBox.checked });
});

// The last duration set in a phase (the server keeps one per phase: timer_durations) fills the
// fields when the room is in that phase, so its countdown starts from it again; never while
// the facilitator is typing in them.
let durationShown = null;
function fillDuration(ws) {
  const last = ws.timer_durations?.[ws.phase];
  const key = `${ws.phase}:${last}`;
  if (!last || key === durationShown || [minutes, seconds].includes(document.activeElement)) return;
  durationShown = key;
  minutes.value = String(Math.floor(last / 60));
  seconds.value = String(last % 60);
}

function renderTimer(state, timer) {
  toggleTimer.textContent = state === "running" ? t.pause : state === "paused" ? t.resume : t.start;
  toggleTimer.setAttribute("aria-pressed", String(state === "running"));
  if (timer && !live.pending("timer").length) lockBox.checked = Boolean(timer.lock_at_zero);
  $("[data-timer-extend]").disabled = state === "idle";
  $("[data-timer-clear]").disabled = state === "idle";
}

// --- the spotlight -----------------------------------------------------------------

$("[data-spotlight-clear]").addEventListener("click", () => command("spotlight", { item_id: null }));

function renderSpotlight(state) {
  const item = state.items.get(state.workshop.spotlight_item_id);
  $("[data-spotlight-bar]").hidden = !item;
  $("[data-spotlight-text]").textContent = item ? item.text : "";
}

function spotlightButton(item) {
  const on = live.state.workshop.spotlight_item_id === item.id;
  const button = el("button", `button small spot${on ? " is-on" : ""}`, on ? t.spotlight_clear : t.spotlight_show);
  button.type = "button";
  button.dataset.spotlight = String(item.id);
  button.setAttribute("aria-pressed", String(on));
  button.disabled = item.state === "hidden";
  button.addEventListener("click", () => command("spotlight", { item_id: on ? null : item.id }));
  return button;
}

// --- undoing the board's last change (docs/protocol.md) ------------------------------

const undoBar = $("[data-undo-bar]");
const undoButton = $("[data-board-undo]");
const undoWhat = $("[data-undo-what]");

// What the undo takes back, in words: the server names the change, the page its card or theme.
function undoLabel(change, state) {
  const item = state.items.get(change.item_id);
  if (change.kind === "move_item") return item ? fill(t.undo_move_item, { text: short(item.text) }) : t.undo_item_gone;
  if (change.kind === "merge_items") return fill(t.undo_merge_items, { n: change.count, text: short(item?.text || "") });
  if (change.kind === "order_themes") return t.undo_order_themes;
  return fill(t[`undo_${change.kind}`] || t.undo_item_gone, { name: change.name || "" });
}

function renderUndo(state, view) {
  const change = state.boardUndo;
  undoBar.hidden = view === "rounds";
  undoButton.disabled = !change || live.pending("undo_board").length > 0;
  undoWhat.textContent = change ? undoLabel(change, state) : t.nothing_to_undo;
}

async function undo() {
  const change = live.state.boardUndo;
  if (!change || live.pending("undo_board").length) return;
  const ack = await command("undo_board", { change_id: change.id });
  if (!ack.ok && ack.code === "Conflict") live.resync(); // changed meanwhile: show what undo would do now
}

undoButton.addEventListener("click", undo);
// Ctrl+Z (⌘Z) on the board and the list, but never in a field, where it undoes the typing.
document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== "z") return;
  if (undoBar.hidden || e.target.closest?.("input, textarea, select, [contenteditable]")) return;
  e.preventDefault();
  undo();
});

// --- items: the list and the board -------------------------------------------------

// Duplicates are merged where they are seen: the list has the board's selection mode too.
const listMerging = new Merging({ t, live, send: command, showError, render: () => render(live.state) });
delete listMerging.toggle.dataset.mergeMode; // [data-merge-mode] names the board's
listMerging.toggle.dataset.listMergeMode = "";
$("[data-list-tools]").append(listMerging.toggle, listMerging.bar);

const actionsFor = (item) => [
  [t.edit, (item, li) => {
    editing.set(item.id, li);
    cards.delete(item.id); // the card becomes the editor: never reuse it as a plain card
    editInline(li, item, t, async (value) => {
      const ack = await command("edit_item", { item_id: item.id, text: value.trim(), country: item.country });
      if (ack.ok) editing.delete(item.id);
      render(live.state);
    });
    li.querySelector(".edit-inline .button:not(.primary)")?.addEventListener("click", () => editing.delete(item.id));
  }],
  [item.state === "hidden" ? t.show : t.hide, (item) => {
    const hidden = item.state !== "hidden";
    if (!hidden || confirm(t.confirm_hide)) command("hide_item", { item_id: item.id, hidden });
  }],
];

const DISCUSSING = new Set(["discuss", "cluster", "vote", "results", "closed"]);

function listCard(item, state) {
  if (editing.has(item.id)) return editing.get(item.id);
  const picking = listMerging.on ? listMerging.picked.has(item.id) : null;
  const sig = JSON.stringify([item, state.workshop.spotlight_item_id === item.id, picking]);
  let cached = cards.get(item.id);
  if (!cached || cached.sig !== sig) {
    const node = itemCard(item, t, { actions: actionsFor(item) });
    node.querySelector(".item-actions").append(spotlightButton(item));
    if (item.merged_from?.length) node.querySelector(".item-actions").before(mergedHistory(item, t));
    if (listMerging.on && item.state !== "hidden") node.prepend(listMerging.pickBox(item));
    cached = { node, sig };
    cards.set(item.id, cached);
  }
  const talk = DISCUSSING.has(state.workshop.phase) || [...state.comments.values()].some((c) => c.item_id === item.id);
  const discussion = talk ? discussionFor(item, live, t, { staff: true }) : null;
  const old = cached.node.querySelector(":scope > .discussion");
  if (old && old !== discussion) old.remove();
  if (discussion && discussion.parentNode !== cached.node) cached.node.append(discussion);
  return cached.node;
}

// In discussion and after, the most supported first; before, the newest first.
function ordered(state) {
  const items = [...state.items.values()];
  if (!DISCUSSING.has(state.workshop.phase)) return items.sort((a, b) => b.id - a.id);
  const plus = (item) => state.reactions.get(item.id) || 0;
  return items.sort((a, b) => plus(b) - plus(a) || a.id - b.id);
}

function renderList(state) {
  const items = ordered(state);
  const nodes = items.map((item) => listCard(item, state));
  if (!nodes.length) nodes.push(el("li", "empty muted", t.none_staff));
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  for (const id of cards.keys()) if (!state.items.has(id)) cards.delete(id);
  listMerging.render(state.items);
}

// The board's columns end at the bottom of the window, each scrolling its own cards (app.css):
// where the board starts depends on what is above it (the question, a message, suggestions).
// Themes past the right edge fade out there (data-more), so the strip says that it goes on.
function fitBoard() {
  const strip = boardView.querySelector("[data-board]");
  if (boardView.hidden || !strip) return;
  const top = `${Math.round(strip.getBoundingClientRect().top + window.scrollY)}px`;
  if (boardView.style.getPropertyValue("--board-top") !== top) boardView.style.setProperty("--board-top", top);
  if (!strip.dataset.watched) {
    strip.dataset.watched = "true";
    strip.addEventListener("scroll", fitBoard, { passive: true });
  }
  const more = strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 2;
  if (strip.hasAttribute("data-more") !== more) strip.toggleAttribute("data-more", more);
}
window.addEventListener("resize", fitBoard);
new ResizeObserver(fitBoard).observe(document.querySelector("main"));

function currentView(ws) {
  if (ws.phase !== shownPhase) {
    shownPhase = ws.phase;
    chosenView = null;
  }
  const byPhase = { cluster: "board", vote: "rounds", results: "rounds", teams: "teams" };
  return chosenView || byPhase[ws.phase] || "list";
}

for (const button of document.querySelectorAll("[data-view]")) {
  button.addEventListener("click", () => {
    chosenView = button.dataset.view;
    render(live.state);
  });
}

const NOTES = { lobby: "note_lobby", closed: "note_closed" };

function render(state) {
  const ws = state.workshop;
  if (!ws) return;
  renderPhases(ws);
  fillDuration(ws);
  countdown.update();
  toggleSubmissions.textContent = ws.submissions_open ? t.lock : t.unlock;
  toggleSubmissions.setAttribute("aria-pressed", String(!ws.submissions_open));
  togglePrivate.textContent = ws.private_ideation ? t.reveal : t.make_private;
  togglePrivate.setAttribute("aria-pressed", String(ws.private_ideation));
  connected.textContent = plural(t, "connected_one", "connected_many", state.connected);
  countAll.textContent = plural(t, "items_one", "items_many", state.items.size);
  renderSpotlight(state);
  const asked = movingTo();
  const note = asked ? t.phase_pending.replace("{phase}", boot.phases[asked]) : t[NOTES[ws.phase]];
  phaseNote.hidden = !note;
  phaseNote.textContent = note || "";
  const view = currentView(ws);
  for (const button of document.querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  boardView.hidden = view !== "board";
  listView.hidden = view !== "list";
  roundsView.hidden = view !== "rounds";
  teamsView.hidden = view !== "teams";
  $("[data-main-title]").textContent = { rounds: t.rounds_title, teams: t.team_title }[view] || t.items_title;
  renderUndo(state, view === "teams" ? "rounds" : view);
  countAll.hidden = view === "rounds" || view === "teams";
  if (view === "rounds") {
    rounds.render(state);
  } else if (view === "teams") {
    teams.render(state);
  } else if (view === "board") {
    renderBoard(boardView, live, t, {
      editable: true,
      staff: true,
      decorate: (card, item, controls) => controls.append(spotlightButton(item)),
    });
    fitBoard();
  } else {
    renderList(state);
  }
}
