// Whether the live connection still carries messages.
//
// On a venue's Wi-Fi a connection can die without a word: packets vanish, the browser's
// socket still looks open, and Engine.IO's heartbeat takes 45 s (25 + 20) to notice. The page
// would show "Live" and "Sending…" all that time, and what it sent would be gone. So the page
// asks: when a request has waited PROBE_AFTER_MS while nothing came from the server, or after
// QUIET_MS of silence, it sends `ping`, which the server answers at once (after whatever this
// connection sent before it). No answer within PING_TIMEOUT_MS, and still nothing heard: the
// link is dead. It is dropped, Socket.IO connects again with its backoff, and what waits goes
// again, with its op id, after the new connection's snapshot.

// The server answers in a few milliseconds (docs/performance.md: p99 under 0.2 s in a full
// room): two seconds of silence while a request waits is already odd.
export const PROBE_AFTER_MS = 2000;
export const PING_TIMEOUT_MS = 3000;
// Engine.IO's own ping comes every 25 s: a quiet room's screen checks in between.
export const QUIET_MS = 15000;
const WATCH_EVERY_MS = 500;

export class Link {
  constructor(socket, { now = () => performance.now() } = {}) {
    this.socket = socket;
    this.now = now;
    this.heardAt = now();
    this.waiting = new Map(); // a request -> when it was sent
    this.pingAt = null; // since when the ping not yet answered has waited
    this.pings = 0; // pings sent: an answer counts for the latest only
    this.watchedAt = now();
    // Any Socket.IO packet (an event, an ack) and Engine.IO's heartbeat: the server is there.
    socket.io.on("packet", () => this.heard());
    socket.io.on("ping", () => this.heard());
    socket.on("connect", () => {
      this.pingAt = null;
      this.heard();
    });
    setInterval(() => this.watch(), WATCH_EVERY_MS);
  }

  heard() {
    this.heardAt = this.now();
  }

  // Send a request whose answer is awaited: done(err, ack) as Socket.IO's timeout().emit.
  request(event, payload, timeoutMs, done) {
    const request = {};
    this.waiting.set(request, this.now());
    this.socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      this.waiting.delete(request);
      done(err, ack);
    });
  }

  watch() {
    const now = this.now();
    // This page was frozen meanwhile (a phone asleep, a tab throttled, a starved machine): the
    // silence was its own, not the server's. The server gets a whole timeout again.
    const frozen = now - this.watchedAt > 4 * WATCH_EVERY_MS;
    this.watchedAt = now;
    if (!this.socket.connected) return;
    if (frozen && this.pingAt !== null) this.pingAt = now;
    if (this.pingAt !== null) {
      if (now - this.pingAt >= PING_TIMEOUT_MS && this.heardAt < this.pingAt) this.drop();
      return;
    }
    const silent = now - this.heardAt;
    const oldest = Math.min(...this.waiting.values()); // Infinity when nothing waits
    if (silent >= QUIET_MS || (silent >= PROBE_AFTER_MS && now - oldest >= PROBE_AFTER_MS)) this.ping();
  }

  ping() {
    const ping = ++this.pings;
    this.pingAt = this.now();
    // Any answer will do, a refusal over the pings' budget included: the link carried it.
    this.socket.emit("ping", {}, () => {
      this.heard();
      if (this.pings === ping) this.pingAt = null;
    });
  }

  // Give up on this connection: Socket.IO reports the disconnect at once (every request still
  // waiting gets its error) and connects again after its backoff.
  drop() {
    this.pingAt = null;
    this.waiting.clear();
    this.socket.io.engine?.close();
  }
}
