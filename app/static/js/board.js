// The clustering board: an "Unsorted" column and one column per theme, in board order.
//
// renderBoard(container, live, t, {editable, staff}) draws the board into a container
// and keeps it in step with live.state; call it again after every change (it finds the
// board it made before and updates it in place).
//   editable: items can be dragged (SortableJS, mouse and touch) or moved with a
//             "Move to…" select (keyboard and screen readers);
//   staff:    the facilitator's tools too: themes (create, rename, recolour, delete,
//             reorder), merging duplicates, suggested themes;
//   decorate(li, item, controls): called when a card is (re)built, to add to it (the
//             cockpit's Spotlight button goes in `controls`, the row of "Move to…");
//             a card is rebuilt only when what it shows changes;
//   meta:     false to leave out the card's "+1 × n · n comments" line (when decorate
//             shows them already, as the phone's discussion does).
// Without either it is read-only (projector, phones that may not cluster). editable and
// staff are fixed when the board is made for a container: for another mode, give it a new
// container.
//
// data-saving="true" on .board-wrap while a command of the board waits for its ack.
//
// Updates reconcile by id instead of rebuilding, so focus stays where it was, and they
// wait while a drag is under way: moving the nodes under SortableJS would break it.
// A move shows at once (an overlay on the server's board) and gives way to the
// server's board when the ack arrives. User text only ever goes in through textContent.
import Sortable from "../vendor/sortablejs/sortable.esm.js";
import { el, itemCard } from "./items.js";
import { plural } from "./live.js";
import { fill } from "./ballot.js";
import { Merging, Suggestions, short } from "./board_tools.js";

const boards = new WeakMap();
const UNSORTED = "u";
const WIDE_UNSORTED = 6;

export function renderBoard(container, live, t, options = {}) {
  let board = boards.get(container);
  if (!board) {
    board = new Board(container, live, t, options);
    boards.set(container, board);
  }
  board.options = { ...board.options, ...options };
  board.render();
  return board;
}


// Touch: a short press before a card lifts, so a swipe over the board still scrolls the page.
const DRAG = {
  forceFallback: true, // the same emulated drag for mouse and touch (native DnD is unreliable on touch)
  fallbackOnBody: true,
  fallbackTolerance: 4,
  delay: 160,
  delayOnTouchOnly: true,
  touchStartThreshold: 8,
  animation: 120,
  filter: "select, button, input, label, summary, a, textarea",
  preventOnFilter: false,
  ghostClass: "is-ghost",
  chosenClass: "is-chosen",
  dragClass: "is-dragging",
};

class Board {
  constructor(container, live, t, options) {
    this.container = container;
    this.live = live;
    this.t = t;
    this.options = { editable: false, staff: false, ...options };
    this.dragging = false;
    this.moves = []; // moves sent and not yet acknowledged: [{item_id, theme_id, index}]
    this.themeOrder = null; // a column order sent and not yet acknowledged
    this.columns = new Map(); // key -> {node, head, list, sortable, sig}
    this.cards = new Map(); // item id -> {node, sig}
    this.renaming = null; // {id, draft}
    this.build();
  }

  get editable() {
    return Boolean(this.options.editable || this.options.staff);
  }

  build() {
    this.root = el("div", `board-wrap${this.editable ? " is-editable" : " is-readonly"}`);
    this.error = el("p", "error board-error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    if (this.options.staff) {
      this.merging = new Merging(this);
      this.suggestions = new Suggestions(this);
      this.root.append(this.buildToolbar(), this.error, this.merging.bar, this.suggestions.box);
    } else {
      this.root.append(this.error);
    }
    this.grid = el("div", "board-columns");
    this.grid.dataset.board = "";
    this.root.append(this.grid);
    this.container.replaceChildren(this.root);
    if (this.options.staff) {
      this.gridSortable = Sortable.create(this.grid, {
        ...DRAG,
        draggable: ".board-col.is-theme",
        handle: ".col-handle",
        filter: "select, button, input, label, summary, a, textarea, .col-tools",
        onMove: (evt) => !evt.related.classList.contains("is-unsorted"),
        onStart: () => (this.dragging = true),
        onEnd: () => this.columnsDropped(),
      });
    }
  }

  buildToolbar() {
    const t = this.t;
    const bar = el("div", "board-toolbar");
    const form = el("form", "theme-new");
    const name = el("input");
    name.type = "text";
    name.maxLength = 80;
    name.required = true;
    name.placeholder = t.theme_name;
    name.setAttribute("aria-label", t.theme_name);
    name.dataset.newThemeName = "";
    const color = el("input");
    color.type = "color";
    color.value = "#1d4ed8";
    color.setAttribute("aria-label", t.theme_color);
    color.title = t.theme_color;
    color.dataset.newThemeColor = "";
    // The next colour of the palette, until the facilitator picks one.
    this.newColor = color;
    color.addEventListener("input", () => (this.colorPicked = true));
    const add = el("button", "button small primary", t.add_theme);
    add.type = "submit";
    form.append(name, color, add);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = name.value.trim();
      if (!value) return this.showError(t.theme_name_needed);
      // Cleared now, not when the ack comes: the room's broadcast can arrive first, and a
      // quick facilitator may already be typing the next theme's name.
      name.value = "";
      const ack = await this.send("create_theme", { name: value, color: color.value });
      if (ack.ok) {
        this.colorPicked = false;
        this.render();
      } else if (!name.value) {
        name.value = value; // refused: the name comes back to be corrected
      }
    });
    const tools = el("div", "board-tools");
    tools.append(this.suggestions.button, this.merging.toggle);
    bar.append(form, tools);
    return bar;
  }

  showError(message) {
    this.error.textContent = message || "";
    this.error.hidden = !message;
  }

  // Send a command; an error in the ack is shown on the board, never swallowed.
  async send(event, payload) {
    this.showError("");
    this.saving(1);
    try {
      const ack = await this.live.send(event, payload);
      if (!ack.ok) this.showError(ack.error || this.t.error);
      return ack;
    } finally {
      this.saving(-1);
    }
  }

  // data-saving="true" on the board while a command of its own waits for its ack.
  saving(by) {
    this.unacked = (this.unacked || 0) + by;
    this.root.dataset.saving = String(this.unacked > 0);
  }

  // --- what the board shows: the server's board plus moves still on their way ---------

  layout() {
    const state = this.live.state;
    let themes = state.themes;
    if (this.themeOrder) {
      const byId = new Map(themes.map((th) => [th.id, th]));
      const ordered = this.themeOrder.map((id) => byId.get(id)).filter(Boolean);
      themes = [...ordered, ...themes.filter((th) => !this.themeOrder.includes(th.id))];
    }
    const lists = new Map([[null, []], ...themes.map((th) => [th.id, []])]);
    const items = [...state.items.values()].sort((a, b) => a.position - b.position || a.id - b.id);
    for (const item of items) (lists.get(item.theme_id) || lists.get(null)).push(item.id);
    for (const move of this.moves) {
      if (!state.items.has(move.item_id) || !lists.has(move.theme_id)) continue;
      for (const ids of lists.values()) {
        const at = ids.indexOf(move.item_id);
        if (at >= 0) ids.splice(at, 1);
      }
      const target = lists.get(move.theme_id);
      target.splice(move.index === null ? target.length : Math.min(move.index, target.length), 0, move.item_id);
    }
    return { themes, lists };
  }

  render() {
    if (this.dragging) return; // the drop renders
    const state = this.live.state;
    if (!state.workshop) return;
    const activeKey = this.root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const { themes, lists } = this.layout();
    this.counts = countsOf(state);
    const columns = [
      { key: UNSORTED, theme: null, ids: lists.get(null) },
      ...themes.map((theme) => ({ key: String(theme.id), theme, ids: lists.get(theme.id) })),
    ];
    const keep = new Set(columns.map((c) => c.key));
    for (const [key, col] of this.columns) {
      if (keep.has(key)) continue;
      col.sortable?.destroy();
      col.node.remove();
      this.columns.delete(key);
    }
    columns.forEach((c, i) => {
      const col = this.column(c, i, themes.length);
      // Many unsorted items: that column takes two tracks on a wide screen, cards side by side.
      if (!c.theme) col.node.classList.toggle("is-wide", c.ids.length >= WIDE_UNSORTED);
      placeAt(this.grid, col.node, i);
      this.fillList(col, c.ids);
    });
    const live = new Set(state.items.keys());
    for (const id of this.cards.keys()) if (!live.has(id)) this.cards.delete(id);
    if (this.options.staff) {
      this.merging.render(state.items);
      if (!this.colorPicked) this.newColor.value = PALETTE[themes.length % PALETTE.length];
    }
    if (activeKey && !this.root.contains(document.activeElement)) {
      this.root.querySelector(`[data-key="${CSS.escape(activeKey)}"]`)?.focus();
    }
  }

  column(c, index, themeCount) {
    let col = this.columns.get(c.key);
    if (!col) {
      const node = el("section", `board-col ${c.theme ? "is-theme" : "is-unsorted"}`);
      const head = el("header", "col-head");
      const list = el("ul", "board-list");
      list.dataset.theme = c.theme ? String(c.theme.id) : "";
      node.append(head, list);
      col = { node, head, list, sig: null };
      if (this.editable) {
        col.sortable = Sortable.create(list, {
          ...DRAG,
          group: "board-items",
          draggable: ".board-card",
          onStart: () => (this.dragging = true),
          onEnd: (evt) => this.itemDropped(evt),
        });
      }
      this.columns.set(c.key, col);
    }
    const theme = c.theme;
    col.node.dataset.themeId = theme ? String(theme.id) : "";
    col.node.style.setProperty("--theme-color", theme ? theme.color : "#94a3b8");
    const renaming = theme && this.renaming?.id === theme.id;
    const sig = JSON.stringify([theme, c.ids.length, index, themeCount, renaming, this.options.staff]);
    if (sig !== col.sig) {
      col.sig = sig;
      col.head.replaceChildren(...this.headContent(c, index, themeCount));
      col.node.setAttribute("aria-label", theme ? theme.name : this.t.unsorted);
      if (renaming) col.head.querySelector("input")?.focus();
    }
    return col;
  }

  headContent(c, index, themeCount) {
    const t = this.t;
    const theme = c.theme;
    const title = el("div", "col-title");
    if (theme && this.options.staff) {
      const handle = el("span", "col-handle", "⠿");
      handle.title = t.drag_column;
      handle.setAttribute("aria-hidden", "true");
      title.append(handle);
    }
    if (theme && this.renaming?.id === theme.id) {
      title.append(this.renameForm(theme));
    } else {
      title.append(el("h3", "col-name", theme ? theme.name : t.unsorted));
    }
    const count = el("span", "col-count", String(c.ids.length));
    count.setAttribute("aria-label", plural(t, "items_one", "items_many", c.ids.length));
    count.dataset.count = "";
    title.append(count);
    if (!theme || !this.options.staff) return [title];
    const tools = el("div", "col-tools");
    const name = theme.name;
    tools.append(
      this.tool("←", fill(t.move_left, { name }), `left:${theme.id}`, index <= 1, () => this.shiftTheme(theme.id, -1)),
      this.tool("→", fill(t.move_right, { name }), `right:${theme.id}`, index >= themeCount, () => this.shiftTheme(theme.id, 1)),
      this.tool(t.rename, fill(t.rename_theme, { name }), `rename:${theme.id}`, false, () => {
        this.renaming = { id: theme.id, draft: theme.name };
        this.render();
      }),
    );
    const color = el("input", "col-color");
    color.type = "color";
    color.value = theme.color;
    color.title = fill(t.recolour_theme, { name });
    color.setAttribute("aria-label", color.title);
    color.dataset.key = `color:${theme.id}`;
    color.addEventListener("change", () => this.send("update_theme", { theme_id: theme.id, color: color.value }));
    tools.append(color, this.tool(t.delete, fill(t.delete_theme, { name }), `delete:${theme.id}`, false, () => {
      if (confirm(fill(t.confirm_delete_theme, { name }))) this.send("delete_theme", { theme_id: theme.id });
    }, "danger"));
    return [title, tools];
  }

  tool(text, label, key, disabled, onClick, cls = "") {
    const button = el("button", `button small ${cls}`, text);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.dataset.key = key;
    button.disabled = disabled;
    button.addEventListener("click", onClick);
    return button;
  }

  renameForm(theme) {
    const t = this.t;
    const form = el("form", "rename-form");
    const input = el("input");
    input.type = "text";
    input.maxLength = 80;
    input.value = this.renaming.draft;
    input.setAttribute("aria-label", t.theme_name);
    input.dataset.key = `rename-input:${theme.id}`;
    input.addEventListener("input", () => (this.renaming.draft = input.value));
    const save = el("button", "button small primary", t.save);
    save.type = "submit";
    const cancel = el("button", "button small", t.cancel);
    cancel.type = "button";
    const stop = () => {
      this.renaming = null;
      this.render();
    };
    cancel.addEventListener("click", stop);
    input.addEventListener("keydown", (e) => e.key === "Escape" && stop());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return this.showError(t.theme_name_needed);
      const ack = await this.send("update_theme", { theme_id: theme.id, name });
      if (ack.ok) stop();
    });
    form.append(input, save, cancel);
    return form;
  }

  fillList(col, ids) {
    const nodes = ids.map((id) => this.card(this.live.state.items.get(id)));
    nodes.forEach((node, i) => placeAt(col.list, node, i));
    while (col.list.children.length > nodes.length) col.list.lastElementChild.remove();
  }

  card(item) {
    const state = this.live.state;
    const reactions = state.reactions.get(item.id) || 0;
    const comments = this.counts.get(item.id) || 0;
    const spot = state.workshop.spotlight_item_id === item.id;
    const targets = this.editable ? state.themes.map((th) => [th.id, th.name]) : null;
    // Not its position: a move elsewhere in the column renumbers it without changing the card.
    const { position, ...shown } = item;
    const picking = this.merging?.on ? this.merging.picked.has(item.id) : null;
    const sig = JSON.stringify([shown, reactions, comments, targets, picking, spot]);
    const cached = this.cards.get(item.id);
    if (cached && cached.sig === sig) return cached.node;
    const node = this.buildCard(item, reactions, comments);
    this.cards.set(item.id, { node, sig });
    return node;
  }

  buildCard(item, reactions, comments) {
    const t = this.t;
    const li = itemCard(item, t);
    li.classList.add("board-card");
    const meta = el("p", "card-meta");
    if (this.options.meta !== false) {
      if (reactions) meta.append(el("span", "plus", `+1 × ${reactions}`));
      if (comments) meta.append(el("span", "ncomments", plural(t, "comments_one", "comments_many", comments)));
    }
    if (meta.childElementCount) li.append(meta);
    if (item.merged_from?.length) li.append(mergedHistory(item, t));
    if (this.merging?.on) li.prepend(this.merging.pickBox(item));
    // One row under the text: "Move to…" and whatever the page adds there (decorate's third argument).
    const controls = el("div", "card-controls");
    if (this.editable) controls.append(this.moveSelect(item));
    li.append(controls);
    this.options.decorate?.(li, item, controls);
    if (!controls.childElementCount) controls.remove();
    return li;
  }

  moveSelect(item) {
    const t = this.t;
    const select = el("select", "move-to");
    select.setAttribute("aria-label", fill(t.move_item, { text: short(item.text) }));
    select.dataset.key = `move:${item.id}`;
    select.dataset.moveTo = "";
    const first = el("option", null, t.move_to);
    first.value = "";
    first.selected = true;
    first.disabled = true;
    select.append(first);
    const targets = [[null, t.unsorted], ...this.live.state.themes.map((th) => [th.id, th.name])];
    for (const [id, name] of targets) {
      if (id === (item.theme_id ?? null)) continue;
      const option = el("option", null, name);
      option.value = id === null ? UNSORTED : String(id);
      select.append(option);
    }
    select.addEventListener("change", () => {
      const value = select.value;
      select.value = "";
      this.move(item.id, value === UNSORTED ? null : Number(value), null);
    });
    return select;
  }

  // --- moving items and columns ------------------------------------------------------

  itemDropped(evt) {
    this.dragging = false;
    const itemId = Number(evt.item.dataset.id);
    const themeId = evt.to.dataset.theme ? Number(evt.to.dataset.theme) : null;
    const same = evt.from === evt.to && evt.oldDraggableIndex === evt.newDraggableIndex;
    if (same || Number.isNaN(itemId)) {
      setTimeout(() => this.render());
      return;
    }
    // After SortableJS has finished with its nodes; "saving" from the drop on.
    this.saving(1);
    setTimeout(() => this.move(itemId, themeId, evt.newDraggableIndex).finally(() => this.saving(-1)));
  }

  async move(itemId, themeId, index) {
    const move = { item_id: itemId, theme_id: themeId, index };
    this.moves.push(move);
    this.render();
    await this.send("move_item", { item_id: itemId, theme_id: themeId, index });
    this.moves = this.moves.filter((m) => m !== move);
    this.render();
  }

  columnsDropped() {
    this.dragging = false;
    const ids = [...this.grid.querySelectorAll(".board-col.is-theme")].map((n) => Number(n.dataset.themeId));
    const now = this.live.state.themes.map((th) => th.id);
    if (sameList(ids, now)) return setTimeout(() => this.render());
    this.saving(1);
    setTimeout(() => this.orderThemes(ids).finally(() => this.saving(-1)));
  }

  shiftTheme(themeId, by) {
    const ids = this.layout().themes.map((th) => th.id);
    const at = ids.indexOf(themeId);
    const to = at + by;
    if (at < 0 || to < 0 || to >= ids.length) return;
    [ids[at], ids[to]] = [ids[to], ids[at]];
    this.orderThemes(ids);
  }

  async orderThemes(ids) {
    this.themeOrder = ids;
    this.render();
    await this.send("order_themes", { theme_ids: ids });
    this.themeOrder = null;
    this.render();
  }
}

const PALETTE = ["#1d4ed8", "#7c3aed", "#0f766e", "#b45309", "#be123c", "#4d7c0f", "#0369a1", "#a21caf"];

// Visible comments per item.
function countsOf(state) {
  const counts = new Map();
  for (const c of state.comments.values()) {
    if (!c.hidden) counts.set(c.item_id, (counts.get(c.item_id) || 0) + 1);
  }
  return counts;
}

export function mergedHistory(item, t) {
  const details = el("details", "merged");
  details.append(el("summary", null, plural(t, "merged_one", "merged_many", item.merged_from.length)));
  const list = el("ul");
  for (const m of item.merged_from) list.append(el("li", null, m.text));
  details.append(list);
  return details;
}

// Put a node at an index of a parent, moving nothing that is already in place.
function placeAt(parent, node, index) {
  const current = parent.children[index];
  if (current !== node) parent.insertBefore(node, current || null);
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
