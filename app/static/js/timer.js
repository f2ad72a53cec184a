// The countdown, shared by the phone, the cockpit and the projector.
//
//   import { mountCountdown, countdownState, timeIsUp, formatMs } from "./timer.js";
//
//   const countdown = mountCountdown(el, live, t, { onState, hideIdle = true });
//     el        an element of the page; it gets the class "countdown", role="timer", and two
//               children: .countdown-time (m:ss, h:mm:ss from one hour) and .countdown-note
//               (t.timer_paused or t.time_up, empty otherwise). With hideIdle it is hidden
//               while no countdown is set.
//     live      the page's Live. The time left is live.timeLeft(): counted down on the page's
//               own monotonic clock from what the server said was left, so a phone whose clock
//               is wrong still shows the right time. Date.now plays no part.
//     t         boot.t: time_left (the label), timer_paused, time_up.
//     onState   optional callback(state, timer), called when the state shown changes (and
//               when lock_at_zero changes), e.g. to disable what the countdown locks at zero.
//               Never called from inside mountCountdown itself (the page may still be
//               setting up); read the first state from the returned .state.
//   Ticks 4 times a second. Returns { update(), stop(), state }: update() re-reads the
//   state now (call it from the page's onChange to show a change at once); stop() ends
//   the ticks.
//
//   On el: data-state = idle | set | running | paused | expired, data-lock = "true" | "false",
//   data-ending = "true" in the last 10 s of a running countdown; classes is-<state>,
//   is-locked (expired with lock_at_zero) and is-ending, for styles.
//
//   countdownState(live)  the state now: "expired" as soon as a running countdown reaches
//                         zero (the server sends nothing at zero; its snapshot says "expired").
//   timeIsUp(live)        true when the countdown ran out and locks the timed actions
//                         (lock_at_zero): proposing, editing, commenting, moving, voting.
//   formatMs(ms)          "m:ss" (or "h:mm:ss"), whole seconds rounded up: 0:00 only at zero.

const TICK_MS = 250;
const ENDING_MS = 10_000;

export function countdownState(live) {
  const timer = live.state.workshop?.timer;
  if (!timer || timer.state === "idle") return "idle";
  if (timer.state === "running" && live.timeLeft() <= 0) return "expired";
  return timer.state;
}

export function timeIsUp(live) {
  return Boolean(live.state.workshop?.timer?.lock_at_zero) && countdownState(live) === "expired";
}

export function formatMs(ms) {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function mountCountdown(el, live, t, { onState, hideIdle = true } = {}) {
  const time = document.createElement("span");
  time.className = "countdown-time";
  const note = document.createElement("span");
  note.className = "countdown-note";
  el.classList.add("countdown");
  el.setAttribute("role", "timer");
  el.setAttribute("aria-label", t.time_left);
  el.replaceChildren(time, note);
  let shown = null;

  let mounted = false;

  function update() {
    const state = countdownState(live);
    const timer = live.state.workshop?.timer;
    const left = state === "expired" ? 0 : live.timeLeft();
    const text = formatMs(left);
    if (time.textContent !== text) time.textContent = text;
    const ending = state === "running" && left <= ENDING_MS;
    if (el.dataset.ending !== String(ending)) {
      el.dataset.ending = String(ending);
      el.classList.toggle("is-ending", ending);
    }
    const lock = Boolean(timer?.lock_at_zero);
    const key = `${state}:${lock}`;
    if (key === shown) return;
    shown = key;
    el.dataset.state = state;
    el.dataset.lock = String(lock);
    for (const s of ["idle", "set", "running", "paused", "expired"]) el.classList.toggle(`is-${s}`, s === state);
    el.classList.toggle("is-locked", lock && state === "expired");
    note.textContent = state === "paused" ? t.timer_paused : state === "expired" ? t.time_up : "";
    note.hidden = !note.textContent;
    if (hideIdle) el.hidden = state === "idle";
    if (onState && mounted) onState(state, timer);
  }

  const tick = setInterval(update, TICK_MS);
  update();
  mounted = true;
  return {
    update,
    stop: () => clearInterval(tick),
    get state() {
      return el.dataset.state;
    },
  };
}
