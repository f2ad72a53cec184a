// What the server refused for good and the person has not dealt with yet: an idea, an edit or
// a comment queued offline that reached the room after it moved on (or after time was up), and
// a ballot change that reached a closed round. One entry per refused command, kept in
// localStorage so that its words survive a reload; it goes only when the person acts on it:
// sends it again (as it was, or as a comment) and the server takes it, or discards it.
//
// The phone shows the texts as "Not sent" cards above every stage (renderNotSent, room.js); a
// ballot shows its own refused change beside the saved one (ballot.js).
//
// DOM: section[data-not-sent] > ul[data-not-sent-list] > li.not-sent-card[data-not-sent-id] >
//   .item-head (tag, kind, country) · p.not-sent-text · p.not-sent-reason · p.pending (on its
//   way again) · .item-actions (Copy, Send again, Send as a comment, Discard) ·
//   form.not-sent-pick (label "Comment on", select of the room's items, Send, Cancel)
import { countryName, el, syncChildren } from "./items.js";
import { newOpId } from "./live.js";

// The commands whose words are kept when refused. Retries never get here (live.js sends them
// again), nor a ballot's Conflict: the ballot takes the server's copy and says so.
const TEXTS = new Set(["propose_item", "edit_item", "add_comment"]);

export class NotSent {
  constructor(live, key, onChange) {
    this.live = live;
    this.key = key;
    this.onChange = onChange;
    this.entries = JSON.parse(localStorage.getItem(key) || "[]");
    this.resending = new Set(); // op ids of resends whose answer this page still waits for
  }

  // Keep a refused command (its words, or its ballot); false if it is not one to keep.
  keep(command, ack) {
    const { op_id: opId, ...payload } = command.payload;
    const resent = opId && this.entries.find((e) => e.via === opId);
    if (resent) {
      resent.via = null; // refused again: the card stays, with the new reason
      resent.error = ack.error || "";
    } else if (TEXTS.has(command.event) || (command.event === "cast_ballot" && ack.code !== "Conflict")) {
      this.entries.push({ id: opId || newOpId(), event: command.event, payload, error: ack.error || "", via: null });
    } else {
      return false;
    }
    this.save();
    return true;
  }

  // Send an entry again, as it was or as a comment: it stays, marked as on its way, until the
  // server takes it (then it goes) or refuses it (then it shows the new reason).
  resend(entry, event, payload) {
    const opId = newOpId();
    entry.via = opId;
    this.save();
    this.resending.add(opId);
    this.live.send(event, payload, opId).then((ack) => {
      this.resending.delete(opId);
      if (ack.ok) this.remove(entry.id);
      else this.keep({ event, payload: { ...payload, op_id: opId } }, ack);
      this.onChange();
    });
    this.onChange();
  }

  // A resend answered while no page waited for it (sent before a reload) left the queue without
  // being refused (keep runs before the render): the server took it. A refused ballot of a
  // round the room no longer has goes too.
  settle() {
    const queued = new Set(this.live.pending().map((c) => c.payload.op_id));
    const rounds = this.live.state.v >= 0 ? this.live.state.rounds : null;
    const left = this.entries.filter(
      (e) =>
        (!e.via || queued.has(e.via) || this.resending.has(e.via)) &&
        (e.event !== "cast_ballot" || !rounds || rounds.has(e.payload.round_id)),
    );
    if (left.length !== this.entries.length) {
      this.entries = left;
      this.save();
    }
  }

  texts() {
    return this.entries.filter((e) => TEXTS.has(e.event));
  }

  // The latest ballot of this round the server refused for good, if any.
  ballot(roundId) {
    return this.entries.filter((e) => e.event === "cast_ballot" && e.payload.round_id === roundId).pop() || null;
  }

  dropBallot(roundId) {
    this.entries = this.entries.filter((e) => e.event !== "cast_ballot" || e.payload.round_id !== roundId);
    this.save();
  }

  remove(id) {
    this.entries = this.entries.filter((e) => e.id !== id);
    this.save();
  }

  save() {
    if (this.entries.length) localStorage.setItem(this.key, JSON.stringify(this.entries));
    else localStorage.removeItem(this.key);
  }
}

const cards = new Map(); // entry id -> Card

// The "Not sent" list: one card per refused text, on every stage. `can`: {propose, comment}
// (what the room takes from this phone now) and countryName(code).
export function renderNotSent(section, store, t, can) {
  store.settle();
  const entries = store.texts();
  const ids = new Set(entries.map((e) => e.id));
  for (const id of cards.keys()) if (!ids.has(id)) cards.delete(id);
  const nodes = entries.map((entry) => {
    if (!cards.has(entry.id)) cards.set(entry.id, new Card(store, t));
    const card = cards.get(entry.id);
    card.update(entry, can);
    return card.node;
  });
  syncChildren(section.querySelector("[data-not-sent-list]"), nodes);
  section.hidden = !nodes.length;
}

function button(label, className, onClick) {
  const b = el("button", `button small ${className}`, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// Room items as the picker offers them: newest first, a market with its country.
function itemChoices(state) {
  return [...state.items.values()]
    .sort((a, b) => b.id - a.id)
    .map((item) => [item.id, item.country ? `${countryName(item.country)}: ${item.text}` : item.text]);
}

class Card {
  constructor(store, t) {
    this.store = store;
    this.t = t;
    this.picking = false;
    this.node = el("li", "item not-sent-card");
    const head = el("div", "item-head");
    this.kind = el("span", "not-sent-kind");
    this.country = el("strong", "country");
    head.append(el("span", "tag warn", t.not_sent), this.kind, this.country);
    this.text = el("p", "item-text not-sent-text");
    this.reason = el("p", "error not-sent-reason");
    this.status = el("p", "pending");
    this.copy = button(t.copy, "", () => this.copyText());
    this.again = button(t.send_again, "primary wide", () => this.store.resend(this.entry, this.entry.event, this.entry.payload));
    this.asComment = button(t.send_as_comment, "primary wide", () => this.pick(true));
    this.discard = button(t.discard, "danger", () => this.drop());
    this.actions = el("div", "item-actions not-sent-actions");
    this.actions.append(this.again, this.asComment, this.copy, this.discard);
    this.node.append(head, this.text, this.reason, this.status, this.actions, this.picker());
  }

  picker() {
    this.form = el("form", "not-sent-pick");
    this.form.hidden = true;
    this.select = el("select");
    this.select.id = `not-sent-${newOpId()}`;
    const label = el("label", null, this.t.comment_on);
    label.htmlFor = this.select.id;
    const send = el("button", "button small primary", this.t.send);
    send.type = "submit";
    const row = el("div", "item-actions");
    row.append(send, button(this.t.cancel, "", () => this.pick(false)));
    this.form.append(label, this.select, row);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendAsComment();
    });
    return this.form;
  }

  update(entry, can) {
    this.entry = entry;
    this.can = can;
    const { event, payload } = entry;
    this.node.dataset.notSentId = entry.id;
    this.node.classList.toggle("item-market", Boolean(payload.country));
    const kinds = { edit_item: this.t.your_edit, add_comment: this.t.your_comment };
    this.kind.textContent = kinds[event] || (payload.kind === "market" ? this.t.market : this.t.idea);
    this.country.textContent = payload.country ? can.countryName(payload.country) : "";
    this.country.hidden = !payload.country;
    this.text.textContent = payload.text;
    const away = Boolean(entry.via);
    this.reason.textContent = entry.error || this.t.error;
    this.reason.hidden = away;
    this.status.textContent = this.store.live.socket.connected ? this.t.sending : this.t.waiting;
    this.status.hidden = !away;
    const items = this.store.live.state.items;
    // "Send again" where the room takes that command now; a comment goes through the picker.
    const again = event === "edit_item" ? can.propose && items.get(payload.item_id)?.mine : event === "propose_item" && can.propose;
    this.again.hidden = away || !again;
    this.asComment.hidden = away || !can.comment || !items.size;
    this.discard.hidden = away;
    if (this.picking && (away || !can.comment)) this.picking = false;
    this.form.hidden = !this.picking;
    this.actions.hidden = this.picking; // the picker takes their place until sent or cancelled
    if (this.picking) this.fillChoices();
  }

  fillChoices() {
    const choices = itemChoices(this.store.live.state);
    const sig = JSON.stringify(choices);
    if (this.choices === sig) return;
    this.choices = sig;
    const chosen = this.select.value;
    this.select.replaceChildren(...choices.map(([id, text]) => {
      const option = el("option", null, text.length > 90 ? `${text.slice(0, 89)}…` : text);
      option.value = String(id);
      return option;
    }));
    if (choices.some(([id]) => String(id) === chosen)) this.select.value = chosen;
  }

  pick(open) {
    this.picking = open;
    this.choices = null;
    this.update(this.entry, this.can);
    if (!open) return this.asComment.focus();
    // A comment that was refused starts on the item it was written for.
    const first = this.entry.event === "add_comment" ? String(this.entry.payload.item_id) : "";
    if ([...this.select.options].some((o) => o.value === first)) this.select.value = first;
    this.select.focus();
  }

  sendAsComment() {
    const { event, payload } = this.entry;
    const itemId = Number(this.select.value);
    if (!itemId) return;
    const comment = { item_id: itemId, text: payload.text };
    // A reply stays a reply on its own item, if its thread is still there.
    const parent = payload.parent_id && this.store.live.state.comments.get(payload.parent_id);
    if (event === "add_comment" && parent && parent.item_id === itemId) comment.parent_id = payload.parent_id;
    this.picking = false;
    this.store.resend(this.entry, "add_comment", comment);
  }

  drop() {
    if (!confirm(this.t.confirm_discard)) return;
    this.store.remove(this.entry.id);
    this.store.onChange();
  }

  // The clipboard API needs a secure context (venue set-ups are often plain http): else the
  // text is selected and copied the old way, and stays selected for the phone's own Copy.
  async copyText() {
    let copied = false;
    try {
      await navigator.clipboard.writeText(this.entry.payload.text);
      copied = true;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(this.text);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    if (!copied) return;
    this.copy.textContent = this.t.copied;
    setTimeout(() => (this.copy.textContent = this.t.copy), 2500);
  }
}
