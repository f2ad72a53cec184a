// The spotlight on the projector: one item very large over the room's view, with its comments
// (replies under theirs) page by page under it.
//
//   const spotlight = mountSpotlight(live, t);
//   spotlight.render(state)  shows the workshop's spotlight_item_id, or hides the overlay
//   spotlight.turn(by)       turns the comments' page (↓ ↑); false when there is nothing to turn
import { el } from "./items.js";
import { Pager, pagesOf, roomBelow } from "./pager.js";

const $ = (selector) => document.querySelector(selector);

// The comments the room may see (a screen never receives hidden ones; kept out all the same).
export function shownComments(state) {
  return [...state.comments.values()].filter((c) => !c.hidden);
}

export function mountSpotlight(live, t) {
  const box = $("[data-spotlight]");
  const card = $(".proj-spotlight-card");
  const list = $("[data-spotlight-list]");
  const indicator = $("[data-spotlight-pager]");
  const pager = new Pager(indicator, t, { onTurn: () => render(live.state) });

  function render(state) {
    const item = state.items.get(state.workshop.spotlight_item_id);
    box.hidden = !item;
    if (!item) return pager.count(null, 1);
    $("[data-spotlight-text]").textContent = item.text;
    $("[data-spotlight-author]").textContent = item.author ? `— ${item.author}` : "";
    const n = state.reactions.get(item.id) || 0;
    $("[data-spotlight-plus]").textContent = n ? `+1 × ${n}` : "";
    box.dataset.itemId = String(item.id);
    const thread = threadOf(state, item);
    card.classList.toggle("has-comments", thread.length > 0);
    fitText(thread.length > 0);
    $("[data-spotlight-comments]").hidden = !thread.length;
    list.replaceChildren(...thread.map((comment) => commentLine(comment, t)));
    if (!thread.length) return pager.count(null, 1);
    const nodes = [...list.children];
    pager.show(`thread:${item.id}`, pagesOf(nodes, "y", roomBelow(list, indicator)), nodes);
  }

  return { render, turn: (by) => !box.hidden && pager.turn(by) };
}

// An item's comments in reading order: each with its replies under it.
function threadOf(state, item) {
  const comments = shownComments(state).filter((c) => c.item_id === item.id);
  const byId = (a, b) => a.id - b.id;
  const top = comments.filter((c) => !c.parent_id).sort(byId);
  return top.flatMap((c) => [c, ...comments.filter((r) => r.parent_id === c.id).sort(byId)]);
}

function commentLine(comment, t) {
  const li = el("li", `proj-comment${comment.parent_id ? " is-reply" : ""}`);
  li.dataset.commentId = String(comment.id);
  const who = comment.by_facilitator ? t.facilitator : comment.author;
  if (who) li.append(el("p", "proj-comment-author", who));
  li.append(el("p", "comment-text", comment.text));
  return li;
}

// The item's text as large as fits its card (with comments, about a third of the screen):
// long text steps down, never under what the room must read.
const SIZES = ["4.6vw", "3.8vw", "3.2vw", "2.6vw", "2.1vw", "1.7vw"];
function fitText(withComments) {
  const text = $("[data-spotlight-text]");
  const room = window.innerHeight * (withComments ? 0.36 : 0.62);
  for (const size of withComments ? SIZES.slice(2) : SIZES) {
    text.style.fontSize = size;
    if (text.scrollHeight <= room) break;
  }
}
