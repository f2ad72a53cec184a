// The phone's discuss, cluster, vote and results stages: the room's items, each with its +1 and comments
// (discussion.js). Cards are kept by item id and updated in place, never rebuilt on every
// change, so a comment being typed keeps its text and its focus while the room moves.
import { ballotFor } from "./ballot.js";
import { discussionFor } from "./discussion.js";
import { el, itemCard, syncChildren } from "./items.js";
import { plural } from "./live.js";
import { resultsFor } from "./phone_results.js";

const cards = new Map(); // item id -> {sig, node}
const groups = new Map(); // theme id ("u" for unsorted) -> {node, head, list, sig}
const UNSORTED = "u";

function discussionOptions(t, locked) {
  // Commenting is a timed action: at zero it is locked; +1 is not.
  return { canWrite: !locked, lockedReason: locked ? t.time_up : "" };
}

function card(item, live, t, locked) {
  const spot = live.state.workshop.spotlight_item_id === item.id;
  const sig = JSON.stringify([item.text, item.kind, item.country_name, item.author, item.state, item.mine, item.merged_from, spot]);
  let entry = cards.get(item.id);
  if (!entry || entry.sig !== sig) {
    const node = itemCard(item, t);
    if (spot) {
      node.classList.add("is-spotlight");
      node.querySelector(".item-head").prepend(el("span", "tag spot", t.spotlight));
    }
    if (item.merged_from?.length) node.append(merged(item, t));
    entry = { sig, node };
    cards.set(item.id, entry);
  }
  const discussion = discussionFor(item, live, t, discussionOptions(t, locked));
  if (discussion.parentNode !== entry.node) entry.node.append(discussion);
  return entry.node;
}

function merged(item, t) {
  const box = el("div", "merged-in");
  box.append(el("p", "merged-title", t.merged));
  const list = el("ul");
  for (const m of item.merged_from) list.append(el("li", null, m.text));
  box.append(list);
  return box;
}

function emptyNode(text) {
  return el("li", "empty muted", text);
}

function forget(state) {
  for (const id of cards.keys()) if (!state.items.has(id)) cards.delete(id);
}

// discuss: every item the phone may see, the one on the big screen first, then newest first.
export function renderDiscuss(list, live, t, { locked }) {
  const state = live.state;
  forget(state);
  const spot = state.workshop.spotlight_item_id;
  const items = [...state.items.values()].sort((a, b) => (b.id === spot) - (a.id === spot) || b.id - a.id);
  const nodes = items.map((item) => card(item, live, t, locked));
  syncChildren(list, nodes.length ? nodes : [emptyNode(state.workshop.private_ideation ? t.private : t.no_items)]);
}

// cluster: read-only themes in board order (Unsorted last); with participants_cluster,
// the shared clustering board (board.js) in editable mode.
export function renderCluster(section, live, t, { locked }) {
  const ws = live.state.workshop;
  const boardBox = section.querySelector("[data-board]");
  const themesBox = section.querySelector("[data-themes]");
  const editable = ws.participants_cluster && board.module !== null;
  section.querySelector("[data-cluster-hint]").textContent = ws.participants_cluster ? t.cluster_hint_editable : t.cluster_hint;
  boardBox.hidden = !editable;
  themesBox.hidden = editable;
  forget(live.state);
  if (editable) return renderEditable(boardBox, live, t, locked);
  renderGroups(themesBox, live, t, locked);
}

// --- the editable board (board.js) ---------------------------------------------------
// INTEGRATION POINT with board.js, the clustering board of the facilitator's screens:
// renderBoard(container, live, t, {editable, decorate}) draws columns (Unsorted + one per
// theme) with SortableJS drag and drop (mouse and touch) and a "Move to…" select; its
// `decorate(li, item)` hook puts the discussion in each card. It is imported only when a
// workshop lets participants cluster; if it fails to load, the read-only themes are shown.
const board = { module: undefined, host: null, editable: null, loading: null };

function renderEditable(box, live, t, locked) {
  if (board.module === undefined) {
    board.loading ??= import("./board.js")
      .then((m) => (board.module = typeof m.renderBoard === "function" ? m : null))
      .catch(() => (board.module = null))
      .then(() => live.onChange(live.state));
    return;
  }
  // A board is made editable or not when it is created (its drag handlers): a new one when
  // that changes, e.g. when the countdown locks moving.
  if (board.editable !== !locked || !box.contains(board.host)) {
    board.host = el("div", "phone-board-host");
    board.editable = !locked;
    box.replaceChildren(board.host);
  }
  const opts = discussionOptions(t, locked);
  board.module.renderBoard(board.host, live, t, {
    editable: !locked,
    decorate: (li, item) => li.append(discussionFor(item, live, t, opts)),
  });
  // The cards of the board are rebuilt only when they change: bring every discussion up to date.
  for (const item of live.state.items.values()) discussionFor(item, live, t, opts);
}

// --- read-only themes ------------------------------------------------------------------

function renderGroups(box, live, t, locked) {
  const state = live.state;
  const byTheme = new Map([[UNSORTED, []], ...state.themes.map((th) => [th.id, []])]);
  const items = [...state.items.values()].sort((a, b) => a.position - b.position || a.id - b.id);
  for (const item of items) (byTheme.get(item.theme_id) || byTheme.get(UNSORTED)).push(item);
  const columns = state.themes.map((theme) => [theme.id, theme]);
  if (byTheme.get(UNSORTED).length || !columns.length) columns.push([UNSORTED, null]);
  const nodes = columns.map(([key, theme]) => group(key, theme, byTheme.get(key), live, t, locked));
  for (const key of groups.keys()) if (!byTheme.has(key)) groups.delete(key);
  syncChildren(box, nodes);
}

function group(key, theme, items, live, t, locked) {
  let g = groups.get(key);
  if (!g) {
    g = { node: el("section", "theme-group"), head: el("h3", "theme-head"), list: el("ul", "items"), sig: null };
    g.node.append(g.head, g.list);
    groups.set(key, g);
  }
  g.node.dataset.themeId = theme ? String(theme.id) : "";
  g.node.classList.toggle("is-unsorted", !theme);
  g.node.style.setProperty("--theme-color", theme ? theme.color : "#94a3b8");
  const sig = JSON.stringify([theme?.name, items.length]);
  if (g.sig !== sig) {
    g.sig = sig;
    const swatch = el("span", "swatch");
    swatch.setAttribute("aria-hidden", "true");
    const count = el("span", "theme-count", String(items.length));
    count.setAttribute("aria-label", plural(t, "items_one", "items_many", items.length));
    g.head.replaceChildren(swatch, el("span", "theme-name", theme ? theme.name : t.unsorted), count);
  }
  const nodes = items.map((item) => card(item, live, t, locked));
  syncChildren(g.list, nodes.length ? nodes : [emptyNode(t.no_items)]);
  return g.node;
}

// --- vote and results (ballot.js, phone_results.js) -------------------------------------

function roundsNewestFirst(live) {
  return [...live.state.rounds.values()].sort((a, b) => b.number - a.number);
}

// vote: the open round's ballot (else the latest round, read-only, "This round is closed"),
// and its results once revealed; "No round is open yet" before the first round.
export function renderVote(section, live, t, { locked }) {
  const rounds = roundsNewestFirst(live);
  const round = rounds.find((r) => r.status === "open") || rounds[0] || null;
  section.querySelector("[data-vote-none]").hidden = Boolean(round);
  const host = section.querySelector("[data-ballot-host]");
  const results = section.querySelector("[data-vote-results]");
  if (!round) {
    host.replaceChildren();
    results.replaceChildren();
    return;
  }
  syncChildren(host, [ballotFor(round, live, t, { locked })]);
  const shown = resultsFor(round, live.state.tallies.get(round.id), live, t);
  syncChildren(results, shown ? [shown] : []);
}

// results: every round whose results were revealed, the newest first.
export function renderResults(section, live, t) {
  const shown = roundsNewestFirst(live)
    .map((round) => resultsFor(round, live.state.tallies.get(round.id), live, t))
    .filter(Boolean);
  section.querySelector("[data-results-none]").hidden = shown.length > 0;
  syncChildren(section.querySelector("[data-results-list]"), shown);
}
