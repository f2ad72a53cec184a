// Charts of voting results, as SVG, shared by the cockpit, the projector and the phone.
// Built with createElementNS; every label reaches the DOM through textContent (INERT).
//
//   import { barChart, quadrantChart } from "./charts.js";
//
//   barChart(rows, { label, value, max, flag, format, width, empty })  ->  <svg class="chart chart-bars">
//     Horizontal bars, one per row, in the order given: the label on a line above its bar, the
//     value at the bar's end, and a flag (e.g. "worth discussing") after the value.
//       rows     any array
//       label    row => text (long text is cut with "…"; the whole text is the row's <title>)
//       rank     row => text drawn before the label ("2."), or falsy
//       value    row => number (bar length; null or NaN draws no bar)
//       max      the value of a full bar (default: the largest value, at least 1)
//       flag     row => text or falsy; flagged rows get the class "is-flagged"
//       format   number => text shown at the bar's end (default: up to one decimal)
//       width    the viewBox width (default 1000). Text is 26 units high, so a narrow screen
//                (a phone) reads it better with a smaller width, e.g. 560.
//       empty    text drawn when there are no rows
//     Each row is a <g class="chart-row" data-label="…" data-value="…"> (for tests and styles).
//     The chart is BAR_ROW units high per row: a screen that must fit n rows into h pixels of
//     a w-pixel-wide box passes width = max(1000, n * BAR_ROW * w / h).
//
//   quadrantChart(points, { xLabel, yLabel, min = 1, max = 5, mid = 3, quadrants, width, height })
//     A 2×2 scatter: axes from min to max with ticks at every whole number, the two lines through
//     `mid` dividing the four quarters, and each point labelled.
//       points     [{ label, x, y, flag }]: x and y between min and max; a point with x or y null
//                  is left out. Flagged points get the class "is-flagged".
//       xLabel     text under the horizontal axis; yLabel text along the vertical one
//       quadrants  optional [top-left, top-right, bottom-left, bottom-right] captions
//     Each point is a <g class="chart-point" data-label="…" data-x="…" data-y="…">.
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
  const valueRoom = 240; // the value and the flag after the longest bar
  const barMax = width - valueRoom;
  const height = Math.max(rowH, rows.length * rowH);
  const svg = svgRoot("chart-bars", width, height, opts.title);
  if (!rows.length) {
    svg.append(node("text", { class: "chart-empty", x: 0, y: font + 8, "font-size": font, fill: "currentColor" }, opts.empty || ""));
    return svg;
  }
  const chars = Math.floor(width / (font * 0.52));
  rows.forEach((row, i) => {
    const v = values[i];
    const flagText = flag(row);
    const text = String(label(row) ?? "");
    const g = node("g", { class: `chart-row${flagText ? " is-flagged" : ""}`, transform: `translate(0 ${i * rowH})` });
    g.dataset.label = text;
    g.dataset.value = Number.isFinite(v) ? String(v) : "";
    g.append(node("title", {}, flagText ? `${text} (${flagText})` : text));
    const noteText = note(row);
    const rankText = opts.rank ? opts.rank(row) : "";
    if (rankText) g.dataset.rank = rankText;
    const room = (noteText ? chars - Math.ceil(noteText.length * 0.8) - 2 : chars) - (rankText ? rankText.length + 1 : 0);
    const labelNode = node("text", { class: "chart-label", x: 0, y: font, "font-size": font, fill: "currentColor" });
    if (rankText) labelNode.append(node("tspan", { class: "chart-rank", "font-weight": 700 }, `${rankText} `));
    labelNode.append(cut(text, room));
    g.append(labelNode);
    if (noteText) {
      g.append(node("text", { class: "chart-note", x: width, y: font, "text-anchor": "end", "font-size": font * 0.75, fill: "currentColor", "fill-opacity": 0.7 }, noteText));
    }
    const y = font + 8;
    g.append(node("rect", { class: "chart-track", x: 0, y, width: barMax, height: barH, rx: 4, fill: "#e2e8f0", "fill-opacity": 0.25 }));
    const len = Number.isFinite(v) && max > 0 ? Math.max(0, Math.min(1, v / max)) * barMax : 0;
    if (len > 0) g.append(node("rect", { class: "chart-bar", x: 0, y, width: Math.max(len, 4), height: barH, rx: 4, fill: "#3b82f6" }));
    const valueText = Number.isFinite(v) ? format(v) : "–";
    const vx = len + 12;
    const valueNode = node("text", { class: "chart-value", x: vx, y: y + barH - 6, "font-size": font, "font-weight": 700, fill: "currentColor" }, valueText);
    g.append(valueNode);
    if (flagText) {
      const fx = vx + valueText.length * font * 0.62 + 14;
      g.append(node("text", { class: "chart-flag", x: fx, y: y + barH - 7, "font-size": font * 0.8, "font-weight": 700, fill: "#f59e0b" }, `⚑ ${flagText}`));
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
    });
  }
  const placed = []; // label boxes already drawn, so that close points' labels do not overlap
  const shown = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  for (const p of shown) {
    const cx = sx(Math.min(max, Math.max(min, p.x)));
    const cy = sy(Math.min(max, Math.max(min, p.y)));
    const text = cut(p.label, 28);
    const w = text.length * font * 0.55;
    const right = cx + 16 + w < pad.left + plotW;
    let ly = cy + font / 3;
    for (let tries = 0; tries < 8 && placed.some((b) => Math.abs(b.y - ly) < font && Math.abs(b.x - cx) < w); tries += 1) {
      ly += font;
    }
    placed.push({ x: cx, y: ly });
    const g = node("g", { class: `chart-point${p.flag ? " is-flagged" : ""}` });
    g.dataset.label = String(p.label ?? "");
    g.dataset.x = String(p.x);
    g.dataset.y = String(p.y);
    g.append(node("title", {}, `${p.label} (${defaultFormat(p.x)}, ${defaultFormat(p.y)})`));
    g.append(node("circle", { class: "chart-dot", cx, cy, r: 11, fill: p.flag ? "#f59e0b" : "#3b82f6", stroke: "#fff", "stroke-width": 3 }));
    g.append(node("text", { class: "chart-point-label", x: right ? cx + 16 : cx - 16, y: ly, "font-size": font, "font-weight": 700, "text-anchor": right ? "start" : "end", fill: "currentColor" }, text));
    svg.append(g);
  }
  return svg;
}
