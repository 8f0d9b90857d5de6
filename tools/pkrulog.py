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
  pkrulog.py verdict LOG          the kernel's own verdict as an exit status, as
                                  run-qemu.sh gives it: 0 the summary says 0 failed,
                                  1 it counts a failure, 2 harness error, 3 no
                                  summary line (crash, timeout, truncated log)
  pkrulog.py outcome LOG ID       "VERDICT REASON" of the cell ID (with its
                                  [CONFIG]); exit 1 if the log has no such cell
  pkrulog.py count LOG GLOB [VERDICTS [REASON]]
                                  how many cells GLOB names (with that outcome)
  pkrulog.py check LOG [--] EXPECTATION...
                                  every expectation must hold (the matrices'
                                  checks: one process per log); prints one
                                  "FAIL: ..." line per one that does not, exit 1;
                                  a malformed expectation is exit 2.  The
                                  expectation language is in CHECKS_HELP below
                                  (pkrulog.py check --help prints it)

Outcome kinds are data (OUTCOMES): a new kind is one more row there.
"""

CHECKS_HELP = """\
An expectation is one string of words (shell quoting: 'a b' is one word).  A
leading "!" turns it round: it holds when the rest does not.  TEXT, ID and
GLOB are globs over the whole text: "*" any run of characters, "?" any one
character, everything else itself ("[" included: cell IDs have brackets).
VERDICTS is one verdict or several joined by ",": ok, SKIP, DESIGN, FAIL,
DEVIATION, MISMATCH (the OUTCOMES table), "todo" (every "# TODO" kind) or
"not-ok" (every "not ok" kind).

  summary [COND...]        the kernel's summary line (the last run's) is there
                           and each COND holds: passed|failed|skipped|deviations
                           =N or >N, e.g. summary passed>0 failed=0
  cell [N] ID VERDICTS [REASON]
                           a cell (ID a glob over "scenario[config]") has one
                           of VERDICTS, its reason (the directive's text, "" for
                           a plain ok) matches REASON (default: any) and, with
                           N, its KTAP number is N
  diag [CELL] TEXT         a diagnostic ("# ...") line's text, after the "#",
                           matches TEXT: anywhere; with CELL only the lines
                           printed for a cell CELL names (the lines before its
                           result line); CELL "-": the lines of no cell (the
                           header, between suites, after the summary)
  deviation ID [TEXT]      a "# DEVIATION[ID]: TEXT" finding line
  note ID [TEXT]           a "# NOTE[ID]: TEXT" line
  meta TOPIC.KEY VALUE     a top-level "# TOPIC: ... KEY=VALUE" line (the last
                           such line's KEY; VALUE a glob), e.g. meta
                           boot.firmware uefi
  plan N                   the top-level KTAP plan is 1..N
  message TEXT             a "pkrulab: TEXT" line other than the summary
                           (e.g. "bad kernel argument: ...")
  bench NAME CONFIG [UNIT | skipped [REASON]]
                           a "# bench" record of NAME in CONFIG: measured (in
                           UNIT), or skipped (for REASON)
"""

import argparse
import dataclasses
import re
import shlex
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
# Any other line the kernel starts with "pkrulab: " (a bad kernel argument).
MESSAGE_RE = re.compile(r"^\s*pkrulab: (?P<text>.*?)\s*$")
# A top-level "# TOPIC: key=value ..." line (boot, cpu, xsave, signal, ...).
TOPIC_RE = re.compile(r"^# (?P<topic>[a-z][a-z0-9_]*): (?P<rest>.*)$")
DIAG_RE = re.compile(r"^\s*#(?P<text>.*)$")
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
    number: int = 0      # its KTAP test number within the suite


@dataclasses.dataclass
class BenchRecord:
    """One "# bench" line; stats is empty and skipped set for a skipped one."""
    name: str
    config: str
    unit: str
    stats: dict[str, float]
    skipped: str | None = None


@dataclasses.dataclass
class Diagnostic:
    """A "# ..." line: text is what follows the "#", stripped; cell is the
    cell whose result line follows it in the same suite, None for a line of
    no cell (the header, between suites, after the summary)."""
    text: str
    line: int
    cell: str | None = None


@dataclasses.dataclass
class Finding:
    """A "# DEVIATION[ID]: what" or "# NOTE[ID]: what" line."""
    kind: str            # "DEVIATION" or "NOTE"
    id: str
    what: str
    unlisted: bool       # a deviation this platform's table does not list
    line: int
    cell: str | None = None


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
    plan: int | None = None             # the top-level "1..N": how many suites
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    messages: list[str] = dataclasses.field(default_factory=list)  # "pkrulab: ..." lines
    # top-level "# TOPIC: key=value" lines: {topic: {key: value}}, later lines win
    topics: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
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


def parse_result(m: re.Match, number: int, log: ParsedLog, suite: _SuiteState,
                 pending: list) -> bool:
    """Record a result line; returns False for a top-level (suite) result.
    The diagnostics and findings pending since the last result are the cell's."""
    name = (m.group("name") or "").strip()
    # Unindented results close a subtest; only a dotted one is a cell (flat log).
    if not m.group("indent") and "." not in name:
        return False
    verdict, reason = classify(m.group("status"), (m.group("directive") or "").strip())
    scenario, config = split_cell_name(name)
    log.cells.append(Cell(name, scenario, config, verdict, reason, number, int(m.group("num"))))
    for d in pending:
        d.cell = name
    pending.clear()
    suite.seen += 1
    return True


def record_comment(line: str, number: int, log: ParsedLog, pending: list) -> None:
    """Keep a "# ..." line as a diagnostic (and a finding, a topic line)."""
    m = DIAG_RE.match(line)
    if not m or SUBTEST_RE.match(line):
        return
    d = Diagnostic(m.group("text").strip(), number)
    log.diagnostics.append(d)
    pending.append(d)
    m = DEVIATION_RE.match(line)
    kind = "DEVIATION"
    if not m:
        m, kind = NOTE_RE.match(line), "NOTE"
    if m:
        f = Finding(kind, m.group("id"), m.group("what"),
                    kind == "DEVIATION" and m.group("unlisted") is not None, number)
        log.findings.append(f)
        pending.append(f)
    m = TOPIC_RE.match(line)
    if m:
        log.topics.setdefault(m.group("topic"), {}).update(parse_key_values(m.group("rest")))


def parse_log(text: str) -> ParsedLog:
    """Parse one serial log; never raises on odd input, it warns instead."""
    log = ParsedLog()
    suite = _SuiteState()
    pending: list = []      # diagnostics and findings of the cell not yet seen
    for number, line in enumerate(clean_lines(text), 1):
        m = CMDLINE_RE.match(line)
        if m and (log.cells or log.summary or log.bench):
            # A reboot loop or two captures in one file: report the last run.
            log = ParsedLog(warnings=log.warnings + [
                "line %d: a second run starts; only the last run is reported" % number])
            suite = _SuiteState()
            pending = []
        record_comment(line, number, log, pending)
        if m:
            log.meta.cmdline = m.group("cmdline").strip()
            continue
        m = SUMMARY_RE.match(line)
        if m:
            log.summary = Counts(*(int(x) for x in m.groups() if x is not None))
            pending.clear()
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
        m = MESSAGE_RE.match(line)
        if m:
            log.messages.append(m.group("text"))
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
            pending.clear()
            continue
        m = PLAN_RE.match(line)
        if m:
            if line[:1].isspace():         # a subtest's plan
                suite.plan = int(m.group("count"))
            else:
                log.plan = int(m.group("count"))
            continue
        m = RESULT_RE.match(line)
        if m and not parse_result(m, number, log, suite, pending):
            check_suite(suite, log.warnings)
            suite = _SuiteState()
            pending.clear()
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


# A Linux program's own output, as the kernel's console capture prints it:
# "# [NAME] LINE" (kernel/linux/report.c); "[NAME] linux: ..." lines are
# the kernel's notes about that program, not its output.
PROGRAM_LINE_RE = re.compile(r"^\[(?P<prog>[A-Za-z0-9_.+-]+)\] ?(?P<text>.*)$")
KERNEL_NOTE = "linux: "


def program_output(text: str, prefix: str = "") -> dict[str, list[str]]:
    """Each Linux program's output lines (programs whose name starts with
    prefix), in log order, the kernel's own notes left out."""
    out: dict[str, list[str]] = {}
    for d in parse_log(text).diagnostics:
        m = PROGRAM_LINE_RE.match(d.text)
        if m and m.group("prog").startswith(prefix) and not m.group("text").startswith(KERNEL_NOTE):
            out.setdefault(m.group("prog"), []).append(m.group("text").rstrip())
    return out


def ktap_lines(text: str) -> list[str]:
    """The KTAP lines of a log (results, plans, subtests, summary)."""
    return [line for line in clean_lines(text) if KTAP_LINE_RE.match(line)]


def is_mismatch_line(line: str) -> bool:
    """Is this one line a KTAP result that counts as failed (a failed cell, a
    failed suite, an unlisted deviation)?  For a tool that reads the console
    as it comes (tools/mutants.py stops a run at the first one)."""
    m = RESULT_RE.match(clean_lines(line)[0]) if line else None
    if not m:
        return False
    verdict, _ = classify(m.group("status"), (m.group("directive") or "").strip())
    return COUNTS_AS.get(verdict, "failed") == "failed"


# ---- expectations (pkrulog.py check; CHECKS_HELP says the language) ---------

class CheckError(ValueError):
    """A malformed expectation: never a pass, never a plain failure."""


def glob_re(pattern: str) -> re.Pattern:
    """A glob as CHECKS_HELP says: "*" and "?" are wild, "[" is itself."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.S)


def glob_match(pattern: str, text: str) -> bool:
    return glob_re(pattern).fullmatch(text) is not None


def verdict_set(words: str) -> set[str]:
    """"ok,SKIP" -> {"ok", "SKIP"}; "todo" and "not-ok" from the OUTCOMES table."""
    by_lower = {v.lower(): v for v in VERDICTS}
    out: set[str] = set()
    for w in words.split(","):
        w = w.strip().lower()
        if w == "todo":
            out |= {o.verdict for o in OUTCOMES if o.directive == "TODO"}
        elif w == "not-ok":
            out |= {o.verdict for o in OUTCOMES if o.status == "not ok"}
        elif w in by_lower:
            out.add(by_lower[w])
        else:
            raise CheckError("unknown verdict %r (have: %s, todo, not-ok)"
                             % (w, ", ".join(VERDICTS)))
    return out


def _cell_text(c: Cell) -> str:
    return "%s is %s%s (line %d, #%d)" % (c.name, c.verdict, ": " + c.reason if c.reason else "",
                                        c.line, c.number)


def _want(args: list[str], low: int, high: int, usage: str) -> None:
    if not low <= len(args) <= high:
        raise CheckError("want: " + usage)


def _check_summary(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    conds = []
    for a in args:
        m = re.fullmatch(r"(passed|failed|skipped|deviations)([=>])(\d+)", a)
        if not m:
            raise CheckError("summary condition %r: want passed|failed|skipped|deviations "
                             "=N or >N" % a)
        conds.append((m.group(1), m.group(2), int(m.group(3))))
    if log.summary is None:
        return [], "no summary line"
    s = log.summary
    text = "summary: %d passed, %d failed, %d skipped, %d deviations" % (
        s.passed, s.failed, s.skipped, s.deviations)
    for name, op, n in conds:
        value = getattr(s, name)
        if not (value == n if op == "=" else value > n):
            return [], text
    return [text], text


def _check_cell(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    usage = "cell [N] ID VERDICTS [REASON]"
    number = None
    if args and args[0].isdigit():
        number = int(args[0])
        args = args[1:]
    _want(args, 2, 3, usage)
    name = glob_re(args[0])
    verdicts = verdict_set(args[1])
    reason = glob_re(args[2]) if len(args) > 2 else None
    named = [c for c in log.cells if name.fullmatch(c.name)]
    hits = [c for c in named if c.verdict in verdicts
            and (reason is None or reason.fullmatch(c.reason))
            and (number is None or c.number == number)]
    if not named:
        return [], "no cell %s" % args[0]
    return [_cell_text(c) for c in hits], "; ".join(_cell_text(c) for c in named[:3]) + (
        " (and %d more)" % (len(named) - 3) if len(named) > 3 else "")


def _check_diag(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    _want(args, 1, 2, "diag [CELL] TEXT")
    text = glob_re(args[-1])
    lines = log.diagnostics
    where = ""
    if len(args) == 2:
        if args[0] == "-":
            lines = [d for d in lines if d.cell is None]
            where = " of no cell"
        else:
            cell = glob_re(args[0])
            lines = [d for d in lines if d.cell is not None and cell.fullmatch(d.cell)]
            where = " of a cell %s" % args[0]
    hits = ["line %d: # %s" % (d.line, d.text) for d in lines if text.fullmatch(d.text)]
    return hits, "no such line among %d diagnostic lines%s" % (len(lines), where)


def _check_finding(kind: str):
    def check(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
        _want(args, 1, 2, "%s ID [TEXT]" % kind.lower())
        fid = glob_re(args[0])
        what = glob_re(args[1]) if len(args) > 1 else None
        found = [f for f in log.findings if f.kind == kind]
        hits = ["line %d: %s[%s]: %s" % (f.line, kind, f.id, f.what) for f in found
                if fid.fullmatch(f.id) and (what is None or what.fullmatch(f.what))]
        return hits, "%s lines: %s" % (kind, ", ".join(sorted({f.id for f in found})) or "none")
    return check


def _check_meta(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    _want(args, 2, 2, "meta TOPIC.KEY VALUE")
    topic, dot, key = args[0].partition(".")
    if not dot or not key:
        raise CheckError("meta wants TOPIC.KEY, e.g. boot.firmware, not %r" % args[0])
    value = log.topics.get(topic, {}).get(key)
    if value is None:
        return [], "no %s= on a \"# %s:\" line" % (key, topic)
    text = "# %s: %s=%s" % (topic, key, value)
    return ([text] if glob_match(args[1], value) else []), text


def _check_plan(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    _want(args, 1, 1, "plan N")
    if not args[0].isdigit():
        raise CheckError("plan wants a number, not %r" % args[0])
    if log.plan is None:
        return [], "no top-level plan"
    text = "plan 1..%d" % log.plan
    return ([text] if log.plan == int(args[0]) else []), text


def _check_message(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    _want(args, 1, 1, "message TEXT")
    hits = ["pkrulab: " + t for t in log.messages if glob_match(args[0], t)]
    return hits, "%d other \"pkrulab:\" lines" % len(log.messages)


def _check_bench(log: ParsedLog, args: list[str]) -> tuple[list[str], str]:
    usage = "bench NAME CONFIG [UNIT | skipped [REASON]]"
    _want(args, 2, 4, usage)
    skipped = len(args) >= 3 and args[2] == "skipped"
    if len(args) == 4 and not skipped:
        raise CheckError("want: " + usage)
    r = log.bench.get((args[0], args[1]))
    if r is None:
        return [], "no bench line of %s config=%s" % (args[0], args[1])
    text = "bench %s config=%s %s" % (r.name, r.config, "skipped: " + r.skipped
                                      if r.skipped is not None else "unit=" + r.unit)
    if skipped:
        ok = r.skipped is not None and (len(args) == 3 or glob_match(args[3], r.skipped))
    else:
        ok = r.skipped is None and (len(args) == 2 or r.unit == args[2])
    return ([text] if ok else []), text


CHECKS = {
    "summary": _check_summary,
    "cell": _check_cell,
    "diag": _check_diag,
    "deviation": _check_finding("DEVIATION"),
    "note": _check_finding("NOTE"),
    "meta": _check_meta,
    "plan": _check_plan,
    "message": _check_message,
    "bench": _check_bench,
}


def check(log: ParsedLog, expectation: str) -> str | None:
    """None if the expectation holds, else why not; CheckError if malformed."""
    negate = expectation.startswith("!")
    try:
        words = shlex.split(expectation[1:] if negate else expectation)
    except ValueError as err:
        raise CheckError("%s: %s" % (expectation, err)) from None
    if not words or words[0] not in CHECKS:
        raise CheckError("%s: want one of %s" % (expectation, ", ".join(CHECKS)))
    try:
        hits, context = CHECKS[words[0]](log, words[1:])
    except CheckError as err:
        raise CheckError("%s: %s" % (expectation, err)) from None
    if negate and hits:
        return "%s: but %s" % (expectation, hits[0])
    if not negate and not hits:
        return "%s: %s" % (expectation, context)
    return None


def check_all(log: ParsedLog, expectations: list[str]) -> list[str]:
    """Why each expectation that does not hold fails (all are checked)."""
    return [why for why in (check(log, e) for e in expectations) if why is not None]


def run_verdict(log: ParsedLog) -> tuple[int, str]:
    """The kernel's own verdict, as run-qemu.sh's exit status says it."""
    if log.summary is None:
        return 3, "no summary line (crash, timeout or truncated log)"
    if log.harness_error is not None:
        return 2, "harness error: " + log.harness_error
    s = log.summary
    text = "%d passed, %d failed, %d skipped, %d deviations" % (
        s.passed, s.failed, s.skipped, s.deviations)
    return (1 if s.failed else 0), text


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
    p = sub.add_parser("verdict", help="exit 0 (0 failed), 1 (a failure), 2 (harness error) "
                       "or 3 (no summary line), as the summary line says")
    p.add_argument("log")
    p = sub.add_parser("outcome", help="VERDICT REASON of one cell")
    p.add_argument("log")
    p.add_argument("id", help="scenario[config], as printed")
    p = sub.add_parser("count", help="how many cells a glob names (with that outcome)")
    p.add_argument("log")
    p.add_argument("glob")
    p.add_argument("verdicts", nargs="?", help="ok,SKIP,... (default: any)")
    p.add_argument("reason", nargs="?", help="glob over the reason (default: any)")
    p = sub.add_parser("check", help="check expectations against a log",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=CHECKS_HELP)
    p.add_argument("log")
    p.add_argument("expectations", nargs="*", metavar="EXPECTATION")
    args = parser.parse_args(argv)
    if args.command == "stage-total":
        print("%d %d" % stage_total(sys.stdin.read()))
        return 0
    if args.command in ("check", "count"):
        # A typo in an expectation must not pass: check it before the log.
        try:
            for e in getattr(args, "expectations", []):
                check(ParsedLog(), e)
            if args.command == "count" and args.verdicts:
                verdict_set(args.verdicts)
        except CheckError as err:
            print("pkrulog.py: bad expectation %s" % err, file=sys.stderr)
            return 2
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
    elif args.command == "verdict":
        status, why = run_verdict(parse_log(text))
        print(why)
        return status
    elif args.command == "outcome":
        cells = [c for c in parse_log(text).cells if c.name == args.id]
        if not cells:
            print("pkrulog.py: %s: no cell %s" % (args.log, args.id), file=sys.stderr)
            return 1
        for c in cells:
            print(("%s %s" % (c.verdict, c.reason)).rstrip())
    elif args.command == "count":
        name = glob_re(args.glob)
        verdicts = verdict_set(args.verdicts) if args.verdicts else set(VERDICTS)
        reason = glob_re(args.reason if args.reason is not None else "*")
        print(sum(1 for c in parse_log(text).cells if name.fullmatch(c.name)
                  and c.verdict in verdicts and reason.fullmatch(c.reason)))
    elif args.command == "check":
        failures = check_all(parse_log(text), args.expectations)
        for why in failures:
            print("FAIL: " + why)
        return 1 if failures else 0
    else:
        for r in parse_log(text).bench.values():
            if r.skipped is None and (args.unit is None or r.unit == args.unit):
                print("%s %s %s" % (r.name, r.config, r.stats["p50"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
