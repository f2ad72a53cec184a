// The facilitator's tools on the clustering board (board.js): merging duplicates and
// suggested themes. Each gets the board, sends through board.send (errors shown on the
// board's error line) and reads live.state. User text only through textContent.
import { el } from "./items.js";
import { fill } from "./ballot.js";
import { plural } from "./live.js";

export function short(text, n = 50) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

// Selection mode: a checkbox on each card, then "Merge into…" the item to keep.
export class Merging {
  constructor(board) {
    this.board = board;
    this.on = false;
    this.picked = new Set();
    this.bar = el("div", "merge-bar");
    this.bar.hidden = true;
    this.toggle = el("button", "button small", board.t.merge_mode);
    this.toggle.type = "button";
    this.toggle.dataset.mergeMode = "";
    this.toggle.setAttribute("aria-pressed", "false");
    this.toggle.addEventListener("click", () => this.set(!this.on));
  }

  set(on) {
    this.on = on;
    this.picked.clear();
    this.toggle.setAttribute("aria-pressed", String(on));
    this.bar.dataset.sig = "";
    this.board.render();
  }

  // The checkbox at the top of a card, in selection mode.
  pickBox(item) {
    const t = this.board.t;
    const label = el("label", "pick");
    const box = el("input");
    box.type = "checkbox";
    box.checked = this.picked.has(item.id);
    box.dataset.key = `pick:${item.id}`;
    box.setAttribute("aria-label", fill(t.pick_item, { text: short(item.text) }));
    box.addEventListener("change", () => {
      if (box.checked) this.picked.add(item.id);
      else this.picked.delete(item.id);
      this.board.render();
    });
    label.append(box, el("span", null, t.pick));
    return label;
  }

  render(items) {
    for (const id of this.picked) if (!items.has(id)) this.picked.delete(id);
    this.bar.hidden = !this.on;
    if (!this.on) return;
    const t = this.board.t;
    const picked = [...this.picked].map((id) => items.get(id));
    const sig = JSON.stringify(picked.map((i) => [i.id, i.text]));
    if (this.bar.dataset.sig === sig) return;
    this.bar.dataset.sig = sig;
    const hint = el("p", "merge-hint", picked.length ? plural(t, "picked_one", "picked_many", picked.length) : t.merge_hint);
    const label = el("label", "merge-target");
    label.append(el("span", null, t.merge_into));
    const select = el("select");
    select.dataset.mergeTarget = "";
    select.dataset.key = "merge-target";
    for (const item of picked) {
      const option = el("option", null, short(item.text, 70));
      option.value = String(item.id);
      select.append(option);
    }
    label.append(select);
    label.hidden = picked.length < 2;
    const merge = el("button", "button small primary", t.merge);
    merge.type = "button";
    merge.dataset.key = "merge";
    merge.disabled = picked.length < 2;
    merge.addEventListener("click", () => this.merge(Number(select.value)));
    const cancel = el("button", "button small", t.cancel);
    cancel.type = "button";
    cancel.addEventListener("click", () => this.set(false));
    this.bar.replaceChildren(hint, label, merge, cancel);
  }

  async merge(targetId) {
    const { t, live } = this.board;
    const target = live.state.items.get(targetId);
    const others = [...this.picked].filter((id) => id !== targetId);
    if (!target || !others.length) return;
    if (!confirm(fill(t.confirm_merge, { n: others.length, text: short(target.text, 80) }))) return;
    const ack = await this.board.send("merge_items", { target_id: targetId, item_ids: others });
    if (ack.ok) this.set(false);
  }
}

// Suggested themes: each proposal with an editable name and its items' texts; Accept
// creates the theme with those items, Reject drops the proposal. Nothing is written before.
export class Suggestions {
  constructor(board) {
    this.board = board;
    this.list = null; // null: the panel is closed
    this.box = el("section", "suggestions");
    this.box.hidden = true;
    this.box.setAttribute("aria-label", board.t.suggestions_title);
    this.button = el("button", "button small", board.t.suggest);
    this.button.type = "button";
    this.button.dataset.suggest = "";
    this.button.addEventListener("click", () => this.ask());
  }

  async ask() {
    const ack = await this.board.send("suggest_themes", {});
    if (!ack.ok) return;
    this.list = ack.suggestions.map((s) => ({ ...s }));
    this.render();
  }

  // Only when the proposals change, not on every change of the room: names being typed stay.
  render() {
    const t = this.board.t;
    this.box.hidden = this.list === null;
    if (this.list === null) return this.box.replaceChildren();
    const head = el("div", "suggestions-head");
    head.append(el("h3", null, t.suggestions_title));
    const close = el("button", "button small", t.close);
    close.type = "button";
    close.addEventListener("click", () => {
      this.list = null;
      this.render();
    });
    head.append(close);
    const body = this.list.length ? el("ul", "suggestion-list") : el("p", "muted", t.no_suggestions);
    for (const s of this.list) body.append(this.card(s));
    this.box.replaceChildren(head, body);
  }

  card(s) {
    const { t, live } = this.board;
    const li = el("li", "suggestion");
    li.dataset.suggestion = "";
    const name = el("input");
    name.type = "text";
    name.maxLength = 80;
    name.value = s.name;
    name.setAttribute("aria-label", t.theme_name);
    name.addEventListener("input", () => (s.name = name.value));
    li.append(name);
    // Why these items together: the words they share (the name is made of the first), the topic.
    const topics = (s.topics || []).map((topic) => topic.label);
    if (s.keywords?.length) li.append(el("p", "muted small", fill(t.shared_words, { words: s.keywords.join(", ") })));
    if (topics.length) li.append(el("p", "muted small", fill(t.shared_topics, { topics: topics.join(", ") })));
    const labels = new Map((s.topics || []).map((topic) => [topic.key, topic.label]));
    const items = el("ul", "suggestion-items");
    s.item_ids.forEach((id, n) => {
      const item = live.state.items.get(id);
      if (!item) return;
      const row = el("li");
      row.append(el("span", "suggested-text", item.text));
      const why = s.reasons?.[n];
      const marks = why ? [...why.words, ...why.topics.map((key) => labels.get(key) || key)] : [];
      if (marks.length) row.append(el("span", "why", ` — ${marks.join(", ")}`));
      items.append(row);
    });
    const accept = el("button", "button small primary", t.accept);
    accept.type = "button";
    accept.addEventListener("click", async () => {
      const label = s.name.trim();
      if (!label) return this.board.showError(t.theme_name_needed);
      const ids = s.item_ids.filter((id) => live.state.items.has(id)); // merged away meanwhile
      const ack = await this.board.send("create_theme", { name: label, item_ids: ids });
      if (ack.ok) this.drop(s);
    });
    const reject = el("button", "button small", t.reject);
    reject.type = "button";
    reject.addEventListener("click", () => this.drop(s));
    const actions = el("div", "item-actions");
    actions.append(accept, reject);
    li.append(items, actions);
    return li;
  }

  drop(suggestion) {
    this.list = this.list.filter((s) => s !== suggestion);
    if (!this.list.length) this.list = null;
    this.render();
  }
}
