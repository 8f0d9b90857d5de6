#!/usr/bin/env python3
"""pkrulab-report: turn pkrulab serial logs into tables a person or a script can read.

pkrulab prints its verdicts as KTAP v1 and its measurements as "# bench" lines
on the serial console.  One log answers "did every cell match its expectation";
the interesting questions span cells and logs: which designs break under which
scenario (the matrix), which cells an injected bug flips (compare a clean run
with an injected one), what a design costs (the benchmark p50s).  This tool
answers those from the logs alone, with the Python standard library only.

  pkrulab-report.py matrix  LOG...     verdict matrix: scenario x configuration
  pkrulab-report.py bench   LOG...     the "# bench" records as a table
  pkrulab-report.py compare A.log B.log
                                       cells whose verdict differs, p50 of the
                                       benchmarks in both and the ratio B/A
  pkrulab-report.py summary LOG...     one line per log: counts, inject, cpu,
                                       complete or not
  pkrulab-report.py conformance [LABEL=]LOG...
                                       SDM conformance table: a row per probed
                                       behaviour, a column per platform's log
                                       (tools/conformance.py)
Options (after the subcommand or before it):
  --format md|csv|json   output format on stdout (default md)
  --out DIR              also write DIR/report.md, report.csv, report.json
                         (matrix and benchmarks of every log)
  --png FILE             bar chart of benchmark p50 per benchmark and config
                         (needs matplotlib; without it a note, and no chart)

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
import re
import sys
from typing import Any, Iterable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402  (tools/conformance.py)

PROG = "pkrulab-report.py"

# The five configurations in the order the kernel runs them; the matrix keeps
# that order so that tables from different runs line up column for column.
CONFIGS = ("xsave", "explicit", "hybrid", "xsave_deferred", "unmanaged")
NO_CONFIG = "-"          # column of configuration-independent scenarios
VERDICTS = ("ok", "SKIP", "FAIL", "DESIGN", "MISMATCH", "DEVIATION")
BENCH_UNITS = ("core_cycles", "tsc", "instructions", "ns")
BENCH_STATS = ("n", "min", "p50", "p90", "p99", "max", "mean", "overhead")
FORMATS = ("md", "csv", "json")

# CSI (colour, cursor, "ESC [ = 3 h" mode) and OSC sequences, then the
# two-byte escapes; firmware consoles (OVMF, GRUB) emit all of them.
ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                     r"|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_]")
# Whatever control characters remain (NUL padding, BEL, backspace) carry no text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A lone CR ends a line too: UEFI output has "\r\n\r# cmdline: ...".
LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")

RESULT_RE = re.compile(r"^(?P<indent>\s*)(?P<status>ok|not ok)\s+(?P<num>\d+)"
                       r"(?:\s+(?:-\s+)?(?P<name>[^#]*?))?\s*(?:#\s*(?P<directive>.*?))?\s*$")
CELL_NAME_RE = re.compile(r"^(?P<scenario>[\w.-]+)(?:\[(?P<config>\w+)\])?$")
PLAN_RE = re.compile(r"^\s*1\.\.(?P<count>\d+)\s*$")
SUBTEST_RE = re.compile(r"^\s*# Subtest: (?P<suite>\S+)")
SUMMARY_RE = re.compile(r"^\s*pkrulab: (\d+) passed, (\d+) failed, (\d+) skipped\b")
HARNESS_RE = re.compile(r"harness error: (?P<why>.*)$")
CMDLINE_RE = re.compile(r"^\s*# cmdline: ?(?P<cmdline>.*)$")
META_RE = re.compile(r"^\s*# (?P<topic>run|cpu|boot): (?P<rest>.*)$")
KEY_VALUE_RE = re.compile(r'(\w+)=("[^"]*"|\S+)')
# "# bench: unit=..." (with a colon) is the header, not a record.
BENCH_PREFIX_RE = re.compile(r"^\s*# bench\s+(?P<rest>[^:\s]\S*(?:\s.*)?)$")
BENCH_SKIPPED_RE = re.compile(r"^(?P<name>\S+) config=(?P<config>\S+) skipped: ?(?P<why>.*)$")
NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")


# ---- data ------------------------------------------------------------------

@dataclasses.dataclass
class Cell:
    """One KTAP result line of a subtest: one scenario in one configuration."""
    name: str            # as printed: "switch.yield[xsave]" or "pku.wrpkru_gp"
    scenario: str        # "switch.yield"
    config: str          # "xsave" ... or NO_CONFIG
    verdict: str         # one of VERDICTS
    reason: str          # SKIP/TODO text or failure reason; "" for a plain ok
    line: int            # 1-based line number in the log, for messages


@dataclasses.dataclass
class BenchRecord:
    """One "# bench" line; stats is empty and skipped set for a skipped one."""
    name: str
    config: str
    unit: str
    stats: dict[str, float]
    skipped: str | None = None


@dataclasses.dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclasses.dataclass
class RunMeta:
    """What the "# cmdline:", "# run:", "# cpu:" and "# boot:" lines say."""
    cmdline: str = ""
    inject: str = ""
    configs: str = ""
    seed: str = ""
    exit: str = ""
    consoles: str = ""
    firmware: str = ""
    vendor: str = ""
    family: str = ""
    model: str = ""
    brand: str = ""


@dataclasses.dataclass
class ParsedLog:
    cells: list[Cell] = dataclasses.field(default_factory=list)
    bench: dict[tuple[str, str], BenchRecord] = dataclasses.field(default_factory=dict)
    meta: RunMeta = dataclasses.field(default_factory=RunMeta)
    summary: Counts | None = None       # the kernel's own last line; None: missing
    harness_error: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.summary is not None and self.harness_error is None

    @property
    def status(self) -> str:
        if self.harness_error is not None:
            return "incomplete: harness error: " + self.harness_error
        if self.summary is None:
            return "incomplete: no summary line (crash, timeout or truncated log)"
        return "complete"

    def counts(self) -> Counts:
        """The tool's own counts, by the same rules as the kernel's summary."""
        c = Counts()
        for cell in self.cells:
            if cell.verdict == "MISMATCH":
                c.failed += 1
            elif cell.verdict == "SKIP":
                c.skipped += 1
            elif cell.verdict == "DEVIATION":
                pass               # counted apart by the kernel: ", N deviations"
            else:
                c.passed += 1      # ok, and expected failures that were seen
        return c

    @property
    def has_mismatch(self) -> bool:
        # The summary line is asked too: a garbled cell line must not hide a failure.
        return (any(c.verdict == "MISMATCH" for c in self.cells)
                or (self.summary is not None and self.summary.failed > 0))

    @property
    def ok(self) -> bool:
        return self.complete and not self.has_mismatch


# ---- parsing ---------------------------------------------------------------

def clean_lines(text: str) -> list[str]:
    """Split a raw serial log into lines without CRs, escapes or control bytes."""
    return [CONTROL_RE.sub("", ANSI_RE.sub("", line)) for line in LINE_SPLIT_RE.split(text)]


def classify(status: str, directive: str) -> tuple[str, str]:
    """Map a KTAP status and directive to (verdict, reason)."""
    word, _, rest = directive.partition(" ")
    if status == "ok":
        if word.upper() == "SKIP":
            return "SKIP", rest.strip()
        return "ok", directive
    # A listed deviation is its own outcome; an unlisted one ("DEVIATION not
    # in the known-deviation table ...") is a failure like any other.
    if directive.startswith("DEVIATION:"):
        return "DEVIATION", directive[len("DEVIATION:"):].strip()
    if word.upper() == "TODO":
        reason = rest.strip()
        if reason.lower().startswith("design finding:"):
            return "DESIGN", reason
        return "FAIL", reason
    return "MISMATCH", directive


def split_cell_name(name: str) -> tuple[str, str]:
    """"switch.yield[xsave]" -> ("switch.yield", "xsave"); no [..] -> NO_CONFIG."""
    m = CELL_NAME_RE.match(name)
    if not m:
        return name, NO_CONFIG
    return m.group("scenario"), m.group("config") or NO_CONFIG


def parse_number(text: str) -> float | None:
    """Integers stay int (they print as such); decimals become float."""
    if not NUMBER_RE.match(text):
        return None
    return float(text) if "." in text else int(text)


def parse_bench(rest: str) -> BenchRecord | str:
    """Parse what follows "# bench "; a string return is why it is malformed."""
    m = BENCH_SKIPPED_RE.match(rest)
    if m:
        return BenchRecord(m.group("name"), m.group("config"), "", {}, m.group("why").strip())
    name, _, fields = rest.partition(" ")
    values: dict[str, str] = {}
    for token in fields.split():
        key, eq, value = token.partition("=")
        if not eq or not value:
            return "bad field %r" % token
        values[key] = value
    missing = [k for k in ("config", "unit") + BENCH_STATS if k not in values]
    if missing:
        return "missing " + ", ".join(missing)
    if values["unit"] not in BENCH_UNITS:
        return "unknown unit %r" % values["unit"]
    stats: dict[str, float] = {}
    for key in BENCH_STATS:
        number = parse_number(values[key])
        if number is None or (key == "n" and not isinstance(number, int)):
            return "%s=%s is not a number" % (key, values[key])
        stats[key] = number
    return BenchRecord(name, values["config"], values["unit"], stats)


def parse_key_values(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in KEY_VALUE_RE.findall(text)}


def apply_meta(meta: RunMeta, topic: str, rest: str) -> None:
    """Take the fields the reports use from a "# run:/cpu:/boot:" line."""
    values = parse_key_values(rest)
    wanted = {"run": ("inject", "configs", "seed", "exit", "consoles"),
              "cpu": ("vendor", "family", "model", "brand"),
              "boot": ("firmware",)}[topic]
    for key in wanted:
        if key in values:
            setattr(meta, key, values[key])


@dataclasses.dataclass
class _SuiteState:
    """Plan bookkeeping of the subtest being read, to spot a truncated suite."""
    name: str = ""
    plan: int | None = None
    seen: int = 0


def check_suite(suite: _SuiteState, warnings: list[str]) -> None:
    if suite.plan is not None and suite.plan != suite.seen:
        warnings.append("suite %s: plan 1..%d but %d result lines"
                        % (suite.name or "?", suite.plan, suite.seen))


def parse_result(m: re.Match, number: int, log: ParsedLog, suite: _SuiteState) -> bool:
    """Record a result line; returns False for a top-level (suite) result."""
    name = (m.group("name") or "").strip()
    # Unindented results close a subtest; only a dotted one is a cell (flat log).
    if not m.group("indent") and "." not in name:
        return False
    verdict, reason = classify(m.group("status"), (m.group("directive") or "").strip())
    scenario, config = split_cell_name(name)
    log.cells.append(Cell(name, scenario, config, verdict, reason, number))
    suite.seen += 1
    return True


def parse_log(text: str) -> ParsedLog:
    """Parse one serial log; never raises on odd input, it warns instead."""
    log = ParsedLog()
    suite = _SuiteState()
    for number, line in enumerate(clean_lines(text), 1):
        m = CMDLINE_RE.match(line)
        if m:
            if log.cells or log.summary or log.bench:
                # A reboot loop or two captures in one file: report the last run.
                log = ParsedLog(warnings=log.warnings + [
                    "line %d: a second run starts; only the last run is reported" % number])
                suite = _SuiteState()
            log.meta.cmdline = m.group("cmdline").strip()
            continue
        m = SUMMARY_RE.match(line)
        if m:
            log.summary = Counts(*(int(x) for x in m.groups()))
            continue
        m = BENCH_PREFIX_RE.match(line)
        if m:
            record = parse_bench(m.group("rest").strip())
            if isinstance(record, str):
                log.warnings.append("line %d: malformed bench line ignored (%s): %s"
                                    % (number, record, line.strip()))
            else:
                key = (record.name, record.config)
                if key in log.bench:
                    log.warnings.append("line %d: bench %s config=%s repeated; the later "
                                        "line wins" % (number, *key))
                log.bench[key] = record
            continue
        m = HARNESS_RE.search(line)
        if m and line.lstrip().startswith(("#", "pkrulab:")):
            log.harness_error = m.group("why").strip()
            continue
        m = META_RE.match(line)
        if m:
            apply_meta(log.meta, m.group("topic"), m.group("rest"))
            continue
        m = SUBTEST_RE.match(line)
        if m:
            suite = _SuiteState(name=m.group("suite"))
            continue
        m = PLAN_RE.match(line)
        if m and line[:1].isspace():       # a subtest's plan, not the top-level one
            suite.plan = int(m.group("count"))
            continue
        m = RESULT_RE.match(line)
        if m and not parse_result(m, number, log, suite):
            check_suite(suite, log.warnings)
            suite = _SuiteState()
    check_suite(suite, log.warnings)
    finish_checks(log)
    return log


def finish_checks(log: ParsedLog) -> None:
    """Cross-check the tool's counts against the kernel's summary line."""
    if not log.cells and log.summary is None and log.harness_error is None:
        log.warnings.append("no KTAP results and no summary line: is this a pkrulab log?")
    if log.summary is not None:
        own = log.counts()
        if own != log.summary:
            log.warnings.append(
                "result lines give %d passed, %d failed, %d skipped but the summary line "
                "says %d passed, %d failed, %d skipped"
                % (own.passed, own.failed, own.skipped,
                   log.summary.passed, log.summary.failed, log.summary.skipped))


def read_log(path: str) -> ParsedLog:
    """Read and parse one file ("-": standard input); OSError propagates."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    # Serial noise is not always UTF-8; a replacement character is harmless.
    return parse_log(data.decode("utf-8", errors="replace"))


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


def config_order(configs: Iterable[str]) -> list[str]:
    """NO_CONFIG first, then the kernel's order, then any unknown ones as met."""
    present = list(dict.fromkeys(configs))
    known = [c for c in CONFIGS if c in present]
    unknown = [c for c in present if c not in CONFIGS and c != NO_CONFIG]
    return ([NO_CONFIG] if NO_CONFIG in present else []) + known + unknown


def matrix(log: ParsedLog) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(columns, {scenario: {config: verdict}}), scenarios in log order."""
    table: dict[str, dict[str, str]] = {}
    for cell in log.cells:
        table.setdefault(cell.scenario, {})[cell.config] = cell.verdict
    return config_order(c.config for c in log.cells), table


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
    columns = config_order(c.config for _, log in named for c in log.cells)
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
    """p50 per benchmark (rows) and configuration (columns): the design's cost."""
    measured = [r for r in log.bench.values() if r.skipped is None]
    if not measured:
        return ""
    columns = config_order(r.config for r in measured)
    table: dict[str, dict[str, str]] = {}
    for r in measured:
        table.setdefault(r.name, {})[r.config] = fmt_number(r.stats["p50"])
    units = ", ".join(dict.fromkeys(r.unit for r in measured))
    rows = [[name] + [row.get(c, "") for c in columns] for name, row in table.items()]
    return "\np50 (%s):\n\n%s" % (units, render_md_table(["benchmark"] + columns, rows))


def bench_md(name: str, log: ParsedLog) -> str:
    head = "### %s\n\n" % log_title(name, log)
    if not log.bench:
        return head + "(no benchmark lines)\n"
    rows = [bench_row(r) for r in log.bench.values()]
    return head + render_md_table(BENCH_HEADER, rows) + bench_pivot_md(log)


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


def write_reports(out_dir: str, named: list[tuple[str, ParsedLog]]) -> list[str]:
    """Write report.md/.csv/.json; returns the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    md = "## Verdicts\n\n" + render_matrix(named, "md") + "\n## Benchmarks\n\n" \
        + render_bench(named, "md")
    doc = {"logs": [dict(matrix_dict(n, log), bench=bench_dict(n, log)["bench"])
                    for n, log in named]}
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
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) * max(1, len(series)) / 2), 5))
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
        configs = config_order({c for (n, c) in log.bench if n == name})
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
        if args.command == "conformance":
            args.logs = args.conformance_logs
    except UsageError as err:
        note(str(err))
        return 2
    except SystemExit as done:            # --help
        return done.code if isinstance(done.code, int) else 0
    sys.stdout.write(render_command(args, named))
    if args.out:
        try:
            write_reports(args.out, named)
        except OSError as err:
            note("cannot write the report into %s: %s" % (args.out, err))
            return 2
    if args.png:
        try:
            draw_png(args.png, named)
        except OSError as err:
            note("cannot write %s: %s" % (args.png, err))
            return 2
    if args.command == "targets":
        met = all(r.ok for _, log in named for r in check_targets(log))
        return 0 if met and all(log.complete for _, log in named) else 1
    if args.command == "conformance":
        bad = conformance.unlisted(args.logs)
        for cell in bad:
            note("unlisted deviation: " + cell)
        return 0 if not bad and all(log.complete for _, log in named) else 1
    return 0 if all(log.ok for _, log in named) else 1


if __name__ == "__main__":
    sys.exit(main())
