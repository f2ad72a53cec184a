import { describe, expect, it } from "vitest";

import { resultsFor } from "../../app/static/js/phone_results.js";
import { strings, texts } from "./helpers.js";

const t = strings({
  results_of: "Results: {title}",
  voted_of: "{voted} of {eligible} have voted",
  voted_of_one: "{voted} of {eligible} has voted",
  points_one: "1 point",
  points_many: "{n} points",
  voters_one: "1 voter",
  voters_many: "{n} voters",
  opinions_split: "opinions split",
  split_hint: "people gave very different points",
  tied: "tied",
  condorcet: "{label} beats every other choice",
  first_overall: "First overall: {labels}",
});

// The phone's copy of the workshop (live.js keeps it): a market's item carries its country's name.
const live = { state: { items: new Map([[5, { id: 5, country_name: "Japan" }]]) } };

let ids = 100;
function round(method, extra = {}) {
  ids += 1;
  const options = [
    { id: 1, label: "A Tokyo desk" },
    { id: 2, label: "Mentors in Seoul" },
    { id: 3, label: "Huge demand for AI", item_id: 5, country: "JP" },
  ];
  return { id: ids, title: "Which first?", status: "closed", method, options, ...extra };
}

const row = (item_id, rank, points, voters, extra = {}) => ({
  item_id,
  rank,
  points,
  voters,
  spread: 0.5,
  contested: false,
  ...extra,
});

describe("resultsFor", () => {
  it("has nothing to show before the results are revealed", () => {
    expect(resultsFor(round("dots"), { voted: 3, eligible: 5 }, live, t)).toBeNull();
    expect(resultsFor(round("dots"), undefined, live, t)).toBeNull();
  });

  // The phone speaks the room's words: ranks "1.", points and voters, "opinions split" where the
  // cockpit shows a spread figure (which the phone no longer shows).
  it("draws bars as long as each choice's share of the first, with rank, points and voters, and flags split opinions", () => {
    const tally = {
      voted: 17,
      eligible: 23,
      results: [row(2, 1, 8, 5, { contested: true, spread: 1.25 }), row(1, 2, 2, 1), row(3, 3, 1, 1)],
    };
    const box = resultsFor(round("dots"), tally, live, t);
    expect(texts(box, ".results-title")).toEqual(["Results: Which first?"]);
    expect(texts(box, ".results-count")).toEqual(["17 of 23 have voted"]);
    const rows = [...box.querySelectorAll(".result-row")];
    expect(rows.map((li) => li.dataset.optionId)).toEqual(["2", "1", "3"]);
    expect(rows.map((li) => li.querySelector(".result-fill").style.width)).toEqual(["100%", "25%", "13%"]);
    expect(texts(box, ".result-points")).toEqual(["8 points", "2 points", "1 point"]);
    expect(texts(box, ".result-rank")).toEqual(["1.", "2.", "3."]);
    expect(box.querySelector(".rank-tie")).toBeNull();
    expect(texts(box, ".result-meta")).toEqual(["8 points · 5 voters", "2 points · 1 voter", "1 point · 1 voter"]);
    expect(rows.map((li) => li.classList.contains("is-contested"))).toEqual([true, false, false]);
    expect(texts(box, ".tag.contested")).toEqual(["opinions split"]);
    expect(texts(box, ".result-legend")).toEqual(["⚑ people gave very different points"]);
    // A market shows its country's name over its text.
    expect(texts(rows[2], ".country")).toEqual(["Japan"]);
  });

  it("says '1 of 5 has voted' for a single voter, and nothing of the count without voters", () => {
    const one = resultsFor(round("dots"), { voted: 1, eligible: 5, results: [row(1, 1, 3, 1)] }, live, t);
    expect(texts(one, ".results-count")).toEqual(["1 of 5 has voted"]);
    const none = resultsFor(round("dots"), { voted: 0, eligible: 0, results: [] }, live, t);
    expect(none.querySelector(".results-count")).toBeNull();
  });

  it("rounds Borda points to one decimal, and names the Condorcet winner or the Schulze winners first overall", () => {
    const borda = [row(1, 1, 2.5, 3), row(2, 2, 1.25, 3), row(3, 3, 0, 3)];
    const won = resultsFor(round("ranking"), { voted: 3, results: borda, schulze: { condorcet_winner: 1 } }, live, t);
    expect(texts(won, ".result-points")).toEqual(["2.5 points", "1.3 points", "0 points"]);
    expect(texts(won, ".result-note")).toEqual(["A Tokyo desk beats every other choice"]);
    const tied = { condorcet_winner: null, schulze_winners: [1, 2] };
    const box = resultsFor(round("ranking"), { voted: 3, results: borda, schulze: tied }, live, t);
    expect(texts(box, ".result-note")).toEqual(["First overall: A Tokyo desk, Mentors in Seoul"]);
  });

  it("gives the same node while nothing changed, and a new one when the tally does", () => {
    const r = round("dots");
    const tally = { voted: 2, eligible: 5, results: [row(1, 1, 3, 2)] };
    const first = resultsFor(r, tally, live, t);
    expect(resultsFor(r, { ...tally }, live, t)).toBe(first);
    const later = resultsFor(r, { ...tally, voted: 3, results: [row(1, 1, 5, 3)] }, live, t);
    expect(later).not.toBe(first);
    expect(texts(later, ".result-points")).toEqual(["5 points"]);
  });
});

describe("resultsFor a scoring round", () => {
  const criteria = [
    { id: 1, name: "Market potential" },
    { id: 2, name: "Capital" },
  ];
  const scored = [
    row(3, 1, undefined, 4, { weighted_score: 4.25, criteria: [{ criterion: 1, mean: 4.5 }, { criterion: 2, mean: 4 }] }),
    row(1, 2, undefined, 2, { weighted_score: 2.5, means: { 1: 2, 2: 3 } }),
    row(2, null, undefined, 0, { weighted_score: null, criteria: [{ criterion: 1, mean: null }, { criterion: 2, mean: null }] }),
  ];

  it("tables each choice's score and its criteria's means, read from either shape of the tally", () => {
    const box = resultsFor(round("scores", { criteria }), { voted: 4, results: scored }, live, t);
    expect(texts(box, ".result-score")).toEqual(["4.3", "2.5", "–"]);
    expect([...box.querySelectorAll(".result-means")].map((ul) => texts(ul, "li"))).toEqual([
      ["Market potential: 4.5", "Capital: 4.0"],
      ["Market potential: 2.0", "Capital: 3.0"],
      [],
    ]);
  });

  it("puts the scored markets on the 2×2, market potential across", () => {
    const box = resultsFor(round("scores", { criteria }), { voted: 4, results: scored }, live, t);
    const points = [...box.querySelectorAll(".chart-point")].map((g) => [g.dataset.label, g.dataset.x, g.dataset.y]);
    expect(points).toEqual([
      ["Japan", "4.5", "4"],
      ["A Tokyo desk", "2", "3"],
    ]);
    const single = resultsFor(round("scores", { criteria: criteria.slice(0, 1) }), { voted: 4, results: scored }, live, t);
    expect(single.querySelector(".chart-point")).toBeNull();
  });
});
