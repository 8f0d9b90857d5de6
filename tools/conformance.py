"""The conformance table: what each platform does where the SDM says what it must.

Used by `pkrulab_report.py conformance [LABEL=]LOG...`.  From each serial log
it takes the platform line, every result line and the diagnostics printed
before it: "# DEVIATION[id]: what", "#   SDM: ..." and "# NOTE[id]: ...".
One row per probed behaviour -- every pku.* and xsave.* cell (the semantics
suites), then every other cell that showed a deviation anywhere -- and one
column per log, each cell "ok", "DEVIATION: id: what happened" or
"SKIP (why)".  The SDM column is the scenario's own one-line statement of the
rule, read from the SCENARIO() registrations in the sources.  A second table
lists each deviation id with the SDM text the kernel printed for it and
where it was seen.

The line formats come from tools/pkrulog.py, the one parser of the log.
"""

import dataclasses
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pkrulog import (CPU_BRAND_RE, DEVIATION_RE, NOTE_RE, PLATFORM_RE,  # noqa: E402
                     RESULT_RE, SDM_RE, clean_lines)

# SCENARIO(suite, name, fn, "what" "more", flags) and SG_SCENARIO(name, "what", {
SCENARIO_RE = re.compile(r'\bSCENARIO\((?P<suite>\w+),\s*(?P<name>\w+),\s*\w+,\s*'
                         r'(?P<what>(?:"(?:[^"\\]|\\.)*"\s*)+)')
SG_SCENARIO_RE = re.compile(r'\bSG_SCENARIO\((?P<name>\w+),\s*(?P<what>(?:"(?:[^"\\]|\\.)*"\s*)+)')
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
SEMANTIC_SUITES = ("pku.", "xsave.")


@dataclasses.dataclass
class Finding:
    id: str
    what: str
    sdm: str = ""
    unlisted: bool = False


@dataclasses.dataclass
class CellResult:
    name: str
    status: str            # "ok" / "not ok"
    directive: str
    deviations: list[Finding]
    notes: list[Finding]

    def text(self) -> str:
        """ok, DEVIATION: id: what, SKIP (why), expected failure (why), FAIL (why)."""
        notes = "".join("; NOTE: %s" % n.what for n in self.notes)
        word, _, rest = self.directive.partition(" ")
        seen = "; ".join("%s%s: %s" % ("UNLISTED " if d.unlisted else "", d.id, d.what)
                         for d in self.deviations)
        if word.upper() == "TODO":
            # A negative control or injected bug: its verdict is the expected failure.
            return "expected failure (%s)%s" % (rest.strip(), "; deviation seen: " + seen
                                                 if seen else "")
        if self.deviations:
            return "DEVIATION: %s%s" % (seen, notes)
        if self.status == "ok":
            if word.upper() == "SKIP":
                return "SKIP (%s)" % rest.strip()
            return "ok" + notes
        return "FAIL (%s)" % (self.directive or "no reason given")


@dataclasses.dataclass
class PlatformLog:
    label: str
    platform: str = "?"
    brand: str = ""
    cells: dict[str, CellResult] = dataclasses.field(default_factory=dict)
    order: list[str] = dataclasses.field(default_factory=list)


def parse(label: str, text: str) -> PlatformLog:
    """One log: platform, and every cell with the findings printed before it."""
    log = PlatformLog(label)
    devs: list[Finding] = []
    notes: list[Finding] = []
    for line in clean_lines(text):
        m = PLATFORM_RE.match(line)
        if m:
            log.platform = m.group("name")
            continue
        m = CPU_BRAND_RE.match(line)
        if m:
            log.brand = m.group("brand")
            continue
        m = DEVIATION_RE.match(line)
        if m:
            devs.append(Finding(m.group("id"), m.group("what"), unlisted=bool(m.group("unlisted"))))
            continue
        m = SDM_RE.match(line)
        if m and devs:
            devs[-1].sdm = m.group("sdm")
            continue
        m = NOTE_RE.match(line)
        if m:
            notes.append(Finding(m.group("id"), m.group("what")))
            continue
        m = RESULT_RE.match(line)
        # Cells are indented; an unindented result closes a suite.
        if m and m.group("indent") and m.group("name"):
            name = m.group("name").strip()
            if name not in log.cells:
                log.order.append(name)
            log.cells[name] = CellResult(name, m.group("status"), m.group("directive") or "",
                                         devs, notes)
            devs, notes = [], []
    return log


def scenario_statements(root: str) -> dict[str, str]:
    """Scenario ID -> its one-line statement, from the SCENARIO() registrations."""
    out: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(root, "tests", "*", "*.c"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            src = f.read()
        for m in SCENARIO_RE.finditer(src):
            out["%s.%s" % (m.group("suite"), m.group("name"))] = \
                "".join(STRING_RE.findall(m.group("what")))
        for m in SG_SCENARIO_RE.finditer(src):
            out["signal.%s" % m.group("name")] = "".join(STRING_RE.findall(m.group("what")))
    return out


def base_scenario(cell: str) -> str:
    return cell.split("[", 1)[0]


def rows(logs: list[PlatformLog]) -> list[str]:
    """pku.*/xsave.* cells in run order, then the other cells with a deviation."""
    seen: list[str] = []
    for log in logs:
        for name in log.order:
            if name.startswith(SEMANTIC_SUITES) and name not in seen:
                seen.append(name)
    for log in logs:
        for name in log.order:
            if name not in seen and log.cells[name].directive.startswith("DEVIATION"):
                seen.append(name)
    return seen


def deviation_index(logs: list[PlatformLog]) -> dict[str, dict]:
    """Deviation id -> SDM text and, per log label, the cells it was seen in."""
    index: dict[str, dict] = {}
    for log in logs:
        for name in log.order:
            for d in log.cells[name].deviations:
                entry = index.setdefault(d.id, {"sdm": "", "seen": {}})
                entry["sdm"] = entry["sdm"] or d.sdm
                entry["seen"].setdefault(log.label, []).append(name)
    return index


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_md(logs: list[PlatformLog], statements: dict[str, str]) -> str:
    head = ["behaviour", "SDM"] + [log.label for log in logs]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in rows(logs):
        cells = [name, statements.get(base_scenario(name), "")]
        for log in logs:
            cell = log.cells.get(name)
            cells.append(cell.text() if cell else "not run")
        out.append("| " + " | ".join(md_escape(c) for c in cells) + " |")
    index = deviation_index(logs)
    if index:
        out += ["", "| deviation | SDM requires | " + " | ".join(log.label for log in logs) + " |",
                "|" + "---|" * (2 + len(logs))]
        for dev_id in sorted(index):
            entry = index[dev_id]
            seen = [", ".join(entry["seen"].get(log.label, [])) or "-" for log in logs]
            out.append("| " + " | ".join(md_escape(c) for c in [dev_id, entry["sdm"]] + seen) + " |")
    return "\n".join(out) + "\n"


def render_json(logs: list[PlatformLog], statements: dict[str, str]) -> str:
    data = {
        "platforms": [{"label": log.label, "platform": log.platform, "brand": log.brand}
                      for log in logs],
        "rows": [{"behaviour": name, "sdm": statements.get(base_scenario(name), ""),
                  "results": {log.label: (log.cells[name].text() if name in log.cells
                                          else "not run") for log in logs}}
                 for name in rows(logs)],
        "deviations": deviation_index(logs),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def split_label(arg: str) -> tuple[str, str]:
    """"LABEL=PATH" -> (LABEL, PATH); a bare PATH gets its label from the log."""
    if "=" in arg and not os.path.exists(arg):
        label, _, path = arg.partition("=")
        return label, path
    return "", arg


def render(args: list[str], fmt: str, root: str) -> str:
    """The table for [LABEL=]LOG arguments; OSError for an unreadable log."""
    logs = []
    for arg in args:
        label, path = split_label(arg)
        with open(path, encoding="utf-8", errors="replace") as f:
            log = parse(label, f.read())
        if not log.label:
            log.label = "%s (%s)" % (log.platform, log.brand) if log.brand else log.platform
        logs.append(log)
    statements = scenario_statements(root)
    if fmt == "json":
        return render_json(logs, statements)
    return render_md(logs, statements)


def unlisted(args: list[str]) -> list[str]:
    """Cells with a deviation not in the known table, over all logs."""
    out = []
    for arg in args:
        label, path = split_label(arg)
        with open(path, encoding="utf-8", errors="replace") as f:
            log = parse(label or path, f.read())
        out += ["%s: %s" % (log.label, n) for n in log.order
                if any(d.unlisted for d in log.cells[n].deviations)]
    return out


BEGIN_MARK = "<!-- conformance table: generated by make conformance, do not edit -->"
END_MARK = "<!-- end of conformance table -->"


def splice(readme: str, table: str) -> str:
    """README text with the part between the markers replaced by table."""
    start = readme.find(BEGIN_MARK)
    end = readme.find(END_MARK)
    if start < 0 or end < start:
        raise ValueError("README has no conformance markers")
    return readme[:start + len(BEGIN_MARK)] + "\n" + table + readme[end:]


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        sys.exit("usage: conformance.py README TABLE.md  (splices TABLE into README)")
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        new = splice(text, f.read())
    if new != text:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(new)
