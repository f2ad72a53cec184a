// What live.js computes without a connection (its command queue: live_queue.test.js).
import { describe, expect, it } from "vitest";

import { plural, retryDelay } from "../../app/static/js/live.js";

const lowest = () => 0;
const highest = () => 1 - Number.EPSILON; // Math.random() stays below 1

describe("retryDelay", () => {
  it("waits a random time up to a backoff that doubles with each failure (full jitter)", () => {
    expect([1, 2, 3, 4, 5].map((n) => Math.round(retryDelay(n, null, highest)))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(retryDelay(3, null, lowest)).toBe(0);
    expect(retryDelay(3, null, () => 0.5)).toBe(1000);
  });

  it("never waits more than 15 s, however often a command failed", () => {
    expect(Math.round(retryDelay(6, null, highest))).toBe(15000);
    expect(Math.round(retryDelay(60, null, highest))).toBe(15000);
  });

  it("counts no failure yet as the first", () => {
    expect(Math.round(retryDelay(0, null, highest))).toBe(500);
  });

  it("waits what the server asked, and up to a fifth more so that a room does not come back at once", () => {
    expect(retryDelay(4, 2000, lowest)).toBe(2000);
    expect(Math.round(retryDelay(4, 2000, highest))).toBe(2400);
    expect(retryDelay(1, 0, lowest)).toBe(0); // "now" is an answer too, not "no answer"
  });

  it("stays within its bounds with the real random numbers", () => {
    for (let n = 0; n < 200; n += 1) {
      const wait = retryDelay(2);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThan(1000);
    }
  });
});

describe("plural", () => {
  it("takes the singular for one and fills the count into the plural", () => {
    const t = { one: "1 idea", many: "{n} ideas" };
    expect([0, 1, 2].map((n) => plural(t, "one", "many", n))).toEqual(["0 ideas", "1 idea", "2 ideas"]);
  });
});
