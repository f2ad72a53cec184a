// Charts of voting results, as SVG, shared by the cockpit, the projector and the phone.
// Built with createElementNS; every label reaches the DOM through textContent (INERT).
//
//   import { barChart, quadrantChart } from "./charts.js";
//
//   barChart(rows, { label, value, max, flag, format, width, empty })  ->  <svg class="chart chart-bars">
//     Horizontal bars, one per row, in the order given: the label on a line above its bar, the
//     value at the bar's end, and a flag (e.g. "worth discussing") after the value.
//       rows     any array
//       label    row => text (text longer than the line is cut with "…"; the whole text is the
//                row's <title>)
//       rank     row => text drawn before the label ("2."), or falsy
//       value    row => number (bar length; null or NaN draws no bar)
//       max      the value of a full bar (default: the largest value, at least 1)
//       flag     row => text or falsy; flagged rows get the class "is-flagged"
//       format   number => text shown at the bar's end (default: up to one decimal)
//       width    the viewBox width (default 1000). Text is 26 units high, so a narrow screen
//                (a phone) reads it better with a smaller width, e.g. 560.
//       roomFor  a text as wide as the widest value and flag of the chart, e.g. "12 ⚑ worth
//                discussing", when the rows given are a page of it (default: these rows')
//       empty    text drawn when there are no rows
//     Each row is a <g class="chart-row" data-label="…" data-value="…"> (for tests and styles).
//     The chart is BAR_ROW units high per row: drawn w pixels wide, a row takes
//     BAR_ROW * w / width pixels (the projector draws as many rows a page as fit).
//
//   quadrantChart(points, { xLabel, yLabel, min = 1, max = 5, mid = 3, quadrants, width, height })
//     A 2×2 scatter: axes from min to max with ticks at every whole number, the two lines through
//     `mid` dividing the four quarters, and each point labelled.
//       points     [{ label, x, y, flag }]: x and y between min and max; a point with x or y null
//                  is left out. Flagged points get the class "is-flagged".
//       xLabel     text under the horizontal axis; yLabel text along the vertical one
//       quadrants  optional [top-left, top-right, bottom-left, bottom-right] captions
//     Each point is a <g class="chart-point" data-label="…" data-x="…" data-y="…">. Its label goes
//     where it covers no other label, no dot and no caption (measured in the page's font): beside
//     its dot, else a step further out with a line (.chart-leader) to it.
//
//   Both return an <svg> with a viewBox and width 100%: it scales with its container. Colours
//   come from CSS (classes chart-bar, chart-track, chart-label, chart-value, chart-flag, chart-axis,
//   chart-mid, chart-dot, chart-point-label, chart-quarter); text is filled with currentColor, so
//   the chart reads on the dark projector and the light cockpit alike.

const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) n.setAttribute(k, String(v));
  if (text !== undefined && text !== null) n.textContent = text;
  return n;
}

function cut(text, chars) {
  const s = String(text ?? "");
  return s.length > chars ? `${s.slice(0, chars - 1).trimEnd()}…` : s;
}

// A text cut with "…" to `room` units wide, as the page's font draws it.
function fit(text, size, weight, room) {
  if (measure(text, size, weight).width <= room) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(cut(text, mid), size, weight).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return cut(text, Math.max(1, lo));
}

export const BAR_ROW = 78;

const defaultFormat = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function svgRoot(className, width, height, title) {
  const svg = node("svg", {
    class: `chart ${className}`,
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    role: "img",
    preserveAspectRatio: "xMinYMin meet",
  });
  if (title) svg.setAttribute("aria-label", title);
  return svg;
}

export function barChart(rows, opts = {}) {
  const { label = (r) => r.label, value = (r) => r.value, flag = () => null, format = defaultFormat } = opts;
  const note = opts.note || (() => null); // small text at the right end of the label line
  const width = opts.width || 1000;
  const font = 26;
  const barH = 30;
  const rowH = BAR_ROW; // font + bar + 22 units of air
  const values = rows.map((r) => Number(value(r)));
  const max = opts.max || Math.max(1, ...values.filter((v) => Number.isFinite(v)));
  const shown = rows.map((row, i) => {
    const flagText = flag(row);
    return { value: Number.isFinite(values[i]) ? format(values[i]) : "–", flag: flagText ? `⚑ ${flagText}` : "" };
  });
  // After the longest bar: its value and its flag, measured (or as wide as opts.roomFor, so
  // that charts drawn a page at a time keep one scale).
  const after = (s) => measure(s.value, font, 700).width + (s.flag ? 14 + measure(s.flag, font * 0.8, 700).width : 0);
  const widest = opts.roomFor ? measure(opts.roomFor, font, 700).width : Math.max(0, ...shown.map(after));
  const barMax = width - Math.min(width / 2, Math.max(120, widest + 24));
  const height = Math.max(rowH, rows.length * rowH);
  const svg = svgRoot("chart-bars", width, height, opts.title);
  if (!rows.length) {
    svg.append(node("text", { class: "chart-empty", x: 0, y: font + 8, "font-size": font, fill: "currentColor" }, opts.empty || ""));
    return svg;
  }
  rows.forEach((row, i) => {
    const v = values[i];
    const { value: valueText, flag: flagText } = shown[i];
    const text = String(label(row) ?? "");
    const g = node("g", { class: `chart-row${flagText ? " is-flagged" : ""}`, transform: `translate(0 ${i * rowH})` });
    g.dataset.label = text;
    g.dataset.value = Number.isFinite(v) ? String(v) : "";
    g.append(node("title", {}, flagText ? `${text} (${flag(row)})` : text));
    const noteText = note(row);
    const noteWidth = noteText ? measure(noteText, font * 0.75, 400).width + font : 0;
    const rankText = opts.rank ? opts.rank(row) : "";
    if (rankText) g.dataset.rank = rankText;
    const rankWidth = rankText ? measure(`${rankText} `, font, 700).width : 0;
    // The rank is a text of its own before the label's (not a tspan in it): each is one box.
    if (rankText) g.append(node("text", { class: "chart-rank", x: 0, y: font, "font-size": font, "font-weight": 700, fill: "currentColor" }, rankText));
    g.append(node("text", { class: "chart-label", x: rankWidth, y: font, "font-size": font, fill: "currentColor" }, fit(text, font, 400, width - noteWidth - rankWidth)));
    if (noteText) {
      g.append(node("text", { class: "chart-note", x: width, y: font, "text-anchor": "end", "font-size": font * 0.75, fill: "currentColor", "fill-opacity": 0.7 }, noteText));
    }
    const y = font + 8;
    g.append(node("rect", { class: "chart-track", x: 0, y, width: barMax, height: barH, rx: 4, fill: "#e2e8f0", "fill-opacity": 0.25 }));
    const len = Number.isFinite(v) && max > 0 ? Math.max(0, Math.min(1, v / max)) * barMax : 0;
    if (len > 0) g.append(node("rect", { class: "chart-bar", x: 0, y, width: Math.max(len, 4), height: barH, rx: 4, fill: "#3b82f6" }));
    const vx = len + 12;
    g.append(node("text", { class: "chart-value", x: vx, y: y + barH - 6, "font-size": font, "font-weight": 700, fill: "currentColor" }, valueText));
    if (flagText) {
      const fx = vx + measure(valueText, font, 700).width + 14;
      g.append(node("text", { class: "chart-flag", x: fx, y: y + barH - 7, "font-size": font * 0.8, "font-weight": 700, fill: "#f59e0b" }, flagText));
    }
    svg.append(g);
  });
  return svg;
}

export function quadrantChart(points, opts = {}) {
  const { xLabel = "", yLabel = "", min = 1, max = 5, mid = 3, quadrants = null } = opts;
  const width = opts.width || 1000;
  const height = opts.height || 720;
  const font = 24;
  const pad = { left: 90, right: 30, top: 20, bottom: 90 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x) => pad.left + ((x - min) / (max - min)) * plotW;
  const sy = (y) => pad.top + (1 - (y - min) / (max - min)) * plotH;
  const svg = svgRoot("chart-quadrant", width, height, opts.title);

  svg.append(node("rect", { class: "chart-plot", x: pad.left, y: pad.top, width: plotW, height: plotH, fill: "none", stroke: "currentColor", "stroke-opacity": 0.4 }));
  // The top-right quarter (high on both) is where the room's favourites sit: a light tint.
  svg.append(node("rect", { class: "chart-best", x: sx(mid), y: pad.top, width: sx(max) - sx(mid), height: sy(mid) - pad.top, fill: "#22c55e", "fill-opacity": 0.1 }));
  for (let tick = Math.ceil(min); tick <= max; tick += 1) {
    svg.append(node("text", { class: "chart-axis", x: sx(tick), y: pad.top + plotH + font + 6, "font-size": font, "text-anchor": "middle", fill: "currentColor" }, String(tick)));
    svg.append(node("text", { class: "chart-axis", x: pad.left - 14, y: sy(tick) + font / 3, "font-size": font, "text-anchor": "end", fill: "currentColor" }, String(tick)));
  }
  svg.append(node("line", { class: "chart-mid", x1: sx(mid), x2: sx(mid), y1: pad.top, y2: pad.top + plotH, stroke: "currentColor", "stroke-dasharray": "8 6", "stroke-opacity": 0.6, "stroke-width": 2 }));
  svg.append(node("line", { class: "chart-mid", x1: pad.left, x2: pad.left + plotW, y1: sy(mid), y2: sy(mid), stroke: "currentColor", "stroke-dasharray": "8 6", "stroke-opacity": 0.6, "stroke-width": 2 }));
  svg.append(node("text", { class: "chart-axis-label", x: pad.left + plotW / 2, y: height - 18, "font-size": font, "font-weight": 700, "text-anchor": "middle", fill: "currentColor" }, cut(xLabel, 60)));
  const yText = node("text", { class: "chart-axis-label", x: 0, y: 0, "font-size": font, "font-weight": 700, "text-anchor": "middle", fill: "currentColor", transform: `translate(${font} ${pad.top + plotH / 2}) rotate(-90)` }, cut(yLabel, 48));
  svg.append(yText);
  const obstacles = []; // boxes a point's label must not cover: the captions and every dot
  if (quadrants) {
    const spots = [
      [pad.left + 12, pad.top + font + 6, "start"],
      [pad.left + plotW - 12, pad.top + font + 6, "end"],
      [pad.left + 12, pad.top + plotH - 12, "start"],
      [pad.left + plotW - 12, pad.top + plotH - 12, "end"],
    ];
    quadrants.forEach((caption, i) => {
      if (!caption) return;
      const [x, y, anchor] = spots[i];
      svg.append(node("text", { class: "chart-quarter", x, y, "font-size": font * 0.8, "text-anchor": anchor, fill: "currentColor", "fill-opacity": 0.6 }, caption));
      const m = measure(caption, font * 0.8, 400);
      const left = anchor === "end" ? x - m.width : x;
      obstacles.push({ left, right: left + m.width, top: y - m.ascent, bottom: y + m.descent });
    });
  }
  const r = 11;
  const shown = points
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => ({ ...p, cx: sx(Math.min(max, Math.max(min, p.x))), cy: sy(Math.min(max, Math.max(min, p.y))) }));
  for (const p of shown) obstacles.push({ left: p.cx - r - 3, right: p.cx + r + 3, top: p.cy - r - 3, bottom: p.cy + r + 3 });
  const area = { left: pad.left + 2, right: width - 2, top: 2, bottom: pad.top + plotH - 2 };
  for (const p of shown) {
    const text = cut(p.label, 28);
    const spot = placeLabel(p.cx, p.cy, r, measure(text, font, 700), obstacles, area);
    obstacles.push(spot.box);
    const g = node("g", { class: `chart-point${p.flag ? " is-flagged" : ""}` });
    g.dataset.label = String(p.label ?? "");
    g.dataset.x = String(p.x);
    g.dataset.y = String(p.y);
    g.append(node("title", {}, `${p.label} (${defaultFormat(p.x)}, ${defaultFormat(p.y)})`));
    if (spot.leader) {
      const [x2, y2] = nearest(spot.box, p.cx, p.cy);
      g.append(node("line", { class: "chart-leader", x1: p.cx, y1: p.cy, x2, y2, stroke: "currentColor", "stroke-opacity": 0.5, "stroke-width": 2 }));
    }
    g.append(node("circle", { class: "chart-dot", cx: p.cx, cy: p.cy, r, fill: p.flag ? "#f59e0b" : "#3b82f6", stroke: "#fff", "stroke-width": 3 }));
    g.append(node("text", { class: "chart-point-label", x: spot.box.left, y: spot.baseline, "font-size": font, "font-weight": 700, fill: "currentColor" }, text));
    svg.append(g);
  }
  return svg;
}

// --- placing the 2×2's labels ------------------------------------------------------------

let canvas = null;
// A text's width, ascent and descent in viewBox units, as the page's font draws it (an
// estimate where there is no canvas, as in unit tests).
function measure(text, size, weight) {
  canvas ??= typeof document !== "undefined" ? document.createElement("canvas").getContext?.("2d") : null;
  if (canvas) {
    const family = getComputedStyle(document.body).fontFamily || "sans-serif";
    canvas.font = `${weight} ${size}px ${family}`;
    const m = canvas.measureText(text);
    if (m.width || !text) {
      return { width: m.width * 1.02, ascent: m.fontBoundingBoxAscent ?? size * 0.95, descent: m.fontBoundingBoxDescent ?? size * 0.25 };
    }
  }
  return { width: text.length * size * 0.62, ascent: size * 0.95, descent: size * 0.25 };
}

const hits = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a, area) => a.left >= area.left && a.right <= area.right && a.top >= area.top && a.bottom <= area.bottom;
const overlapOf = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

// Where a dot's label goes: right of it, else left, above, below or on a diagonal, then the
// same a step further out each time (with a line to its dot), in the first place that covers
// no other label, no dot and no caption and stays in the chart. Where there is none (a crowd
// of dots), the place that covers least.
function placeLabel(cx, cy, r, m, obstacles, area) {
  const h = m.ascent + m.descent;
  const w = m.width;
  const gap = 6;
  const step = h * 0.75;
  let best = null;
  for (let ring = 0; ring < 12; ring += 1) {
    const d = r + gap + ring * step;
    const spots = [];
    // Beside the dot (level with it, then a little higher or lower), above, below, diagonally.
    for (const dy of [0, -0.6 * h, 0.6 * h]) spots.push([cx + d, cy - h / 2 + dy], [cx - d - w, cy - h / 2 + dy]);
    spots.push([cx - w / 2, cy - d - h], [cx - w / 2, cy + d]);
    const e = d * 0.7;
    spots.push([cx + e, cy - e - h], [cx + e, cy + e], [cx - e - w, cy - e - h], [cx - e - w, cy + e]);
    for (const [left, top] of spots) {
      const box = { left, top, right: left + w, bottom: top + h };
      if (!inside(box, area)) continue;
      const cover = obstacles.reduce((sum, o) => sum + (hits(box, o) ? overlapOf(box, o) + 1 : 0), 0);
      const spot = { box, baseline: top + m.ascent, leader: ring > 0, cover };
      if (!cover) return spot;
      if (!best || cover < best.cover) best = spot;
    }
  }
  if (best) return best;
  const left = Math.min(Math.max(cx + r + gap, area.left), area.right - w);
  return { box: { left, top: cy - h / 2, right: left + w, bottom: cy + h / 2 }, baseline: cy - h / 2 + m.ascent, leader: false };
}

// The point of a box nearest to (x, y): where a leader line from the dot meets its label.
function nearest(box, x, y) {
  return [Math.min(Math.max(x, box.left), box.right), Math.min(Math.max(y, box.top), box.bottom)];
}
