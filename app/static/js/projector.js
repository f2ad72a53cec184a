// The projector: what the room looks at, in type read from the back of the room.
// Per phase: a welcome with the join code and QR (lobby), the items (propose), the items
// by support (discuss), the board (cluster), the open round's count and, once revealed, its
// results as charts in the room's words (vote; every closed round in turn in results), a
// thank-you (closed).
// A spotlight shows one item very large. The facilitator drives the room from this page's
// keyboard too (a presenter remote sends PageUp/PageDown): see keydown below.
import { Live, bootData, plural } from "./live.js";
import { el, itemCard } from "./items.js";
import { renderBoard } from "./board.js";
import { mountCountdown } from "./timer.js";
import { BAR_ROW } from "./charts.js";
import { methodName, renderResults, resultsShown, roundsOf, votedText } from "./round_results.js";

const boot = bootData();
const t = boot.t;
const $ = (selector) => document.querySelector(selector);
const views = {
  welcome: $("[data-welcome]"),
  items: $("[data-items]"),
  ranked: $("[data-ranked]"),
  cluster: $("[data-cluster]"),
  message: $("[data-message]"),
  vote: $("[data-vote]"),
};
const banner = $("[data-banner]");
const connected = $("[data-connected]");
const toast = $("[data-toast]");
const help = $("[data-help]");
const cards = new Map(); // item id -> {node, sig}

const live = new Live(boot, render);
live.showError = (message) => say(message || t.error, true);
const countdown = mountCountdown($("[data-countdown]"), live, t);
const spotCountdown = mountCountdown($("[data-spotlight-countdown]"), live, t);

// Which view each phase shows, and whether the join panel stays large.
const PHASES = {
  lobby: { view: "welcome", join: true },
  propose: { view: "items", join: true },
  discuss: { view: "ranked" },
  cluster: { view: "cluster" },
  vote: { view: "vote", text: "voting_here" },
  results: { view: "vote", text: "voting_here" },
  closed: { view: "message", text: "thank_you" },
};

function render(state) {
  const ws = state.workshop;
  if (!ws) return;
  countdown.update();
  spotCountdown.update();
  const phase = PHASES[ws.phase] || PHASES.propose;
  const ended = ws.status !== "open";
  document.body.dataset.phase = ws.phase;
  document.body.classList.toggle("is-compact", !phase.join);
  $("[data-join]").hidden = !phase.join;
  $("[data-corner-code]").hidden = Boolean(phase.join) || ended || ws.phase === "closed";
  $("[data-phase-name]").textContent = boot.phases[ws.phase] || "";
  connected.textContent = plural(t, "connected_one", "connected_many", state.connected);
  const secret = ws.private_ideation && ws.phase === "propose";
  banner.hidden = !(secret || ended);
  banner.textContent = ended ? t.ended : secret ? t.private_screen : "";
  banner.classList.toggle("is-big", secret && !state.items.size);
  const round = phase.view === "vote" ? shownRound(state, ws.phase) : null;
  const view = phase.view === "vote" && !round ? "message" : phase.view;
  for (const [name, node] of Object.entries(views)) node.hidden = name !== view || ended;
  if (ended) return renderSpotlight(state);
  if (round) renderVote(state, round);
  if (round) renderPage(state, ws.phase);
  if (phase.view === "items") renderItems(state);
  if (phase.view === "ranked") renderRanked(state);
  if (phase.view === "cluster") renderBoard(views.cluster, live, t, { editable: false });
  if (view === "message") views.message.textContent = t[phase.text];
  renderSpotlight(state);
  fitToScreen();
}

// A projector cannot scroll: when the board outgrows the screen, shrink the type of
// the cards step by step (down to 55 %) until it fits.
function fitToScreen() {
  const root = document.documentElement;
  let scale = 1;
  root.style.setProperty("--proj-scale", "1");
  while (root.scrollHeight > window.innerHeight && scale > 0.55) {
    scale = Math.round((scale - 0.05) * 100) / 100;
    root.style.setProperty("--proj-scale", String(scale));
  }
}
window.addEventListener("resize", fitToScreen);

function keyed(list, nodes) {
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
}

function card(item, extra) {
  const sig = JSON.stringify([item, extra]);
  const cached = cards.get(item.id);
  if (cached && cached.sig === sig) return cached.node;
  const node = itemCard(item, t);
  if (extra) {
    const meta = el("p", "proj-meta");
    const plus = el("span", "proj-plus", `+${extra.plus}`);
    plus.setAttribute("aria-label", t.plus_one_label.replace("{n}", String(extra.plus)));
    meta.append(plus, el("span", "proj-ncomments", plural(t, "comments_one", "comments_many", extra.comments)));
    node.prepend(meta);
  }
  cards.set(item.id, { node, sig });
  return node;
}

function renderItems(state) {
  // Newest first, so what was just sent shows at the top.
  keyed(views.items, [...state.items.values()].reverse().map((item) => card(item, null)));
}

function renderRanked(state) {
  const comments = new Map();
  for (const c of state.comments.values()) comments.set(c.item_id, (comments.get(c.item_id) || 0) + 1);
  const plus = (item) => state.reactions.get(item.id) || 0;
  const items = [...state.items.values()].sort((a, b) => plus(b) - plus(a) || a.id - b.id);
  keyed(views.ranked, items.map((item) => card(item, { plus: plus(item), comments: comments.get(item.id) || 0 })));
}

// --- voting -----------------------------------------------------------------------

// Vote: the open round (else the last one). Results: every closed round, one after another (a
// page each, turning by itself every ROUND_PAGE_MS, ↓ and ↑ to turn); else the last round.
const ROUND_PAGE_MS = 15000;
let roundPage = 0;
let pageTimer = null;

function resultRounds(state) {
  const rounds = roundsOf(state);
  const closed = rounds.filter((r) => r.status !== "open");
  return closed.length ? closed : rounds.slice(-1);
}

let pagedPhase = null;
function shownRound(state, phase) {
  const rounds = roundsOf(state);
  if (phase !== pagedPhase) {
    pagedPhase = phase; // the Results phase starts from the first round, for its full time
    roundPage = 0;
    startPaging();
  }
  if (phase === "vote") return rounds.find((r) => r.status === "open") || rounds.at(-1) || null;
  const pages = resultRounds(state);
  roundPage = Math.min(roundPage, Math.max(0, pages.length - 1));
  return pages[roundPage] || null;
}

function turnRound(by) {
  const pages = live.state.workshop?.phase === "results" ? resultRounds(live.state).length : 0;
  if (pages < 2) return;
  roundPage = (roundPage + by + pages) % pages;
  startPaging(); // a page turned by hand stays its full time
  render(live.state);
}

function startPaging() {
  clearInterval(pageTimer);
  pageTimer = setInterval(() => turnRound(1), ROUND_PAGE_MS);
}
startPaging();

function renderPage(state, phase) {
  const pages = phase === "results" ? resultRounds(state).length : 0;
  const indicator = $("[data-vote-page]");
  indicator.hidden = pages < 2;
  indicator.textContent = pages < 2 ? "" : t.round_page.replace("{n}", String(roundPage + 1)).replace("{total}", String(pages));
}

let voteSig = null;
function renderVote(state, round) {
  const tally = state.tallies.get(round.id);
  const sig = JSON.stringify([round, tally]);
  if (sig === voteSig) return;
  voteSig = sig;
  const shown = resultsShown(round, tally);
  const closed = round.status !== "open";
  views.vote.classList.toggle("has-results", shown);
  views.vote.dataset.roundId = String(round.id);
  views.vote.dataset.method = round.method;
  $("[data-vote-method]").textContent = closed ? `${methodName(round, t)} · ${t.status_closed}` : methodName(round, t);
  $("[data-vote-title]").textContent = round.title;
  $("[data-vote-count]").textContent = votedText(tally, t);
  const note = shown ? "" : closed ? t.results_hidden_screen : t.vote_on_phones;
  $("[data-vote-note]").textContent = note;
  $("[data-vote-note]").hidden = !note;
  const holder = $("[data-vote-results]");
  holder.replaceChildren(shown ? renderResults(round, tally, t, { width: 1000, plain: true }) : "");
  if (shown) fitBars(holder, round, tally);
}

// Bars fill the room left under the title: with many rows the chart gets a wider viewBox
// (so it keeps the screen's width instead of shrinking into a narrow column).
function fitBars(holder, round, tally) {
  let svg = holder.querySelector(".chart-bars");
  if (!svg) return;
  const rows = svg.querySelectorAll(".chart-row").length;
  const room = Math.max(160, window.innerHeight - svg.getBoundingClientRect().top - 0.03 * window.innerWidth - 8);
  const width = Math.max(1000, Math.ceil((rows * BAR_ROW * holder.clientWidth) / room));
  if (width > 1000) {
    holder.replaceChildren(renderResults(round, tally, t, { width, plain: true }));
    svg = holder.querySelector(".chart-bars");
  }
  svg.style.maxHeight = `${room}px`;
}
window.addEventListener("resize", () => {
  voteSig = null;
  if (live.state.workshop) render(live.state);
});

function renderSpotlight(state) {
  const item = state.items.get(state.workshop.spotlight_item_id);
  const box = $("[data-spotlight]");
  box.hidden = !item;
  if (!item) return;
  $("[data-spotlight-text]").textContent = item.text;
  $("[data-spotlight-author]").textContent = item.author ? `— ${item.author}` : "";
  const n = state.reactions.get(item.id) || 0;
  $("[data-spotlight-plus]").textContent = n ? `+1 × ${n}` : "";
  box.dataset.itemId = String(item.id);
}

// --- the facilitator's keyboard ----------------------------------------------------

let toastTimer = null;
function say(message, isError = false) {
  toast.textContent = message;
  toast.hidden = false;
  toast.classList.toggle("is-error", isError);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), isError ? 6000 : 2500);
}

async function command(event, payload, done) {
  const ack = await live.send(event, payload);
  if (ack.ok) {
    if (done) say(done);
  } else {
    say(ack.error || t.error, true);
  }
}

// Quick presses count from the phase asked for last, not from the one the room was in:
// → → moves two phases even if the first answer has not come back yet.
let phaseAsked = null;
async function step(by) {
  const ws = live.state.workshop;
  const from = phaseAsked ?? ws.phase;
  const phase = ws.phases[ws.phases.indexOf(from) + by];
  if (!phase) return;
  phaseAsked = phase;
  await command("set_phase", { phase }, boot.phases[phase]);
  if (phaseAsked === phase) phaseAsked = null;
}

function startPause() {
  const state = countdown.state;
  if (state === "running") return command("timer", { action: "pause" }, t.timer_paused);
  if (state === "set" || state === "paused") return command("timer", { action: "start" }, t.timer_started);
  say(t.no_countdown, true);
}

function clearSpotlight() {
  if (live.state.workshop.spotlight_item_id !== null) command("spotlight", { item_id: null });
}

function toggleHelp(show = help.hidden) {
  help.hidden = !show;
}

// F: the projector fills the screen (a browser asks for a key press or a click before it may).
function toggleFullscreen() {
  if (document.fullscreenElement) return document.exitFullscreen();
  document.documentElement.requestFullscreen?.().catch(() => say(t.error, true));
}
const fullscreenHint = $("[data-fullscreen-hint]");
document.addEventListener("fullscreenchange", () => (fullscreenHint.hidden = Boolean(document.fullscreenElement)));

const KEYS = {
  ArrowRight: () => step(1),
  PageDown: () => step(1),
  ArrowLeft: () => step(-1),
  PageUp: () => step(-1),
  " ": startPause,
  r: () => command("set_private", { private: false }, t.revealed),
  s: clearSpotlight,
  Escape: () => (help.hidden ? clearSpotlight() : toggleHelp(false)),
  "?": () => toggleHelp(),
  f: toggleFullscreen,
  ArrowDown: () => turnRound(1),
  ArrowUp: () => turnRound(-1),
};

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  if (e.target.closest?.("input, textarea, select, [contenteditable]")) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const action = KEYS[key];
  if (!action || !live.state.workshop) return;
  e.preventDefault(); // Space and PageDown would scroll the page
  action();
});
