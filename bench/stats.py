"""From raw times to the figures: percentiles, ballot -> tally on every screen, the table.

Ballot -> tally, precisely. A voter's k-th ballot carries k points in all (ballot k
replaces ballot k-1), so the points in a tally add up to the number of ballots the
server had committed when it computed that tally. Rank the acknowledged ballots by
the time their ack arrived: ballot b has rank r(b). On one screen, ballot b counts as
shown by the first tally that arrives after b was sent and whose points add up to
at least r(b): the screen then shows as many ballots as had been acknowledged up to
and including b. Its latency on that screen is that tally's arrival minus b's send
time (the voter's tap to the screen's update). Every (ballot, screen) pair is one
sample; a pair never shown before the run ends is counted as "not shown".
"""

from __future__ import annotations

import numpy as np

BIN = 1e-4  # histogram resolution: 0.1 ms
MAX_BIN = 600_000  # 60 s; anything later lands in the last bin


def percentiles(values, qs=(50, 95, 99)) -> list[float] | None:
    if len(values) == 0:
        return None
    return [float(v) for v in np.percentile(np.asarray(values, dtype=float), qs)]


def _hist_percentiles(hist: np.ndarray, qs=(50, 95, 99)) -> list[float] | None:
    total = hist.sum()
    if total == 0:
        return None
    cum = np.cumsum(hist)
    return [float(np.searchsorted(cum, q / 100 * total, side="left")) * BIN for q in qs]


def ballots_table(ballots: list[tuple]) -> dict[str, np.ndarray]:
    """Columns of the ballots recorded by every worker: phase, send, ack, ok."""
    phase = np.array([b[0] for b in ballots], dtype=object)
    sent = np.array([b[1] for b in ballots], dtype=float)
    acked = np.array([b[2] for b in ballots], dtype=float)
    ok = np.array([b[3] == "ok" for b in ballots], dtype=bool)
    return {"phase": phase, "sent": sent, "acked": acked, "ok": ok}


def tally_latency(cols: dict[str, np.ndarray], screens: list[list[tuple[float, float]]], phase: str) -> dict:
    """Ballot -> tally on every screen, for the ballots of one phase (definition above)."""
    ok = cols["ok"]
    order = np.argsort(cols["acked"][ok], kind="stable")
    sent_by_rank = cols["sent"][ok][order]
    in_phase = cols["phase"][ok][order] == phase
    ranks = np.arange(1, len(order) + 1, dtype=float)[in_phase]
    sent = sent_by_rank[in_phase]
    hist = np.zeros(MAX_BIN + 1, dtype=np.int64)
    missing = 0
    short = 0
    for screen in screens:
        if not screen:
            missing += len(ranks)
            short += 1
            continue
        arr = np.asarray(screen, dtype=float)
        times, points = arr[:, 0], np.maximum.accumulate(arr[:, 1])
        if points[-1] < len(order):
            short += 1
        first = np.maximum(np.searchsorted(points, ranks, "left"), np.searchsorted(times, sent, "right"))
        shown = first < len(times)
        missing += int((~shown).sum())
        lat = times[first[shown]] - sent[shown]
        hist += np.bincount(np.minimum((lat / BIN).astype(np.int64), MAX_BIN), minlength=MAX_BIN + 1)
    return {
        "screens": len(screens),
        "samples": int(hist.sum()),
        "p": _hist_percentiles(hist),
        "not_shown": missing,
        "screens_short": short,
    }


def phase_figures(cols: dict[str, np.ndarray], windows: dict[str, tuple[float, float]]) -> dict:
    """Counts, ack latency and throughput of a phase, or of the turns of a ceiling taken in turns
    (bench.room --turns) as one phase: each name with its window. Throughput is the ballots
    acknowledged over each window or, if later, until its last ack (the queue a slow server
    builds up is drained in that time too, so a short phase does not overstate or understate
    it), added up over the turns."""
    mask = np.isin(cols["phase"], list(windows))
    ok = mask & cols["ok"]
    lat = cols["acked"][ok] - cols["sent"][ok]
    out = {"sent": int(mask.sum()), "acked": int(ok.sum()), "errors": int((mask & ~cols["ok"]).sum())}
    out["ack_p"] = percentiles(lat)
    if ok.any():
        busy = 0.0
        for phase, (start, end) in windows.items():
            acked = cols["acked"][ok & (cols["phase"] == phase)]
            busy += max(end, float(acked.max()) if acked.size else end) - start
        out["busy_s"] = busy
        out["acked_per_s"] = out["acked"] / busy
    return out


def storm_figures(storm: dict) -> dict:
    """The propose storm: each idea's ack, and each (idea, screen) pair from the idea's send to
    its first arrival on that screen; server CPU from the storm's start until every screen
    showed every idea, per idea acknowledged."""
    sent = {n: t for n, t, _acked, outcome in storm["ideas"] if outcome == "ok"}
    acks = [acked - t for _n, t, acked, outcome in storm["ideas"] if outcome == "ok"]
    hist = np.zeros(MAX_BIN + 1, dtype=np.int64)
    missing = 0
    for seen in storm["seen"]:
        lat = np.array([seen[n] - t for n, t in sent.items() if n in seen], dtype=float)
        missing += len(sent) - len(lat)
        hist += np.bincount(
            np.minimum((np.maximum(lat, 0) / BIN).astype(np.int64), MAX_BIN), minlength=MAX_BIN + 1
        )
    start, end = storm["window"]
    cpu = storm["cpu"]
    return {
        "sent": len(storm["ideas"]),
        "acked": len(sent),
        "errors": len(storm["ideas"]) - len(sent),
        "ack_p": percentiles(acks),
        "shown_p": _hist_percentiles(hist),
        "screens": len(storm["seen"]),
        "not_shown": missing,
        "cpu_per_idea": cpu / len(sent) if cpu is not None and sent else None,
        "cpu_share": cpu / (end - start) if cpu is not None else None,
    }


# --- the table -------------------------------------------------------------------------------


def ms(p: list[float] | None) -> str:
    return "-" if not p else " / ".join(f"{v * 1000:.0f}" if v >= 0.01 else f"{v * 1000:.1f}" for v in p)


def num(v, fmt: str = "{:.0f}") -> str:
    return "-" if v is None else fmt.format(v)


def table(rows: list[tuple[str, str, str]], title: str) -> str:
    width = max(len(r[0]) for r in rows)
    col = max(12, *(len(r[1]) for r in rows), *(len(r[2]) for r in rows))
    lines = [title, "", f"| {'':<{width}} | {'app':>{col}} | {'bare':>{col}} |"]
    lines.append(f"|{'-' * (width + 2)}|{'-' * (col + 1)}:|{'-' * (col + 1)}:|")
    lines += [f"| {a:<{width}} | {b:>{col}} | {c:>{col}} |" for a, b, c in rows]
    return "\n".join(lines)
