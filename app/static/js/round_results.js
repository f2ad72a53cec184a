// Voting rounds as the staff screens (cockpit, projector) show them, from live.state.rounds
// (Map id -> round) and live.state.tallies (Map round id -> latest tally) that live.js keeps:
//
//   roundsOf(state)         the rounds, by number
//   methodName(round, t)    "Dot vote", "Ranking", "Scoring of markets"
//   votedText(tally, t)     "17 of 23 have voted"
//   resultsShown(round, tally)  whether this screen has results to show
//   renderResults(round, tally, t, { width })  a <div class="round-results"> with the charts
import { countryName, el } from "./items.js";
import { barChart, quadrantChart } from "./charts.js";

export function roundsOf(state) {
  return [...(state.rounds?.values() || [])].sort((a, b) => a.number - b.number);
}

export function methodName(round, t) {
  return { dots: t.method_dots, ranking: t.method_ranking, scores: t.method_scores }[round.method] || "";
}

export function votedText(tally, t) {
  const voted = tally?.voted ?? 0;
  const eligible = tally?.eligible ?? 0;
  return t.voted_of.replace("{voted}", String(voted)).replace("{eligible}", String(eligible));
}

export function resultsShown(round, tally) {
  return Boolean(tally && Array.isArray(tally.results));
}

// A choice's name: the country first for a target market.
export function optionLabel(option, { short = false } = {}) {
  if (!option) return "?";
  const country = countryName(option.country);
  if (!country) return option.label;
  return short ? country : `${country} — ${option.label}`;
}

function optionsById(round) {
  return new Map(round.options.map((o) => [o.id, o]));
}

const one = (n) => (Number.isInteger(n) ? String(n) : Number(n).toFixed(1));
const two = (n) => (n === null || n === undefined ? "–" : Number(n).toFixed(2));

export function renderResults(round, tally, t, { width } = {}) {
  const box = el("div", `round-results method-${round.method}`);
  box.dataset.roundId = String(round.id);
  if (!resultsShown(round, tally)) {
    // An anonymous round keeps its results sealed until it closes, for the facilitator too.
    if (tally?.sealed) box.append(el("p", "muted sealed-note", t.sealed));
    return box;
  }
  if (!tally.voted) {
    box.append(el("p", "muted round-empty", t.no_ballots));
    return box;
  }
  if (round.method === "scores") return renderScores(box, round, tally, t);
  const options = optionsById(round);
  if (round.method === "ranking") box.append(condorcet(round, tally, options, t));
  const chart = barChart(tally.results, {
    label: (row) => optionLabel(options.get(row.item_id)),
    value: (row) => row.points,
    flag: (row) => (row.contested ? t.worth_discussing : null),
    note: (row) => `${t.spread} ${one(row.spread)}`,
    format: one,
    width,
    title: round.method === "ranking" ? t.borda_points : t.dots_given,
  });
  box.append(el("p", "chart-caption", round.method === "ranking" ? t.borda_points : t.dots_given), chart);
  box.append(segments(tally, options, t));
  return box;
}

// Results per cluster and per sector: groups of fewer than 3 voters are never shown.
function segments(tally, options, t) {
  const wrap = el("details", "segments");
  wrap.dataset.segments = "";
  wrap.append(el("summary", "", t.by_segment));
  for (const [key, title] of [["by_cluster", t.by_cluster], ["by_sector", t.by_sector]]) {
    const part = tally[key];
    if (!part) continue;
    const section = el("section", "segment-group");
    section.append(el("h4", "", title));
    for (const seg of part.segments) {
      const top = seg.results.slice(0, 3).map((row) => {
        const value = row.weighted_score ?? row.points;
        return `${optionLabel(options.get(row.item_id), { short: true })} (${one(value)})`;
      });
      const line = el("p", "segment-line");
      line.append(el("strong", "", `${seg.segment} · ${t.voters_n.replace("{n}", seg.voters)}: `), top.join(", "));
      section.append(line);
    }
    if (part.hidden_segments) section.append(el("p", "muted small", t.segments_hidden.replace("{n}", part.hidden_segments)));
    if (!part.segments.length && !part.hidden_segments) section.append(el("p", "muted small", t.segments_none));
    wrap.append(section);
  }
  return wrap;
}

function condorcet(round, tally, options, t) {
  const winner = tally.schulze?.condorcet_winner;
  const p = el("p", `condorcet${winner ? " has-winner" : ""}`);
  p.dataset.condorcet = "";
  if (winner) {
    p.append(el("span", "condorcet-label", t.condorcet_winner), " ", el("strong", "condorcet-name", optionLabel(options.get(winner))));
    p.title = t.condorcet_hint;
  } else {
    p.textContent = t.no_condorcet;
  }
  return p;
}

function meansOf(row) {
  if (row.means) return row.means;
  return Object.fromEntries((row.criteria || []).map((c) => [c.criterion, c.mean]));
}

function renderScores(box, round, tally, t) {
  const options = optionsById(round);
  const criteria = round.criteria;
  const table = el("table", "table results-table");
  const head = el("tr");
  head.append(el("th", "num", "#"), el("th", "", t.market_col), el("th", "num", t.score_col));
  for (const c of criteria) head.append(el("th", "num crit", c.name));
  head.append(el("th", "num", t.voters_col));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  const points = [];
  for (const row of tally.results) {
    const option = options.get(row.item_id);
    const means = meansOf(row);
    const tr = el("tr", row.contested ? "is-flagged" : "");
    tr.dataset.itemId = String(row.item_id);
    const name = el("td", "market");
    name.append(el("strong", "", optionLabel(option, { short: true })));
    if (option?.country) name.append(el("span", "muted small market-text", option.label));
    if (row.contested) name.append(el("span", "tag flag", t.worth_discussing));
    // How far people agree: the spread of their scores, under the market's name.
    name.append(el("span", "spread-note", `${t.spread} ${one(row.spread)}`));
    tr.append(el("td", "num", row.rank ?? "–"), name, el("td", "num score", two(row.weighted_score)));
    for (const c of criteria) tr.append(el("td", "num", two(means[c.id])));
    tr.append(el("td", "num", String(row.voters)));
    table.tBodies[0].append(tr);
    const x = means[criteria[0]?.id];
    const others = criteria.slice(1).map((c) => means[c.id]);
    if (x !== null && x !== undefined && others.length && others.every((m) => m !== null && m !== undefined)) {
      const y = others.reduce((a, b) => a + b, 0) / others.length;
      points.push({ label: optionLabel(option, { short: true }), x, y, flag: row.contested });
    }
  }
  const grid = el("div", "scores-grid");
  const tableBox = el("div", "scores-table");
  // It scrolls sideways when narrow: a keyboard must be able to reach it too (WCAG 2.1.1).
  tableBox.tabIndex = 0;
  tableBox.setAttribute("role", "region");
  tableBox.setAttribute("aria-label", t.method_scores);
  tableBox.append(table);
  grid.append(tableBox);
  if (criteria.length > 1) {
    const chartBox = el("div", "scores-quadrant");
    const yLabel = criteria.length === 2 ? criteria[1].name : t.mean_of_others;
    chartBox.append(quadrantChart(points, {
      xLabel: criteria[0].name,
      yLabel,
      min: 1,
      max: 5,
      mid: 3,
      // Half a screen wide at most: a narrower viewBox keeps its labels readable.
      width: 760,
      height: 600,
      quadrants: [t.quad_tl, t.quad_tr, t.quad_bl, t.quad_br],
      title: t.quadrant_title,
    }));
    grid.append(chartBox);
  }
  box.append(grid, segments(tally, options, t));
  return box;
}
