import { describe, expect, it } from "vitest";

import { BAR_ROW, barChart, quadrantChart } from "../../app/static/js/charts.js";
import { ASCENT, DESCENT, textWidth } from "./canvas_stub.js";
import { texts } from "./helpers.js";

const rows = [
  { label: "Tokyo desk", value: 12 },
  { label: "Seoul mentors", value: 3 },
  { label: "Nothing yet", value: undefined },
];

const barWidth = (row) => Number(row.querySelector(".chart-bar")?.getAttribute("width") ?? 0);
const trackWidth = (row) => Number(row.querySelector(".chart-track").getAttribute("width"));

describe("barChart", () => {
  it("draws one row per result, in the order given, its bar as long as its share of the largest", () => {
    const svg = barChart(rows, { width: 1000 });
    const drawn = [...svg.querySelectorAll(".chart-row")];
    expect(drawn.map((g) => g.dataset.label)).toEqual(["Tokyo desk", "Seoul mentors", "Nothing yet"]);
    expect(drawn.map((g) => g.dataset.value)).toEqual(["12", "3", ""]);
    // The value (and flag) after the longest bar get their measured width, 120 units at least.
    const full = 1000 - 120;
    expect(drawn.map(trackWidth)).toEqual([full, full, full]);
    expect(barWidth(drawn[0])).toBe(full);
    expect(barWidth(drawn[1])).toBe(full / 4);
    expect(drawn[2].querySelector(".chart-bar")).toBeNull(); // no value, no bar
    expect(texts(svg, ".chart-value")).toEqual(["12", "3", "–"]);
  });

  it("is BAR_ROW units high per row, so a screen can fit it", () => {
    expect(barChart(rows).getAttribute("viewBox")).toBe(`0 0 1000 ${3 * BAR_ROW}`);
    expect(barChart(rows, { width: 560 }).getAttribute("viewBox")).toBe(`0 0 560 ${3 * BAR_ROW}`);
  });

  it("measures the bars against a given maximum, and keeps them inside the track", () => {
    const svg = barChart([{ label: "a", value: 5 }, { label: "b", value: 20 }], { max: 10, width: 1240 });
    const drawn = [...svg.querySelectorAll(".chart-row")];
    const full = 1240 - 120;
    expect(drawn.map(trackWidth)).toEqual([full, full]);
    expect(drawn.map(barWidth)).toEqual([full / 2, full]); // 5 of 10 is half; 20 stops at the end
  });

  it("formats values and flags the contested rows after their value", () => {
    const svg = barChart([{ label: "a", value: 2.25, hot: true }, { label: "b", value: 1 }], {
      flag: (row) => (row.hot ? "worth discussing" : null),
      format: (n) => n.toFixed(2),
    });
    const [a, b] = svg.querySelectorAll(".chart-row");
    expect(a.classList.contains("is-flagged")).toBe(true);
    expect(b.classList.contains("is-flagged")).toBe(false);
    expect(texts(svg, ".chart-value")).toEqual(["2.25", "1.00"]);
    expect(texts(svg, ".chart-flag")).toEqual(["⚑ worth discussing"]);
    expect(a.querySelector("title").textContent).toBe("a (worth discussing)");
  });

  it("cuts a long label with an ellipsis and keeps the whole of it in the row's title", () => {
    const long = "A shared soft-landing desk in Singapore for every member of the four clusters";
    const svg = barChart([{ label: long, value: 1 }], { width: 560 });
    const shown = svg.querySelector(".chart-label").textContent;
    expect(shown.endsWith("…")).toBe(true);
    expect(long.startsWith(shown.slice(0, -1))).toBe(true);
    expect(shown.length).toBeLessThan(long.length);
    expect(svg.querySelector(".chart-row title").textContent).toBe(long);
  });

  it("puts user text into the chart as text, never as markup (INERT)", () => {
    const label = '<img src=x onerror="alert(1)">';
    const svg = barChart([{ label, value: 1 }]);
    expect(svg.querySelector("img")).toBeNull();
    expect(svg.querySelector(".chart-label").textContent).toBe(label);
  });

  it("says so when there is nothing to draw", () => {
    const svg = barChart([], { empty: "No ballots yet" });
    expect(svg.querySelectorAll(".chart-row")).toHaveLength(0);
    expect(texts(svg, ".chart-empty")).toEqual(["No ballots yet"]);
  });
});

describe("quadrantChart", () => {
  const options = { width: 1000, height: 720, min: 1, max: 5, mid: 3 };
  // The plot spans x 90..970 and y 20..630 (its padding: left 90, right 30, top 20, bottom 90).
  const dot = (svg, label) => svg.querySelector(`.chart-point[data-label="${label}"] circle`);

  it("places each point on the scale, the best of both in the top right", () => {
    const svg = quadrantChart(
      [
        { label: "Japan", x: 5, y: 5 },
        { label: "Brazil", x: 1, y: 1 },
        { label: "India", x: 3, y: 4 },
      ],
      options,
    );
    const at = (label) => [Number(dot(svg, label).getAttribute("cx")), Number(dot(svg, label).getAttribute("cy"))];
    expect(at("Japan")).toEqual([970, 20]);
    expect(at("Brazil")).toEqual([90, 630]);
    expect(at("India")).toEqual([530, 172.5]);
  });

  it("leaves out a point without both means, and keeps one off the scale on its edge", () => {
    const svg = quadrantChart(
      [
        { label: "Unscored", x: null, y: 3 },
        { label: "Over", x: 9, y: 0 },
      ],
      options,
    );
    expect([...svg.querySelectorAll(".chart-point")].map((g) => g.dataset.label)).toEqual(["Over"]);
    expect(dot(svg, "Over").getAttribute("cx")).toBe("970");
    expect(dot(svg, "Over").getAttribute("cy")).toBe("630");
  });

  it("flags contested points, and draws the captions of the four quarters", () => {
    const svg = quadrantChart([{ label: "Japan", x: 4, y: 2, flag: true }], {
      ...options,
      quadrants: ["Capital first", "Go now", "Later", "Market first"],
    });
    expect(svg.querySelector(".chart-point").classList.contains("is-flagged")).toBe(true);
    expect(texts(svg, ".chart-quarter")).toEqual(["Capital first", "Go now", "Later", "Market first"]);
  });

  it("places the labels of points close together so that no two overlap and none covers a dot", () => {
    const svg = quadrantChart(
      [
        { label: "Japan", x: 4, y: 4 },
        { label: "Korea", x: 4, y: 4 },
        { label: "Singapore", x: 4.1, y: 3.9 },
      ],
      options,
    );
    // Each label's box as drawn (x is its left end, y its baseline), in the test's font.
    const boxes = [...svg.querySelectorAll(".chart-point-label")].map((t) => {
      const size = Number(t.getAttribute("font-size"));
      const left = Number(t.getAttribute("x"));
      const baseline = Number(t.getAttribute("y"));
      return { left, right: left + textWidth(t.textContent, size), top: baseline - size * ASCENT, bottom: baseline + size * DESCENT };
    });
    expect(boxes).toHaveLength(3);
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      for (const c of svg.querySelectorAll(".chart-dot")) {
        const [cx, cy, r] = ["cx", "cy", "r"].map((k) => Number(c.getAttribute(k)));
        expect(overlap(a, { left: cx - r, right: cx + r, top: cy - r, bottom: cy + r })).toBe(false);
      }
      expect(a.left).toBeGreaterThanOrEqual(0);
      expect(a.right).toBeLessThanOrEqual(1000);
    }
  });
});
