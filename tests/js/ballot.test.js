import { describe, expect, it } from "vitest";

import { fill, stableShuffle, votedOf } from "../../app/static/js/ballot.js";

const OPTIONS = ["Tokyo", "Seoul", "Singapore", "Mumbai"];

// The seed live.js's ballot uses: the round, then the participant.
const seed = (roundId, participantId) => `${roundId}:${participantId}`;

describe("stableShuffle", () => {
  it("gives one person the same order on every render, without touching the round's list", () => {
    const list = [...OPTIONS];
    const order = stableShuffle(list, seed(7, 42));
    expect(stableShuffle(list, seed(7, 42))).toEqual(order);
    expect([...order].sort()).toEqual([...OPTIONS].sort());
    expect(list).toEqual(OPTIONS);
  });

  it("gives the people of a room different orders", () => {
    const orders = new Set(Array.from({ length: 100 }, (_, pid) => stableShuffle(OPTIONS, seed(7, pid)).join()));
    expect(orders.size).toBeGreaterThan(20); // of the 24 orders of four choices
  });

  it("puts each choice in each place about as often, over a room: no choice is favoured by its place", () => {
    const people = 1200;
    const counts = OPTIONS.map(() => OPTIONS.map(() => 0)); // choice -> place -> how many people
    for (let pid = 1; pid <= people; pid += 1) {
      stableShuffle(OPTIONS, seed(3, pid)).forEach((option, place) => {
        counts[OPTIONS.indexOf(option)][place] += 1;
      });
    }
    // 300 expected in every cell; a shuffle with a place bias is far off (the same seeds every run).
    const cells = counts.flat();
    expect(Math.min(...cells)).toBeGreaterThan(240);
    expect(Math.max(...cells)).toBeLessThan(360);
  });

  it("shuffles each round afresh: the same person's order differs between rounds", () => {
    const orders = new Set(Array.from({ length: 20 }, (_, round) => stableShuffle(OPTIONS, seed(round, 42)).join()));
    expect(orders.size).toBeGreaterThan(5);
  });

  it("leaves a list of none or one as it is", () => {
    expect(stableShuffle([], "1:1")).toEqual([]);
    expect(stableShuffle(["only"], "1:1")).toEqual(["only"]);
  });
});

describe("fill and votedOf", () => {
  it("fills every placeholder, as often as it occurs", () => {
    expect(fill("{a} and {a}, then {b}", { a: "x", b: 2 })).toBe("x and x, then 2");
  });

  it("says '1 of 5 has voted' for one voter and '3 of 5 have voted' for more", () => {
    const t = { voted_of: "{voted} of {eligible} have voted", voted_of_one: "{voted} of {eligible} has voted" };
    expect(votedOf(t, { voted: 1, eligible: 5 })).toBe("1 of 5 has voted");
    expect(votedOf(t, { voted: 3, eligible: 5 })).toBe("3 of 5 have voted");
  });
});
