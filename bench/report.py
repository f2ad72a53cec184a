"""The figures of a run, as a table (stdout) and as JSON (--json)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess

from bench import stats
from bench.prepare import ROOT


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):  # noqa: SIM115
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app", "wsgi.py"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return out.stdout.strip() + (" + uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def summary(args, results: dict) -> dict:
    """The figures of each target (app, bare) as plain numbers, seconds and bytes."""
    out: dict = {}
    for name in ("app", "bare"):
        if name not in results:
            continue
        r = results[name]
        cols = stats.ballots_table(r["ballots"]) if r["ballots"] else None
        join = r["join"]
        s: dict = {
            "connected": join["connected"],
            "failed": join["failed"],
            "join_per_s": join["rate"],
            "join_p": stats.percentiles(join["times"]),
            "join_cpu": join["cpu_per_join"],
            "errors": r["errors"],
            "server_cpu": r["cpu"],
            "server_cpu_wait": r["wait"],
            "generator_cpu": r["gen_cpu"],
        }
        if r.get("rss_before") is not None and r.get("rss_after") is not None and join["connected"]:
            s["rss_per_connection"] = (r["rss_after"] - r["rss_before"]) / join["connected"]
            if r.get("rss_end") is not None:
                s["rss_end_per_connection"] = (r["rss_end"] - r["rss_before"]) / join["connected"]
        if "propose" in r:
            s["propose_p"] = stats.percentiles(r["propose"]["latencies"])
            s["proposed"] = len(r["propose"]["latencies"])
        if "storm" in r:
            s["storm"] = stats.storm_figures(r["storm"])
        if "fanout" in r:
            f = r["fanout"]
            s["fanout"] = f | {
                "cpu_per_delivery": f["cpu"] / f["deliveries"] if f["cpu"] and f["deliveries"] else None
            }
        for phase in ("burst", "saturate", *r.get("turns", ())):
            if cols is not None and phase in r["windows"]:
                s[phase] = stats.phase_figures(cols, {phase: r["windows"][phase]})
                for key in ("scheduled", "exhausted"):  # summed over the workers' answers
                    if key in r[phase][0]:
                        s[phase][key] = sum(w[key] for w in r[phase])
                if r["cpu_phase"].get(phase) is not None and s[phase]["acked"]:
                    s[phase]["cpu_per_ballot"] = r["cpu_phase"][phase] / s[phase]["acked"]
        if cols is not None and r.get("turns"):
            _as_one_ceiling(s, r, cols)
        if cols is not None:
            s["burst"]["tally"] = stats.tally_latency(cols, r["tallies"], "burst")
            s["acked_total"] = int(cols["ok"].sum())
        for key in ("lost", "stored"):
            if key in r:
                s[key] = r[key]
        out[name] = s
    if "bare" in out and "saturate" in out["app"] and "saturate" in out["bare"]:
        bare = out["bare"]["saturate"]["acked_per_s"]
        out["ratio"] = out["app"]["saturate"]["acked_per_s"] / bare if bare else None
    if "bare" in out and out["app"].get("turns") and out["bare"].get("turns"):
        pairs = list(zip(out["app"]["turns"], out["bare"]["turns"], strict=True))
        out["turn_ratios"] = [_ratio(a, b, "acked_per_s") for a, b in pairs]
        out["turn_cpu_ratios"] = [_ratio(a, b, "cpu_per_ballot") for a, b in pairs]
    return out


def _as_one_ceiling(s: dict, r: dict, cols) -> None:
    """The ceiling's turns (bench.room --turns) as its one phase, each turn kept beside it."""
    turns = r["turns"]
    s["turns"] = [s.pop(phase, {}) for phase in turns]
    s["saturate"] = stats.phase_figures(cols, {phase: r["windows"][phase] for phase in turns})
    s["saturate"]["exhausted"] = s["turns"][-1].get("exhausted")
    cpu = [r["cpu_phase"].get(phase) for phase in turns]
    if None not in cpu and s["saturate"]["acked"]:
        s["saturate"]["cpu_per_ballot"] = sum(cpu) / s["saturate"]["acked"]
    for key in ("server_cpu", "server_cpu_wait", "generator_cpu"):
        values = [s[key].get(phase) for phase in turns]
        s[key]["saturate"] = None if None in values else sum(values) / len(values)


def _ratio(app: dict, bare: dict, key: str) -> float | None:
    return app[key] / bare[key] if app.get(key) and bare.get(key) else None


def _rows(s: dict, ratio, turns: tuple[list, list] | None = None) -> dict[str, str]:
    f, ms, num = s.get, stats.ms, stats.num
    burst, sat = f("burst", {}), f("saturate", {})
    tally = burst.get("tally", {})
    cpu, wait, gen = f("server_cpu", {}), f("server_cpu_wait", {}), f("generator_cpu", {})
    rss, rss_end = f("rss_per_connection"), f("rss_end_per_connection")

    def pct(v: float | None) -> str:
        return num(None if v is None else v * 100, "{:.0f} %")

    def per(phase: dict) -> str:
        v = phase.get("cpu_per_ballot")
        return "-" if v is None else f"{v * 1000:.2f}"

    def counts(d: dict, *keys: str) -> str:
        return " / ".join(str(d.get(k, "-")) for k in keys)

    storm, fan = f("storm", {}), f("fanout", {})
    return {
        "phones connected (failed)": f"{s['connected']} ({s['failed']})",
        "join rate, phones/s": num(f("join_per_s")),
        "join p50 / p95 / p99, ms": ms(f("join_p")),
        "server CPU per join, ms": num(None if f("join_cpu") is None else s["join_cpu"] * 1000, "{:.1f}"),
        IDEAS: "-" if "proposed" not in s else f"{s['proposed']}: {ms(s['propose_p'])}",
        STORM: "-" if not storm else f"{storm['sent']} / {storm['acked']} / {storm['errors']}",
        STORM_ACK: ms(storm.get("ack_p")),
        STORM_SHOWN: ms(storm.get("shown_p")),
        STORM_MISSED: counts(storm, "screens", "not_shown") if storm else "-",
        STORM_CPU: num(None if storm.get("cpu_per_idea") is None else storm["cpu_per_idea"] * 1000, "{:.1f}")
        + ("" if storm.get("cpu_share") is None else f" ({pct(storm['cpu_share'])} of a core)"),
        FANOUT: "-"
        if not fan
        else f"{fan['changes']}, {fan['deliveries']}: "
        + num(None if fan["cpu_per_delivery"] is None else fan["cpu_per_delivery"] * 1e6, "{:.1f}"),
        "burst ballots scheduled / sent / acked / refused": counts(
            burst, "scheduled", "sent", "acked", "errors"
        ),
        "burst acked per s": num(burst.get("acked_per_s")),
        "ack p50 / p95 / p99, ms": ms(burst.get("ack_p")),
        "tally on every screen p50 / p95 / p99, ms": ms(tally.get("p")),
        "screens measured; ballot-screen pairs not shown": counts(tally, "screens", "not_shown"),
        "ceiling: acked per s, every phone 1 in flight": num(sat.get("acked_per_s")),
        "ceiling ack p50 / p95 / p99, ms": ms(sat.get("ack_p")),
        "throughput / bare ceiling": "-" if ratio is None else f"{ratio:.2f}",
        TURNS: " ".join(num(x, "{:.2f}") for x in turns[0]) if turns else "-",
        TURNS_CPU: " ".join(num(x, "{:.2f}") for x in turns[1]) if turns else "-",
        "server CPU burst / ceiling, % of a core": f"{pct(cpu.get('burst'))} / {pct(cpu.get('saturate'))}",
        "server waiting for a CPU burst / ceiling, % of the time": f"{pct(wait.get('burst'))} / "
        f"{pct(wait.get('saturate'))}",
        "server CPU per acked ballot burst / ceiling, ms": f"{per(burst)} / {per(sat)}",
        "generator CPU burst / ceiling, % of a core": f"{pct(gen.get('burst'))} / {pct(gen.get('saturate'))}",
        "server RSS per connection, KB": num(None if rss is None else rss / 1024, "{:.1f}"),
        "the same after the votes, KB": num(None if rss_end is None else rss_end / 1024, "{:.1f}"),
        STORED: f"{f('acked_total', '-')} / {f('stored', '-')}",
        LOST: num(f("lost")),
    }


IDEAS = "ideas proposed: ack p50 / p95 / p99, ms"
STORM = "storm: ideas sent / acked / refused"
STORM_ACK = "storm: proposal ack p50 / p95 / p99, ms"
STORM_SHOWN = "storm: idea on every screen p50 / p95 / p99, ms"
STORM_MISSED = "storm: screens measured; idea-screen pairs not shown"
STORM_CPU = "storm: server CPU per idea, ms"
FANOUT = "fan-out: changes, deliveries: server CPU per delivery, us"
STORED = "ballots acked in all / in the database"
LOST = "ballots lost (acked, not in the database)"
TURNS = "ceiling in turns: throughput / bare, each turn"
TURNS_CPU = "ceiling in turns: CPU per ballot / bare, each turn"
APP_ONLY = (
    IDEAS,
    STORM,
    STORM_ACK,
    STORM_SHOWN,
    STORM_MISSED,
    STORM_CPU,
    FANOUT,
    STORED,
    LOST,
    TURNS,
    TURNS_CPU,
)


def render(args, results: dict, url: str, pids: list[int]) -> str:
    s = summary(args, results)
    turns = (s["turn_ratios"], s["turn_cpu_ratios"]) if "turn_ratios" in s else None
    app = _rows(s["app"], s.get("ratio"), turns)
    bare = _rows(s["bare"], None) if "bare" in s else {}
    rows = [(k, v, "-" if k in APP_ONLY else bare.get(k, "-")) for k, v in app.items()]
    load = results["load"][0], results["load_end"][0]
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    title = (
        f"{args.participants} participants, {args.ballots_per_second:g} ballots/s for {args.seconds:g} s, "
        f"ceiling {args.saturate_seconds:g} s{f' in each of {args.turns} turns' if args.turns else ''}, "
        f"{args.processes} client processes, {args.async_mode}\n"
        f"server {url} (pids {', '.join(map(str, pids)) or 'unknown'}), revision {revision()}\n"
        f"{machine()}, {when}, load average {load[0]:.1f} before, {load[1]:.1f} after"
    )
    errors = "; ".join(
        f"{name}: {s[name]['errors']}" for name in ("app", "bare") if name in s and s[name]["errors"]
    )
    notes = [f"errors: {errors}"] if errors else []
    for name in ("app", "bare"):
        if s.get(name, {}).get("saturate", {}).get("exhausted"):
            notes.append(
                f"{name}: {s[name]['saturate']['exhausted']} phones spent their 100 ballots in the ceiling "
                "phase, which understates it: use more participants or fewer --saturate-seconds"
            )
    return stats.table(rows, title) + "".join("\n\n" + n for n in notes)
