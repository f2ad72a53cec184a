// The phone's ballot for one voting round: dots (−/+ per choice within a budget and a cap),
// ranking (drag with SortableJS, or Up/Down for keyboards and screen readers) and scores
// (1–5 per criterion for each market).
//
//   import { ballotFor } from "./ballot.js";
//   host.replaceChildren(ballotFor(round, live, t, { locked }));
//
// Saving: AUTOSAVE. Every change is sent as the whole ballot (cast_ballot, with the
// version it replaces) SAVE_DELAY_MS after the last tap, and "Save my vote" sends at once
// (a ranking someone agrees with as shown needs it). The bar at the bottom says
// "Saving…" while the command is queued, "Waiting for the connection" while offline (live.send
// keeps it in localStorage), and "Saved" only once the server's ack says ok. One command per
// round is in flight at a time: changes made meanwhile go out after its ack, on the new version.
// A Conflict (the ballot changed in another tab) reloads the server's copy and says so.
//
// While the ballot cannot be edited (the round closed, time is up) its rows show exactly what
// the server holds (live.state.myBallots), under "Your ballot, as it was saved:"; a change the
// server does not hold (still queued, or refused for good, e.g. it reached a closed round) is
// shown above that heading, marked "Not saved" with the reason, until discarded. A refused
// change is kept in live.notSent (not_sent.js), so a reload still says so; it comes back to be
// edited if the ballot can be edited again (the countdown extended).
//
// The same element is returned for a round on every call and updated in place, so a drag in
// progress, the focus and the scroll survive the room's other changes.
import Sortable from "../vendor/sortablejs/sortable.esm.js";
import { countryName, el } from "./items.js";
import { plural } from "./live.js";

const SAVE_DELAY_MS = 600;
const SCALE = [1, 2, 3, 4, 5];
const views = new Map(); // round id -> BallotView
const notices = new Map(); // round id -> what the server said about this person's ballot

export function ballotFor(round, live, t, opts) {
  let view = views.get(round.id);
  if (!view || view.live !== live) {
    view = new BallotView(round, live, t);
    views.set(round.id, view);
  }
  view.update(round, opts);
  return view.root;
}

// The server's word on this person's ballot (ballot_changed's `notice`: a choice was taken out of
// the round and its points are free again), shown on the ballot until the next change.
export function ballotNotice(roundId, text) {
  notices.set(roundId, text);
  const view = views.get(roundId);
  if (view) view.render();
}

// "17 of 23 have voted"
export function votedOf(t, tally) {
  return fill(tally.voted === 1 ? t.voted_of_one : t.voted_of, { voted: tally.voted, eligible: tally.eligible });
}

export function fill(text, vars) {
  return Object.entries(vars).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, String(v)), text);
}

// A shuffle that is the same on every render and every reload for one person and one round.
export function stableShuffle(list, seedText) {
  let h = 2166136261;
  for (const ch of seedText) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = h >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Who, what and where of a choice: the country's name for a market, then its label.
export function optionText(option, live) {
  const box = el("div", "option-text");
  const item = option.item_id ? live.state.items.get(option.item_id) : null;
  // In the reader's language, as every screen names countries (item.country_name is the workshop's).
  const country = countryName(option.country || item?.country);
  if (country) box.append(el("strong", "country", country));
  box.append(el("span", "option-label", option.label));
  return box;
}

function button(label, className, onClick) {
  const b = el("button", `button ${className}`, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function optionIds(round) {
  return round.options.map((o) => o.id).join(",");
}

// Key order must not make two equal ballots differ.
function canonical(ballot) {
  if (Array.isArray(ballot)) return JSON.stringify(ballot);
  const sorted = (obj) => Object.keys(obj).sort().map((k) => [k, typeof obj[k] === "object" ? sorted(obj[k]) : obj[k]]);
  return JSON.stringify(sorted(ballot || {}));
}

class BallotView {
  constructor(round, live, t) {
    this.id = round.id;
    this.live = live;
    this.t = t;
    this.round = round;
    this.draft = null; // the person's edits; null: show what the server holds
    this.draftVersion = 0; // the saved version the draft was built on
    this.timer = null;
    this.again = false; // a change waits for the command in flight
    this.message = "";
    this.dragging = false;
    this.rows = new Map(); // option id -> {node, ...controls}
    this.optionIds = ""; // the choices the rows were built for

    this.root = el("div", "ballot");
    this.root.dataset.ballot = "";
    this.root.dataset.roundId = round.id;
    this.root.dataset.method = round.method;
    const head = el("div", "ballot-head");
    this.title = el("h2", "ballot-title");
    this.hint = el("p", "hint ballot-hint");
    this.count = el("p", "ballot-count muted small");
    this.count.dataset.votedCount = "";
    head.append(this.title, this.count);
    this.note = el("p", "banner ballot-note");
    this.note.dataset.ballotNote = "";
    this.note.setAttribute("role", "status");
    this.error = el("p", "error banner-error");
    this.error.dataset.ballotError = "";
    this.error.setAttribute("role", "alert");
    this.unsaved = this.unsavedBox();
    this.list = el(round.method === "ranking" ? "ol" : "ul", `ballot-options ballot-${round.method}`);
    this.bar = el("div", "ballot-bar");
    this.left = el("span", "ballot-left");
    this.left.dataset.pointsLeft = "";
    this.status = el("span", "ballot-status");
    this.status.dataset.saveStatus = "";
    this.status.setAttribute("aria-live", "polite");
    this.saveNow = button(t.save_vote, "primary ballot-save", () => this.send());
    this.saveNow.dataset.saveNow = "";
    this.bar.append(this.left, this.status, this.saveNow);
    this.root.append(head, this.note, this.error, this.unsaved, this.hint, this.list, this.bar);
    this.build();
  }

  unsavedBox() {
    const box = el("div", "ballot-unsaved");
    box.dataset.ballotUnsaved = "";
    box.setAttribute("role", "status");
    const head = el("p", "unsaved-head");
    this.unsavedReason = el("span", "unsaved-reason");
    head.append(el("span", "tag warn unsaved-title", this.t.unsaved), this.unsavedReason);
    this.unsavedList = el("ul", "unsaved-list");
    this.discard = button(this.t.discard, "small unsaved-discard", () => this.discardUnsaved());
    box.append(head, el("p", "unsaved-lead muted", this.t.unsaved_change), this.unsavedList, this.discard);
    return box;
  }

  get saved() {
    return this.live.state.myBallots.get(this.id) || null;
  }

  get method() {
    return this.round.method;
  }

  // The choices in the order this person sees them.
  options() {
    const opts = this.round.options;
    if (!this.round.shuffle) return opts;
    return stableShuffle(opts, `${this.id}:${this.live.state.me?.id ?? 0}`);
  }

  own(option) {
    return Boolean(option.item_id && this.live.state.items.get(option.item_id)?.mine);
  }

  // --- the ballot as edited, and as sent ------------------------------------------------

  current() {
    return this.draft ?? this.fromSaved();
  }

  // The server's ballot, or the one still queued from before a reload (it goes out first).
  fromSaved() {
    return this.shaped(this.lastQueued()?.payload.ballot ?? this.saved?.ballot);
  }

  lastQueued() {
    return this.live.pending("cast_ballot").filter((c) => c.payload.round_id === this.id).pop() || null;
  }

  // A ballot as the rows show it: a ranking lists every choice, the ranked ones first.
  shaped(ballot) {
    if (this.method === "ranking") {
      const ids = this.options().map((o) => o.id);
      const ranked = Array.isArray(ballot) ? ballot.filter((id) => ids.includes(id)) : [];
      return [...ranked, ...ids.filter((id) => !ranked.includes(id))];
    }
    return JSON.parse(JSON.stringify(ballot || {}));
  }

  edit(change) {
    notices.delete(this.id);
    if (this.draft === null) {
      this.draft = this.fromSaved();
      this.draftVersion = this.saved?.version ?? 0;
    }
    change(this.draft);
    this.message = "";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), SAVE_DELAY_MS);
    this.render();
  }

  // What goes to the server: dots without zeros, the top N of a ranking, fully scored markets;
  // only the choices still in the round (one may have been taken out since the draft began).
  ballotOf(draft) {
    const ids = new Set(this.round.options.map((o) => String(o.id)));
    if (this.method === "ranking") {
      const order = draft.filter((id) => ids.has(String(id)));
      return this.round.top_n ? order.slice(0, this.round.top_n) : order;
    }
    const entries = Object.entries(draft).filter(([id]) => ids.has(id));
    if (this.method === "dots") return Object.fromEntries(entries.filter(([, n]) => n > 0));
    const need = this.round.criteria.map((c) => String(c.id));
    return Object.fromEntries(entries.filter(([, row]) => need.every((c) => row[c])));
  }

  spent(draft) {
    return Object.values(draft).reduce((a, n) => a + n, 0);
  }

  overLimit(draft) {
    if (this.method !== "dots") return false;
    return this.spent(draft) > this.round.budget || Object.values(draft).some((n) => n > this.round.cap);
  }

  // A market with some criteria scored, not all: it is not sent until it is complete.
  partly(draft) {
    const need = this.round.criteria.length;
    return Object.values(draft).some((row) => Object.keys(row).length > 0 && Object.keys(row).length < need);
  }

  queued() {
    return this.live.pending("cast_ballot").some((c) => c.payload.round_id === this.id);
  }

  send() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.editable()) {
      this.keepUnsaved(null, this.closedReason()); // too late to go: said, not dropped
      return this.render();
    }
    if (this.queued()) {
      this.again = true; // after the ack, on the version it brings
      return this.render();
    }
    const ballot = this.ballotOf(this.current());
    const saved = this.saved;
    const empty = Array.isArray(ballot) ? !ballot.length : !Object.keys(ballot).length;
    if (this.overLimit(ballot) || (!saved && empty) || (saved && canonical(ballot) === canonical(saved.ballot))) {
      return this.render();
    }
    const done = this.live.send("cast_ballot", { round_id: this.id, base_version: saved?.version ?? 0, ballot });
    done.then((ack) => this.acked(ack, ballot));
  }

  acked(ack, ballot) {
    if (ack.ok) {
      this.draftVersion = ack.version;
      this.message = "";
    } else if (ack.code === "Conflict") {
      // Another tab saved first: take the server's copy (a fresh snapshot brings it).
      this.draft = null;
      this.again = false;
      this.message = ack.error || this.t.error;
      this.live.resync();
    } else {
      this.again = false;
      this.message = ack.error || this.t.error;
      if (!this.editable()) this.keepUnsaved(ballot, this.message);
    }
    this.render();
  }

  // Where it cannot be edited now (the round closed, time is up), a change the server does not
  // hold (the draft, else `ballot`) is kept as not saved, with the reason: beside the saved
  // ballot, across a reload too (live.notSent).
  keepUnsaved(ballot, reason) {
    if (!this.live.notSent) return;
    const change = this.draft !== null ? this.ballotOf(this.draft) : ballot;
    this.draft = null;
    if (!change || this.matchesSaved(change)) return;
    const command = { event: "cast_ballot", payload: { round_id: this.id, ballot: change } };
    this.live.notSent.keep(command, { ok: false, error: reason });
  }

  matchesSaved(ballot) {
    return canonical(ballot) === canonical(this.saved?.ballot ?? (this.method === "ranking" ? [] : {}));
  }

  closedReason() {
    const t = this.t;
    return this.round.status !== "open" ? t.round_closed : this.locked ? t.time_up_vote : t.not_saved;
  }

  // A change the server does not hold while the ballot cannot be edited: still on its way,
  // refused for good, or made too late to go. Null when the rows say it all.
  unsavedChange() {
    const t = this.t;
    const queued = this.lastQueued();
    if (queued) return { ballot: queued.payload.ballot, reason: this.live.socket.connected ? t.saving : t.waiting, final: false };
    const refused = this.live.notSent?.ballot(this.id);
    if (refused) return { ballot: refused.payload.ballot, reason: refused.error || t.error, final: true };
    const ballot = this.draft === null ? null : this.ballotOf(this.draft);
    if (!ballot || this.matchesSaved(ballot)) return null;
    return { ballot, reason: this.message || this.closedReason(), final: true };
  }

  discardUnsaved() {
    this.live.notSent?.dropBallot(this.id);
    this.draft = null;
    this.message = "";
    this.render();
  }

  // A refused change comes back to be edited once the ballot can be edited again: "Not saved
  // yet", with "Save my vote" (its old reason, e.g. time was up, no longer holds).
  reopenRefused() {
    const refused = this.live.notSent?.ballot(this.id);
    if (!refused || !this.editable() || this.queued()) return;
    this.live.notSent.dropBallot(this.id);
    if (this.draft !== null) return;
    this.draft = this.shaped(refused.payload.ballot);
    this.draftVersion = this.saved?.version ?? 0;
  }

  editable() {
    return this.round.status === "open" && !this.locked && this.live.state.workshop?.phase === "vote";
  }

  // --- rendering ----------------------------------------------------------------------

  update(round, { locked }) {
    if (round.status !== "open") this.message = ""; // a refusal or a conflict is old news now
    this.round = round;
    this.locked = locked;
    if (this.optionIds !== optionIds(round)) this.rebuild();
    this.reopenRefused();
    const saved = this.saved;
    // Another tab or device saved a newer ballot while this one had no change of its own: show
    // it. (Our own ack brings a newer version too, with the ballot shown: nothing to change.)
    // Not while a change of this page's own waits to go out (timer, again): it would be lost.
    if (this.draft !== null && !this.timer && !this.again && !this.queued() && saved && saved.version > this.draftVersion) {
      if (canonical(this.ballotOf(this.draft)) !== canonical(saved.ballot)) this.draft = null;
      else this.draftVersion = saved.version;
    }
    if (this.again && !this.queued() && !this.againSoon) {
      // After the ack's own handler (acked), which drops the draft on a Conflict.
      this.againSoon = true;
      setTimeout(() => {
        this.againSoon = false;
        if (!this.again) return;
        this.again = false;
        this.send();
      }, 0);
    }
    this.render();
  }

  build() {
    this.optionIds = optionIds(this.round);
    if (this.method === "dots") this.buildDots();
    else if (this.method === "ranking") this.buildRanking();
    else this.buildScores();
  }

  // The round's choices changed (moderation took one out, or let it back in): new rows, and a
  // draft that holds only the choices still there.
  rebuild() {
    this.sortable?.destroy();
    this.sortable = null;
    this.rows.clear();
    this.list.replaceChildren();
    if (this.draft !== null) {
      const ids = new Set(this.round.options.map((o) => o.id));
      if (this.method === "ranking") {
        this.draft = [...this.draft.filter((id) => ids.has(id)), ...[...ids].filter((id) => !this.draft.includes(id))];
      } else {
        for (const key of Object.keys(this.draft)) if (!ids.has(Number(key))) delete this.draft[key];
      }
    }
    this.build();
  }

  render() {
    const t = this.t;
    const round = this.round;
    const editable = this.editable();
    // Read-only, the rows are the server's ballot; a change it does not hold is shown apart.
    const draft = editable ? this.current() : this.shaped(this.saved?.ballot);
    const change = editable ? null : this.unsavedChange();
    this.renderUnsaved(change);
    this.title.textContent = round.title;
    this.hint.textContent = this.hintText();
    const tally = this.live.state.tallies.get(this.id);
    this.count.textContent = tally?.eligible ? votedOf(t, tally) : "";
    this.count.hidden = !this.count.textContent;
    const over = this.method === "dots" && editable && this.overLimit(draft);
    const told = round.status === "open" ? notices.get(this.id) || "" : "";
    const note = round.status !== "open" ? t.round_closed : this.locked ? t.time_up_vote : over ? t.over_limit : told;
    this.note.textContent = note;
    this.note.hidden = !note;
    this.note.classList.toggle("is-warning", over);
    this.error.textContent = this.message;
    this.error.hidden = !this.message || Boolean(change); // the box says why
    this.root.classList.toggle("is-readonly", !editable);
    this.root.classList.toggle("is-closed", round.status !== "open");
    if (this.method === "dots") this.renderDots(draft, editable);
    else if (this.method === "ranking") this.renderRanking(draft, editable);
    else this.renderScores(draft, editable);
    this.renderBar(draft, editable);
  }

  hintText() {
    const t = this.t;
    const r = this.round;
    if (r.status !== "open") return this.saved ? t.your_ballot : t.no_ballot;
    if (this.method === "dots") return fill(t.dots_hint, { budget: r.budget, cap: r.cap });
    if (this.method === "ranking") return r.top_n && r.top_n < r.options.length ? fill(t.ranking_hint_top, { n: r.top_n }) : t.ranking_hint;
    return t.scores_hint;
  }

  renderBar(draft, editable) {
    const t = this.t;
    if (this.method === "dots") {
      const left = this.round.budget - this.spent(draft);
      this.left.textContent = left >= 0 ? plural(t, "points_left_one", "points_left_many", left) : plural(t, "points_over_one", "points_over_many", -left);
      this.left.classList.toggle("is-over", left < 0);
    } else {
      this.left.textContent = "";
    }
    this.left.hidden = !this.left.textContent;
    const [state, text] = this.statusNow(draft, editable);
    this.status.dataset.state = state;
    this.status.textContent = text;
    // A ranking someone agrees with as shown has no change to save by itself.
    this.saveNow.hidden = !editable || !(state === "unsaved" || (state === "none" && this.method === "ranking"));
    // A closed round's ballot is a record: its hint says so, the bar has nothing left to say.
    this.bar.hidden = this.round.status !== "open" || (!editable && state !== "saved");
  }

  statusNow(draft, editable) {
    const t = this.t;
    const saved = this.saved;
    const ballot = this.ballotOf(draft);
    const queued = this.queued();
    if (queued || this.timer || this.again) {
      // What cannot be sent is said at once, not after a "Saving…" that saves nothing.
      if (!queued && editable && this.overLimit(ballot)) return ["invalid", t.trim_to_save];
      if (!queued && editable && this.method === "scores" && this.partly(draft)) return ["invalid", t.finish_scoring];
      return this.live.socket.connected ? ["saving", t.saving] : ["waiting", t.waiting];
    }
    // A saved ballot over limits lowered since is kept, but "Saved" would tell her all is well.
    if (editable && this.overLimit(ballot)) return ["invalid", t.trim_to_save];
    if (saved && canonical(ballot) === canonical(saved.ballot)) return ["saved", t.saved];
    if (!editable) return ["none", saved ? "" : t.no_ballot];
    if (this.method === "scores" && this.partly(draft)) return ["invalid", t.finish_scoring];
    if (!saved && this.draft === null) return ["none", t.not_voted];
    return ["unsaved", t.not_saved];
  }

  renderUnsaved(change) {
    this.unsaved.hidden = !change;
    if (!change) return;
    this.unsavedReason.textContent = change.reason;
    this.unsavedReason.hidden = !change.reason;
    this.discard.hidden = !change.final;
    const rows = this.summary(change.ballot);
    const sig = JSON.stringify(rows);
    if (this.unsavedRows === sig) return;
    this.unsavedRows = sig;
    this.unsavedList.replaceChildren(...rows.map(([choice, value]) => {
      const li = el("li");
      li.append(el("span", "unsaved-choice", choice));
      if (value) li.append(el("span", "unsaved-value", value));
      return li;
    }));
  }

  // A ballot in words, [choice, value] per row: points, places or scores; choices still in the round.
  summary(ballot) {
    const name = (o) => {
      const country = countryName(o.country || (o.item_id && this.live.state.items.get(o.item_id)?.country));
      return country ? `${country}: ${o.label}` : o.label;
    };
    if (this.method === "ranking") {
      const byId = new Map(this.round.options.map((o) => [String(o.id), o]));
      const ranked = (Array.isArray(ballot) ? ballot : []).map((id) => byId.get(String(id))).filter(Boolean);
      return ranked.map((o, i) => [`${i + 1}. ${name(o)}`, ""]);
    }
    const given = ballot || {};
    return this.options()
      .filter((o) => given[o.id] && (this.method !== "dots" || given[o.id] > 0))
      .map((o) => {
        const v = given[o.id];
        if (this.method === "dots") return [name(o), plural(this.t, "points_one", "points_many", v)];
        return [name(o), this.round.criteria.map((c) => `${c.name}: ${v[c.id] ?? "–"}`).join(" · ")];
      });
  }

  // --- dots -----------------------------------------------------------------------------

  buildDots() {
    for (const option of this.options()) {
      const node = el("li", "ballot-option");
      node.dataset.optionId = option.id;
      const text = optionText(option, this.live);
      const own = el("span", "tag mine own-tag", this.t.your_item);
      own.hidden = true;
      text.prepend(own);
      const minus = button("−", "step minus", () => this.edit((d) => (d[option.id] = Math.max(0, (d[option.id] || 0) - 1))));
      const plus = button("+", "step plus", () => this.edit((d) => (d[option.id] = (d[option.id] || 0) + 1)));
      minus.setAttribute("aria-label", fill(this.t.take_point, { label: option.label }));
      plus.setAttribute("aria-label", fill(this.t.give_point, { label: option.label }));
      const points = el("output", "points", "0");
      points.dataset.points = "";
      const stepper = el("div", "stepper");
      stepper.append(minus, points, plus);
      node.append(text, stepper);
      this.list.append(node);
      this.rows.set(option.id, { node, minus, plus, points, own, stepper, option });
    }
  }

  renderDots(draft, editable) {
    const left = this.round.budget - this.spent(draft);
    for (const [id, row] of this.rows) {
      const n = draft[id] || 0;
      const own = this.own(row.option);
      const barred = own && !this.round.allow_own;
      row.points.textContent = String(n);
      row.points.setAttribute("aria-label", plural(this.t, "points_one", "points_many", n));
      row.node.classList.toggle("has-points", n > 0);
      row.node.classList.toggle("is-over-cap", n > this.round.cap);
      row.node.classList.toggle("is-barred", barred);
      row.own.hidden = !own;
      row.own.textContent = barred ? this.t.your_item_barred : this.t.your_item;
      row.stepper.hidden = barred && n === 0; // nothing to do there: the tag says why
      row.minus.disabled = !editable || n <= 0;
      row.plus.disabled = !editable || barred || n >= this.round.cap || left <= 0;
    }
  }

  // --- ranking --------------------------------------------------------------------------

  buildRanking() {
    for (const option of this.options()) {
      const node = el("li", "ballot-option rank-option");
      node.dataset.optionId = option.id;
      const num = el("span", "rank-num");
      const handle = el("span", "rank-handle", "⋮⋮");
      handle.setAttribute("aria-hidden", "true");
      const up = button(this.t.up, "small rank-up", () => this.move(option.id, -1));
      const down = button(this.t.down, "small rank-down", () => this.move(option.id, 1));
      up.setAttribute("aria-label", fill(this.t.move_up, { label: option.label }));
      down.setAttribute("aria-label", fill(this.t.move_down, { label: option.label }));
      const buttons = el("div", "rank-buttons");
      buttons.append(up, down);
      node.append(handle, num, optionText(option, this.live), buttons);
      this.rows.set(option.id, { node, num, up, down, option });
    }
    // Touch: a short press lifts a choice, so a swipe over the list still scrolls the page.
    this.sortable = Sortable.create(this.list, {
      forceFallback: true,
      fallbackOnBody: true,
      fallbackTolerance: 4,
      delay: 160,
      delayOnTouchOnly: true,
      touchStartThreshold: 8,
      animation: 120,
      filter: "button",
      preventOnFilter: false,
      ghostClass: "is-ghost",
      chosenClass: "is-chosen",
      dragClass: "is-dragging",
      onStart: () => (this.dragging = true),
      onEnd: () => {
        this.dragging = false;
        const order = [...this.list.children].map((li) => Number(li.dataset.optionId));
        if (canonical(order) !== canonical(this.current())) this.edit((d) => d.splice(0, d.length, ...order));
        else this.render();
      },
    });
  }

  move(id, by) {
    this.edit((d) => {
      const i = d.indexOf(id);
      const j = i + by;
      if (j < 0 || j >= d.length) return;
      [d[i], d[j]] = [d[j], d[i]];
    });
    this.rows.get(id)[by < 0 ? "up" : "down"].focus(); // keyboard users keep their place
  }

  renderRanking(order, editable) {
    const top = this.round.top_n || order.length;
    this.sortable.option("disabled", !editable);
    if (!this.dragging) {
      order.forEach((id, i) => {
        const node = this.rows.get(id)?.node;
        if (node && this.list.children[i] !== node) this.list.insertBefore(node, this.list.children[i] || null);
      });
    }
    order.forEach((id, i) => {
      const row = this.rows.get(id);
      if (!row) return;
      const ranked = i < top;
      row.num.textContent = ranked ? String(i + 1) : "–";
      row.node.classList.toggle("is-unranked", !ranked);
      row.node.classList.toggle("is-cut", i === top - 1 && top < order.length);
      row.up.disabled = !editable || i === 0;
      row.down.disabled = !editable || i === order.length - 1;
    });
  }

  // --- scores ---------------------------------------------------------------------------

  buildScores() {
    for (const option of this.options()) {
      const node = el("li", "ballot-option score-option");
      node.dataset.optionId = option.id;
      const rows = new Map();
      const body = el("div", "score-rows");
      for (const criterion of this.round.criteria) {
        const set = el("fieldset", "score-row");
        set.append(el("legend", "score-criterion", criterion.name));
        const seg = el("div", "score-seg");
        const inputs = SCALE.map((n) => {
          const label = el("label");
          const input = el("input");
          input.type = "radio";
          input.name = `score-${this.id}-${option.id}-${criterion.id}`;
          input.value = String(n);
          input.setAttribute("aria-label", fill(this.t.score_aria, { criterion: criterion.name, n }));
          input.addEventListener("change", () => this.edit((d) => {
            d[option.id] = { ...(d[option.id] || {}), [criterion.id]: n };
          }));
          label.append(input, el("span", null, String(n)));
          seg.append(label);
          return input;
        });
        set.append(seg);
        body.append(set);
        rows.set(String(criterion.id), inputs);
      }
      const foot = el("div", "score-foot");
      const state = el("span", "score-state");
      const clear = button(this.t.clear, "small score-clear", () => this.edit((d) => delete d[option.id]));
      foot.append(state, clear);
      node.append(optionText(option, this.live), body, foot);
      this.list.append(node);
      this.rows.set(option.id, { node, rows, state, clear, option });
    }
  }

  renderScores(draft, editable) {
    const need = this.round.criteria.length;
    for (const [id, row] of this.rows) {
      const mine = draft[id] || {};
      for (const [criterion, inputs] of row.rows) {
        for (const input of inputs) {
          input.checked = mine[criterion] === Number(input.value);
          input.disabled = !editable;
        }
      }
      const done = this.round.criteria.filter((c) => mine[c.id]).length;
      row.state.textContent = done === 0 ? this.t.not_scored : done < need ? fill(this.t.scored_partly, { done, need }) : this.t.scored;
      row.state.dataset.state = done === 0 ? "none" : done < need ? "partial" : "done";
      row.node.classList.toggle("is-partial", done > 0 && done < need);
      row.clear.hidden = !editable || done === 0;
    }
  }
}
