#!/usr/bin/env python3
"""pkrulab-report: turn pkrulab serial logs into tables.

  pkrulab-report.py summary LOG...          one line per log
  pkrulab-report.py matrix LOG... [--format md|csv|json]
                                            verdict matrix: scenario x configuration
  pkrulab-report.py bench LOG... [--format md|csv|json]
                                            the "# bench" lines as a table
  pkrulab-report.py compare A.log B.log [--format md|csv|json]
                                            cells that differ, benchmark p50 ratios B/A
  --out DIR   also write DIR/report.md, report.csv, report.json
  --png FILE  bar chart of benchmark p50s (needs matplotlib; skipped otherwise)

Cells: ok, SKIP, FAIL (expected failure: "# TODO"), DESIGN ("# TODO design
finding:"), MISMATCH (a real failure).  Exit status: 0, 1 when a log has a
MISMATCH cell or no summary line (harness error, crash), 2 on bad usage or
an unreadable file.  Python standard library only.
"""
import csv
import dataclasses
import io
import json
import os
import re
import sys
from typing import Dict, List, Optional, Tuple

CONFIGS = ["xsave", "explicit", "hybrid", "xsave_deferred", "unmanaged"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RESULT = re.compile(r"^(\s*)(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?$")
CELL = re.compile(r"^([\w.]+)(?:\[(\w+)\])?$")
SUMMARY = re.compile(r"^pkrulab: (\d+) passed, (\d+) failed, (\d+) skipped")
BENCH = re.compile(r"^\s*# bench (\S+) config=(\S+) unit=(\S+) (.*)$")
BENCH_FIELDS = ["n", "min", "p50", "p90", "p99", "max", "mean", "overhead"]


@dataclasses.dataclass
class Cell:
    scenario: str
    config: str          # "-" for configuration-independent scenarios
    verdict: str         # ok, SKIP, FAIL, DESIGN, MISMATCH
    note: str


@dataclasses.dataclass
class Bench:
    name: str
    config: str
    unit: str
    values: Dict[str, float]


@dataclasses.dataclass
class Log:
    cells: List[Cell]
    benches: List[Bench]
    meta: Dict[str, str]
    summary: Optional[Tuple[int, int, int]]
    warnings: List[str]

    @property
    def complete(self) -> bool:
        return self.summary is not None

    def counts(self) -> Tuple[int, int, int]:
        passed = sum(c.verdict in ("ok", "FAIL", "DESIGN") for c in self.cells)
        failed = sum(c.verdict == "MISMATCH" for c in self.cells)
        skipped = sum(c.verdict == "SKIP" for c in self.cells)
        return passed, failed, skipped


def verdict_of(status: str, directive: str) -> Tuple[str, str]:
    d = directive or ""
    if status == "ok":
        return ("SKIP", d[4:].strip()) if d.startswith("SKIP") else ("ok", d)
    if d.startswith("TODO"):
        text = d[4:].strip()
        return ("DESIGN", text) if text.startswith("design finding") else ("FAIL", text)
    return "MISMATCH", d


def parse_log(text: str) -> Log:
    """Parse one serial log (firmware noise, ANSI escapes and CRs allowed)."""
    cells: List[Cell] = []
    benches: List[Bench] = []
    meta: Dict[str, str] = {}
    warnings: List[str] = []
    summary = None
    for raw in text.replace("\r", "").split("\n"):
        line = ANSI.sub("", raw)
        m = SUMMARY.match(line)
        if m:
            summary = tuple(int(x) for x in m.groups())
            continue
        m = BENCH.match(line)
        if m:
            name, config, unit, rest = m.groups()
            values: Dict[str, float] = {}
            for field in rest.split():
                if "=" in field:
                    key, _, val = field.partition("=")
                    try:
                        values[key] = float(val)
                    except ValueError:
                        pass
            if all(k in values for k in BENCH_FIELDS):
                benches.append(Bench(name, config, unit, values))
            else:
                warnings.append("malformed bench line ignored: " + line.strip())
            continue
        if line.startswith("# run: ") or line.startswith("# cpu: vendor=") or line.startswith("# cpu: brand="):
            for key, val in re.findall(r'(\w+)=("[^"]*"|\S+)', line):
                meta.setdefault(key, val.strip('"'))
            continue
        m = RESULT.match(line)
        if m and m.group(1):            # indented: a cell, not a suite line
            status, name, directive = m.group(2), m.group(4), m.group(5)
            c = CELL.match(name)
            if not c:
                continue
            verdict, note = verdict_of(status, directive)
            cells.append(Cell(c.group(1), c.group(2) or "-", verdict, note))
    log = Log(cells, benches, meta, summary, warnings)
    if summary and log.counts() != summary:
        warnings.append("cell counts %s disagree with the summary line %s" % (log.counts(), summary))
    return log


def read_log(path: str) -> Log:
    with open(path, "rb") as f:
        return parse_log(f.read().decode("utf-8", "replace"))


# ---- rendering --------------------------------------------------------------

def render(rows: List[List[str]], header: List[str], fmt: str) -> str:
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        return out.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(header, r)) for r in rows], indent=1) + "\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def matrix_rows(log: Log) -> Tuple[List[str], List[List[str]]]:
    configs = [c for c in CONFIGS if any(x.config == c for x in log.cells)]
    if any(x.config == "-" for x in log.cells):
        configs = ["-"] + configs
    order: List[str] = []
    table: Dict[str, Dict[str, str]] = {}
    for c in log.cells:
        if c.scenario not in table:
            order.append(c.scenario)
            table[c.scenario] = {}
        table[c.scenario][c.config] = c.verdict
    return ["scenario"] + configs, [[s] + [table[s].get(c, "") for c in configs] for s in order]


def bench_rows(log: Log) -> Tuple[List[str], List[List[str]]]:
    header = ["benchmark", "config", "unit"] + BENCH_FIELDS
    rows = [[b.name, b.config, b.unit] + ["%g" % b.values[k] for k in BENCH_FIELDS] for b in log.benches]
    return header, rows


def compare_rows(a: Log, b: Log) -> Tuple[List[str], List[List[str]]]:
    rows: List[List[str]] = []
    va = {(c.scenario, c.config): c.verdict for c in a.cells}
    vb = {(c.scenario, c.config): c.verdict for c in b.cells}
    for key in list(va) + [k for k in vb if k not in va]:
        if va.get(key) != vb.get(key):
            rows.append(["cell", "%s[%s]" % key, va.get(key, "-"), vb.get(key, "-"), ""])
    pa = {(x.name, x.config): x.values["p50"] for x in a.benches}
    for x in b.benches:
        key = (x.name, x.config)
        if key in pa:
            ratio = "%.3f" % (x.values["p50"] / pa[key]) if pa[key] else "inf"
            rows.append(["bench p50", "%s[%s]" % key, "%g" % pa[key], "%g" % x.values["p50"], ratio])
    return ["kind", "item", "A", "B", "B/A"], rows


def summary_line(path: str, log: Log) -> str:
    p, f, s = log.counts()
    state = "complete" if log.complete else "INCOMPLETE (no summary line: harness error or crash)"
    return "%s: %d passed, %d failed, %d skipped; inject=%s cpu=%s; %s" % (
        path, p, f, s, log.meta.get("inject", "?"), log.meta.get("brand", log.meta.get("vendor", "?")), state)


def draw_png(path: str, logs: List[Log]) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("pkrulab-report: matplotlib is not installed: no PNG "
              "(apt-get install python3-matplotlib)", file=sys.stderr)
        return False
    benches = [b for log in logs for b in log.benches]
    if not benches:
        return False
    labels = ["%s\n%s" % (b.name, b.config) for b in benches]
    fig, ax = plt.subplots(figsize=(max(6, len(benches) * 0.4), 5))
    ax.bar(range(len(benches)), [b.values["p50"] for b in benches])
    ax.set_xticks(range(len(benches)))
    ax.set_xticklabels(labels, rotation=90, fontsize=6)
    ax.set_ylabel("p50 (%s)" % benches[0].unit)
    fig.tight_layout()
    fig.savefig(path)
    return True


def main(argv: List[str]) -> int:
    fmt, out, png, args = "md", None, None, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--format", "--out", "--png"):
            if i + 1 >= len(argv):
                print("pkrulab-report: %s needs a value" % a, file=sys.stderr)
                return 2
            if a == "--format":
                fmt = argv[i + 1]
            elif a == "--out":
                out = argv[i + 1]
            else:
                png = argv[i + 1]
            i += 2
            continue
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        args.append(a)
        i += 1
    if fmt not in ("md", "csv", "json") or not args or args[0] not in ("summary", "matrix", "bench", "compare"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, paths = args[0], args[1:]
    if not paths or (cmd == "compare" and len(paths) != 2):
        print("pkrulab-report: %s needs %s" % (cmd, "two logs" if cmd == "compare" else "a log"), file=sys.stderr)
        return 2
    logs = []
    for p in paths:
        try:
            logs.append(read_log(p))
        except OSError as err:
            print("pkrulab-report: cannot read %s: %s" % (p, err.strerror), file=sys.stderr)
            return 2
    for p, log in zip(paths, logs):
        for w in log.warnings:
            print("pkrulab-report: %s: %s" % (p, w), file=sys.stderr)

    text = ""
    if cmd == "summary":
        text = "".join(summary_line(p, log) + "\n" for p, log in zip(paths, logs))
    elif cmd == "compare":
        text = render(*reversed(compare_rows(*logs)), fmt)
    else:
        for p, log in zip(paths, logs):
            header, rows = (matrix_rows if cmd == "matrix" else bench_rows)(log)
            if fmt == "md" and len(logs) > 1:
                text += "\n### %s (inject=%s)\n\n" % (p, log.meta.get("inject", "?"))
            text += render(rows, header, fmt)
    sys.stdout.write(text)

    if out:
        os.makedirs(out, exist_ok=True)
        for ext in ("md", "csv", "json"):
            parts = []
            for p, log in zip(paths, logs):
                for fn in (matrix_rows, bench_rows):
                    header, rows = fn(log)
                    if rows:
                        parts.append(render(rows, header, ext))
            body = ("\n".join(parts) if ext != "json" else
                    json.dumps([json.loads(x) for x in parts], indent=1) + "\n")
            with open(os.path.join(out, "report." + ext), "w") as f:
                f.write(body)
    if png:
        draw_png(png, logs)
    bad = any(not log.complete or log.counts()[1] for log in logs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
