// Pages for the projector: a screen that cannot scroll shows what does not fit page by page,
// in type the back of the room can read, instead of shrinking or cutting it.
//
//   const pager = new Pager(indicator, t, { seconds: 8, onTurn: () => render() });
//   const page = pager.show("propose", pagesOf(nodes, "y", room));  // hides the other pages' nodes
//   pager.turn(1)  // the next page (keys); pages also turn by themselves every `seconds`
//
//   roomBelow(node, indicator)  the px from a node's top down to the indicator: the room to page in
//   pagesOf(nodes, along, room)  which page each node is on: nodes laid out one after another
//       along "y" (rows of a list or a grid) or "x" (columns), all shown; a page holds what
//       fits in `room` px from the start of its first node. A node larger than `room` has a
//       page of its own.
//   Pager.show(key, pageOf, nodes)  shows the current page of those nodes, hiding the others
//       (the first page when `key`, what is paged, changed), and the indicator "Page 2 of 3"
//       with a dot per page; returns the page shown. Pager.count(key, pages) does the same
//       for a caller that draws only the page it is given (a chart's rows).
//   The indicator keeps its place, invisible, while there is one page: measure the room
//   down to its top.
import { el } from "./items.js";

// The height from a node's top down to a page indicator (which keeps its place at the bottom
// of what it pages), less a small gap.
export function roomBelow(node, indicator) {
  const gap = 0.01 * window.innerWidth;
  return indicator.getBoundingClientRect().top - node.getBoundingClientRect().top - gap;
}

export function pagesOf(nodes, along, room) {
  const start = along === "x" ? "left" : "top";
  const end = along === "x" ? "right" : "bottom";
  const pages = [];
  let page = 0;
  let from = null;
  for (const node of nodes) {
    node.hidden = false;
  }
  for (const node of nodes) {
    const box = node.getBoundingClientRect();
    if (from === null) from = box[start];
    // A grid's row shares one top: the first node of a row that does not fit opens the page.
    if (box[end] - from > room + 0.5 && box[start] > from + 0.5) {
      page += 1;
      from = box[start];
    }
    pages.push(page);
  }
  return pages;
}

export class Pager {
  constructor(indicator, t, { seconds = 8, onTurn = () => {} } = {}) {
    this.indicator = indicator;
    this.t = t;
    this.seconds = seconds;
    this.onTurn = onTurn;
    this.key = null;
    this.page = 0;
    this.pages = 1;
    this.timer = null;
  }

  show(key, pageOf, nodes) {
    const page = this.count(key, (pageOf.at(-1) ?? 0) + 1);
    nodes.forEach((node, i) => (node.hidden = pageOf[i] !== page));
    return page;
  }

  count(key, pages) {
    if (key !== this.key) {
      this.key = key;
      this.page = 0;
      this.restart();
    }
    this.pages = Math.max(1, pages);
    this.page = Math.min(this.page, this.pages - 1);
    this.draw();
    if (this.pages > 1 && !this.timer) this.restart();
    if (this.pages < 2) this.stop();
    return this.page;
  }

  // Keys turn the page at once, and the next turn by itself waits its full time again.
  turn(by) {
    if (this.pages < 2) return false;
    this.page = (this.page + by + this.pages) % this.pages;
    this.restart();
    this.onTurn();
    return true;
  }

  restart() {
    this.stop();
    this.timer = setInterval(() => {
      if (this.pages < 2) return this.stop();
      this.page = (this.page + 1) % this.pages;
      this.onTurn();
    }, this.seconds * 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  // "Page 2 of 3" and a dot per page, the current one filled: it says there is more. With one
  // page it is invisible but keeps its place: what is paged ends above it.
  draw() {
    const box = this.indicator;
    box.classList.toggle("is-single", this.pages < 2);
    box.dataset.page = String(this.page + 1);
    box.dataset.pages = String(this.pages);
    if (this.pages < 2) return box.replaceChildren(el("span", "pager-text", "·"));
    const text = this.t.page_of.replace("{n}", String(this.page + 1)).replace("{total}", String(this.pages));
    const dots = el("span", "pager-dots");
    dots.setAttribute("aria-hidden", "true");
    for (let i = 0; i < this.pages; i += 1) dots.append(el("span", `pager-dot${i === this.page ? " is-current" : ""}`));
    box.replaceChildren(el("span", "pager-text", text), dots);
  }
}
