#!/usr/bin/env python3
"""pkrulog: the one parser of pkrulab's serial-log format, for every tool and test.

pkrulab prints KTAP v1 (results, "# SKIP"/"# TODO" directives, subtest plans),
"# cmdline:", "# run:", "# cpu:", "# boot:" and "# strategies:" lines, "# bench"
records and one last line "pkrulab: N passed, N failed, N skipped"; a run that
breaks says "harness error: WHY".  tools/hwref prints the same "# bench" and
"# cpu:" lines.  make test's stages each print "NAME: N passed, N failed".
This module knows those formats; nothing else in tools/ has their regexes.
read_log() also takes a LAVA job log (tools/lavajob.py unwraps it).

Import it (tools/ on sys.path) or use the small command line from shell:

  pkrulog.py summary LOG          the kernel's summary line; exit 1 if none
  pkrulog.py p50 [--unit U] LOG   "NAME CONFIG P50" per measured bench line
  pkrulog.py stage-total          read stage output on stdin, print "P F":
                                  the sum of its "NAME: N passed, N failed"
                                  lines ("0 1" when there is none)
  pkrulog.py ktap LOG             the KTAP lines only (cross-firmware compare)

Outcome kinds are data (OUTCOMES): a new kind is one more row there.
"""

import argparse
import dataclasses
import re
import sys

NO_CONFIG = "-"          # column of configuration-independent scenarios
BENCH_UNITS = ("core_cycles", "tsc", "instructions", "ns")
BENCH_STATS = ("n", "min", "p50", "p90", "p99", "max", "mean", "overhead")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How one KTAP result line is classified: the first matching row wins."""
    verdict: str         # the matrix cell's text
    status: str          # "ok" or "not ok"
    directive: str       # "SKIP", "TODO" or "" (any directive, or none)
    reason_prefix: str   # required start of the directive's text ("" any)
    counts_as: str       # "passed", "failed", "skipped" or "deviations" (the summary's words)


OUTCOMES = (
    Outcome("SKIP", "ok", "SKIP", "", "skipped"),          # the CPU lacks a feature
    Outcome("ok", "ok", "", "", "passed"),
    Outcome("DESIGN", "not ok", "TODO", "design finding:", "passed"),
    Outcome("FAIL", "not ok", "TODO", "", "passed"),       # expected failure seen
    # A listed deviation ("# DEVIATION: what"); an unlisted one ("# DEVIATION
    # not in the known-deviation table ...") falls through to MISMATCH.
    Outcome("DEVIATION", "not ok", "DEVIATION:", "", "deviations"),
    Outcome("MISMATCH", "not ok", "", "", "failed"),       # a real failure
)
VERDICTS = tuple(dict.fromkeys(o.verdict for o in OUTCOMES))
COUNTS_AS = {o.verdict: o.counts_as for o in OUTCOMES}


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
# Deviation findings printed before the cell line (tests/lib/deviation.c),
# notes, and the platform the kernel identified.
DEVIATION_RE = re.compile(r"^\s*# DEVIATION\[(?P<id>[\w.]+)\]: (?P<what>.*?)"
                          r"(?P<unlisted> -- not a known deviation of this platform)?\s*$")
SDM_RE = re.compile(r"^\s*#\s+SDM: (?P<sdm>.*?)\s*$")
NOTE_RE = re.compile(r"^\s*# NOTE\[(?P<id>[\w.]+)\]: (?P<what>.*?)\s*$")
PLATFORM_RE = re.compile(r"^\s*# platform: (?P<name>\S+)")
CPU_BRAND_RE = re.compile(r'^\s*# cpu: brand="(?P<brand>[^"]*)"')
STRATEGIES_RE = re.compile(r"^\s*# strategies:(?P<names>(?:\s+[\w-]+)*)\s*$")
# make test's stage lines: "NAME: N passed, N failed" (and anything after).
STAGE_RE = re.compile(r"^[A-Za-z0-9_-]+: ([0-9]+) passed, ([0-9]+) failed")
KTAP_LINE_RE = re.compile(r"^\s*(ok |not ok |KTAP version|1\.\.|# Subtest:|pkrulab: )")
SUMMARY_RE = re.compile(r"^\s*pkrulab: (\d+) passed, (\d+) failed, (\d+) skipped\b"
                        r"(?:, (\d+) deviations?\b)?")
HARNESS_RE = re.compile(r"harness error: (?P<why>.*)$")
CMDLINE_RE = re.compile(r"^\s*# cmdline: ?(?P<cmdline>.*)$")
META_RE = re.compile(r"^\s*# (?P<topic>run|cpu|boot|xsave|timing): (?P<rest>.*)$")
# tools/hwref: its two-run agreement, the design deltas and its last line.
HWREF_AGREE_RE = re.compile(r"^\s*# hwref: agree (?P<name>\S+) config=(?P<config>\S+) "
                            r"(?:p50=(?P<a>[\d.]+),(?P<b>[\d.]+) (?P<verdict>.*)|skipped: (?P<why>.*))$")
HWREF_DELTA_RE = re.compile(r"^\s*# hwref: delta (?P<design>\w+)-unmanaged "
                            r"(?:p50=(?P<p50>-?[\d.]+) .*|skipped: (?P<why>.*))$")
HWREF_SUMMARY_RE = re.compile(r"^hwref: (\d+) measured, (\d+) skipped, (\d+) failed\b")
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
    deviations: int = 0


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
    stepping: str = ""
    xcr0: str = ""
    pkru_offset: str = ""
    timing: str = ""     # the "# timing:" line: unit, TSC frequency and how found
    # "# strategies: a b c": the kernel's configurations in registry order
    strategies: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ParsedLog:
    cells: list[Cell] = dataclasses.field(default_factory=list)
    bench: dict[tuple[str, str], BenchRecord] = dataclasses.field(default_factory=dict)
    meta: RunMeta = dataclasses.field(default_factory=RunMeta)
    summary: Counts | None = None       # the kernel's own last line; None: missing
    harness_error: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    # tools/hwref logs: (name, config, "a,b" p50s or "", agreed, text)
    agreements: list[tuple[str, str, str, bool, str]] = dataclasses.field(default_factory=list)
    deltas: dict[str, float | str] = dataclasses.field(default_factory=dict)  # str: skip why
    hwref_summary: tuple[int, int, int] | None = None   # measured, skipped, failed

    @property
    def complete(self) -> bool:
        if self.summary is None and self.hwref_summary is not None:
            return self.harness_error is None      # a tools/hwref log ends that way
        return self.summary is not None and self.harness_error is None

    @property
    def status(self) -> str:
        if self.harness_error is not None:
            return "incomplete: harness error: " + self.harness_error
        if self.summary is None and self.hwref_summary is not None:
            return "complete"
        if self.summary is None:
            return "incomplete: no summary line (crash, timeout or truncated log)"
        return "complete"

    def counts(self) -> Counts:
        """The tool's own counts, by the same rules as the kernel's summary."""
        c = Counts()
        for cell in self.cells:
            # ok and expected failures that were seen count as passed
            kind = COUNTS_AS.get(cell.verdict, "failed")
            setattr(c, kind, getattr(c, kind) + 1)
        return c

    @property
    def has_mismatch(self) -> bool:
        # The summary line is asked too: a garbled cell line must not hide a failure.
        return (any(COUNTS_AS.get(c.verdict, "failed") == "failed" for c in self.cells)
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
    for o in OUTCOMES:
        if o.status != status:
            continue
        if not o.directive:
            return o.verdict, directive
        reason = rest.strip()
        if word.upper() == o.directive and reason.lower().startswith(o.reason_prefix):
            return o.verdict, reason
    return OUTCOMES[-1].verdict, directive


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
    if topic == "timing":
        meta.timing = rest.strip()
        return
    wanted = {"run": ("inject", "configs", "seed", "exit", "consoles"),
              "cpu": ("vendor", "family", "model", "stepping", "brand"),
              "boot": ("firmware",),
              "xsave": ("xcr0", "pkru_offset")}[topic]
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
            log.summary = Counts(*(int(x) for x in m.groups() if x is not None))
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
        if parse_hwref_line(line, log):
            continue
        m = STRATEGIES_RE.match(line)
        if m:
            log.meta.strategies = m.group("names").split()
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


def parse_hwref_line(line: str, log: ParsedLog) -> bool:
    """Record a tools/hwref agreement, delta or summary line; False if not one."""
    m = HWREF_AGREE_RE.match(line)
    if m:
        if m.group("why") is not None:
            log.agreements.append((m.group("name"), m.group("config"), "", False, m.group("why")))
        else:
            log.agreements.append((m.group("name"), m.group("config"),
                                   "%s,%s" % (m.group("a"), m.group("b")),
                                   m.group("verdict").startswith("within"), m.group("verdict")))
        return True
    m = HWREF_DELTA_RE.match(line)
    if m:
        p50 = m.group("p50")
        log.deltas[m.group("design")] = float(p50) if p50 is not None else m.group("why")
        return True
    m = HWREF_SUMMARY_RE.match(line)
    if m:
        log.hwref_summary = tuple(int(x) for x in m.groups())  # type: ignore[assignment]
        return True
    return False


def finish_checks(log: ParsedLog) -> None:
    """Cross-check the tool's counts against the kernel's summary line."""
    if (not log.cells and log.summary is None and log.harness_error is None
            and log.hwref_summary is None):
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
    return parse_text(data.decode("utf-8", errors="replace"))


def parse_text(text: str) -> ParsedLog:
    """parse_log for a serial log or a LAVA job log (the one lava-run writes,
    an output.yaml, or what `lavacli jobs logs` prints, --raw or not): of a
    LAVA log, the device's output is parsed, and the job's failure, if it
    failed, is a warning."""
    import lavajob     # tools/lavajob.py: the LAVA log format
    if not lavajob.is_lava_log(text):
        return parse_log(text)
    lava = lavajob.read_lava_log(text)
    log = parse_log(lava.serial)
    if lava.job_result and lava.job_result != "pass":
        log.warnings.append("LAVA job incomplete: %s" % ("; ".join(lava.errors[-2:]) or "no reason given"))
    return log




# ---- helpers for other formats and the command line ---------------------------

def stage_total(text: str) -> tuple[int, int]:
    """Sum of every "NAME: N passed, N failed" line; (0, 1) when there is none."""
    counts = [tuple(int(x) for x in m.groups()) for m in map(STAGE_RE.match, text.splitlines())
              if m]
    if not counts:
        return 0, 1
    return sum(p for p, _ in counts), sum(f for _, f in counts)


def find_summary(text: str) -> str | None:
    """The kernel's summary line as printed (without what follows it), or None."""
    for line in clean_lines(text):
        m = SUMMARY_RE.match(line)
        if m:
            return m.group(0).strip()
    return None


def ktap_lines(text: str) -> list[str]:
    """The KTAP lines of a log (results, plans, subtests, summary)."""
    return [line for line in clean_lines(text) if KTAP_LINE_RE.match(line)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pkrulog.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="print the kernel's summary line")
    p.add_argument("log")
    p = sub.add_parser("p50", help="NAME CONFIG P50 per measured bench line")
    p.add_argument("--unit", default=None)
    p.add_argument("log")
    sub.add_parser("stage-total", help="sum the stage lines read on stdin")
    p = sub.add_parser("ktap", help="print the KTAP lines")
    p.add_argument("log")
    args = parser.parse_args(argv)
    if args.command == "stage-total":
        print("%d %d" % stage_total(sys.stdin.read()))
        return 0
    try:
        if args.log == "-":
            text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
        else:
            with open(args.log, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
    except OSError as err:
        print("pkrulog.py: cannot read %s: %s" % (args.log, err.strerror or err), file=sys.stderr)
        return 2
    if args.command == "summary":
        line = find_summary(text)
        if line is None:
            print("pkrulog.py: %s: no summary line" % args.log, file=sys.stderr)
            return 1
        print(line)
    elif args.command == "ktap":
        sys.stdout.write("".join(line + "\n" for line in ktap_lines(text)))
    else:
        for r in parse_log(text).bench.values():
            if r.skipped is None and (args.unit is None or r.unit == args.unit):
                print("%s %s %s" % (r.name, r.config, r.stats["p50"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
