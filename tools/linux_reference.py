#!/usr/bin/env python3
"""linux_reference: the host side of tools/linux-reference.sh.

  linux_reference.py initramfs OUT --init FILE --runs FILE [--program NAME=FILE ...]
      writes OUT, a newc cpio archive (the initramfs format Linux unpacks):
      /init, /bin/NAME for each program, /etc/passwd (pkrulab's two lines),
      /etc/ref-runs, /dev/console (char 5:1, so that the kernel gives init
      the console as fds 0-2), /dev/null (char 1:3), empty /proc, /sys and /tmp.  Owner root, mtime 0:
      the same inputs give the same bytes.

  linux_reference.py report --results FILE [--markdown FILE] [--meta K=V ...]
                            --run LABEL,LOG,WALL_S,RC [--run ...]
      parses the serial log of each boot (the "#ref:" markers of
      tools/linux-reference/init.c and the programs' own output between
      them), prints one line per program per kernel and writes FILE, one
      tab-separated line per cell.  RC is the exit status of `timeout ...
      qemu-system-x86_64` (124: the time limit ended it).  Exit 0 when every
      boot reached "#ref: done", 1 when one did not (a panic, a hang, QEMU
      failing): those are named on stderr.

Sub-results are counted as pkrulab's kernel counts them for its linux.*
cells (kernel/linux/report.c): KTAP "ok N"/"not ok N" lines (parsed with
pkrulog.RESULT_RE), protection_keys' "test N PASSED (iteration M)" lines
as ok and "assert() at FILE::LINE" lines as not ok, the x86 selftests'
"[OK]" lines as ok and "[FAIL]" (and kselftest's "Bail out!") as not ok.
"""

import argparse
import dataclasses
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkrulog  # noqa: E402

# ---- the initramfs -----------------------------------------------------------

NEWC_MAGIC = b"070701"
NEWC_TRAILER = "TRAILER!!!"
S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000
CONSOLE_MAJOR, CONSOLE_MINOR = 5, 1          # /dev/console (Documentation/admin-guide/devices.txt)
NULL_MAJOR, NULL_MINOR = 1, 3                # /dev/null: x86/syscall_numbering opens it first
# pkrulab's built-in /etc/passwd (kernel/linux/files.c): the same bytes.
PASSWD = "root:x:0:0:root:/root:/bin/sh\npkrulab:x:1000:1000:pkrulab:/:/bin/sh\n"


@dataclasses.dataclass
class Entry:
    name: str            # path inside the archive, without a leading "/"
    mode: int            # file type and permission bits
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)


def _pad4(n: int) -> bytes:
    return b"\0" * (-n % 4)


def newc(entries: list[Entry]) -> bytes:
    """The entries as a newc ("070701") cpio archive, with its trailer."""
    out = bytearray()
    for ino, e in enumerate(entries + [Entry(NEWC_TRAILER, 0)], start=1):
        name = e.name.encode() + b"\0"
        if e.name == NEWC_TRAILER:
            ino = 0
        fields = (ino, e.mode, 0, 0, 2 if e.mode & S_IFDIR == S_IFDIR else 1, 0,
                  len(e.data), 0, 0, e.rdev[0], e.rdev[1], len(name), 0)
        header = NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)
        out += header + name + _pad4(len(header) + len(name))
        out += e.data + _pad4(len(e.data))
    return bytes(out)


def initramfs_entries(init: bytes, runs: str, programs: dict[str, bytes]) -> list[Entry]:
    entries = [Entry(d, S_IFDIR | 0o755) for d in ("bin", "dev", "etc", "proc", "sys", "tmp")]
    entries[-1].mode = S_IFDIR | 0o1777
    entries.append(Entry("dev/console", S_IFCHR | 0o600, rdev=(CONSOLE_MAJOR, CONSOLE_MINOR)))
    entries.append(Entry("dev/null", S_IFCHR | 0o666, rdev=(NULL_MAJOR, NULL_MINOR)))
    entries.append(Entry("etc/passwd", S_IFREG | 0o644, PASSWD.encode()))
    entries.append(Entry("etc/ref-runs", S_IFREG | 0o644, runs.encode()))
    entries.append(Entry("init", S_IFREG | 0o755, init))
    for name, data in sorted(programs.items()):
        entries.append(Entry("bin/" + name, S_IFREG | 0o755, data))
    return entries


# ---- the serial log ------------------------------------------------------------

MARK_RE = re.compile(r"^#ref: (?P<what>\w+) ?(?P<rest>.*)$")
END_RE = re.compile(r"^(?P<label>\S+) status=(?P<status>\S+) first=(?P<first>\S+) "
                    r"procs=(?P<procs>\d+) secs=(?P<secs>[\d.]+)$")
PASSED_RE = re.compile(r"^test\s+(?P<test>\d+) PASSED \(iteration (?P<iter>\d+)\)")
ASSERT_RE = re.compile(r"^assert\(\) at ")
# Linux's x86 selftests: "[OK]", "[FAIL]", "[SKIP]" lines (and kselftest's
# "Bail out!", a failure), as kernel/linux/report.c reads them.
BRACKET_RE = re.compile(r"^(?:\[(?P<kind>OK|FAIL|SKIP)\]|(?P<bail>Bail out!))\s*(?P<text>.*)$")
PANIC_RE = re.compile(r"Kernel panic - not syncing: .*")
ONE_TEST_RE = re.compile(r"^(?P<prog>.+)/test(?P<n>\d+)$")     # one-per-process labels
TIMEOUT_RC = 124                                                # timeout(1)'s status


def signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


def status_text(status: str) -> str:
    """init's "exit:N" / "signal:N" / "timeout" in words."""
    kind, _, num = status.partition(":")
    if kind == "exit":
        return "exit " + num
    if kind == "signal":
        return "killed by " + signal_name(int(num))
    if kind == "timeout":
        return "timed out (killed by init)"
    return status


@dataclasses.dataclass
class Cell:
    """One program run inside one kernel, between its run and end markers."""
    label: str
    command: str
    status: str = "incomplete"      # exit:N, signal:N, timeout, incomplete
    first: str = ""                 # the first process's own status
    procs: int = 0
    secs: float | None = None
    plan: int | None = None         # its KTAP "1..N"
    subs: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)
    passed: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (test, iteration)
    asserts: list[str] = dataclasses.field(default_factory=list)
    brackets: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (OK|FAIL|SKIP, line)
    last_line: str = ""

    def bracket_lines(self, kind: str) -> list[str]:
        return [line for k, line in self.brackets if k == kind]

    @property
    def ok(self) -> int:
        return (sum(1 for s in self.subs if s[0] == "ok") + len(self.passed) +
                len(self.bracket_lines("OK")))

    @property
    def not_ok(self) -> int:
        return (sum(1 for s in self.subs if s[0] == "not ok") + len(self.asserts) +
                len(self.bracket_lines("FAIL")))

    @property
    def first_not_ok(self) -> str:
        for status, num, name in self.subs:
            if status == "not ok":
                return "not ok %d %s" % (num, name)
        if self.asserts:
            return self.asserts[0]
        fails = self.bracket_lines("FAIL")
        return fails[0] if fails else ""

    @property
    def clean_pass(self) -> bool:
        return self.status == "exit:0" and self.not_ok == 0

    def add_output(self, line: str) -> None:
        if line.strip():
            self.last_line = line.strip()
        m = pkrulog.RESULT_RE.match(line)
        if m and not m.group("indent"):
            self.subs.append((m.group("status"), int(m.group("num")), (m.group("name") or "").strip()))
            return
        m = pkrulog.PLAN_RE.match(line)
        if m:
            self.plan = int(m.group("count"))
            return
        m = PASSED_RE.match(line)
        b = BRACKET_RE.match(line.strip())
        if m:
            self.passed.append((int(m.group("test")), int(m.group("iter"))))
        elif ASSERT_RE.match(line):
            self.asserts.append(line.strip())
        elif b:
            self.brackets.append(("FAIL" if b.group("bail") else b.group("kind"),
                                  " ".join(line.split())))

    def results_text(self) -> str:
        """Its sub-results in one field: the KTAP lines, or protection_keys' rounds."""
        if self.passed:
            iters = sorted({i for _, i in self.passed})
            per = [sum(1 for _, i in self.passed if i == it) for it in iters]
            text = "%d PASSED lines: %d iterations, tests per iteration %s" % (
                len(self.passed), len(iters),
                per[0] if len(set(per)) == 1 else ",".join(map(str, per)))
            return text + ("; " + "; ".join(self.asserts) if self.asserts else "")
        if self.brackets and not self.subs:
            return "; ".join("%d [%s]" % (len(self.bracket_lines(k)), k)
                             for k in ("OK", "FAIL", "SKIP") if self.bracket_lines(k))
        return "; ".join("%s %d %s" % s for s in self.subs) or "-"

    def summary(self) -> str:
        """The cell in words: its status, then what its own output says."""
        words = [status_text(self.status)]
        if self.passed:
            iters = sorted({i for _, i in self.passed})
            per = {sum(1 for _, i in self.passed if i == it) for it in iters}
            words.append("%d iterations x %s tests PASSED" % (
                len(iters), per.pop() if len(per) == 1 else "varying"))
        elif self.plan is not None or self.subs:
            words.append("%d of %s ok" % (sum(1 for s in self.subs if s[0] == "ok"),
                                          self.plan if self.plan is not None else len(self.subs)))
            # Its tests run in order: a death is in the first one without a result.
            if self.status.startswith("signal:") and self.plan is not None and len(self.subs) < self.plan:
                words[0] += " in test %d" % (len(self.subs) + 1)
        elif self.brackets:
            words.append(self.results_text())
        if self.asserts:
            words.append(self.asserts[0])
        elif self.first_not_ok:
            words.append("first failure: " + self.first_not_ok)
        words.append('last line "%s"' % self.last_line)
        return "; ".join(words)

    def short(self) -> str:
        """For one-per-process lists: "ok", "SIGSEGV", "not ok", "exit 3"."""
        if self.clean_pass and self.ok:
            return "ok"
        kind, _, num = self.status.partition(":")
        if kind == "signal":
            return signal_name(int(num))
        if kind == "exit" and self.not_ok:
            return "not ok"
        return status_text(self.status)


@dataclasses.dataclass
class Boot:
    """One kernel's serial log."""
    label: str
    wall_s: float
    rc: int
    release: str = ""
    cpu: str = ""
    uptime: str = ""
    done: bool = False
    cells: list[Cell] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    panic: str = ""
    last_line: str = ""

    def failure(self, timeout_rc: int = TIMEOUT_RC) -> str:
        """Why the boot did not reach "#ref: done" ("" when it did)."""
        if self.done:
            return ""
        last = ('last line: "%s"' % self.last_line if self.last_line else
                "the serial log is empty (the kernel stopped before its console, or quiet hid it)")
        if self.panic:
            return "kernel panic: " + self.panic
        if self.rc == timeout_rc:
            return 'hang: no "#ref: done" before the time limit (%.0f s); %s' % (self.wall_s, last)
        return "QEMU exited (status %d) before init %s; %s" % (
            self.rc, "finished" if self.release else "started", last)


def parse_boot(label: str, text: str, wall_s: float, rc: int) -> Boot:
    boot = Boot(label, wall_s, rc)
    cell = None
    for line in pkrulog.clean_lines(text):
        if line.strip():
            boot.last_line = line.strip()
        p = PANIC_RE.search(line)
        if p and not boot.panic:
            boot.panic = p.group(0).strip()
        m = MARK_RE.match(line)
        if not m:
            if cell is not None:
                cell.add_output(line)
            continue
        what, rest = m.group("what"), m.group("rest").strip()
        if what == "kernel":
            boot.release = rest.split(" ")[0]
        elif what == "cpu":
            boot.cpu = rest
        elif what == "boot":
            boot.uptime = rest.partition("uptime=")[2]
        elif what == "run":
            name, _, command = rest.partition(" ")
            cell = Cell(name, command)
            boot.cells.append(cell)
        elif what == "end":
            e = END_RE.match(rest)
            if e and cell is not None and e.group("label") == cell.label:
                cell.status, cell.first = e.group("status"), e.group("first")
                cell.procs, cell.secs = int(e.group("procs")), float(e.group("secs"))
            else:
                boot.errors.append("unmatched end marker: " + rest)
            cell = None
        elif what == "error":
            boot.errors.append(rest)
        elif what == "done":
            boot.done = True
    return boot


# ---- the report ------------------------------------------------------------------

RESULT_COLUMNS = ("kernel", "cell", "status", "first_process", "processes", "ok", "not_ok",
                  "plan", "secs", "sub_results", "first_not_ok", "last_line")


def group_cells(boot: Boot) -> list[tuple[str, list[Cell]]]:
    """Whole-binary cells alone, one-per-process cells ("NAME/testN") together."""
    groups: list[tuple[str, list[Cell]]] = []
    for c in boot.cells:
        m = ONE_TEST_RE.match(c.label)
        name = m.group("prog") + "[one-per-process]" if m else c.label
        if m and groups and groups[-1][0] == name:
            groups[-1][1].append(c)
        else:
            groups.append((name, [c]))
    return groups


def human_lines(boot: Boot) -> list[str]:
    out = []
    for name, cells in group_cells(boot):
        if name.endswith("[one-per-process]"):
            text = ", ".join("%s %s" % (c.label.rpartition("/")[2], c.short()) for c in cells)
            secs = sum(c.secs or 0 for c in cells)
        else:
            c = cells[0]
            text = c.summary() + ("; %d processes" % c.procs if c.procs > 1 else "")
            secs = c.secs or 0
        out.append("%s %s: %s (%.1f s)" % (boot.label, name, text, secs))
    if boot.done:
        out.append("%s: boot+run %.1f s wall (init started at uptime %s s)" % (
            boot.label, boot.wall_s, boot.uptime or "?"))
    return out


def result_rows(boot: Boot) -> list[list[str]]:
    rows = []
    for c in boot.cells:
        rows.append([boot.label, c.label, c.status, c.first or "-", str(c.procs), str(c.ok),
                     str(c.not_ok), "-" if c.plan is None else str(c.plan),
                     "-" if c.secs is None else "%.3f" % c.secs, c.results_text(),
                     c.first_not_ok or "-", c.last_line or "-"])
    if not boot.done:
        rows.append([boot.label, "boot", "failed", "-", "0", "0", "0", "-",
                     "%.3f" % boot.wall_s, "-", boot.failure(), boot.last_line or "-"])
    return [[f.replace("\t", " ") for f in row] for row in rows]


def markdown(boots: list[Boot]) -> str:
    """One row per program, one column per kernel."""
    names: list[str] = []
    for b in boots:
        for name, _ in group_cells(b):
            if name not in names:
                names.append(name)
    lines = ["| | " + " | ".join("%s (%s)" % (b.label, b.release or "?") for b in boots) + " |",
             "|---" * (len(boots) + 1) + "|"]
    for name in names:
        row = []
        for b in boots:
            cells = dict(group_cells(b)).get(name)
            if not cells:
                row.append(b.failure() and "boot failed" or "")
            elif name.endswith("[one-per-process]"):
                row.append(", ".join("%s %s" % (c.label.rpartition("/")[2], c.short())
                                     for c in cells))
            else:
                c = cells[0]
                row.append(c.summary().rpartition("; last line")[0] or c.summary())
        lines.append("| `%s` | " % name + " | ".join(row) + " |")
    lines.append("| boot+run wall | " + " | ".join("%.0f s" % b.wall_s for b in boots) + " |")
    return "\n".join(lines) + "\n"


def parse_run_arg(text: str) -> tuple[str, str, float, int]:
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("--run wants LABEL,LOG,WALL_S,RC, not %r" % text)
    try:
        return parts[0], parts[1], float(parts[2]), int(parts[3])
    except ValueError:
        raise argparse.ArgumentTypeError("--run %r: WALL_S and RC must be numbers" % text)


def cmd_report(args: argparse.Namespace) -> int:
    boots = []
    for label, log, wall_s, rc in args.run:
        try:
            with open(log, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
        except OSError as err:
            print("linux_reference.py: cannot read %s: %s" % (log, err.strerror), file=sys.stderr)
            return 2
        boots.append(parse_boot(label, text, wall_s, rc))
    bad = 0
    with open(args.results, "w") as out:
        for meta in args.meta:
            out.write("# %s\n" % meta)
        out.write("# " + "\t".join(RESULT_COLUMNS) + "\n")
        for b in boots:
            for row in result_rows(b):
                out.write("\t".join(row) + "\n")
    for b in boots:
        for line in human_lines(b):
            print(line)
        for err in b.errors:
            print("%s: init reported: %s" % (b.label, err), file=sys.stderr)
        if b.failure():
            print("%s: %s" % (b.label, b.failure()), file=sys.stderr)
            bad = 1
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(boots))
    return bad


def cmd_initramfs(args: argparse.Namespace) -> int:
    programs = {}
    for spec in args.program:
        name, sep, path = spec.partition("=")
        if not sep or not name or "/" in name:
            print("linux_reference.py: --program wants NAME=FILE, not %r" % spec, file=sys.stderr)
            return 2
        with open(path, "rb") as f:
            programs[name] = f.read()
    with open(args.init, "rb") as f:
        init = f.read()
    with open(args.runs) as f:
        runs = f.read()
    with open(args.out, "wb") as f:
        f.write(newc(initramfs_entries(init, runs, programs)))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="linux_reference.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("initramfs", help="write the initramfs (newc cpio)")
    p.add_argument("out")
    p.add_argument("--init", required=True)
    p.add_argument("--runs", required=True)
    p.add_argument("--program", action="append", default=[])
    p = sub.add_parser("report", help="parse the serial logs, write the results")
    p.add_argument("--results", required=True)
    p.add_argument("--markdown")
    p.add_argument("--meta", action="append", default=[])
    p.add_argument("--run", action="append", type=parse_run_arg, required=True)
    args = parser.parse_args(argv)
    try:
        return cmd_initramfs(args) if args.command == "initramfs" else cmd_report(args)
    except OSError as err:
        print("linux_reference.py: %s: %s" % (err.filename, err.strerror), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
