// live.js's command queue: kept across a reload, each command sent once per try with one op
// id, again after no answer or a failure of the server's, held back over the budget, and ended
// by a refusal the person must act on.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { Live } from "../../app/static/js/live.js";
import { FakeSocket } from "./fake_socket.js";

const BOOT = { workshop: 7, view: "cockpit", namespace: "/ws", t: {}, ack_timeout_ms: 10000 };
const KEY = "bridge:queue:7:cockpit";
let socket;

function page() {
  return new Live(BOOT, () => {});
}

const queued = () => JSON.parse(localStorage.getItem(KEY) || "[]");

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  socket = new FakeSocket();
  globalThis.fakeSocket = () => socket;
});

afterEach(() => {
  delete globalThis.fakeSocket;
  vi.useRealTimers();
});

describe("the command queue", () => {
  it("keeps a command made offline, across a reload, and sends it once connected", async () => {
    page().send("set_phase", { phase: "vote" });
    expect(socket.commands()).toEqual([]);
    const [kept] = queued();
    expect(kept.event).toBe("set_phase");

    const reloaded = page(); // the same browser after a reload: the queue comes back
    socket.connect();
    reloaded.flush();
    const [sent] = socket.commands();
    expect(sent.payload).toEqual({ phase: "vote", op_id: kept.payload.op_id });
    sent.answer(null, { ok: true, v: 3 });
    expect(queued()).toEqual([]);
  });

  it("resolves the promise with the ack and forgets the command once the server took it", async () => {
    const live = page();
    socket.connect();
    const done = live.send("set_phase", { phase: "vote" });
    socket.commands()[0].answer(null, { ok: true, v: 4 });
    await expect(done).resolves.toEqual({ ok: true, v: 4 });
    expect(queued()).toEqual([]);
  });

  it("sends a command the server failed again, with the same op id, after a backoff", () => {
    const live = page();
    socket.connect();
    live.send("cast_ballot", { round_id: 1, ballot: {} });
    const first = socket.commands()[0];
    first.answer(null, { ok: false, code: "ServerError", retry: true });
    expect(socket.commands()).toHaveLength(1); // not at once: a slow server is not hit again
    vi.advanceTimersByTime(600); // the first backoff is at most 0.5 s
    const again = socket.commands();
    expect(again).toHaveLength(2);
    expect(again[1].payload.op_id).toBe(first.payload.op_id);
    expect(queued()).toHaveLength(1);
  });

  it("ends a command refused for a reason the person can act on, and hands them the reason", async () => {
    const live = page();
    socket.connect();
    const done = live.send("open_round", { title: "" });
    const refusal = { ok: false, code: "Invalid", error: "A round needs a title." };
    socket.commands()[0].answer(null, refusal);
    await expect(done).resolves.toEqual(refusal);
    vi.advanceTimersByTime(60000);
    expect(socket.commands()).toHaveLength(1); // never sent again
    expect(queued()).toEqual([]);
  });

  it("sends nothing more until the wait is over when the connection's budget is spent", () => {
    const live = page();
    socket.connect();
    live.send("spotlight", { item_id: 1 });
    socket.commands()[0].answer(null, { ok: false, code: "RateLimited", retry_after: 2, scope: "commands" });
    live.send("spotlight", { item_id: 2 });
    expect(socket.commands()).toHaveLength(1); // the second waits too, keeping the order
    vi.advanceTimersByTime(1900);
    expect(socket.commands()).toHaveLength(1);
    vi.advanceTimersByTime(600); // retry_after, plus at most a fifth
    const sent = socket.commands().slice(1).map((s) => s.payload.item_id);
    expect(sent).toEqual([1, 2]);
  });
});
