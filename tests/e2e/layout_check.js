// The geometric check of tests/e2e/conftest.py (check_layout), run in the page under test.
// It looks at every visible piece of text as the browser laid it out and returns what reads
// badly, as sentences (an empty list when all is well):
//
//   overflow  text past the viewport's sides (past its bottom too when `scrolls` is false: a
//             projector cannot scroll), unless a scrolling container holds it; text cut by an
//             ancestor that hides its overflow (unless it ends in an ellipsis on purpose)
//   overlap   two pieces of text, or a text and a chart's dot, that overlap inside one of the
//             `overlaps` containers (results tables, charts)
//   fonts     text under `fonts.min` px, or under `fonts.read[selector]` px inside `selector`
//             (SVG text counts at the size it is drawn, its viewBox scale applied)
(opts) => {
  const problems = [];
  const EPS = 1.5; // px: rounding, antialiasing and borders are not overlaps
  const SKIP = "script, style, template, noscript, title, option, textarea";
  const docW = document.documentElement.clientWidth;
  const docH = window.innerHeight;
  const name = (el) => {
    const cls = typeof el.className === "string" ? el.className.trim().split(/\s+/)[0] : el.className?.baseVal;
    return `${el.tagName.toLowerCase()}${cls ? "." + cls : ""}`;
  };
  const quote = (text) => `“${text.trim().replace(/\s+/g, " ").slice(0, 40)}”`;

  function visible(el) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1; // .sr-only text is for screen readers
  }

  // Every visible text: {el, text, rects (viewport coordinates), svg}.
  function texts(root) {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      const el = node.parentElement;
      if (!el || el.closest(SKIP) || !visible(el)) continue;
      const svg = el instanceof SVGElement;
      let rects;
      if (svg) {
        rects = [el.getBoundingClientRect()];
      } else {
        range.selectNodeContents(node);
        rects = [...range.getClientRects()].filter((r) => r.width > 0.5 && r.height > 0.5);
      }
      if (rects.length) out.push({ el, text: node.data, rects, svg });
    }
    return out;
  }

  function scrollsX(el) {
    const s = getComputedStyle(el);
    return ["auto", "scroll"].includes(s.overflowX);
  }

  function overflow(all) {
    for (const { el, text, rects } of all) {
      let scroller = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (scrollsX(a)) {
          scroller = true;
          break;
        }
      }
      const fixed = getComputedStyle(el).position === "fixed";
      for (const r of rects) {
        const left = r.left + window.scrollX;
        const right = r.right + window.scrollX;
        if (!scroller && (left < -EPS || right > docW + EPS)) {
          problems.push(`overflow: ${quote(text)} (${name(el)}) runs past the side of the screen (${Math.round(r.left)}–${Math.round(r.right)} of ${docW} px)`);
          break;
        }
        const bottom = fixed ? r.bottom : r.bottom + window.scrollY;
        if (!opts.scrolls && bottom > docH + EPS) {
          problems.push(`overflow: ${quote(text)} (${name(el)}) is below the bottom of the screen (${Math.round(bottom)} > ${docH} px)`);
          break;
        }
      }
      cut(el, text, rects);
    }
  }

  // Text an ancestor hides (overflow hidden or clip), except a deliberate ellipsis or clamp.
  function cut(el, text, rects) {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.textOverflow === "ellipsis" || s.webkitLineClamp !== "none") return;
      if (a === el || el instanceof SVGElement) continue;
      const hides = (v) => v === "hidden" || v === "clip";
      if (!hides(s.overflowX) && !hides(s.overflowY)) continue;
      const box = a.getBoundingClientRect();
      for (const r of rects) {
        const outX = hides(s.overflowX) && (r.left < box.left - EPS || r.right > box.right + EPS);
        const outY = hides(s.overflowY) && (r.top < box.top - EPS || r.bottom > box.bottom + EPS);
        if (outX || outY) {
          problems.push(`cut: ${quote(text)} (${name(el)}) is cut by ${name(a)}, which hides its overflow`);
          return;
        }
      }
    }
  }

  function overlaps(container) {
    const boxes = [];
    texts(container).forEach((t, i) => t.rects.forEach((r) => boxes.push({ r, what: quote(t.text), owner: i })));
    container.querySelectorAll("circle").forEach((dot, i) => {
      if (visible(dot)) boxes.push({ r: dot.getBoundingClientRect(), what: `the dot of ${dot.closest("[data-label]")?.dataset.label ?? "a point"}`, owner: `dot${i}`, dot: true });
    });
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) {
        const a = boxes[i];
        const b = boxes[j];
        if (a.owner === b.owner || (a.dot && b.dot)) continue; // close scores make close dots: data, not layout
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > EPS && h > EPS) problems.push(`overlap: ${a.what} and ${b.what} overlap in ${name(container)}`);
      }
    }
  }

  function fontPx(el, svg) {
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (!svg) return size;
    const m = el.getScreenCTM();
    return m ? size * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : size;
  }

  function fonts(all) {
    const reads = Object.entries(opts.fonts.read || {});
    for (const { el, text, svg } of all) {
      const px = fontPx(el, svg);
      const need = Math.max(opts.fonts.min || 0, ...reads.filter(([sel]) => el.closest(sel)).map(([, n]) => n));
      if (px < need - 0.05) problems.push(`font: ${quote(text)} (${name(el)}) is ${px.toFixed(1)} px, under ${need} px`);
    }
  }

  const all = texts(document.body);
  overflow(all);
  if (opts.overlaps) document.querySelectorAll(opts.overlaps).forEach((c) => visible(c) && overlaps(c));
  if (opts.fonts) fonts(all);
  return [...new Set(problems)];
}
