// A stand-in for a Socket.IO client socket: the test connects it, and answers (or not) each
// command the page emits. `sent` lists every emit as {event, payload, answer(err, ack)}.
export class FakeSocket {
  constructor() {
    this.connected = false;
    this.active = true;
    this.handlers = new Map();
    this.sent = [];
    this.io = { on: () => {} };
  }

  on(event, handler) {
    this.handlers.set(event, [...(this.handlers.get(event) || []), handler]);
    return this;
  }

  fire(event, ...args) {
    for (const handler of this.handlers.get(event) || []) handler(...args);
  }

  emit(event, payload, done) {
    this.sent.push({ event, payload, answer: done });
  }

  timeout() {
    return { emit: (event, payload, done) => this.sent.push({ event, payload, answer: done }) };
  }

  connect() {
    this.connected = true;
    this.fire("connect");
    return this;
  }

  disconnect() {
    this.connected = false;
    this.fire("disconnect");
    return this;
  }

  commands() {
    return this.sent.filter((s) => s.event !== "get_snapshot" && s.event !== "ping");
  }
}
