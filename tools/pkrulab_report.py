#!/usr/bin/env python3
"""pkrulab_report: turn pkrulab serial logs into tables a person or a script can read.

pkrulab prints its verdicts as KTAP v1 and its measurements as "# bench" lines
on the serial console.  One log answers "did every cell match its expectation";
the interesting questions span cells and logs: which designs break under which
scenario (the matrix), which cells an injected bug flips (compare a clean run
with an injected one), what a design costs (the benchmark p50s).  This tool
answers those from the logs alone, with the Python standard library only.

  pkrulab_report.py matrix  LOG...     verdict matrix: scenario x configuration
  pkrulab_report.py bench   LOG...     the "# bench" records as a table
  pkrulab_report.py compare A.log B.log
                                       cells whose verdict differs, p50 of the
                                       benchmarks in both and the ratio B/A
  pkrulab_report.py summary LOG...     one line per log: counts, inject, cpu,
                                       complete or not
  pkrulab_report.py conformance [LABEL=]LOG...
                                       SDM conformance table: a row per probed
                                       behaviour, a column per platform's log
                                       (tools/conformance.py)
Options (after the subcommand or before it):
  --format md|csv|json   output format on stdout (default md)
  --out DIR              also write DIR/report.md, report.csv, report.json
                         (matrix and benchmarks of every log)
  --png FILE             bar chart of benchmark p50 per benchmark and config
                         (needs matplotlib; without it a note, and no chart)
  --hardware HWREF_LOG   add the "Hardware (this CPU)" section from a
                         tools/hwref log: cycles per switch per design,
                         the PKRU deltas, instructions, Linux round trips
  --hardware-png FILE    horizontal bar chart of the --hardware figures

Matrix cells: ok (passed), SKIP (CPU lacks a feature), FAIL (expected failure
seen: "# TODO"), DESIGN ("# TODO design finding:"), MISMATCH (a real failure:
any other "not ok").  A scenario with no per-configuration cells fills the
column "-".  A log is incomplete when it has no "pkrulab: N passed, N failed,
N skipped" line (crash, timeout, truncated) or reports a harness error.

Exit status: 0 every log complete and without a MISMATCH cell; 1 some log has
a MISMATCH cell (or its summary line counts a failure) or is incomplete;
2 usage error or unreadable file.  Log "-" reads standard input.
"""

import argparse
import csv
import dataclasses
import io
import json
import os
import sys
from typing import Any, Iterable


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402  (tools/conformance.py)
from pkrulog import (BENCH_STATS, NO_CONFIG, BenchRecord, Counts, ParsedLog,  # noqa: E402
                     RunMeta, classify, clean_lines, parse_log, read_log, split_cell_name)

PROG = "pkrulab_report.py"
FORMATS = ("md", "csv", "json")

# ---- tables ----------------------------------------------------------------

def cpu_label(meta: RunMeta) -> str:
    ident = " ".join(p for p in (meta.vendor,
                                 "family=" + meta.family if meta.family else "",
                                 "model=" + meta.model if meta.model else "") if p)
    if meta.brand and ident:
        return "%s (%s)" % (meta.brand, ident)
    return meta.brand or ident or "unknown CPU"


def log_title(name: str, log: ParsedLog) -> str:
    return "%s: inject=%s, cpu: %s" % (name, log.meta.inject or "?", cpu_label(log.meta))


def counts_text(log: ParsedLog) -> str:
    c = log.counts()
    return "%d passed, %d failed, %d skipped" % (c.passed, c.failed, c.skipped)


def config_order(configs: Iterable[str], strategies: Iterable[str] = ()) -> list[str]:
    """NO_CONFIG first, then the order of the kernel's "# strategies:" line,
    then the configurations it does not name in order of first appearance."""
    present = list(dict.fromkeys(configs))
    known = [c for c in dict.fromkeys(strategies) if c in present]
    rest = [c for c in present if c not in known and c != NO_CONFIG]
    return ([NO_CONFIG] if NO_CONFIG in present else []) + known + rest


def strategies_of(named: list[tuple[str, ParsedLog]]) -> list[str]:
    """The union of the logs' "# strategies:" lines, in order."""
    return list(dict.fromkeys(s for _, log in named for s in log.meta.strategies))


def matrix(log: ParsedLog) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(columns, {scenario: {config: verdict}}), scenarios in log order."""
    table: dict[str, dict[str, str]] = {}
    for cell in log.cells:
        table.setdefault(cell.scenario, {})[cell.config] = cell.verdict
    return config_order((c.config for c in log.cells), log.meta.strategies), table


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table padded to column width, so it reads in a terminal too."""
    cells = [[md_escape(x) for x in header]] + [[md_escape(x) for x in r] for r in rows]
    widths = [max(3, *(len(r[i]) for r in cells)) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(x.ljust(w) for x, w in zip(row, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]]) + "\n"


def render_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(value)


def log_header_dict(name: str, log: ParsedLog) -> dict[str, Any]:
    return {"file": name, "inject": log.meta.inject, "cpu": cpu_label(log.meta),
            "meta": dataclasses.asdict(log.meta), "status": log.status,
            "complete": log.complete, "counts": dataclasses.asdict(log.counts()),
            "summary": dataclasses.asdict(log.summary) if log.summary is not None else None,
            "warnings": list(log.warnings)}


def matrix_md(name: str, log: ParsedLog) -> str:
    columns, table = matrix(log)
    rows = [[s] + [row.get(c, "") for c in columns] for s, row in table.items()]
    head = "### %s\n\n%s; %s\n\n" % (log_title(name, log), counts_text(log), log.status)
    if not rows:
        return head + "(no cells)\n"
    return head + render_md_table(["scenario"] + columns, rows)


def matrix_dict(name: str, log: ParsedLog) -> dict[str, Any]:
    columns, table = matrix(log)
    return dict(log_header_dict(name, log), columns=columns, matrix=table,
                cells=[dataclasses.asdict(c) for c in log.cells])


def matrix_csv(named: list[tuple[str, ParsedLog]]) -> str:
    """One wide table for all logs: the union of their columns."""
    columns = config_order((c.config for _, log in named for c in log.cells),
                           strategies_of(named))
    rows = []
    for name, log in named:
        _, table = matrix(log)
        for scenario, row in table.items():
            rows.append([name, log.meta.inject, cpu_label(log.meta), scenario]
                        + [row.get(c, "") for c in columns])
    return render_csv(["log", "inject", "cpu", "scenario"] + columns, rows)


def render_matrix(named: list[tuple[str, ParsedLog]], fmt: str) -> str:
    if fmt == "csv":
        return matrix_csv(named)
    if fmt == "json":
        return to_json({"logs": [matrix_dict(n, log) for n, log in named]})
    return "\n".join(matrix_md(n, log) for n, log in named)


def bench_row(record: BenchRecord) -> list[str]:
    stats = [fmt_number(record.stats.get(k)) for k in BENCH_STATS]
    note = "skipped: " + record.skipped if record.skipped is not None else ""
    return [record.name, record.config, record.unit] + stats + [note]


BENCH_HEADER = ["benchmark", "config", "unit"] + list(BENCH_STATS) + ["note"]


def bench_pivot_md(log: ParsedLog) -> str:
    """p50 per benchmark (rows) and configuration (columns), one table per
    unit: the design's cost at a glance.  Every statistic is in the CSV/JSON."""
    measured = [r for r in log.bench.values() if r.skipped is None]
    parts = []
    for unit in dict.fromkeys(r.unit for r in measured):
        records = [r for r in measured if r.unit == unit]
        columns = config_order((r.config for r in records), log.meta.strategies)
        table: dict[str, dict[str, str]] = {}
        for r in records:
            table.setdefault(r.name, {})[r.config] = fmt_number(r.stats["p50"])
        rows = [[name] + [row.get(c, "") for c in columns] for name, row in table.items()]
        parts.append("p50 (%s), benchmark x configuration:\n\n%s"
                     % (unit, render_md_table(["benchmark"] + columns, rows)))
    return "\n".join(parts)


def skipped_md(log: ParsedLog) -> str:
    skipped = [r for r in log.bench.values() if r.skipped is not None]
    if not skipped:
        return ""
    return "\nSkipped:\n\n" + "".join("- %s [%s]: %s\n" % (r.name, r.config, r.skipped)
                                      for r in skipped)


def bench_md(name: str, log: ParsedLog) -> str:
    head = "### %s\n\n" % log_title(name, log)
    if not log.bench:
        return head + "(no benchmark lines)\n"
    return head + bench_pivot_md(log) + skipped_md(log)


def bench_dict(name: str, log: ParsedLog) -> dict[str, Any]:
    return dict(log_header_dict(name, log),
                bench=[dataclasses.asdict(r) for r in log.bench.values()])


def render_bench(named: list[tuple[str, ParsedLog]], fmt: str) -> str:
    if fmt == "csv":
        rows = [[n] + bench_row(r) for n, log in named for r in log.bench.values()]
        return render_csv(["log"] + BENCH_HEADER, rows)
    if fmt == "json":
        return to_json({"logs": [bench_dict(n, log) for n, log in named]})
    return "\n".join(bench_md(n, log) for n, log in named)


# ---- compare ---------------------------------------------------------------

@dataclasses.dataclass
class CellDiff:
    scenario: str
    config: str
    a: str               # verdict in A; "" when the cell is absent there
    b: str


@dataclasses.dataclass
class BenchDiff:
    name: str
    config: str
    unit: str            # "tsc" or "tsc/instructions" when the units differ
    a_p50: float
    b_p50: float
    ratio: float | None  # B/A; None when A is 0 or the units differ


def compare_cells(a: ParsedLog, b: ParsedLog) -> list[CellDiff]:
    """Cells whose verdict differs (or that exist in one run only), A's order first."""
    va = {(c.scenario, c.config): c.verdict for c in a.cells}
    vb = {(c.scenario, c.config): c.verdict for c in b.cells}
    keys = list(dict.fromkeys(list(va) + list(vb)))
    return [CellDiff(s, c, va.get((s, c), ""), vb.get((s, c), ""))
            for s, c in keys if va.get((s, c)) != vb.get((s, c))]


def compare_bench(a: ParsedLog, b: ParsedLog) -> list[BenchDiff]:
    """p50 of every benchmark measured in both logs, and B/A."""
    out = []
    for key, ra in a.bench.items():
        rb = b.bench.get(key)
        if rb is None or ra.skipped is not None or rb.skipped is not None:
            continue
        pa, pb = ra.stats["p50"], rb.stats["p50"]
        same_unit = ra.unit == rb.unit
        # A ratio of TSC ticks to instructions would be a number without meaning.
        ratio = pb / pa if same_unit and pa else None
        unit = ra.unit if same_unit else "%s/%s" % (ra.unit, rb.unit)
        out.append(BenchDiff(key[0], key[1], unit, pa, pb, ratio))
    return out


def fmt_ratio(ratio: float | None) -> str:
    return "" if ratio is None else "%.3f" % ratio


def compare_md(na: str, a: ParsedLog, nb: str, b: ParsedLog) -> str:
    parts = ["A = %s\n\nB = %s\n" % (log_title(na, a), log_title(nb, b))]
    diffs = compare_cells(a, b)
    # Flipped cells are the finding; cells one run did not select are bookkeeping.
    for title, group in (("Cells whose verdict differs", [d for d in diffs if d.a and d.b]),
                         ("Cells in one run only", [d for d in diffs if not (d.a and d.b)])):
        if not group and title.startswith("Cells in one"):
            continue
        parts.append("\n### %s (%d)\n\n" % (title, len(group)))
        rows = [[d.scenario, d.config, d.a or "(absent)", d.b or "(absent)"] for d in group]
        parts.append(render_md_table(["scenario", "config", "A", "B"], rows) if rows
                     else "No cell differs.\n")
    benches = compare_bench(a, b)
    if benches:
        rows = [[d.name, d.config, d.unit, fmt_number(d.a_p50), fmt_number(d.b_p50),
                 fmt_ratio(d.ratio)] for d in benches]
        parts.append("\n### Benchmark p50 (%d in both)\n\n" % len(benches))
        parts.append(render_md_table(["benchmark", "config", "unit", "A p50", "B p50", "B/A"],
                                     rows))
    return "".join(parts)


def render_compare(na: str, a: ParsedLog, nb: str, b: ParsedLog, fmt: str) -> str:
    if fmt == "json":
        return to_json({"a": log_header_dict(na, a), "b": log_header_dict(nb, b),
                        "cells": [dataclasses.asdict(d) for d in compare_cells(a, b)],
                        "bench": [dataclasses.asdict(d) for d in compare_bench(a, b)]})
    if fmt == "csv":
        # One table for both kinds of row, so that it stays one valid CSV file.
        rows: list[list[Any]] = [["cell", d.scenario, d.config, "", d.a, d.b, ""]
                                 for d in compare_cells(a, b)]
        rows += [["bench_p50", d.name, d.config, d.unit, fmt_number(d.a_p50),
                  fmt_number(d.b_p50), fmt_ratio(d.ratio)] for d in compare_bench(a, b)]
        return render_csv(["kind", "name", "config", "unit", "a", "b", "b_over_a"], rows)
    return compare_md(na, a, nb, b)


# ---- summary ---------------------------------------------------------------

def summary_line(name: str, log: ParsedLog) -> str:
    # Upper case so that an incomplete run stands out in a column of lines.
    state = log.status if log.complete else "INCOMPLETE" + log.status[len("incomplete"):]
    return "%s: %s; inject=%s; cpu=%s; %s" % (name, counts_text(log), log.meta.inject or "?",
                                              cpu_label(log.meta), state)


def render_summary(named: list[tuple[str, ParsedLog]], fmt: str) -> str:
    if fmt == "json":
        return to_json({"logs": [log_header_dict(n, log) for n, log in named]})
    if fmt == "csv":
        rows = [[n, log.counts().passed, log.counts().failed, log.counts().skipped,
                 log.meta.inject, cpu_label(log.meta), log.complete, log.status]
                for n, log in named]
        return render_csv(["log", "passed", "failed", "skipped", "inject", "cpu",
                           "complete", "status"], rows)
    return "".join(summary_line(n, log) + "\n" for n, log in named)


# ---- --out and --png -------------------------------------------------------

def report_csv(named: list[tuple[str, ParsedLog]]) -> str:
    """Cells and benchmarks of every log in one long table (one valid CSV)."""
    header = ["log", "kind", "name", "config", "verdict", "reason", "unit"] + list(BENCH_STATS)
    rows: list[list[Any]] = []
    for n, log in named:
        rows += [[n, "cell", c.scenario, c.config, c.verdict, c.reason, ""]
                 + [""] * len(BENCH_STATS) for c in log.cells]
        rows += [[n, "bench", r.name, r.config, "skipped" if r.skipped is not None else "",
                  r.skipped or "", r.unit] + [fmt_number(r.stats.get(k)) for k in BENCH_STATS]
                 for r in log.bench.values()]
    return render_csv(header, rows)


def write_reports(out_dir: str, named: list[tuple[str, ParsedLog]],
                  hardware: tuple[str, ParsedLog] | None = None) -> list[str]:
    """Write report.md/.csv/.json; returns the paths written.  Sections
    without content (no verdict in a benchmark-only run) are left out."""
    os.makedirs(out_dir, exist_ok=True)
    sections = []
    if any(log.cells for _, log in named):
        sections.append("## Verdicts\n\n" + render_matrix(named, "md"))
    if any(log.bench for _, log in named):
        sections.append("## Benchmarks\n\n" + render_bench(named, "md"))
    if hardware is not None:
        sections.append(hardware_md(*hardware))
    md = "\n".join(sections) if sections else "(no verdicts and no benchmark lines)\n"
    doc: dict[str, Any] = {"logs": [dict(matrix_dict(n, log), bench=bench_dict(n, log)["bench"])
                                    for n, log in named]}
    if hardware is not None:
        doc["hardware"] = hardware_dict(*hardware)
    paths = []
    for ext, body in (("md", md), ("csv", report_csv(named)), ("json", to_json(doc))):
        path = os.path.join(out_dir, "report." + ext)
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        paths.append(path)
    return paths


def bench_series(named: list[tuple[str, ParsedLog]]
                 ) -> tuple[list[str], dict[str, dict[str, float]]]:
    """(benchmark names, {series label: {benchmark: p50}}) for the chart."""
    several = len(named) > 1
    names: dict[str, None] = {}
    series: dict[str, dict[str, float]] = {}
    for n, log in named:
        for r in log.bench.values():
            if r.skipped is not None:
                continue
            names[r.name] = None
            label = "%s (%s)" % (r.config, os.path.basename(n)) if several else r.config
            series.setdefault(label, {})[r.name] = r.stats["p50"]
    return list(names), series


def draw_png(path: str, named: list[tuple[str, ParsedLog]]) -> bool:
    """Grouped bar chart of p50s; False (with a note) when it cannot be drawn."""
    try:
        import matplotlib
        matplotlib.use("Agg")              # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        note("matplotlib is not importable: no PNG written to %s "
             "(Debian: apt-get install python3-matplotlib)" % path)
        return False
    names, series = bench_series(named)
    if not names:
        note("no measured benchmark lines: no PNG written to %s" % path)
        return False
    units = sorted({r.unit for _, log in named for r in log.bench.values() if r.skipped is None})
    width = 0.8 / len(series)
    # Readable on a screen: at most 14 x 6 inches (1400 x 600 px at 100 dpi)
    # however many benchmarks; the bars get thinner instead.
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.7 * len(names))), 6))
    for i, (label, values) in enumerate(series.items()):
        xs = [j + i * width for j in range(len(names))]
        ax.bar(xs, [values.get(name, 0) for name in names], width, label=label)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))])
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("p50 (%s)" % ", ".join(units))
    all_values = [v for values in series.values() for v in values.values() if v > 0]
    # rdpkru (1) and a signal round trip (thousands) share an axis only on a log scale.
    if all_values and max(all_values) / min(all_values) > 100:
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


# ---- hardware: tools/hwref's native user-mode replays -----------------------

HW_SWITCH_ROWS = ("switch", "switch_dirty_avx")


def hw_cell(log: ParsedLog, name: str, config: str) -> str:
    r = log.bench.get((name, config))
    if r is None:
        return ""
    if r.skipped is not None:
        return "SKIP"
    return "%s (min %s)" % (fmt_number(r.stats["p50"]), fmt_number(r.stats["min"]))


def tsc_hz(log: ParsedLog) -> float | None:
    words = log.meta.timing.split()
    for w in words:
        if w.startswith("tsc="):
            try:
                return float(w[4:])
            except ValueError:
                return None
    return None


def hardware_md(name: str, log: ParsedLog) -> str:
    """The "hardware (this CPU)" section: cycles per switch per design, the
    PKRU deltas, then every instruction and Linux round trip."""
    m = log.meta
    cpu = "%s (%s family=%s model=%s stepping=%s)" % (m.brand or "?", m.vendor or "?",
                                                     m.family or "?", m.model or "?",
                                                     m.stepping or "?")
    parts = ["## Hardware (this CPU): user-mode replays\n\n"
             "Native user-mode replays of each strategy's switch path and of the PKRU and "
             "XSAVE-family instructions (tools/hwref, %s), not in-kernel measurements. "
             "TSC ticks per operation, p50 (and minimum) of the batches.\n\n"
             "- CPU: %s\n- timing: %s\n- XCR0: %s, PKRU offset in the XSAVE area: %s\n"
             % (name, cpu, m.timing or "?", m.xcr0 or "?", m.pkru_offset or "?")]
    columns = config_order((c for (n, c) in log.bench if n in HW_SWITCH_ROWS), m.strategies)
    rows = [[row] + [hw_cell(log, row, c) for c in columns]
            for row in HW_SWITCH_ROWS if any((row, c) in log.bench for c in columns)]
    if rows:
        parts.append("\nCycles per switch (switch-out + switch-in of the strategy's code, "
                     "TSC ticks):\n\n" + render_md_table(["replay"] + columns, rows))
    if log.deltas:
        hz = tsc_hz(log)
        lines = []
        for design, value in log.deltas.items():
            if isinstance(value, str):
                lines.append("- %s - unmanaged: not measured (%s)\n" % (design, value))
                continue
            extra = ""
            if hz and value > 0:
                # Switches per second at which this design's extra cost is 1% of a CPU.
                extra = "; 1%% of a CPU at %.0f switches/s" % (0.01 * hz / value)
            lines.append("- %s - unmanaged: %s ticks per switch%s\n" % (design, value, extra))
        parts.append("\nWhat PKRU switching adds per switch (p50 difference):\n\n"
                     + "".join(lines))
    other = [r for r in log.bench.values() if r.name not in HW_SWITCH_ROWS]
    if other:
        hz = tsc_hz(log)
        rows = []
        for r in other:
            if r.skipped is not None:
                rows.append([r.name, "", "", "", "SKIP: " + r.skipped])
                continue
            ns = "%.1f" % (r.stats["p50"] * 1e9 / hz) if hz else ""
            rows.append([r.name, fmt_number(r.stats["p50"]), fmt_number(r.stats["min"]), ns, ""])
        parts.append("\nInstructions and Linux's own round trips (per operation):\n\n"
                     + render_md_table(["benchmark", "p50 ticks", "min ticks", "p50 ns", "note"],
                                       rows))
    if log.agreements:
        agreed = sum(1 for a in log.agreements if a[3])
        differ = ["%s [%s] p50 %s" % (a[0], a[1], a[2] or a[4]) for a in log.agreements
                  if not a[3]]
        parts.append("\nRun twice: %d of %d p50s agree within 10%%%s\n"
                     % (agreed, len(log.agreements),
                        (" (differ: %s)" % "; ".join(differ)) if differ else ""))
    elif log.hwref_summary is not None:
        parts.append("\nOne run only (short mode): no agreement check.\n")
    return "".join(parts)


def hardware_dict(name: str, log: ParsedLog) -> dict[str, Any]:
    return {"file": name, "cpu": cpu_label(log.meta), "meta": dataclasses.asdict(log.meta),
            "bench": [dataclasses.asdict(r) for r in log.bench.values()],
            "deltas": log.deltas,
            "agreements": [dict(zip(("name", "config", "p50s", "agree", "text"), a))
                           for a in log.agreements],
            "summary": log.hwref_summary}


def draw_hardware_png(path: str, name: str, log: ParsedLog) -> bool:
    """Horizontal bars of every measured p50 (TSC ticks, log scale), the
    strategy replays first and coloured; False (with a note) if not drawn."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        note("matplotlib is not importable: no PNG written to %s "
             "(Debian: apt-get install python3-matplotlib)" % path)
        return False
    measured = [r for r in log.bench.values() if r.skipped is None]
    if not measured:
        note("no measured hardware lines: no PNG written to %s" % path)
        return False
    measured.sort(key=lambda r: (r.name not in HW_SWITCH_ROWS, r.name))
    labels = ["%s [%s]" % (r.name, r.config) if r.config != NO_CONFIG else r.name
              for r in measured]
    values = [max(r.stats["p50"], 0.1) for r in measured]
    colours = ["tab:orange" if r.name in HW_SWITCH_ROWS else "tab:blue" for r in measured]
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.32 * len(measured) + 1.2)))
    ys = list(range(len(measured)))[::-1]
    ax.barh(ys, values, color=colours)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8)
    for y, v in zip(ys, values):
        ax.text(v, y, " %g" % v, va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("TSC ticks per operation, p50 (log scale)")
    ax.set_title("hwref on %s: user-mode replays (orange: strategy switch paths)"
                 % (log.meta.brand or "this CPU"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


# ---- path-length targets ----------------------------------------------------

# The benchmark issue's targets for --icount runs (unit=instructions):
# (benchmark, p50 limit) in every configuration measured, and the explicit
# strategy's cost per switch over unmanaged (PKRU switching absent), from
# the yield round trip (two switches).
P50_TARGETS = (("null_syscall", 60), ("yield_roundtrip", 500), ("signal_roundtrip", 800))
PER_SWITCH_TARGET = 10


@dataclasses.dataclass
class TargetResult:
    target: str
    config: str
    measured: float | None    # None: not measured (missing, skipped, wrong unit)
    limit: float
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.measured is not None and self.measured <= self.limit


def _p50(log: ParsedLog, name: str, config: str) -> tuple[float | None, str]:
    record = log.bench.get((name, config))
    if record is None:
        return None, "not measured"
    if record.skipped is not None:
        return None, "skipped: " + record.skipped
    if record.unit != "instructions":
        return None, "unit is %s, not instructions (run with --icount)" % record.unit
    value = record.stats.get("p50")
    return (value, "") if value is not None else (None, "no p50")


def check_targets(log: ParsedLog) -> list[TargetResult]:
    results = []
    for name, limit in P50_TARGETS:
        configs = config_order((c for (n, c) in log.bench if n == name), log.meta.strategies)
        if not configs:
            results.append(TargetResult("%s p50" % name, "-", None, limit, "not measured"))
        for config in configs:
            value, why = _p50(log, name, config)
            results.append(TargetResult("%s p50" % name, config, value, limit, why))
    explicit, why_e = _p50(log, "yield_roundtrip", "explicit")
    unmanaged, why_u = _p50(log, "yield_roundtrip", "unmanaged")
    per_switch = None if explicit is None or unmanaged is None else (explicit - unmanaged) / 2
    results.append(TargetResult("explicit - unmanaged per switch", "explicit", per_switch,
                                PER_SWITCH_TARGET,
                                "" if per_switch is not None else
                                "explicit: %s; unmanaged: %s" % (why_e or "ok", why_u or "ok")))
    return results


def render_targets(named: list[tuple[str, ParsedLog]], fmt: str) -> str:
    per_log = [(name, check_targets(log)) for name, log in named]
    if fmt == "json":
        return to_json([{"log": name, "targets": [dict(dataclasses.asdict(r), ok=r.ok)
                                                    for r in results]}
                        for name, results in per_log])
    header = ["target", "config", "measured", "limit", "verdict"]
    if fmt == "csv":
        return render_csv(["log"] + header,
                          [[name, r.target, r.config, fmt_number(r.measured), fmt_number(r.limit),
                            "ok" if r.ok else "FAIL" + (": " + r.why if r.why else "")]
                           for name, results in per_log for r in results])
    out = []
    for name, results in per_log:
        rows = [[r.target, r.config, fmt_number(r.measured) if r.measured is not None else "-",
                 "<= " + fmt_number(r.limit),
                 "ok" if r.ok else "FAIL" + (" (%s)" % r.why if r.why else "")]
                for r in results]
        failed = sum(not r.ok for r in results)
        out.append("## Path-length targets: %s\n\n%s\n%d of %d targets met\n"
                   % (name, render_md_table(header, rows), len(results) - failed, len(results)))
    return "\n".join(out)


# ---- command line ----------------------------------------------------------

def note(message: str) -> None:
    print("%s: %s" % (PROG, message), file=sys.stderr)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() returns the status."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def add_options(parser: argparse.ArgumentParser, top: bool) -> None:
    # Given on the subparser, an option's default would overwrite the value
    # given before the subcommand; SUPPRESS keeps the top-level one.
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument("--format", choices=FORMATS, default="md" if top else default,
                        help="output format (default md)")
    parser.add_argument("--out", metavar="DIR", default=default,
                        help="also write DIR/report.md, report.csv, report.json")
    parser.add_argument("--png", metavar="FILE", default=default,
                        help="bar chart of benchmark p50s (needs matplotlib)")
    parser.add_argument("--hardware", metavar="HWREF_LOG", default=default,
                        help="add tools/hwref's native figures (the hardware section)")
    parser.add_argument("--hardware-png", metavar="FILE", default=default,
                        help="chart of the --hardware figures (needs matplotlib)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command, nargs, text in (("matrix", "+", "verdict matrix, one table per log"),
                                 ("bench", "+", "benchmark table"),
                                 ("compare", "+", "differing cells and p50 ratios B/A"),
                                 ("summary", "+", "one line per log"),
                                 ("targets", "+", "check the --icount path-length targets "
                                  "(exit 1 if one is missed)"),
                                 ("conformance", "+", "SDM conformance table, one column per "
                                  "[LABEL=]LOG (exit 1 on an unlisted deviation)")):
        p = sub.add_parser(command, help=text, description=text)
        add_options(p, top=False)
        p.add_argument("logs", nargs=nargs, metavar="LOG", help="serial log ('-': stdin)")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parsed arguments; UsageError for bad ones, SystemExit(0) for --help."""
    return build_parser().parse_args(argv)


def load_logs(paths: list[str]) -> list[tuple[str, ParsedLog]]:
    """Read every log, print its warnings; UsageError names an unreadable file."""
    named = []
    for path in paths:
        try:
            log = read_log(path)
        except OSError as err:
            raise UsageError("cannot read %s: %s" % (path, err.strerror or err)) from err
        for warning in log.warnings:
            note("%s: warning: %s" % (path, warning))
        if not log.complete:
            note("%s: %s" % (path, log.status))
        named.append((path, log))
    return named


def render_command(args: argparse.Namespace, named: list[tuple[str, ParsedLog]]) -> str:
    if args.command == "matrix":
        return render_matrix(named, args.format)
    if args.command == "bench":
        return render_bench(named, args.format)
    if args.command == "compare":
        (na, a), (nb, b) = named
        return render_compare(na, a, nb, b, args.format)
    if args.command == "targets":
        return render_targets(named, args.format)
    if args.command == "conformance":
        return conformance.render(args.logs, args.format,
                                  os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return render_summary(named, args.format)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        if args.command == "compare" and len(args.logs) != 2:
            raise UsageError("compare needs exactly two logs (A and B), got %d"
                             % len(args.logs))
        if args.command == "conformance":
            args.conformance_logs = list(args.logs)
            args.logs = [conformance.split_label(a)[1] for a in args.logs]
        named = load_logs(args.logs)
        hardware = None
        if args.hardware:
            hardware = load_logs([args.hardware])[0]
        elif args.hardware_png:
            raise UsageError("--hardware-png needs --hardware HWREF_LOG")
        if args.command == "conformance":
            args.logs = args.conformance_logs
    except UsageError as err:
        note(str(err))
        return 2
    except SystemExit as done:            # --help
        return done.code if isinstance(done.code, int) else 0
    sys.stdout.write(render_command(args, named))
    hardware_ok = True
    if hardware is not None:
        if args.format == "md":
            sys.stdout.write("\n" + hardware_md(*hardware))
        summary = hardware[1].hwref_summary
        hardware_ok = summary is not None and summary[2] == 0
        if not hardware_ok:
            note("%s: %s" % (hardware[0], "no final 'hwref: N measured' line (incomplete run)"
                             if summary is None else "%d measurement checks failed" % summary[2]))
    if args.out:
        try:
            write_reports(args.out, named, hardware)
        except OSError as err:
            note("cannot write the report into %s: %s" % (args.out, err))
            return 2
    if args.png:
        try:
            draw_png(args.png, named)
        except OSError as err:
            note("cannot write %s: %s" % (args.png, err))
            return 2
    if args.hardware_png and hardware is not None:
        try:
            draw_hardware_png(args.hardware_png, *hardware)
        except OSError as err:
            note("cannot write %s: %s" % (args.hardware_png, err))
            return 2
    if args.command == "targets":
        met = all(r.ok for _, log in named for r in check_targets(log))
        return 0 if met and all(log.complete for _, log in named) else 1
    if args.command == "conformance":
        bad = conformance.unlisted(args.logs)
        for cell in bad:
            note("unlisted deviation: " + cell)
        return 0 if not bad and all(log.complete for _, log in named) else 1
    return 0 if hardware_ok and all(log.ok for _, log in named) else 1


if __name__ == "__main__":
    sys.exit(main())
