// Voting rounds as the staff screens (cockpit, projector) show them, from live.state.rounds
// (Map id -> round) and live.state.tallies (Map round id -> latest tally) that live.js keeps:
//
//   roundsOf(state)         the rounds, by number
//   methodName(round, t)    "Dot vote", "Ranking", "Scoring of markets"
//   votedText(tally, t)     "17 of 23 have voted"
//   resultsShown(round, tally)  whether this screen has results to show
//   renderResults(round, tally, t, { width, rows, quadrant, plain })  a <div class="round-results">
//       with the charts. width: the bar chart's viewBox width; rows: [start, end] to draw only
//       those bars (a projector's page; the bars keep the scale of all); quadrant: {width,
//       height} of the 2×2's viewBox; plain: in the room's words (the projector), without the
//       figures
import { countryName, el } from "./items.js";
import { plural } from "./live.js";
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

// `plain`: the room's words (the projector): ranks and ties, "points", "opinions split", no
// spread figures, which stay in the cockpit and the exports.
export function renderResults(round, tally, t, { width, rows, quadrant, plain = false } = {}) {
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
  if (round.method === "scores") return renderScores(box, round, tally, t, quadrant, plain);
  const options = optionsById(round);
  if (round.method === "ranking") box.append(condorcet(round, tally, options, t, plain));
  // A dot vote's choices with no dot fold into one line: the chart shows what the room chose.
  const [shown, none] = round.method === "dots" ? foldZeros(tally.results) : [tally.results, []];
  const tied = tiedRanks(shown);
  const caption = round.method === "ranking" ? (plain ? t.points_caption : t.borda_points) : t.dots_given;
  const chart = barChart(rows ? shown.slice(...rows) : shown, {
    label: (row) => optionLabel(options.get(row.item_id)),
    rank: (row) => rankText(row),
    value: (row) => row.points,
    flag: (row) => (row.contested ? (plain ? t.opinions_split : t.worth_discussing) : null),
    note: (row) => [tied(row) ? t.tied : "", plain ? "" : `${t.spread} ${one(row.spread)}`].filter(Boolean).join(" · "),
    format: one,
    width,
    max: Math.max(1, ...shown.map((row) => row.points)),
    roomFor: widestAfterBar(shown, plain ? t.opinions_split : t.worth_discussing),
    title: caption,
  });
  box.append(el("p", "chart-caption", caption), chart);
  if (none.length) box.append(noDots(none, options, t, plain));
  if (plain && shown.some((row) => row.contested)) box.append(el("p", "muted split-note", `⚑ ${t.split_hint}`));
  box.append(segments(tally, options, t));
  return box;
}

// The widest value and flag at a bar's end: a chart drawn a page at a time keeps one scale.
function widestAfterBar(results, flag) {
  const most = one(Math.max(0, ...results.map((row) => row.points)));
  return results.some((row) => row.contested) ? `${most} ⚑ ${flag}` : most;
}

// "2." for a ranked choice, "–" for one not scored yet (a rank of null).
export function rankText(row) {
  return row.rank === null || row.rank === undefined ? "–" : `${row.rank}.`;
}

// Whether a row shares its rank with another (competition ranks: 1, 2, 2, 4).
export function tiedRanks(rows) {
  const counts = new Map();
  for (const row of rows) if (row.rank != null) counts.set(row.rank, (counts.get(row.rank) || 0) + 1);
  return (row) => row.rank != null && counts.get(row.rank) > 1;
}

// [the rows with dots, those with none]
export function foldZeros(rows) {
  return [rows.filter((row) => row.points > 0), rows.filter((row) => !(row.points > 0))];
}

// "5 with no dots", which the cockpit opens to name them.
function noDots(rows, options, t, plain) {
  const text = plural(t, "no_dots_one", "no_dots_many", rows.length);
  if (plain) {
    const p = el("p", "muted no-dots", text);
    p.dataset.noDots = String(rows.length);
    return p;
  }
  const box = el("details", "no-dots");
  box.dataset.noDots = String(rows.length);
  box.append(el("summary", "", text), el("p", "muted small", rows.map((row) => optionLabel(options.get(row.item_id))).join(" · ")));
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
    for (const why of hiddenWhy(part, t)) section.append(el("p", "muted small segments-hidden", why));
    if (!part.segments.length && !part.hidden_segments) section.append(el("p", "muted small", t.segments_none));
    wrap.append(section);
  }
  return wrap;
}

// Why groups are not shown: too few voters, or enough but hidden with the small ones, since
// with the overall result they would give away how the few voters left out voted.
function hiddenWhy(part, t) {
  const small = part.hidden_small ?? part.hidden_segments ?? 0;
  const protecting = part.hidden_protecting ?? 0;
  const out = [];
  if (small) out.push(plural(t, "segments_hidden_one", "segments_hidden", small));
  if (protecting) out.push(plural(t, "segments_protecting_one", "segments_protecting_many", protecting));
  return out;
}

function condorcet(round, tally, options, t, plain) {
  const winner = tally.schulze?.condorcet_winner;
  const p = el("p", `condorcet${winner ? " has-winner" : ""}`);
  p.dataset.condorcet = "";
  if (winner) {
    const label = plain ? t.preferred_to_all : t.condorcet_winner;
    p.append(el("span", "condorcet-label", label), " ", el("strong", "condorcet-name", optionLabel(options.get(winner))));
    p.title = t.condorcet_hint;
  } else {
    p.textContent = plain ? "" : t.no_condorcet;
    p.hidden = plain; // the room needs no word for a winner there is not
  }
  return p;
}

function meansOf(row) {
  if (row.means) return row.means;
  return Object.fromEntries((row.criteria || []).map((c) => [c.criterion, c.mean]));
}

// A criterion's key in the scores table: A, B, C… (named in the legend under it).
const critKey = (i) => String.fromCharCode(65 + (i % 26));

// Criterion names are long ("Knowledge and expertise in AI and blockchain", longer still in
// German): the columns are headed by a key and the names given once, in a legend, so the
// table fits a 1366 laptop and a 1920 projector.
function criterionHead(c, i) {
  const th = el("th", "num crit");
  th.title = c.name;
  const key = el("span", "crit-key", critKey(i));
  key.setAttribute("aria-hidden", "true");
  th.append(key, el("span", "sr-only", c.name));
  return th;
}

function criteriaLegend(criteria) {
  const legend = el("dl", "crit-legend");
  criteria.forEach((c, i) => {
    const weight = c.weight !== undefined && c.weight !== 1 ? ` ×${one(c.weight)}` : "";
    legend.append(el("dt", "crit-key", critKey(i)), el("dd", "", `${c.name}${weight}`));
  });
  return legend;
}

function renderScores(box, round, tally, t, size = {}, plain = false) {
  const options = optionsById(round);
  const criteria = round.criteria;
  const table = el("table", "table results-table");
  const head = el("tr");
  head.append(el("th", "num", "#"), el("th", "", t.market_col), el("th", "num", t.score_col));
  criteria.forEach((c, i) => head.append(criterionHead(c, i)));
  head.append(el("th", "num", t.voters_col));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  const points = [];
  const tied = tiedRanks(tally.results);
  for (const row of tally.results) {
    const option = options.get(row.item_id);
    const means = meansOf(row);
    const tr = el("tr", row.contested ? "is-flagged" : "");
    tr.dataset.itemId = String(row.item_id);
    const name = el("td", "market");
    name.append(el("strong", "", optionLabel(option, { short: true })));
    if (option?.country) name.append(el("span", "muted small market-text", option.label));
    if (row.contested) name.append(el("span", "tag flag", plain ? t.opinions_split : t.worth_discussing));
    // How far people agree: the spread of their scores, under the market's name (staff only).
    if (!plain) name.append(el("span", "spread-note", `${t.spread} ${one(row.spread)}`));
    const rank = el("td", "num rank", rankText(row));
    if (tied(row)) rank.append(el("span", "rank-tie", t.tied));
    tr.append(rank, name, el("td", "num score", two(row.weighted_score)));
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
  if (criteria.length) tableBox.append(criteriaLegend(criteria));
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
      width: size?.width || 760,
      height: size?.height || 600,
      quadrants: [t.quad_tl, t.quad_tr, t.quad_bl, t.quad_br],
      title: t.quadrant_title,
    }));
    grid.append(chartBox);
  }
  box.append(grid);
  if (plain && tally.results.some((row) => row.contested)) box.append(el("p", "muted split-note", `⚑ ${t.split_hint}`));
  box.append(segments(tally, options, t));
  return box;
}
