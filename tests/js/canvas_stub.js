// jsdom has no canvas: charts.js measures text with a canvas 2D context's measureText, in the
// page's font. This setup file gives every test the same font: each character is 0.55 of the
// font size wide, its ascent 0.8 and its descent 0.2 of the size, so that measured widths (and
// so the charts' layout) are deterministic and tests can compute the boxes of drawn text.
export const CHAR_WIDTH = 0.55;
export const ASCENT = 0.8;
export const DESCENT = 0.2;

export const textWidth = (text, size) => [...String(text)].length * size * CHAR_WIDTH;

function context() {
  return {
    font: "16px sans-serif",
    measureText(text) {
      const size = Number(/([\d.]+)px/.exec(this.font)?.[1] ?? 16);
      return { width: textWidth(text, size), fontBoundingBoxAscent: size * ASCENT, fontBoundingBoxDescent: size * DESCENT };
    },
  };
}

if (typeof HTMLCanvasElement !== "undefined") {
  HTMLCanvasElement.prototype.getContext = function getContext(kind) {
    return kind === "2d" ? context() : null;
  };
}
