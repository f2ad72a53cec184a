// The one module that owns the live connection of a page.
//
// It keeps a versioned copy of the workshop (a snapshot, then versioned changes),
// asks for a fresh snapshot on a version gap or a reconnect, and sends commands
// with an operation id. Commands wait in localStorage until the server acknowledges
// them, so a command made offline, or before a reload, is sent when the
// connection is back; a retry carries the same op id and is never applied twice.
//
// A command goes again, with the same op id, when it got no answer in time, when the
// server failed (ack `retry: true`) and when the connection was over its budget
// (RateLimited, after `retry_after`): the first two after a backoff that doubles with each
// failure, with full jitter, so that a room whose server was slow does not come back all at
// once. Any other refusal is the person's to act on: it ends the command, and goes to the page
// that sent it (its promise) or, sent before a reload, to the page's keepRefused (what it keeps
// to show: a "Not sent" card), else to showError.
//
// A connection that stops carrying messages is found within seconds and dropped (link.js);
// the page says what state it is in: live, reconnecting, offline, or the server unreachable
// for long, each time with what happens to what the person sends.
import { io } from "../vendor/socket.io/socket.io.esm.min.js";
import { Link } from "./link.js";
import { personHere, snapshotOf } from "./offline.js";

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15000;
// Not connected for this long (the phone itself online): the server is down, not a passing
// hiccup, and the page says what to do.
export const UNREACHABLE_MS = 30000;

// How long to wait before sending a command again after its `failures`-th failure:
// the server's retry_after (plus up to a fifth more), else a random time up to a
// doubling backoff ("full jitter").
export function retryDelay(failures, retryAfterMs = null, random = Math.random) {
  if (retryAfterMs != null) return retryAfterMs * (1 + random() / 5);
  return random() * Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

export function bootData() {
  return JSON.parse(document.getElementById("boot").textContent);
}

export function newOpId() {
  // crypto.randomUUID needs a secure context; venue set-ups are often plain http.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Live {
  constructor({ workshop, view, namespace, t, ack_timeout_ms, offline }, onChange) {
    this.t = t;
    // The server gives up on a command 2 s before this (ACK_TIMEOUT): its answer comes first.
    this.ackTimeout = ack_timeout_ms || 10000;
    // The versioned copy of the workshop this screen may see. `workshopAt` is when the
    // workshop (and so its countdown's remaining_ms) arrived, by this page's own clock.
    this.state = {
      v: -1, workshop: null, workshopAt: 0, items: new Map(), themes: [], comments: new Map(),
      reactions: new Map(), myReactions: new Set(), connected: 0, me: null,
      // Voting. rounds: id -> ROUND (versioned, like the workshop). tallies: round id -> the
      // latest tally_changed payload (not versioned: each one replaces the last). myBallots
      // (participants): round id -> {version, ballot, over_limit}, the ballot the server holds.
      rounds: new Map(), tallies: new Map(), myBallots: new Map(),
      // Teams (versioned): teams: id -> TEAM as this screen may see it; teamTags: what members
      // pick from; myTeams (participants): team id -> their own membership; contacts: team id ->
      // the mutual contacts, once the room has moved on from Teams.
      teams: new Map(), teamTags: [], myTeams: new Map(), contacts: {},
    };
    this.onChange = (state) => {
      onChange(state);
      this.keepSoon();
    };
    this.view = view;
    this.ownKeys(workshop, view, offline?.release);
    this.queue = JSON.parse((this.queueKey && localStorage.getItem(this.queueKey)) || "[]");
    this.restore();
    // A reload, or a phone put away, keeps what the screen shows now, not as of a second ago.
    window.addEventListener("pagehide", () => this.keep());
    this.inFlight = new Set();
    this.failures = new Map(); // op id -> times it failed and waits to go again
    this.notBefore = new Map(); // op id -> when (Date.now()) it may go again
    this.pausedUntil = 0; // over the connection's budget: nothing goes before then
    this.retryTimer = null;
    this.waiters = new Map();
    this.indicators = document.querySelectorAll("[data-conn]");
    this.downSince = performance.now(); // not connected since (null while connected)
    this.unreachableTimer = null;
    // A handshake unanswered for 10 s (Socket.IO waits 20 by default) is given up and tried
    // again: on a link that came back, the next one goes through.
    this.socket = io(namespace, { auth: { workshop, view }, reconnectionDelayMax: 4000, timeout: 10000 });
    this.link = new Link(this.socket);
    this.wire();
    this.showConnection("connecting");
  }

  // Where this screen keeps its queue and, on a phone, its last snapshot. A phone's are its
  // person's, as the cookie names them now (not as the page says: a page from a cache may be
  // someone else's), so another person on this browser never sees nor sends them. A phone whose
  // cookie names nobody keeps nothing (the server refuses it anyway). Staff screens keep no
  // snapshot: they need the network, and hold more than one person's data.
  ownKeys(workshop, view, release) {
    this.queueKey = `bridge:queue:${workshop}:${view}`;
    this.keptKey = null;
    this.release = release;
    this.person = null;
    if (view !== "participant") return;
    const person = personHere(workshop);
    const legacy = this.queueKey;
    this.person = person;
    this.queueKey = person && `${legacy}:${person}`;
    this.keptKey = person && `bridge:snapshot:${workshop}:${view}:${person}`;
    // The room as an earlier person on this browser saw it is theirs no more: not left behind.
    const earlier = `bridge:snapshot:${workshop}:${view}:`;
    for (const key of Object.keys(localStorage)) if (key.startsWith(earlier) && key !== this.keptKey) localStorage.removeItem(key);
    if (!person || !localStorage.getItem(legacy)) return;
    // A queue kept before queues were a person's (before this deploy) is adopted, not lost.
    if (!localStorage.getItem(this.queueKey)) localStorage.setItem(this.queueKey, localStorage.getItem(legacy));
    localStorage.removeItem(legacy);
  }

  // The room as this phone last saw it, shown at once after a reload (offline too) until the
  // server's snapshot replaces it. One from another deploy is left alone: its shape may differ.
  restore() {
    const kept = this.keptKey && JSON.parse(localStorage.getItem(this.keptKey) || "null");
    if (!kept || kept.release !== this.release) return;
    this.setSnapshot(kept.snapshot);
    // A running countdown went on meanwhile: its time counts from when it was kept.
    this.state.workshopAt -= Math.max(0, Date.now() - kept.at);
  }

  keepSoon() {
    if (!this.keptKey || this.keepTimer) return;
    this.keepTimer = setTimeout(() => this.keep(), 1000); // at most once a second
  }

  keep() {
    clearTimeout(this.keepTimer);
    this.keepTimer = null;
    if (!this.keptKey || !this.state.workshop) return;
    const snapshot = snapshotOf(this.state, this.timeLeft());
    try {
      localStorage.setItem(this.keptKey, JSON.stringify({ release: this.release, at: Date.now(), snapshot }));
    } catch {
      // Storage full: the room still works online, it just does not show after an offline reload.
    }
  }

  wire() {
    const s = this.socket;
    s.on("connect", () => {
      this.refusals = 0;
      this.downSince = null;
      clearTimeout(this.unreachableTimer);
      this.showConnection("live");
    });
    s.on("disconnect", () => {
      this.showDown();
      this.onChange(this.state); // a command that was "sending" is now "waiting"
    });
    s.on("connect_error", (err) => {
      this.showDown();
      if (s.active) return; // the network: Socket.IO tries again by itself
      // Refused by the server for now (its database away, or connecting too often): it does
      // not try again by itself after a refusal, so this page does, after a jittered backoff.
      if (err?.message === "unavailable") {
        this.refusals = (this.refusals || 0) + 1;
        setTimeout(() => s.connect(), retryDelay(this.refusals) + 1000);
      } else if (err?.message === "unauthorized") {
        this.refusedEntry();
      }
    });
    // The account's sessions ended (logged out elsewhere, disabled, a new password): the server
    // closes this connection; the page goes to the login, and back here after it.
    s.on("session_ended", () => this.toLogin());
    // Back on the network: reconnect now, not at the end of the backoff (up to 6 s later),
    // so what was queued offline goes out while the person still looks at the screen.
    window.addEventListener("online", () => {
      if (s.connected) return;
      this.downSince = performance.now(); // the server has had no chance yet: not "unreachable"
      s.disconnect().connect();
    });
    // Off the network: the connection is gone even if the browser has not noticed yet.
    window.addEventListener("offline", () => (s.connected ? this.link.drop() : this.showDown()));
    // A phone that slept may hold a dead connection that still looks alive: on waking,
    // reconnect if it is down, else take a fresh snapshot in case broadcasts were missed.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") return this.keep();
      if (!s.connected) s.disconnect().connect();
      else this.resync();
    });
    s.on("snapshot", (snap) => this.applySnapshot(snap));
    for (const [event, apply] of Object.entries(this.changes())) {
      s.on(event, (ev) => this.versioned(ev, () => apply(ev)));
    }
    s.on("changed", (ev) => this.applyChanges(ev.changes));
    s.on("tally_changed", (ev) => {
      // Several processes may send a round's tally; the one with the higher seq is newer.
      const known = this.state.tallies.get(ev.round_id);
      if (known && known.seq > ev.seq) return;
      this.state.tallies.set(ev.round_id, ev);
      this.onChange(this.state);
    });
    s.on("ballot_changed", (ev) => {
      if (this.setMyBallot(ev)) this.onChange(this.state);
    });
    s.on("teams_changed", (ev) => this.versioned(ev, () => this.setTeams(ev.teams, ev.team_tags)));
    s.on("team_changed", (ev) => this.versioned(ev, () => {
      this.state.teams.set(ev.team.id, ev.team);
      if (ev.mine) this.state.myTeams.set(ev.team.id, ev.mine);
      else if ("mine" in ev) this.state.myTeams.delete(ev.team.id);
    }));
    s.on("contacts_changed", (ev) => this.versioned(ev, () => (this.state.contacts = ev.contacts || {})));
    s.on("resync", () => this.resync());
    s.on("presence_changed", (ev) => {
      this.state.connected = ev.connected;
      this.onChange(this.state);
    });
  }

  // How each versioned change applies to the state, sent alone or in a beat's `changed`.
  // `beat`: from a beat, where a new item or comment comes in the room's copy before its
  // author's own (docs/protocol.md): one the screen holds as its own stays so.
  changes() {
    const st = this.state;
    return {
      item_changed: (ev, beat) => st.items.set(ev.item.id, beat ? keepMine(st.items, ev.item) : ev.item),
      item_removed: (ev) => st.items.delete(ev.id),
      workshop_changed: (ev) => this.setWorkshop(ev.workshop),
      board_changed: (ev) => this.applyBoard(ev),
      comment_changed: (ev, beat) => st.comments.set(ev.comment.id, beat ? keepMine(st.comments, ev.comment) : ev.comment),
      comment_removed: (ev) => st.comments.delete(ev.id),
      reaction_changed: (ev) => {
        st.reactions.set(ev.item_id, ev.count);
        this.setMyReaction(ev);
      },
      round_changed: (ev) => st.rounds.set(ev.round.id, ev.round),
    };
  }

  // One beat's new items, comments and +1s, in version order: applied as the single events
  // would be, then drawn once. A change older than the screen's version comes from its
  // person's own room (sent after the room's, which carried the later versions): only what
  // says it is theirs is taken from it. A bare version (event null) is a change this screen
  // may not see: it only moves the version on.
  applyChanges(changes) {
    const apply = this.changes();
    const st = this.state;
    for (const [event, ev] of [...changes].sort((a, b) => a[1].v - b[1].v)) {
      if (ev.v > st.v + 1) return this.resync();
      if (ev.v < st.v) {
        this.takeOwn(event, ev);
        continue;
      }
      if (event) apply[event](ev, true);
      st.v = ev.v;
    }
    this.onChange(st);
  }

  // What an older change of one's own room says is one's own: an item or a comment (added if
  // the screen does not hold it: one's private idea), or whether one's +1 is given.
  takeOwn(event, ev) {
    const st = this.state;
    const own = ev.item || ev.comment;
    if (own?.mine === true) {
      const held = (own === ev.item ? st.items : st.comments);
      held.set(own.id, held.has(own.id) ? { ...held.get(own.id), mine: true } : own);
    } else if (event === "reaction_changed") {
      this.setMyReaction(ev);
    }
  }

  setMyReaction({ item_id, mine }) {
    if (mine === true) this.state.myReactions.add(item_id);
    if (mine === false) this.state.myReactions.delete(item_id);
  }

  toLogin() {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  }

  // The server does not know this page's session (any more): a cockpit's sessions ended while
  // it slept, a phone's cookie expired. Staff log in again; a phone reloads, and its page asks
  // it to join again if it must (at most once a minute, should the server refuse it anyway).
  refusedEntry() {
    if (this.view !== "participant") return this.toLogin();
    const key = "bridge:reloaded";
    if (Date.now() - Number(sessionStorage.getItem(key) || 0) < 60000) return;
    sessionStorage.setItem(key, String(Date.now()));
    window.location.reload();
  }

  applySnapshot(snap) {
    this.setSnapshot(snap);
    this.onChange(this.state);
    this.flush();
  }

  setSnapshot(snap) {
    const st = this.state;
    st.v = snap.v;
    this.setWorkshop(snap.workshop);
    st.items = new Map(snap.items.map((item) => [item.id, item]));
    st.themes = snap.themes || [];
    st.boardUndo = snap.board_undo || null; // staff only: the board change an undo takes back
    st.comments = new Map((snap.comments || []).map((c) => [c.id, c]));
    st.reactions = new Map(Object.entries(snap.reactions || {}).map(([id, n]) => [Number(id), n]));
    st.myReactions = new Set(snap.my_reactions || []);
    st.connected = snap.connected;
    st.me = snap.me || null;
    st.rounds = new Map((snap.rounds || []).map((r) => [r.id, r]));
    st.tallies = new Map((snap.tallies || []).map((tally) => [tally.round_id, tally]));
    st.myBallots = new Map();
    for (const [id, mine] of Object.entries(snap.my_ballots || {})) if (mine) st.myBallots.set(Number(id), mine);
    st.myTeams = new Map(Object.entries(snap.my_teams || {}).map(([id, mine]) => [Number(id), mine]));
    st.contacts = snap.contacts || {};
    st.teamTop = snap.team_top || []; // staff: what the results put on top (the cockpit suggests it)
    this.setTeams(snap.teams || [], snap.team_tags || []);
  }

  // The whole set of teams (the facilitator chose them): a membership of a team gone goes too.
  setTeams(teams, tags) {
    this.state.teams = new Map(teams.map((team) => [team.id, team]));
    this.state.teamTags = tags || [];
    for (const id of this.state.myTeams.keys()) if (!this.state.teams.has(id)) this.state.myTeams.delete(id);
  }

  setWorkshop(workshop) {
    this.state.workshop = workshop;
    this.state.workshopAt = performance.now();
  }

  // The whole board: themes in order and where each item sits.
  applyBoard(ev) {
    this.state.themes = ev.themes;
    if ("undo" in ev) this.state.boardUndo = ev.undo;
    for (const [id, themeId, position] of ev.placement) {
      const item = this.state.items.get(id);
      if (item) this.state.items.set(id, { ...item, theme_id: themeId, position });
    }
  }

  // A +1 given or taken back by this screen: whether it is one's own at once, the count unless
  // the screen already holds a later version (whose count includes it).
  takeReaction(ack) {
    this.setMyReaction(ack);
    if (ack.v > this.state.v) this.state.reactions.set(ack.item_id, ack.count);
  }

  // The ballot the server holds for a round (from ballot_changed or a cast_ballot ack); an
  // older version arriving late (an ack after another tab's broadcast) is ignored.
  setMyBallot({ round_id, version, ballot, over_limit }) {
    const held = this.state.myBallots.get(round_id);
    if (held && held.version > version) return false;
    this.state.myBallots.set(round_id, { version, ballot, over_limit });
    return true;
  }

  // Milliseconds left on the countdown now, counted from when the server said how many
  // were left: the phone's wall clock plays no part.
  timeLeft() {
    const timer = this.state.workshop?.timer;
    if (!timer) return 0;
    if (timer.state !== "running") return timer.remaining_ms;
    return Math.max(0, timer.remaining_ms - (performance.now() - this.state.workshopAt));
  }

  // Apply a change in version order. The same version may come twice (an author
  // gets the room's copy, then their own), so equal versions are applied too.
  versioned(ev, apply) {
    if (ev.v > this.state.v + 1) return this.resync();
    if (ev.v < this.state.v) return;
    apply();
    this.state.v = ev.v;
    this.onChange(this.state);
  }

  resync(failures = 0) {
    if (this.resyncing) return; // one snapshot on the way is enough
    this.resyncing = true;
    this.link.request("get_snapshot", {}, this.ackTimeout, (err, ack) => {
      this.resyncing = false;
      if (!err && ack && ack.ok) return this.applySnapshot(ack.snapshot);
      if (err && this.socket.connected) this.link.drop(); // no answer on a connection that looks up
      if (!this.socket.connected) return; // the reconnect brings a snapshot
      const wait = ack?.code === "RateLimited" ? ack.retry_after * 1000 : null;
      setTimeout(() => this.resync(failures + 1), retryDelay(failures + 1, wait));
    });
  }

  // Send a command; resolves with the server's ack once it has been committed.
  // The promise of a command queued offline resolves after the reconnect.
  send(event, payload, opId = newOpId()) {
    const command = { event, payload: { ...payload, op_id: opId } };
    this.queue.push(command);
    this.save();
    const done = new Promise((resolve) => this.waiters.set(command.payload.op_id, resolve));
    this.onChange(this.state);
    this.flush();
    return done;
  }

  flush() {
    if (!this.socket.connected) return;
    const now = Date.now();
    this.wakeForRetries();
    if (this.pausedUntil > now) return;
    for (const command of this.queue) {
      const id = command.payload.op_id;
      if (this.inFlight.has(id) || (this.notBefore.get(id) || 0) > now) continue;
      this.inFlight.add(id);
      this.link.request(command.event, command.payload, this.ackTimeout, (err, ack) => {
        this.inFlight.delete(id);
        // The connection went down meanwhile: the command goes again, with the same op id, as
        // soon as the reconnect's snapshot is in.
        if (err && !this.socket.connected) return this.onChange(this.state);
        // No answer in time on a connection that looks up: the link is broken somewhere. It is
        // dropped, and the command waits its backoff (it may be what the server chokes on).
        if (err) this.link.drop();
        // No answer, a failure of the server's or over the budget: it stays queued and goes
        // again with the same op id.
        if (err || ack.retry) return this.later(id);
        if (ack.code === "RateLimited") {
          this.showError?.(ack.error);
          this.limitShown = true;
          // Over the budget of contributions (ideas, comments, +1s): that command waits. Over
          // the budget of commands: nothing goes before the wait is over, so what follows keeps
          // its order and spends no token on a refusal.
          if (ack.scope === "contributions") return this.later(id, ack.retry_after * 1000);
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryDelay(1, ack.retry_after * 1000));
          return this.wakeForRetries();
        }
        this.failures.delete(id);
        this.notBefore.delete(id);
        if (this.limitShown && ack.ok) {
          this.limitShown = false; // what waited has gone out: the notice is over
          this.showError?.("");
        }
        this.queue = this.queue.filter((c) => c.payload.op_id !== id);
        this.save();
        // What the sender's own command changed is shown now: the room hears of it on its beat.
        if (ack.ok && ack.item) this.state.items.set(ack.item.id, ack.item);
        if (ack.ok && ack.comment) this.state.comments.set(ack.comment.id, ack.comment);
        if (ack.ok && command.event === "toggle_reaction") this.takeReaction(ack);
        if (ack.ok && command.event === "cast_ballot") this.setMyBallot(ack);
        const resolve = this.waiters.get(id);
        this.waiters.delete(id);
        if (resolve) resolve(ack);
        else if (!ack.ok && !this.keepRefused?.(command, ack)) this.showError?.(ack.error);
        this.onChange(this.state);
      });
    }
  }

  // Send a command again later (see retryDelay), keeping its place in the queue.
  later(id, retryAfterMs = null) {
    const failures = (this.failures.get(id) || 0) + 1;
    this.failures.set(id, failures);
    this.notBefore.set(id, Date.now() + retryDelay(failures, retryAfterMs));
    this.wakeForRetries();
    this.onChange(this.state);
  }

  // Flush again when the first command waiting for its retry may go.
  wakeForRetries() {
    clearTimeout(this.retryTimer);
    const now = Date.now();
    const waiting = this.queue.map((c) => this.notBefore.get(c.payload.op_id)).filter((t) => t > now);
    if (this.pausedUntil > now) waiting.push(this.pausedUntil);
    if (waiting.length) this.retryTimer = setTimeout(() => this.flush(), Math.min(...waiting) - now);
  }

  pending(event) {
    return this.queue.filter((c) => !event || c.event === event);
  }

  save() {
    if (this.queueKey) localStorage.setItem(this.queueKey, JSON.stringify(this.queue));
  }

  // Not connected: offline (the phone's own network), reconnecting, or, after UNREACHABLE_MS,
  // the server unreachable. What the person sends is kept in each case.
  showDown() {
    const now = performance.now();
    this.downSince ??= now;
    const waited = now - this.downSince;
    clearTimeout(this.unreachableTimer);
    if (!navigator.onLine) return this.showConnection("offline");
    if (waited >= UNREACHABLE_MS) return this.showConnection("unreachable");
    this.unreachableTimer = setTimeout(() => this.showDown(), UNREACHABLE_MS - waited);
    this.showConnection("reconnecting");
  }

  showConnection(state) {
    const t = this.t;
    // The facilitator's screens say what to check; a phone says whom to tell.
    const unreachable = this.view === "participant" ? t.unreachable : t.unreachable_staff;
    const label = { live: t.live, connecting: t.connecting, reconnecting: t.reconnecting, offline: t.offline, unreachable }[state];
    for (const el of this.indicators) {
      el.textContent = label;
      el.dataset.state = state;
    }
    document.body.dataset.conn = state;
  }
}

// Text typed but not sent survives a reconnect and a reload.
export function keepDraft(field, key) {
  const saved = localStorage.getItem(key);
  if (saved && !field.value) field.value = saved;
  field.addEventListener("input", () => localStorage.setItem(key, field.value));
  return () => localStorage.removeItem(key);
}

// A room's copy of an item or comment the screen holds as its own stays its own.
function keepMine(held, entry) {
  return held.get(entry.id)?.mine && !entry.mine ? { ...entry, mine: true } : entry;
}

export function plural(t, one, many, n) {
  return n === 1 ? t[one] : t[many].replace("{n}", String(n));
}
