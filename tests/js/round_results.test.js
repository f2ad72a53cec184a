import { beforeAll, describe, expect, it } from "vitest";

import {
  methodName,
  optionLabel,
  renderResults,
  resultsShown,
  roundsOf,
  votedText,
} from "../../app/static/js/round_results.js";
import { strings, texts } from "./helpers.js";

const t = strings({
  voted_of: "{voted} of {eligible} have voted",
  voters_n: "{n} voters",
  segments_hidden: "{n} groups too small to show",
  method_dots: "Dot vote",
  method_ranking: "Ranking",
  method_scores: "Scoring",
  spread: "spread",
  worth_discussing: "worth discussing",
});

// A German workshop: country names come from the browser, in the page's language.
beforeAll(() => {
  document.documentElement.lang = "de";
});

const dots = {
  id: 7,
  number: 2,
  method: "dots",
  options: [
    { id: 11, label: "A Tokyo desk" },
    { id: 12, label: "Fintech and a young market", country: "IN" },
  ],
};

const results = [
  { item_id: 12, rank: 1, points: 9, voters: 4, spread: 1.25, contested: true },
  { item_id: 11, rank: 2, points: 4, voters: 3, spread: 0, contested: false },
];

describe("the round's headline", () => {
  it("lists the rounds by number, names the method and counts the voters", () => {
    const rounds = new Map([
      [3, { id: 3, number: 3 }],
      [1, { id: 1, number: 1 }],
      [2, { id: 2, number: 2 }],
    ]);
    expect(roundsOf({ rounds }).map((r) => r.number)).toEqual([1, 2, 3]);
    expect(roundsOf({})).toEqual([]);
    expect(["dots", "ranking", "scores", "other"].map((method) => methodName({ method }, t))).toEqual([
      "Dot vote",
      "Ranking",
      "Scoring",
      "",
    ]);
    expect(votedText({ voted: 17, eligible: 23 }, t)).toBe("17 of 23 have voted");
    expect(votedText(undefined, t)).toBe("0 of 0 have voted");
  });

  it("shows results only when the tally carries them", () => {
    expect(resultsShown(dots, { voted: 3, results })).toBe(true);
    expect(resultsShown(dots, { voted: 3, sealed: true })).toBe(false);
    expect(resultsShown(dots, undefined)).toBe(false);
  });

  it("names a target market by its country first, in the page's language", () => {
    expect(optionLabel(dots.options[1])).toBe("Indien — Fintech and a young market");
    expect(optionLabel(dots.options[1], { short: true })).toBe("Indien");
    expect(optionLabel(dots.options[0])).toBe("A Tokyo desk");
    expect(optionLabel(undefined)).toBe("?");
  });
});

describe("renderResults", () => {
  it("keeps an anonymous round's results sealed, for the facilitator too", () => {
    const box = renderResults(dots, { voted: 3, sealed: true }, t);
    expect(texts(box, ".sealed-note")).toEqual(["[sealed]"]);
    expect(box.querySelector("svg")).toBeNull();
  });

  it("shows nothing of results that are not revealed, and says when nobody voted", () => {
    expect(renderResults(dots, { voted: 3 }, t).childElementCount).toBe(0);
    const empty = renderResults(dots, { voted: 0, results: [] }, t);
    expect(texts(empty, ".round-empty")).toEqual(["[no_ballots]"]);
  });

  it("draws a dot vote as bars, best first, with the spread and the contested flag", () => {
    const box = renderResults(dots, { voted: 5, results }, t);
    expect(box.dataset.roundId).toBe("7");
    expect(texts(box, ".chart-caption")).toEqual(["[dots_given]"]);
    const rows = [...box.querySelectorAll(".chart-row")];
    expect(rows.map((g) => g.dataset.label)).toEqual(["Indien — Fintech and a young market", "A Tokyo desk"]);
    expect(texts(box, ".chart-value")).toEqual(["9", "4"]);
    expect(texts(box, ".chart-note")).toEqual(["spread 1.3", "spread 0"]);
    expect(texts(box, ".chart-flag")).toEqual(["⚑ worth discussing"]);
  });

  it("names the Condorcet winner of a ranking, or says there is none", () => {
    const ranking = { ...dots, method: "ranking" };
    const borda = [
      { item_id: 11, rank: 1, points: 2.5, voters: 3, spread: 0.5, contested: false },
      { item_id: 12, rank: 2, points: 0.5, voters: 3, spread: 0.5, contested: false },
    ];
    const won = renderResults(ranking, { voted: 3, results: borda, schulze: { condorcet_winner: 11 } }, t);
    expect(texts(won, ".condorcet-name")).toEqual(["A Tokyo desk"]);
    expect(texts(won, ".chart-value")).toEqual(["2.5", "0.5"]);
    expect(texts(won, ".chart-caption")).toEqual(["[borda_points]"]);
    const none = renderResults(ranking, { voted: 3, results: borda, schulze: { condorcet_winner: null } }, t);
    expect(texts(none, "[data-condorcet]")).toEqual(["[no_condorcet]"]);
  });

  it("shows the top three of each cluster large enough to show, and counts the hidden ones", () => {
    const tally = {
      voted: 9,
      results,
      by_cluster: {
        segments: [{ segment: "Cluster ICT", voters: 4, results: [results[1], results[0]] }],
        hidden_segments: 2,
      },
      by_sector: { segments: [], hidden_segments: 0 },
    };
    const box = renderResults(dots, tally, t);
    expect(texts(box, ".segment-line")).toEqual(["Cluster ICT · 4 voters: A Tokyo desk (4), Indien (9)"]);
    expect(texts(box, ".segment-group .small")).toEqual(["2 groups too small to show", "[segments_none]"]);
  });
});

describe("renderResults of a scoring round", () => {
  const scores = {
    id: 9,
    number: 1,
    method: "scores",
    options: [
      { id: 21, label: "Huge demand for AI", country: "JP" },
      { id: 22, label: "Open banking rules", country: "BR" },
    ],
    criteria: [
      { id: 1, name: "Market potential" },
      { id: 2, name: "Capital" },
      { id: 3, name: "Expertise" },
    ],
  };
  const scored = [
    {
      item_id: 21,
      rank: 1,
      voters: 4,
      weighted_score: 4.125,
      spread: 1.5,
      contested: true,
      criteria: [
        { criterion: 1, mean: 4.5 },
        { criterion: 2, mean: 4 },
        { criterion: 3, mean: 3 },
      ],
    },
    {
      item_id: 22,
      rank: null,
      voters: 0,
      weighted_score: null,
      spread: null,
      contested: false,
      criteria: [
        { criterion: 1, mean: null },
        { criterion: 2, mean: null },
        { criterion: 3, mean: null },
      ],
    },
  ];

  it("tables each market's score and means, with a dash where nobody scored", () => {
    const box = renderResults(scores, { voted: 4, results: scored }, t);
    const cells = [...box.querySelectorAll("tbody tr")].map((tr) => texts(tr, "td.num"));
    expect(cells).toEqual([
      ["1.", "4.13", "4.50", "4.00", "3.00", "4"],
      ["–", "–", "–", "–", "–", "0"],
    ]);
    expect(texts(box, "td.market strong")).toEqual(["Japan", "Brasilien"]);
    // The criteria's columns are headed A, B, C, named once in a legend under the table.
    expect(texts(box, "thead .crit-key")).toEqual(["A", "B", "C"]);
    expect(texts(box, ".crit-legend dt")).toEqual(["A", "B", "C"]);
    expect(texts(box, ".crit-legend dd")).toEqual(["Market potential", "Capital", "Expertise"]);
    expect(box.querySelector("tbody tr").classList.contains("is-flagged")).toBe(true);
  });

  it("puts on the 2×2 only the markets with every mean, against the mean of the other criteria", () => {
    const box = renderResults(scores, { voted: 4, results: scored }, t);
    const points = [...box.querySelectorAll(".chart-point")];
    expect(points.map((g) => [g.dataset.label, g.dataset.x, g.dataset.y])).toEqual([["Japan", "4.5", "3.5"]]);
    const oneCriterion = { ...scores, criteria: scores.criteria.slice(0, 1) };
    expect(renderResults(oneCriterion, { voted: 4, results: scored }, t).querySelector(".scores-quadrant")).toBeNull();
  });
});
