// The discussion of one item, shared by the phone, the cockpit and the projector: its +1
// and its comment thread (one level deep). User text only reaches the DOM as textContent.
//
//   import { discussionFor } from "./discussion.js";
//   card.append(discussionFor(item, live, t, { staff, canWrite, canReact, moderate, lockedReason }));
//
//   item          an ITEM of live.state.items
//   live          the page's Live: comments, reactions and myReactions are read from
//                 live.state; commands go out with live.send (queued offline)
//   t             boot.t (see the strings below)
//   staff         false (phone): a +1 toggle button with the count and aria-pressed, sending
//                 toggle_reaction. true (cockpit, projector): the count only.
//   canWrite      true (default): a "Comment" button opening a new-comment form, and "Reply"
//                 under each top-level comment, both sending add_comment. false: no forms,
//                 unless lockedReason is given: then the buttons and any open form stay in
//                 view, disabled (typed text kept), with lockedReason beside them
//                 (e.g. t.time_up when the countdown locked commenting).
//   canReact      participants: the +1 button is enabled (default true; +1 is not locked
//                 by the countdown, only by the phase).
//   moderate      default = staff: Hide/Show on every comment, sending hide_comment; hidden
//                 comments (only staff receive them) are marked. Pass false on the projector.
//   lockedReason  see canWrite.
//
// The same element is returned on every call with the same live, item id and mode (staff,
// moderate), updated in place: forms keep their text, their open state and their focus
// across renders. So call it in every render and append the element to the item's card; if
// the render detached it while someone typed, the focus is put back.
// Drafts survive a reload (keepDraft). A comment is shown at once as "Sending…" (or
// "Waiting for the connection" offline, sent on reconnect); if the server refuses it, the
// text goes back into its form with the server's error under it, or, when the discussion is
// no longer on screen (the room moved on), to the page's live.keepRefused (the phone's "Not
// sent" cards). +1 shows at once too.
//
// DOM: div.discussion[data-discussion][data-item-id] >
//   .discussion-bar > button[data-react][aria-pressed] (phone) | span[data-react-count] (staff),
//                     button[data-comment-toggle]
//                     span.locked-note[data-locked] (lockedReason)
//   p.error[data-error] (the +1's errors)
//   ul.comments[data-comments] > li.thread > article.comment[data-comment-id],
//        ul.replies > li.comment.reply[data-comment-id], form.reply-form[data-reply-form]
//   form.comment-form[data-comment-form] (a new top-level comment)
//   Each form: textarea, button[type=submit], p.error[data-error].
//
// Strings (boot.t): plus_one, plus_one_label ("{n}"), comment, reply, send, your_comment,
// your_reply, facilitator, hidden, hide, show, you, sending, waiting.
import { shown } from "./items.js";
import { keepDraft } from "./live.js";

const controllers = new WeakMap(); // live -> Map(key -> Discussion)

export function discussionFor(item, live, t, options = {}) {
  const opts = { staff: false, canWrite: true, canReact: true, lockedReason: "", ...options };
  opts.moderate = options.moderate ?? opts.staff;
  if (!controllers.has(live)) controllers.set(live, new Map());
  const cache = controllers.get(live);
  const key = `${item.id}:${opts.staff}:${opts.moderate}`;
  if (!cache.has(key)) cache.set(key, new Discussion(item.id, live, t, opts));
  const discussion = cache.get(key);
  discussion.update(opts);
  keepFocus(discussion.root);
  return discussion.root;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function button(label, className, onClick) {
  const b = el("button", `button small ${className}`, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

// A render that takes the element out of the page and puts it back blurs the field being
// typed in; give it its focus and caret back once the render is over.
function keepFocus(root) {
  const active = document.activeElement;
  if (!active || active === document.body || !root.contains(active)) return;
  const { selectionStart, selectionEnd } = active;
  queueMicrotask(() => {
    if (document.activeElement === active || !active.isConnected) return;
    active.focus({ preventScroll: true });
    if (active.tagName === "TEXTAREA") active.setSelectionRange(selectionStart, selectionEnd);
  });
}

// Put `nodes` in `parent` in this order, moving only what is out of place (a node moved
// loses its focus).
function syncChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

class Discussion {
  constructor(itemId, live, t, opts) {
    this.itemId = itemId;
    this.live = live;
    this.t = t;
    this.opts = opts;
    this.threads = new Map(); // top-level comment id -> {li, replies, form, ...}
    this.bodies = new Map(); // comment id -> {sig, node}
    this.root = el("div", "discussion");
    this.root.dataset.discussion = "";
    this.root.dataset.itemId = itemId;
    const bar = el("div", "discussion-bar");
    if (opts.staff) {
      this.count = el("span", "react-total");
      this.count.dataset.reactCount = "0";
      bar.append(this.count);
    } else {
      this.react = button("", "react", () => this.toggleReaction());
      this.react.dataset.react = "";
      // Its name is what it shows ("+1 3", WCAG 2.5.3: a voice user says what they see); the
      // longer wording is its tooltip.
      this.reactSign = el("span", "react-sign", t.plus_one);
      this.reactCount = el("span", "react-count", "0");
      this.react.append(this.reactSign, " ", this.reactCount);
      bar.append(this.react);
    }
    this.main = this.form(null, t.your_comment, "comment-form");
    this.main.form.dataset.commentForm = "";
    this.toggle = button(t.comment, "comment-toggle", () => this.open(this.main, this.main.form.hidden));
    this.toggle.dataset.commentToggle = "";
    this.main.toggle = this.toggle;
    bar.append(this.toggle);
    this.error = el("p", "error");
    this.error.dataset.error = "";
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    this.locked = el("span", "locked-note");
    this.locked.dataset.locked = "";
    this.locked.hidden = true;
    this.list = el("ul", "comments");
    this.list.dataset.comments = "";
    bar.append(this.locked);
    this.root.append(bar, this.error, this.list, this.main.form);
  }

  // A comment form: a new top-level comment (parentId null) or a reply in a thread.
  form(parentId, label, className) {
    const f = { parentId };
    f.form = el("form", `comment-form ${className}`);
    f.form.noValidate = true;
    const ws = this.live.state.workshop?.id ?? "w";
    const who = this.opts.staff ? "staff" : `phone:${this.live.person}`; // a phone's drafts are its person's
    const key = `bridge:draft:${ws}:${who}:${parentId ? `reply:${parentId}` : `comment:${this.itemId}`}`;
    const id = `c-${key.replace(/[^a-z0-9]+/gi, "-")}`;
    const lab = el("label", "sr-only", label);
    lab.htmlFor = id;
    f.area = el("textarea");
    f.area.id = id;
    f.area.rows = 2;
    f.area.maxLength = 500;
    f.area.placeholder = label;
    f.send = el("button", "button small primary", this.t.send);
    f.send.type = "submit";
    const row = el("div", "comment-form-row");
    row.append(f.area, f.send);
    f.errorBox = el("p", "error");
    f.errorBox.dataset.error = "";
    f.errorBox.setAttribute("role", "alert");
    f.errorBox.hidden = true;
    f.form.append(lab, row, f.errorBox);
    f.clearDraft = keepDraft(f.area, key);
    f.form.hidden = !f.area.value; // a draft from before the reload opens its form
    f.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(f);
    });
    return f;
  }

  open(f, show) {
    f.form.hidden = !show;
    f.toggle?.setAttribute("aria-expanded", String(show));
    if (show) f.area.focus();
  }

  showError(box, message) {
    box.textContent = message || "";
    box.hidden = !message;
  }

  async submit(f) {
    this.showError(f.errorBox, "");
    const text = f.area.value.trim();
    if (!text) return f.area.focus();
    if (!this.opts.canWrite) return this.showError(f.errorBox, this.opts.lockedReason);
    const payload = { item_id: this.itemId, text };
    if (f.parentId) payload.parent_id = f.parentId;
    // Queued at once (and kept across a reload, shown as pending), so the form is cleared now.
    const done = this.live.send("add_comment", payload);
    f.area.value = "";
    f.clearDraft();
    this.open(f, false);
    const ack = await done;
    if (ack.ok) return;
    if (!shown(this.root) && this.live.keepRefused?.({ event: "add_comment", payload }, ack)) {
      return this.live.onChange(this.live.state);
    }
    // Refused: the words come back where they were typed, with the reason.
    f.area.value = f.area.value ? `${text}\n${f.area.value}` : text;
    f.area.dispatchEvent(new Event("input")); // and into the draft again
    f.form.hidden = false;
    f.toggle?.setAttribute("aria-expanded", "true");
    this.showError(f.errorBox, ack.error || this.t.error);
  }

  async toggleReaction() {
    this.showError(this.error, "");
    const ack = await this.live.send("toggle_reaction", { item_id: this.itemId });
    if (!ack.ok) this.showError(this.error, ack.error || this.t.error);
  }

  update(opts) {
    this.opts = opts;
    const { state } = this.live;
    const pendingToggles = this.live.pending("toggle_reaction").filter((c) => c.payload.item_id === this.itemId).length;
    let count = state.reactions.get(this.itemId) || 0;
    if (this.opts.staff) {
      this.count.dataset.reactCount = String(count);
      this.count.textContent = `${this.t.plus_one} · ${count}`;
      this.count.title = this.t.plus_one_label.replace("{n}", String(count));
    } else {
      // A +1 still on its way shows as given (or taken back) already.
      let mine = state.myReactions.has(this.itemId);
      if (pendingToggles % 2) {
        count += mine ? -1 : 1;
        mine = !mine;
      }
      this.react.setAttribute("aria-pressed", String(mine));
      this.react.title = this.t.plus_one_label.replace("{n}", String(count));
      this.react.dataset.count = String(count);
      this.reactCount.textContent = String(count);
      this.react.disabled = !this.opts.canReact;
    }
    this.updateWriting();
    this.renderComments();
  }

  forms() {
    return [this.main, ...[...this.threads.values()].map((th) => th.reply).filter(Boolean)];
  }

  updateWriting() {
    const { canWrite, lockedReason } = this.opts;
    const shown = canWrite || Boolean(lockedReason);
    this.root.classList.toggle("is-locked", !canWrite && shown);
    this.locked.textContent = canWrite ? "" : lockedReason;
    this.locked.hidden = canWrite || !lockedReason;
    this.toggle.hidden = !shown;
    this.toggle.disabled = !canWrite;
    this.toggle.setAttribute("aria-expanded", String(!this.main.form.hidden));
    for (const f of this.forms()) {
      f.area.disabled = !canWrite;
      f.send.disabled = !canWrite;
      if (!shown) f.form.hidden = true;
    }
  }

  comments() {
    const { state } = this.live;
    const own = [...state.comments.values()].filter((c) => c.item_id === this.itemId);
    const me = state.me?.display_name ?? null;
    const pending = this.live.pending("add_comment")
      .filter((c) => c.payload.item_id === this.itemId)
      .map((c) => ({
        id: c.payload.op_id, parent_id: c.payload.parent_id ?? null, text: c.payload.text,
        author: this.live.state.workshop?.anonymous ? null : me, mine: true, pending: true,
      }));
    const byId = (a, b) => a.id - b.id;
    return [...own.sort(byId), ...pending];
  }

  renderComments() {
    const all = this.comments();
    const tops = all.filter((c) => c.parent_id === null);
    const seen = new Set();
    const threads = tops.map((c) => {
      seen.add(c.id);
      return this.thread(c, all.filter((r) => r.parent_id === c.id));
    });
    // A thread whose comment was hidden goes (a draft reply in it stays in localStorage).
    for (const id of this.threads.keys()) if (!seen.has(id)) this.threads.delete(id);
    const ids = new Set(all.map((c) => c.id));
    for (const id of this.bodies.keys()) if (!ids.has(id)) this.bodies.delete(id);
    syncChildren(this.list, threads);
    this.list.hidden = !threads.length;
  }

  thread(comment, replies) {
    let th = this.threads.get(comment.id);
    if (!th) {
      th = { li: el("li", "thread"), replies: el("ul", "replies") };
      th.li.dataset.threadId = comment.id;
      if (!comment.pending) {
        th.reply = this.form(comment.id, this.t.your_reply, "reply-form");
        th.reply.form.dataset.replyForm = "";
      }
      this.threads.set(comment.id, th);
      this.updateWriting();
    }
    const body = this.body(comment, th);
    const nodes = [body, th.replies];
    if (th.reply) nodes.push(th.reply.form);
    syncChildren(th.li, nodes);
    syncChildren(th.replies, replies.map((r) => this.body(r, null)));
    th.replies.hidden = !replies.length;
    return th.li;
  }

  // One comment's own card; rebuilt only when what it shows changed.
  body(c, th) {
    const status = c.pending ? (this.live.socket.connected ? "sending" : "waiting") : "";
    const canWrite = this.opts.canWrite || Boolean(this.opts.lockedReason);
    const sig = JSON.stringify([c.text, c.author, c.hidden, c.mine, c.by_facilitator, status, canWrite, this.opts.canWrite]);
    const cached = this.bodies.get(c.id);
    if (cached && cached.sig === sig) return cached.node;
    const node = el(th ? "article" : "li", `comment${th ? "" : " reply"}`);
    node.dataset.commentId = c.id;
    node.classList.toggle("is-hidden", Boolean(c.hidden));
    node.classList.toggle("is-pending", Boolean(c.pending));
    node.classList.toggle("by-facilitator", Boolean(c.by_facilitator));
    const head = el("div", "comment-head");
    if (c.author) head.append(el("strong", "comment-author", c.author));
    if (c.by_facilitator) head.append(el("span", "tag facilitator", this.t.facilitator));
    if (c.mine) head.append(el("span", "tag mine", this.t.you));
    if (c.hidden) head.append(el("span", "tag warn", this.t.hidden));
    if (head.children.length) node.append(head);
    node.append(el("p", "comment-text", c.text));
    if (status) node.append(el("p", "pending", this.t[status]));
    const actions = el("div", "comment-actions");
    if (th?.reply && canWrite && !c.hidden) { // the server refuses replies to a hidden comment
      const reply = button(this.t.reply, "reply-toggle", () => this.open(th.reply, th.reply.form.hidden));
      reply.disabled = !this.opts.canWrite;
      reply.setAttribute("aria-expanded", String(!th.reply.form.hidden));
      th.reply.toggle = reply;
      actions.append(reply);
    }
    if (this.opts.moderate && !c.pending) {
      actions.append(button(c.hidden ? this.t.show : this.t.hide, "moderate", async () => {
        const ack = await this.live.send("hide_comment", { comment_id: c.id, hidden: !c.hidden });
        if (!ack.ok) this.showError(this.error, ack.error || this.t.error);
      }));
    }
    if (actions.children.length) node.append(actions);
    this.bodies.set(c.id, { sig, node });
    return node;
  }
}
