// A round's results on the phone, once the facilitator has revealed them, in the room's words:
// bars for a dot vote (choices with no dot folded) and a ranking (points), a ranked table for
// scores, ranks and ties marked; contested choices are flagged "opinions split"; "17 of 23 have
// voted" on top.
//
//   import { resultsFor } from "./phone_results.js";
//   box.append(resultsFor(round, tally, live, t));   // null when the tally carries no results
//
// The bars are HTML here, not charts.js's SVG (which the cockpit and the projector use): an SVG
// label is one line cut at ~36 characters at phone width, and participants' items are whole
// sentences that two similar items must not be confused by. HTML wraps them, and a screen
// reader reads the list as it is.
import { fill, optionText, votedOf } from "./ballot.js";
import { quadrantChart } from "./charts.js";
import { el } from "./items.js";
import { plural } from "./live.js";
import { foldZeros, optionLabel, rankText, tiedRanks } from "./round_results.js";

const cache = new Map(); // round id -> {sig, node}
const TOP = 3; // a round's first rows, shown at once; the rest wait behind "Show all"

export function resultsFor(round, tally, live, t) {
  if (!tally?.results) return null;
  const sig = JSON.stringify([round.title, round.status, tally, live.state.items.size]);
  const hit = cache.get(round.id);
  if (hit?.sig === sig) return hit.node;
  const node = build(round, tally, live, t);
  cache.set(round.id, { sig, node });
  return node;
}

function build(round, tally, live, t) {
  const box = el("section", "phone-results");
  box.dataset.results = "";
  box.dataset.roundId = round.id;
  box.dataset.method = round.method;
  box.append(el("h2", "results-title", fill(t.results_of, { title: round.title })));
  if (tally.eligible) box.append(el("p", "muted small results-count", votedOf(t, tally)));
  const options = new Map(round.options.map((o) => [o.id, o]));
  if (round.method === "scores") {
    const table = scoresTable(round, tally.results, options, live, t);
    box.append(table, ...folded([...table.tBodies[0].rows], t), quadrant(round, tally.results, options, t));
  } else box.append(...bars(round, tally, options, live, t));
  if (tally.results.some((r) => r.contested)) box.append(el("p", "muted small result-legend", `⚑ ${t.split_hint}`));
  return box;
}

// The top of a round first: a phone's results stay a screen or two long, the rest a tap away.
function folded(rows, t) {
  if (rows.length <= TOP + 1) return [];
  const rest = rows.slice(TOP);
  const button = el("button", "button small result-more");
  button.type = "button";
  const show = (open) => {
    for (const row of rest) row.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? fill(t.show_top, { n: TOP }) : fill(t.show_all, { n: rows.length });
  };
  button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
  show(false);
  return [button];
}

// The room's words: "opinions split" instead of a spread figure (which the cockpit keeps).
function contested(t) {
  const tag = el("span", "tag contested", t.opinions_split);
  tag.title = t.split_hint;
  return tag;
}

function rank(r, tied, t) {
  const box = el("span", "result-rank", rankText(r));
  if (tied(r)) box.append(el("span", "rank-tie", t.tied));
  return box;
}

function bars(round, tally, options, live, t) {
  // A dot vote's choices with no dot fold into one line, opened on a tap.
  const [rows, none] = round.method === "dots" ? foldZeros(tally.results) : [tally.results, []];
  const tied = tiedRanks(rows);
  const out = [];
  const max = Math.max(1, ...rows.map((r) => r.points));
  if (round.method === "ranking") out.push(el("p", "muted small result-scale", t.points_caption));
  const list = el("ol", "result-bars");
  for (const r of rows) {
    const li = el("li", "result-row");
    li.dataset.optionId = r.item_id;
    li.classList.toggle("is-contested", r.contested);
    const head = el("div", "result-head");
    head.append(rank(r, tied, t));
    const option = options.get(r.item_id);
    head.append(option ? optionText(option, live) : el("span", "option-label", "?"));
    if (r.contested) head.append(contested(t));
    const bar = el("div", "result-bar");
    const fillEl = el("span", "result-fill");
    fillEl.style.width = `${Math.round((100 * r.points) / max)}%`;
    bar.append(fillEl);
    bar.setAttribute("aria-hidden", "true");
    const points = Number.isInteger(r.points) ? r.points : Number(r.points.toFixed(1));
    const meta = el("p", "result-meta");
    meta.append(el("strong", "result-points", plural(t, "points_one", "points_many", points)), " · ", plural(t, "voters_one", "voters_many", r.voters));
    li.append(head, bar, meta);
    list.append(li);
  }
  out.push(list, ...folded([...list.children], t));
  if (none.length) {
    const noDots = el("details", "no-dots");
    noDots.dataset.noDots = String(none.length);
    const names = el("ul", "result-means");
    for (const r of none) names.append(el("li", null, optionLabel(options.get(r.item_id))));
    noDots.append(el("summary", null, plural(t, "no_dots_one", "no_dots_many", none.length)), names);
    out.push(noDots);
  }
  if (round.method === "ranking" && tally.schulze) {
    const s = tally.schulze;
    const name = (id) => options.get(id)?.label ?? "?";
    const text = s.condorcet_winner != null
      ? fill(t.condorcet, { label: name(s.condorcet_winner) })
      : s.schulze_winners?.length ? fill(t.first_overall, { labels: s.schulze_winners.map(name).join(", ") }) : "";
    if (text) out.push(el("p", "result-note", text));
  }
  return out;
}

// The 2x2 of markets: the first criterion (market potential) across, the mean of the others up.
// Its labels are country names, short enough for an SVG at phone width.
function quadrant(round, rows, options, t) {
  const [first, ...others] = round.criteria;
  const box = el("div", "phone-quadrant");
  if (!first || !others.length) return box;
  const meanOf = (r, c) => {
    const found = (r.criteria || []).find((x) => String(x.criterion) === String(c.id));
    return found ? found.mean : r.means?.[c.id];
  };
  const points = [];
  for (const r of rows) {
    const x = meanOf(r, first);
    const ys = others.map((c) => meanOf(r, c));
    if (x == null || ys.some((y) => y == null)) continue;
    const option = options.get(r.item_id);
    points.push({ label: optionLabel(option, { short: true }).slice(0, 24), x, y: ys.reduce((a, b) => a + b, 0) / ys.length, flag: r.contested });
  }
  box.dataset.quadrant = "";
  box.append(quadrantChart(points, {
    xLabel: first.name.slice(0, 30),
    yLabel: others.length === 1 ? others[0].name.slice(0, 30) : t.mean_of_others,
    // A narrow viewBox: at a phone's width its 24-unit text is drawn about 17 px high.
    min: 1, max: 5, mid: 3, width: 460, height: 440,
    title: t.quadrant_title,
  }));
  return box;
}

function scoresTable(round, rows, options, live, t) {
  const table = el("table", "table result-table");
  const head = el("tr");
  head.append(el("th", "num", "#"), el("th", null, t.choice), el("th", "num", t.score_scale));
  const thead = el("thead");
  thead.append(head);
  const body = el("tbody");
  const tied = tiedRanks(rows);
  for (const r of rows) {
    const tr = el("tr", "result-row");
    tr.dataset.optionId = r.item_id;
    tr.classList.toggle("is-contested", r.contested);
    const cell = el("td");
    const option = options.get(r.item_id);
    cell.append(option ? optionText(option, live) : el("span", "option-label", "?"));
    if (r.contested) cell.append(contested(t));
    // The criteria's means under the name: three more columns do not fit a phone.
    const means = el("ul", "result-means");
    const byCriterion = new Map([
      ...(r.criteria || []).map((c) => [String(c.criterion), c.mean]),
      ...Object.entries(r.means || {}),
    ]);
    for (const c of round.criteria) {
      const mean = byCriterion.get(String(c.id));
      if (mean != null) means.append(el("li", null, `${c.name}: ${Number(mean).toFixed(1)}`));
    }
    cell.append(means, el("span", "muted small", plural(t, "voters_one", "voters_many", r.voters)));
    const score = r.weighted_score == null ? "–" : Number(r.weighted_score).toFixed(1);
    const place = el("td", "num");
    place.append(rank(r, tied, t)); // "–" for a market nobody scored yet, never "null"
    tr.append(place, cell, el("td", "num result-score", score));
    body.append(tr);
  }
  table.append(thead, body);
  return table;
}
