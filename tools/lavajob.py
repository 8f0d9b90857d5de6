#!/usr/bin/env python3
"""lavajob: LAVA job definitions for pkrulab, and the reading of LAVA job logs.

tools/lava/make-job prints a job with job_yaml(); `make lava`
(tools/lava/lava-check.py) and tools/pkrulab_report.py read the logs that
lava-run writes, or that `lavacli jobs logs` prints, with read_lava_log().

How a cell becomes a LAVA test case (README, "Running in a LAVA lab"): one
`monitors` entry per KTAP suite (named as the suite, in the kernel's order:
the SUITE() lines of tests/*/*.c), each matching the suite's cell lines;
test_case_id is the cell's name without its closing "]" (LAVA lowercases it
and turns every run of other characters than [a-z0-9_] into "_":
switch.yield[xsave] -> switch_yield_xsave), and result is the part of the line
that says the outcome, mapped by fixupdict (FIXUPDICT).  One more monitor,
"pkrulab", waits for the summary line: a run that never prints it (hang,
lock-up, reboot with -no-reboot, crash) or prints a harness error before it
leaves the job incomplete.  Only the Python standard library is used here.
"""

import dataclasses
import json
import os
import re
import shlex
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The outcome part of a cell line -> LAVA result.  Nothing that leaves
# pkrulab's exit status 0 is "fail"; every "not ok" that is not an expected
# failure (# TODO) or a listed deviation (# DEVIATION:) is.
FIXUPDICT = {
    "ok": "pass",                 # ok N id
    "# SKIP": "skip",             # ok N id # SKIP why
    "# TODO": "pass",             # not ok N id # TODO why: an expected failure, seen
    "# DEVIATION:": "unknown",    # not ok N id # DEVIATION: id: what (a listed one)
    "not ok": "fail",             # any other not ok: a mismatch
}
SUMMARY_MONITOR = "pkrulab"
HARNESS_FIXUP = {"pkrulab": "fail"}

DEVICE_TYPES = ("qemu", "x86", "grub")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
LAVA_CASE_RE = re.compile(r"\W+")


class JobError(Exception):
    """A request make-job cannot turn into a job (the message says why)."""


# ---- what the project already lists -------------------------------------------

SUITE_DECL_RE = re.compile(r"^SUITE\((\w+),\s*(-?\d+),", re.M)


def suites(root: str = ROOT) -> list[str]:
    """KTAP suites in the kernel's report order, from the SUITE() lines."""
    found = []
    tests = os.path.join(root, "tests")
    for dirpath, _, files in sorted(os.walk(tests)):
        for name in sorted(files):
            if name.endswith(".c"):
                with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as f:
                    found += [(int(order), suite) for suite, order in SUITE_DECL_RE.findall(f.read())]
    if not found:
        raise JobError("no SUITE() declarations under %s" % tests)
    return [s for _, s in sorted(found)]


CASE_LINE_RE = re.compile(r'^"([A-Za-z0-9_.-]+)\|(\d)\|([^|"]*)\|', re.M)


# A constant of tools/qemu-matrix.sh that cases use: NAME='value'.
MATRIX_CONST_RE = re.compile(r"^([A-Z_][A-Z0-9_]*)='([^'$]*)'$", re.M)


def matrix_cases(root: str = ROOT) -> dict[str, str]:
    """The static CASES of tools/qemu-matrix.sh: name -> run-qemu.sh arguments,
    with the script's single-quoted constants ($XSAVE_SET) expanded."""
    with open(os.path.join(root, "tools", "qemu-matrix.sh"), encoding="utf-8") as f:
        text = f.read()
    consts = dict(MATRIX_CONST_RE.findall(text))

    def expand(args: str) -> str:
        return re.sub(r"\$\{?([A-Z_][A-Z0-9_]*)\}?",
                      lambda m: consts.get(m.group(1), m.group(0)), args)
    return {m.group(1): expand(m.group(3)) for m in CASE_LINE_RE.finditer(text)}


# ---- the monitors -----------------------------------------------------------------

def cell_pattern(suite: str) -> str:
    """One cell line of SUITE (4-space indented KTAP result), whole line.

    result is found by a lookahead that floats along the line: "not ok" at
    the start when the directive is neither TODO nor DEVIATION:, "ok" at the
    start when it is no SKIP, else the directive itself.  The line must be
    complete (its newline read) before it matches, so a half-read line is
    never taken for a shorter name.
    """
    s = re.escape(suite)
    name = r"[^\s#]+"
    return ("(?m)^    (?=[^\\r\\n]*?(?P<result>"
            r"not ok(?= \d+ " + name + r"(?:[ \t]*\r*\n| # (?!TODO|DEVIATION:)))"
            r"|(?<!not )ok(?= \d+ " + name + r"(?:[ \t]*\r*\n| # (?!SKIP)))"
            r"|# (?:SKIP|TODO|DEVIATION:)))"
            r"(?:not )?ok \d+ (?P<test_case_id>" + s + r"\.[^\s#\[\]]+(?:\[[^\s#\]]+)?)\]?"
            r"(?=[ \t\r\n])[^\r\n]*\r*\n")


# What comes after a suite: the next suite, a harness error or the summary
# line, each a whole line (a half-read "# Subtest: NAME" must not pass for
# another suite's).
NEXT = (r"(?=    # Subtest: [^\r\n]*\r*\n|pkrulab: \d+ passed[^\r\n]*\r*\n"
        r"|# pkrulab: harness error[^\r\n]*\r*\n)")


def start_pattern(suite: str) -> str:
    """The suite's "# Subtest:" line; where the suite is not in the run (tests=
    left it out), an empty match where the next suite, the harness error or
    the summary line begins, so that the next monitor still sees it."""
    return (r"(?m)^    # Subtest: " + re.escape(suite) + r"\r*\n"
            r"|^" + NEXT)


def end_pattern(suite: str) -> str:
    """The suite's own top-level result line, "ok N suite" or "not ok N suite";
    for a suite not in the run (or cut short by a harness error), the same
    empty match as start_pattern's."""
    return (r"(?m)^(?:not )?ok \d+ " + re.escape(suite) + r"\r*\n"
            r"|^" + NEXT)


SUMMARY_START = r"(?m)^(?=pkrulab: \d+ passed[^\r\n]*\r*\n|# pkrulab: harness error[^\r\n]*\r*\n)"
# \A: the summary line must be what follows the start at once; after a harness
# error line (which the pattern below takes, with the summary) it never is.
SUMMARY_END = r"\Apkrulab: \d+ passed, \d+ failed, \d+ skipped[^\r\n]*\r*\n"
HARNESS_PATTERN = (r"(?m)^# (?P<result>pkrulab): (?P<test_case_id>harness error: [^\r\n]*?)"
                   r"[ \t]*\r*\npkrulab: \d+ passed[^\r\n]*\r*\n")


def monitors(suite_names: list[str]) -> list[dict]:
    out = [{"name": s, "start": start_pattern(s), "end": end_pattern(s),
            "pattern": cell_pattern(s), "fixupdict": dict(FIXUPDICT)} for s in suite_names]
    out.append({"name": SUMMARY_MONITOR, "start": SUMMARY_START, "end": SUMMARY_END,
                "pattern": HARNESS_PATTERN, "fixupdict": dict(HARNESS_FIXUP)})
    return out


def lava_case_name(test_case_id: str) -> str:
    """What lava-dispatcher 2023.01's monitor makes of a test_case_id."""
    return LAVA_CASE_RE.sub("_", test_case_id.strip().lower())


def cell_case_id(cell_name: str) -> str:
    """The test_case_id cell_pattern captures for a cell name."""
    return cell_name[:-1] if cell_name.endswith("]") else cell_name


# ---- the job --------------------------------------------------------------------

@dataclasses.dataclass
class JobSpec:
    device_type: str
    image: str
    cpu: str = "max"
    uefi: bool = False
    smp: int = 2          # as ./run-qemu.sh: the boot CPU and one AP
    mem: str = "256M"
    disk: bool = False
    timeout: str = "10"          # the test action (boot to summary): MIN, or Ns / Nm
    kargs: list[str] = dataclasses.field(default_factory=list)
    name: str = ""


def timeout_seconds(text: str) -> int:
    """--timeout: whole minutes ("10"), or "40s" / "5m"."""
    m = re.match(r"^([1-9][0-9]*)([sm]?)$", str(text))
    if not m:
        raise JobError("--timeout wants whole minutes (or Ns, Nm), not %r" % text)
    return int(m.group(1)) * (1 if m.group(2) == "s" else 60)


def duration(seconds: int) -> str:
    """A LAVA timeout: whole minutes where they are whole."""
    if seconds % 60 == 0:
        return "{minutes: %d}" % (seconds // 60)
    return "{seconds: %d}" % seconds


def image_url(image: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*://", image):
        return image
    return "file://" + os.path.abspath(image)


def yq(value) -> str:
    """A YAML scalar: single-quoted unless plainly safe."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.match(r"^[A-Za-z0-9_./-]+$", text) and text.lower() not in (
            "true", "false", "yes", "no", "on", "off", "null", "y", "n"):
        return text
    return "'" + text.replace("'", "''") + "'"


def qemu_quote(value: str) -> str:
    """QEMU's option syntax: a comma inside a value is written twice."""
    return value.replace(",", ",,")


def check_kargs(kargs: list[str]) -> None:
    for a in kargs:
        if not a or re.search(r"[\s'\"\\]", a):
            raise JobError("kernel argument %r: empty, or has a space, quote or backslash "
                           "(pkrulab's arguments are KEY=VALUE words)" % a)
        if "=" not in a:
            raise JobError("kernel argument %r is not KEY=VALUE" % a)


def mem_mib(mem: str) -> int:
    m = re.match(r"^([1-9][0-9]*)([KMGTkmgt]?)$", mem)
    if not m:
        raise JobError("--mem wants a size such as 256M or 1G, not %r" % mem)
    n, unit = int(m.group(1)), (m.group(2) or "M").upper()
    return {"K": max(1, n // 1024), "M": n, "G": n * 1024, "T": n * 1024 * 1024}[unit]


# The opt-in cells linux.x86_* (Linux's x86 selftests): only a tests= glob
# that begins with this selects them (kernel/cmdline.c), and only then does
# the image's GRUB load their modules, asked by the SMBIOS family (as
# run-qemu.sh does; the Makefile's X86_ST_FAMILY).
X86_OPT_IN_PREFIX = "linux.x86_"
X86_FAMILY = "pkrulab-x86-selftests"


def smbios_option(kargs: list[str]) -> str:
    """QEMU's -smbios: product pkrulab-auto (the menu boots at once), and the
    family that loads the x86 selftests when the last tests= selects them."""
    tests = [a[len("tests="):] for a in kargs if a.startswith("tests=")]
    x86 = bool(tests) and any(g.startswith(X86_OPT_IN_PREFIX) for g in tests[-1].split(","))
    return "-smbios type=1,product=pkrulab-auto" + (",family=" + X86_FAMILY if x86 else "")


def qemu_context(spec: JobSpec) -> list[str]:
    """The job's context for LAVA's qemu device type (rendered by the server
    into the device dictionary from qemu.jinja2)."""
    cmdline = " ".join(["exit=qemu"] + spec.kargs)
    extra = ["-cpu " + qemu_quote(spec.cpu), "-smp %d" % spec.smp, "-no-reboot",
             "-device isa-debug-exit,iobase=0xf4,iosize=0x04",
             smbios_option(spec.kargs),
             # lava-dispatcher joins the options with spaces and pexpect splits
             # the line again, honouring quotes: the arguments stay one word.
             "-fw_cfg 'name=opt/pkrulab/cmdline,string=%s'" % qemu_quote(cmdline)]
    if spec.uefi:
        extra.append("-drive if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE)
    extra.append("-boot c" if spec.disk else "-boot d")
    lines = ["context:", "  arch: amd64", "  no_kvm: true",
             "  memory: %d" % mem_mib(spec.mem), "  extra_options:"]
    lines += ["  - " + yq(e) for e in extra]
    return lines


def monitors_yaml(suite_names: list[str], indent: str) -> list[str]:
    lines = [indent + "monitors:"]
    for m in monitors(suite_names):
        lines.append(indent + "- name: " + yq(m["name"]))
        for key in ("start", "end", "pattern"):
            lines.append(indent + "  %s: %s" % (key, yq(m[key])))
        lines.append(indent + "  fixupdict:")
        for k, v in m["fixupdict"].items():
            lines.append(indent + "    %s: %s" % (yq(k), v))
    return lines


def job_yaml(spec: JobSpec, suite_names: list[str] | None = None) -> str:
    if spec.device_type not in DEVICE_TYPES:
        raise JobError("--device-type must be one of %s" % ", ".join(DEVICE_TYPES))
    check_kargs(spec.kargs)
    test_s = timeout_seconds(spec.timeout)
    if suite_names is None:
        suite_names = suites()
    url = image_url(spec.image)
    name = spec.name or "pkrulab %s%s %s" % (
        spec.device_type, " uefi" if spec.uefi else "",
        " ".join(spec.kargs) if spec.kargs else "default run")
    boot_minutes = 3
    boot_s = boot_minutes * 60
    lines = ["# pkrulab job (tools/lava/make-job): every cell a test case, in one test",
             "# suite per KTAP suite; see README \"Running in a LAVA lab\".",
             "job_name: " + yq(name[:200]),
             "device_type: " + ("base-grub" if spec.device_type == "grub" else spec.device_type),
             "visibility: public",
             "priority: medium",
             "timeouts:",
             "  job: %s" % duration(test_s + boot_s + 120),
             "  action: %s" % duration(test_s + boot_s),
             "  connection: %s" % duration(test_s)]
    if spec.device_type == "qemu":
        if spec.uefi and spec.disk:
            pass
        lines += qemu_context(spec)
        image_arg = ("-drive if=ide,index=0,media=disk,format=raw,file={pkrulab}" if spec.disk
                     else "-cdrom {pkrulab}")
        lines += ["actions:",
                  "- deploy:",
                  "    to: tmpfs",
                  "    timeout: {minutes: 2}",
                  "    images:",
                  "      pkrulab:",
                  "        url: " + yq(url),
                  "        image_arg: " + yq(image_arg)]
        if spec.uefi:
            # OVMF writes its variable store: each job downloads its own copy.
            lines += ["      ovmf_vars:",
                      "        url: " + yq("file://" + OVMF_VARS),
                      "        image_arg: " + yq("-drive if=pflash,format=raw,unit=1,file={ovmf_vars}")]
        lines += ["- boot:",
                  "    method: qemu",
                  "    media: tmpfs",
                  "    timeout: {minutes: %d}" % boot_minutes]
    else:
        lines += bare_metal_actions(spec, url, boot_minutes)
    lines += ["- test:",
              "    timeout: %s" % duration(test_s)]
    lines += monitors_yaml(suite_names, "    ")
    return "\n".join(lines) + "\n"


def bare_metal_actions(spec: JobSpec, url: str, boot_minutes: int) -> list[str]:
    for opt, bad in (("--cpu", spec.cpu != "max"), ("--smp", spec.smp != JobSpec.smp),
                     ("--mem", spec.mem != "256M"), ("--disk", spec.disk)):
        if bad:
            raise JobError("%s is a QEMU option: a %s device is the machine it is"
                           % (opt, spec.device_type))
    if spec.device_type == "x86":
        # LAVA's x86 type boots with iPXE; iPXE cannot load a multiboot2 ELF,
        # so it SAN-boots the ISO over the worker's HTTP server (the
        # lava-dispatcher Apache site serves /var/lib/lava/dispatcher/tmp as
        # /tmp/, the TFTP root): its GRUB menu's first entry, after 5 s.
        if spec.kargs:
            raise JobError("--device-type x86 boots the ISO's own menu: bake the kernel "
                           "arguments into an ISO with `make iso-args ISO_OUT=PATH "
                           "KARGS=\"...\"` and pass that as --image")
        if spec.uefi:
            raise JobError("--uefi: the firmware of an x86 device is its own; leave --uefi out")
        return ["actions:",
                "- deploy:",
                "    to: tftp",
                "    timeout: {minutes: 5}",
                "    kernel:",
                "      url: " + yq(url),
                "- boot:",
                "    method: ipxe",
                "    timeout: {minutes: %d}" % boot_minutes,
                "    commands:",
                "    - dhcp net0",
                "    - " + yq("sanboot http://{SERVER_IP}/tmp/{KERNEL}")]
    # grub: the device's own GRUB loads the multiboot2 ELF over TFTP, as a
    # lab machine's GRUB would (README: linux.* cells SKIP without module2).
    if spec.uefi:
        raise JobError("--uefi: the firmware of a grub device is its own (efi_grub in its "
                       "device dictionary); leave --uefi out")
    elf = url
    if elf.endswith(".iso"):
        elf = elf[:-len(".iso")] + ".elf"
    return ["actions:",
            "- deploy:",
            "    to: tftp",
            "    timeout: {minutes: 5}",
            "    kernel:",
            "      url: " + yq(elf),
            "- boot:",
            "    method: grub",
            "    timeout: {minutes: %d}" % boot_minutes,
            "    commands:",
            "    - net_bootp",
            "    - insmod tftp",
            "    - insmod multiboot2",
            "    - " + yq(" ".join(["multiboot2 (tftp,{SERVER_IP})/{KERNEL} exit=halt"] + spec.kargs)),
            "    - boot"]


def spec_from_run_qemu_args(args: str, device_type: str, image: str) -> JobSpec:
    """A JobSpec from run-qemu.sh's option words (a QEMU matrix case)."""
    words = shlex.split(args)
    spec = JobSpec(device_type, image)
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            spec.kargs += words[i + 1:]
            break
        if w in ("--cpu", "--smp", "--mem", "--timeout"):
            if i + 1 >= len(words):
                raise JobError("%s needs a value" % w)
            v = words[i + 1]
            if w == "--cpu":
                spec.cpu = v
            elif w == "--smp":
                spec.smp = int(v)
            elif w == "--mem":
                spec.mem = v
            i += 2
            continue
        if w == "--uefi":
            spec.uefi = True
        elif w == "--disk":
            spec.disk = True
        elif w.startswith("-"):
            raise JobError("run-qemu.sh option %s has no LAVA equivalent here" % w)
        else:
            spec.kargs.append(w)
        i += 1
    return spec


# ---- reading LAVA job logs ------------------------------------------------------------

@dataclasses.dataclass
class LavaResult:
    definition: str
    case: str
    result: str
    test_case_id: str = ""


@dataclasses.dataclass
class LavaLog:
    serial: str = ""                                  # the DUT's output, as lines
    results: list[LavaResult] = dataclasses.field(default_factory=list)
    job_result: str = ""                              # lava/job: pass or fail
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def cases(self) -> list[LavaResult]:
        """The pkrulab test cases (every definition but LAVA's own "lava")."""
        return [r for r in self.results if r.definition != "lava"]


YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
                "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
                "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
DQ_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def yaml_dq(body: str) -> str:
    """Decode the body of a YAML double-quoted scalar (LAVA writes them so)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width:
            try:
                out.append(chr(int(body[i + 2:i + 2 + width], 16)))
            except ValueError:
                out.append(body[i:i + 2 + width])
            i += 2 + width
        else:
            out.append(YAML_ESCAPES.get(e, "\\" + e))
            i += 2
    return "".join(out)


def flow_mapping(text: str) -> dict | None:
    """One LAVA log record, {"dt": ..., "lvl": ..., "msg": ...}, as LAVA's
    dumper writes it (double-quoted YAML flow; JSON-like but with YAML escapes
    and tags); a dict msg is read the same way, one level deep."""
    text = text.strip()
    if text.startswith("- "):
        text = text[2:].strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        value = json.loads(text)
        return value if isinstance(value, dict) else None
    except ValueError:
        pass
    return _flow(text[1:-1])


def _flow(body: str) -> dict:
    out: dict = {}
    i = 0
    while i < len(body):
        m = re.compile(r'\s*,?\s*(?:"((?:[^"\\]|\\.)*)"|([\w-]+))\s*:\s*(?:!\S*\s+)?').match(body, i)
        if not m or m.end() == i:
            break
        key = yaml_dq(m.group(1)) if m.group(1) is not None else m.group(2)
        i = m.end()
        if body.startswith('"', i):
            v = DQ_RE.match(body, i)
            if not v:
                break
            out[key] = yaml_dq(v.group(1))
            i = v.end()
        elif body.startswith("{", i):
            depth, j, inq = 0, i, False
            while j < len(body):
                ch = body[j]
                if inq:
                    if ch == "\\":
                        j += 1
                    elif ch == '"':
                        inq = False
                elif ch == '"':
                    inq = True
                elif ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out[key] = _flow(body[i + 1:j])
            i = j + 1
        else:
            v = re.compile(r"[^,}]*").match(body, i)
            out[key] = v.group(0).strip()
            i = v.end()
    return out


TEXT_LINE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)? (?:<[^>]*> )?(?P<msg>.*)$")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def is_lava_log(text: str) -> bool:
    """True for a lava-run log, an output.yaml, or `lavacli jobs logs` output."""
    for line in text.splitlines()[:20]:
        s = ANSI_RE.sub("", line).strip()
        if not s:
            continue
        if re.match(r'^(?:- )?\{"?dt"?: ', s):
            return True
        m = TEXT_LINE_RE.match(s)
        if m and re.match(r"^(?:start: 0 |lava-dispatcher, installed at version|Start time: )",
                          m.group("msg")):
            return True
    return False


def _result_from(msg: dict) -> LavaResult | None:
    if not isinstance(msg, dict) or "case" not in msg or "result" not in msg:
        return None
    extra = msg.get("extra") if isinstance(msg.get("extra"), dict) else {}
    return LavaResult(str(msg.get("definition", "")), str(msg["case"]), str(msg["result"]),
                      str(extra.get("test_case_id", "")))


PY_DICT_RE = re.compile(r"^\{'case': ")


def read_lava_log(text: str) -> LavaLog:
    """The serial output, the results and the job's verdict of a LAVA job log."""
    log = LavaLog()
    serial = []
    for raw in text.splitlines():
        rec = flow_mapping(ANSI_RE.sub("", raw)) if "{" in raw else None
        if rec is not None and "lvl" in rec:
            lvl, msg = rec.get("lvl"), rec.get("msg", "")
            if lvl in ("target", "feedback") and isinstance(msg, str):
                # lava-dispatcher's ShellLogger escapes double quotes; undo it.
                serial.append(msg.replace('\\"', '"'))
            elif lvl == "results":
                r = _result_from(msg)
                if r:
                    log.results.append(r)
            elif lvl in ("error", "exception") and isinstance(msg, str):
                log.errors.append(msg)
            continue
        # `lavacli jobs logs` without --raw: "DATE msg" (levels only as colours).
        m = TEXT_LINE_RE.match(ANSI_RE.sub("", raw))
        if not m:
            continue
        msg = m.group("msg")
        if PY_DICT_RE.match(msg):
            try:
                import ast
                r = _result_from(ast.literal_eval(msg))
            except (ValueError, SyntaxError):
                r = None
            if r:
                log.results.append(r)
            continue
        serial.append(msg.replace('\\"', '"'))
    log.serial = "\n".join(serial) + "\n"
    for r in log.results:
        if r.definition == "lava" and r.case == "job":
            log.job_result = r.result
    return log


def main(argv: list[str]) -> int:
    """lavajob.py serial LOG: print the DUT's output of a LAVA job log."""
    if len(argv) != 2 or argv[0] != "serial":
        print("usage: lavajob.py serial LAVA-LOG", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        sys.stdout.write(read_lava_log(f.read().decode("utf-8", errors="replace")).serial)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
