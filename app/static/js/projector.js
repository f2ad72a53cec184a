// The projector: what the room looks at, in type read from the back of the room (at
// 1920×1080: what the room must read at least 28 px, the rest at least 22 px).
// Per phase: a welcome with the join code and QR (lobby), the items (propose), the items
// by support (discuss), the board (cluster), the open round's choices and count and, once
// revealed, its results as charts in the room's words (vote; every closed round in turn in
// results), a thank-you (closed). After the lobby the join code shrinks to a corner (J brings
// the panel back). Nothing is cut or shrunk to fit: what does not fit is shown page by page
// (pager.js), the pages turning by themselves, ↓ and ↑ turning them at once (and, on a
// round's last page in Results, to the next round). A spotlight shows one item very large,
// with its comments. The facilitator drives the room from this page's keyboard too (a
// presenter remote sends PageUp/PageDown): see keydown below.
import { Live, bootData, plural } from "./live.js";
import { countryName, el, itemCard } from "./items.js";
import { renderBoard } from "./board.js";
import { mountCountdown } from "./timer.js";
import { BAR_ROW } from "./charts.js";
import { Pager, pagesOf, roomBelow } from "./pager.js";
import { mountSpotlight, shownComments } from "./projector_spotlight.js";
import { projectorTeamCard, shownTeams } from "./teams.js";
import { foldZeros, methodName, renderResults, resultsShown, roundsOf, votedText } from "./round_results.js";

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
  teams: $("[data-teams]"),
};
const banner = $("[data-banner]");
const connected = $("[data-connected]");
const toast = $("[data-toast]");
const help = $("[data-help]");
const cards = new Map(); // item id -> {node, sig}
const pagerBox = $("[data-pager]");
const pager = new Pager(pagerBox, t, { onTurn: () => render(live.state) });

const live = new Live(boot, render);
live.showError = (message) => say(message || t.error, true);
const spotlight = mountSpotlight(live, t);
const countdown = mountCountdown($("[data-countdown]"), live, t);
const spotCountdown = mountCountdown($("[data-spotlight-countdown]"), live, t);

// Which view each phase shows, and whether the join panel stays large.
const PHASES = {
  lobby: { view: "welcome", join: true },
  propose: { view: "items" },
  discuss: { view: "ranked" },
  cluster: { view: "cluster" },
  vote: { view: "vote", text: "voting_here" },
  results: { view: "vote", text: "voting_here" },
  teams: { view: "teams" },
  closed: { view: "message", text: "thank_you" },
};

function render(state) {
  const ws = state.workshop;
  if (!ws) return;
  countdown.update();
  spotCountdown.update();
  const phase = PHASES[ws.phase] || PHASES.propose;
  const ended = ws.status !== "open";
  const join = joinShown(ws, phase);
  document.body.dataset.phase = ws.phase;
  document.body.classList.toggle("is-compact", !join);
  $("[data-join]").hidden = !join;
  $("[data-corner-code]").hidden = join || ended || ws.phase === "closed";
  $("[data-phase-name]").textContent = boot.phases[ws.phase] || "";
  connected.textContent = plural(t, "connected_one", "connected_many", state.connected);
  const secret = ws.private_ideation && ws.phase === "propose";
  banner.hidden = !(secret || ended);
  banner.textContent = ended ? t.ended : secret ? t.private_screen : "";
  banner.classList.toggle("is-big", secret && !state.items.size);
  const round = phase.view === "vote" ? shownRound(state, ws.phase) : null;
  const view = phase.view === "vote" && !round ? "message" : phase.view;
  for (const [name, node] of Object.entries(views)) node.hidden = name !== view || ended;
  if (ended || !["items", "ranked", "cluster", "vote", "teams"].includes(view)) pager.count(view, 1);
  if (ended) return spotlight.render(state);
  if (round) renderVote(state, round);
  if (round) renderPage(state, ws.phase);
  if (phase.view === "items") renderItems(state);
  if (phase.view === "ranked") renderRanked(state);
  if (phase.view === "cluster") renderCluster();
  if (phase.view === "teams") renderTeams(state);
  if (view === "message") views.message.textContent = t[phase.text];
  spotlight.render(state);
}

// The join panel is large in the lobby and a corner code after it; J shows or hides it in
// any phase, until the room moves to another phase.
let joinPhase = null;
let joinAsked = null;
function joinShown(ws, phase) {
  if (ws.phase !== joinPhase) {
    joinPhase = ws.phase;
    joinAsked = null;
  }
  if (ws.status !== "open" || ws.phase === "closed") return false;
  return joinAsked ?? Boolean(phase.join);
}

// --- pages --------------------------------------------------------------------------

// A list (or a grid) shown page by page: as many rows as fit above the indicator.
function pageList(key, list) {
  const nodes = [...list.children];
  pager.show(key, pagesOf(nodes, "y", roomBelow(list, pagerBox)), nodes);
}

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
  // Counts only when there is something to count: a row of "+0 · 0 comments" says nothing.
  if (extra && (extra.plus || extra.comments)) {
    const meta = el("p", "proj-meta");
    if (extra.plus) {
      const plus = el("span", "proj-plus", `+${extra.plus}`);
      plus.setAttribute("aria-label", t.plus_one_label.replace("{n}", String(extra.plus)));
      meta.append(plus);
    }
    if (extra.comments) meta.append(el("span", "proj-ncomments", plural(t, "comments_one", "comments_many", extra.comments)));
    node.prepend(meta);
  }
  cards.set(item.id, { node, sig });
  return node;
}

function renderItems(state) {
  // Newest first, so what was just sent shows at the top.
  keyed(views.items, [...state.items.values()].reverse().map((item) => card(item, null)));
  pageList("items", views.items);
}

function renderRanked(state) {
  const comments = new Map();
  for (const c of shownComments(state)) comments.set(c.item_id, (comments.get(c.item_id) || 0) + 1);
  const plus = (item) => state.reactions.get(item.id) || 0;
  const items = [...state.items.values()].sort((a, b) => plus(b) - plus(a) || a.id - b.id);
  keyed(views.ranked, items.map((item) => card(item, { plus: plus(item), comments: comments.get(item.id) || 0 })));
  pageList("ranked", views.ranked);
}

// Each team forming: how many, from which clusters and sectors, what they bring and look for,
// and the names of those who agreed; as many cards as fit per page.
const teamCards = new Map(); // team id -> {sig, node}
function renderTeams(state) {
  const teams = shownTeams(state);
  const nodes = teams.map((team) => {
    const sig = JSON.stringify(team);
    const cached = teamCards.get(team.id);
    if (cached?.sig === sig) return cached.node;
    const node = projectorTeamCard(team, t);
    teamCards.set(team.id, { sig, node });
    return node;
  });
  keyed(views.teams, nodes.length ? nodes : [el("li", "proj-team-none", t.teams_none)]);
  pageList("teams", views.teams);
}

// The board, read-only: as many theme columns as fit side by side per page, and in a column
// the cards that fit, then "and 3 more".
function renderCluster() {
  renderBoard(views.cluster, live, t, { editable: false });
  const grid = views.cluster.querySelector(".board-columns");
  const columns = [...grid.children];
  pager.show("cluster", pagesOf(columns, "x", grid.clientWidth), columns);
  for (const column of columns) if (!column.hidden) fitColumn(column);
}

function fitColumn(column) {
  const cards = [...column.querySelectorAll(".board-card")];
  let more = column.querySelector(".proj-more");
  if (!more) {
    more = el("p", "proj-more");
    column.append(more);
  }
  for (const c of cards) c.hidden = false;
  more.hidden = true;
  const limit = pagerBox.getBoundingClientRect().top - 0.01 * window.innerWidth;
  const bottom = (node) => node.getBoundingClientRect().bottom + parseFloat(getComputedStyle(column).paddingBottom);
  // A lone card is shown whole: a column is never only "and 1 more".
  if (cards.length < 2 || bottom(cards.at(-1)) <= limit) return;
  more.hidden = false;
  let fit = cards.length;
  do {
    fit -= 1;
    cards[fit].hidden = true;
    more.textContent = plural(t, "more_one", "more_many", cards.length - fit);
  } while (fit > 1 && bottom(more) > limit);
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
  const sig = () => JSON.stringify([round, tally, pager.key, pager.page, window.innerWidth, window.innerHeight]);
  if (sig() === voteSig) return;
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
  holder.replaceChildren();
  renderChoices(shown || closed ? null : round);
  if (shown) renderRoundResults(holder, round, tally);
  else if (closed) pager.count(`hidden:${round.id}`, 1);
  voteSig = sig();
}

// While a round is open the room sees what it votes on: the choices (and the criteria).
function renderChoices(round) {
  const list = $("[data-vote-choices]");
  const criteria = $("[data-vote-criteria]");
  list.hidden = !round;
  views.vote.classList.toggle("has-choices", Boolean(round));
  criteria.hidden = !round || round.method !== "scores";
  if (!round) return list.replaceChildren();
  criteria.textContent = t.scored_on.replace("{criteria}", round.criteria.map((c) => c.name).join(" · "));
  list.replaceChildren(...round.options.filter((o) => !o.removed).map(choice));
  pageList(`choices:${round.id}`, list);
}

function choice(option) {
  const li = el("li", "proj-choice");
  if (option.country) li.append(el("strong", "country", countryName(option.country)));
  li.append(el("span", "proj-choice-text", option.label));
  return li;
}

// Charts are drawn with their text READ_PX high on any screen: their viewBox is as many units
// wide as the box they fill, scaled by their font (in units) over READ_PX.
const READ_PX = () => 0.017 * window.innerWidth; // 32.6 px at 1920
const BAR_FONT = 26; // charts.js: the bars' text, in viewBox units
const QUADRANT_FONT = 24; // charts.js: the 2×2's text

function renderRoundResults(holder, round, tally) {
  const key = `results:${round.id}`;
  if (round.method === "scores") return renderScoreResults(holder, round, tally, key);
  const width = Math.round((holder.clientWidth * BAR_FONT) / READ_PX());
  // First one row, to see where the chart starts; then as many rows a page as fit under it.
  holder.replaceChildren(renderResults(round, tally, t, { width, rows: [0, 1], plain: true }));
  const svg = holder.querySelector(".chart-bars");
  // A dot vote's choices with no dot are one line under the chart (round_results.js), not bars.
  const total = round.method === "dots" ? foldZeros(tally.results)[0].length : tally.results.length;
  if (!svg) return pager.count(key, 1);
  const rowPx = (BAR_ROW * svg.getBoundingClientRect().width) / width;
  const per = Math.max(1, Math.floor(roomBelow(svg, pagerBox) / rowPx));
  const page = pager.count(key, Math.ceil(total / per));
  holder.replaceChildren(renderResults(round, tally, t, { width, rows: [page * per, page * per + per], plain: true }));
}

// The table beside the 2×2: the 2×2 fills its half at the set type size, the table's rows
// go page by page.
function renderScoreResults(holder, round, tally, key) {
  holder.replaceChildren(renderResults(round, tally, t, { plain: true }));
  const box = holder.querySelector(".scores-quadrant");
  if (box) {
    const unit = READ_PX() / QUADRANT_FONT;
    const w = box.clientWidth;
    const h = Math.min(roomBelow(box, pagerBox), w);
    const quadrant = { width: Math.round(w / unit), height: Math.round(h / unit) };
    holder.replaceChildren(renderResults(round, tally, t, { quadrant, plain: true }));
  }
  const rows = [...holder.querySelectorAll(".results-table tbody tr")];
  const legend = holder.querySelector(".crit-legend");
  if (!rows.length) return pager.count(key, 1);
  const below = legend ? legend.getBoundingClientRect().bottom - rows.at(-1).getBoundingClientRect().bottom : 0;
  pager.show(key, pagesOf(rows, "y", roomBelow(rows[0], pagerBox) - below), rows);
}

window.addEventListener("resize", () => {
  voteSig = null;
  if (live.state.workshop) render(live.state);
});

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

function toggleJoin() {
  const ws = live.state.workshop;
  joinAsked = !joinShown(ws, PHASES[ws.phase] || PHASES.propose);
  voteSig = null;
  render(live.state);
}

// ↓ and ↑ turn the spotlight's comments when it is up, else the pages behind it, else (in
// Results, a round that fits one page) the round.
function turnPage(by) {
  if (!spotlight.turn(by) && !pager.turn(by)) turnRound(by);
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
  ArrowDown: () => turnPage(1),
  ArrowUp: () => turnPage(-1),
  j: toggleJoin,
  f: toggleFullscreen,
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
