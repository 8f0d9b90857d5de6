#!/usr/bin/python3
"""lava_check: `make lava` -- pkrulab's LAVA jobs run by Debian's lava-run, and
LAVA's recorded results checked cell by cell against pkrulab's own verdicts.

  tools/lava_check.py [--out DIR] [--only NAME,...] [--list]

Renders the device dictionaries from lava-server's own device-type templates
(qemu.jinja2, x86.jinja2, base-grub.jinja2, from the Debian package
downloaded with `apt-get download lava-server` and unpacked with dpkg-deb
into build/lava/cache, never installed) with each job's context, as a LAVA
server does, then:
  default   the default run (make-job --device-type qemu): as many LAVA test
            cases as cells, each equal to the cell's verdict, none "fail";
  inject    -- inject=no_wrpkru tests=switch.*: LAVA's "fail" cases are
            exactly pkrulab's unexpected failures;
  mismatch  -- tests=switch.yield config=xsave xfail=switch.yield*: one cell
            that must fail does, and LAVA records it "fail";
  hang      a run that cannot finish within the job's 15 s: the job must end
            incomplete, with the reason;
  harness   -- bogus=1 (exit status 2): the job must end incomplete;
  x86, grub `lava-run --validate` of the bare-metal jobs.
Prints one line per check and "lava: N passed, N failed"; exit 0 only if
all passed.  Logs: build/lava/NAME/lava.log (lava-run's own log) and
build/lava/NAME/serial.log (the DUT's output taken from it).
"""

import argparse
import concurrent.futures
import glob
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import lavajob  # noqa: E402
import pkrulog  # noqa: E402

CACHE = os.path.join(ROOT, "build", "lava", "cache")
TEMPLATES = "usr/share/lava-server/device-types"
MAKE_JOB = os.path.join(HERE, "lava", "make-job")
ISO = os.path.join(ROOT, "build", "pkrulab.iso")

# Device dictionaries as a lab admin writes them (the x86 and grub ones are
# those of README "Running in a LAVA lab": a real machine with a serial
# console and a power switch).
DEVICE_DICTS = {
    "qemu": "{% extends 'qemu.jinja2' %}\n",
    "x86": """{% extends 'x86.jinja2' %}
{% set connection_command = 'telnet ser2net-host 7001' %}
{% set hard_reset_command = 'pduclient --hostname pdu --port 1 --command reboot' %}
{% set power_off_command = 'pduclient --hostname pdu --port 1 --command off' %}
{% set power_on_command = 'pduclient --hostname pdu --port 1 --command on' %}
{% set lava_mac_address = '00:11:22:33:44:55' %}
""",
    "grub": """{% extends 'base-grub.jinja2' %}
{% set connection_command = 'telnet ser2net-host 7002' %}
{% set hard_reset_command = 'pduclient --hostname pdu --port 2 --command reboot' %}
{% set power_off_command = 'pduclient --hostname pdu --port 2 --command off' %}
{% set power_on_command = 'pduclient --hostname pdu --port 2 --command on' %}
""",
}

LAVA_RESULT = {"ok": "pass", "SKIP": "skip", "DESIGN": "pass", "FAIL": "pass",
               "DEVIATION": "unknown", "MISMATCH": "fail"}


def templates_dir() -> str:
    """lava-server's device-type templates, unpacked from its Debian package."""
    found = glob.glob(os.path.join(CACHE, "root", TEMPLATES, "qemu.jinja2"))
    if found:
        return os.path.dirname(found[0])
    os.makedirs(CACHE, exist_ok=True)
    debs = glob.glob(os.path.join(CACHE, "lava-server_*.deb"))
    if not debs:
        r = subprocess.run(["apt-get", "download", "lava-server"], cwd=CACHE,
                           capture_output=True, text=True)
        if r.returncode != 0 and os.geteuid() == 0:
            subprocess.run(["apt-get", "update"], capture_output=True)
            r = subprocess.run(["apt-get", "download", "lava-server"], cwd=CACHE,
                               capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("lava: `apt-get download lava-server` failed in %s:\n%s"
                             % (CACHE, r.stderr.strip()))
        debs = glob.glob(os.path.join(CACHE, "lava-server_*.deb"))
    subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(CACHE, "root")], check=True)
    return os.path.join(CACHE, "root", TEMPLATES)


def render_device(kind: str, job_text: str, out: str) -> str:
    """Device dictionary + the job's context, rendered as lava-server does."""
    import jinja2
    import yaml
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([templates_dir()]),
                             trim_blocks=True, autoescape=False)
    context = yaml.safe_load(job_text).get("context") or {}
    text = env.from_string(DEVICE_DICTS[kind]).render(**context)
    yaml.safe_load(text)       # a server refuses a dictionary that is not YAML
    path = os.path.join(out, "device.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def make_job(args: list[str]) -> str:
    r = subprocess.run([sys.executable, MAKE_JOB] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("make-job %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def lava_run(name: str, kind: str, job_text: str, job_id: int, validate: bool = False):
    """Run (or validate) one job; returns (lava-run's status, its log text, seconds)."""
    out = os.path.join(ROOT, "build", "lava", name)
    shutil.rmtree(out, ignore_errors=True)     # no stale serial.log
    os.makedirs(out, exist_ok=True)
    job = os.path.join(out, "job.yaml")
    with open(job, "w") as f:
        f.write(job_text)
    device = render_device(kind, job_text, out)
    cmd = ["lava-run", "--job-id", str(job_id), "--output-dir", os.path.join(out, "run"),
           "--device", device, job]
    if validate:
        cmd.insert(1, "--validate")
    start = time.monotonic()
    with open(os.path.join(out, "lava.log"), "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            timeout=900).returncode
    secs = time.monotonic() - start
    with open(os.path.join(out, "lava.log"), encoding="utf-8", errors="replace") as f:
        return rc, f.read(), secs


def compare(text: str) -> tuple[list[str], dict]:
    """Problems found comparing LAVA's results with the run's own verdicts."""
    lava = lavajob.read_lava_log(text)
    run = pkrulog.parse_log(lava.serial)
    problems = []
    want = {}
    for cell in run.cells:
        suite = cell.name.split(".", 1)[0]
        key = (suite, lavajob.lava_case_name(lavajob.cell_case_id(cell.name)))
        if key in want:
            problems.append("two cells give the LAVA case %s/%s" % key)
        want[key] = (cell.name, LAVA_RESULT[cell.verdict])
    got = {}
    for r in lava.cases:
        key = (r.definition, r.case)
        if key in got:
            problems.append("LAVA recorded %s/%s twice" % key)
        got[key] = r.result
    for key, (name, result) in want.items():
        if key not in got:
            problems.append("cell %s: no LAVA test case %s/%s" % (name, *key))
        elif got[key] != result:
            problems.append("cell %s: LAVA %s, pkrulab's verdict gives %s" % (name, got[key], result))
    for key in got:
        if key not in want:
            problems.append("LAVA case %s/%s is no cell of the run" % key)
    stats = {"cells": len(run.cells), "cases": len(lava.cases),
             "fail": sum(1 for r in lava.cases if r.result == "fail"),
             "mismatch": sum(1 for c in run.cells if c.verdict == "MISMATCH"),
             "summary": run.summary, "complete": run.complete, "job": lava.job_result,
             "errors": lava.errors}
    return problems, stats


def check_run(name, kargs, job_id, want_fail=None, expect=(), extra=()):
    job = make_job(["--device-type", "qemu", "--image", ISO, *extra] + (["--"] + kargs if kargs else []))
    rc, text, secs = lava_run(name, "qemu", job, job_id)
    problems, st = compare(text)
    # The run's serial output, for the checks of tools/qemu-matrix.sh's
    # bios-max case (make test runs them on the LAVA default run's output).
    with open(os.path.join(ROOT, "build", "lava", name, "serial.log"), "w") as f:
        f.write(lavajob.read_lava_log(text).serial)
    if rc != 0 or st["job"] != "pass":
        problems.insert(0, "lava-run exit %d, job %s: %s" % (rc, st["job"] or "?", "; ".join(st["errors"][-2:])))
    if not st["complete"]:
        problems.append("the serial output in LAVA's log has no summary line")
    if st["summary"] is not None and st["summary"].failed != st["fail"]:
        problems.append("LAVA has %d fail, pkrulab's summary %d failed" % (st["fail"], st["summary"].failed))
    if want_fail is not None and st["fail"] != want_fail:
        problems.append("want %d fail, LAVA has %d" % (want_fail, st["fail"]))
    # Expectations of tools/pkrulog.py check on the serial output.
    problems += pkrulog.check_all(pkrulog.parse_log(lavajob.read_lava_log(text).serial), list(expect))
    s = st["summary"]
    what = "%d cases = %d cells, %d fail = %d unexpected failures (pkrulab: %s)" % (
        st["cases"], st["cells"], st["fail"], st["mismatch"],
        "%d passed, %d failed, %d skipped, %d deviations" % (s.passed, s.failed, s.skipped, s.deviations)
        if s else "no summary")
    return problems, what, secs


def check_incomplete(name, kargs, job_id, timeout, want_reason):
    args = ["--device-type", "qemu", "--image", ISO, "--timeout", timeout, "--"] + kargs
    rc, text, secs = lava_run(name, "qemu", make_job(args), job_id)
    lava = lavajob.read_lava_log(text)
    problems = []
    if lava.job_result != "fail":
        problems.append("job result %r, want fail" % (lava.job_result or "?"))
    reason = "; ".join(lava.errors)
    if want_reason not in reason:
        problems.append("no error %r in the log (errors: %s)" % (want_reason, reason or "none"))
    fails = [r for r in lava.cases if r.result == "fail"]
    return problems, "job %s (lava-run exit %d): %s; %d cases, %d fail" % (
        lava.job_result or "?", rc, reason[:160], len(lava.cases), len(fails)), secs


def check_validate(kind, job_id):
    image = ISO if kind == "x86" else os.path.join(ROOT, "build", "pkrulab.elf")
    args = ["--device-type", kind, "--image", image]
    if kind == "grub":
        args += ["--", "tests=pku.*,switch.*", "config=xsave,explicit"]
    rc, text, secs = lava_run("validate-" + kind, kind, make_job(args), job_id, validate=True)
    lava = lavajob.read_lava_log(text)
    problems = [] if rc == 0 else ["lava-run --validate exit %d: %s" % (rc, "; ".join(lava.errors))]
    ok = [r for r in lava.results if r.case == "validate"]
    if not ok or ok[0].result != "pass":
        problems.append("no passing 'validate' result")
    return problems, "lava-run --validate: exit %d" % rc, secs


CHECKS = {
    "default": lambda: check_run("default", [], 1, want_fail=0),
    "inject": lambda: check_run("inject", ["inject=no_wrpkru", "tests=switch.*"], 2),
    "mismatch": lambda: check_run("mismatch", ["tests=switch.yield", "config=xsave",
                                               "xfail=switch.yield*"], 3, want_fail=1,
                                  expect=["cell 1 switch.yield[xsave] MISMATCH "
                                          "'expected to fail * but passed'"]),
    "hang": lambda: check_incomplete("hang", ["tests=none", "bench=all", "bench_iters=100000"],
                                     4, "15s", "timed out"),
    "harness": lambda: check_incomplete("harness", ["bogus=1"], 5, "2", "Connection closed"),
    "x86": lambda: check_validate("x86", 6),
    "grub": lambda: check_validate("grub", 7),
}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="lava_check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="", help="comma list of checks (default: all)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--list", action="store_true")
    a = p.parse_args(argv)
    if a.list:
        print(" ".join(CHECKS))
        return 0
    names = [n for n in a.only.split(",") if n] or list(CHECKS)
    for n in names:
        if n not in CHECKS:
            print("lava_check.py: no check %r (have: %s)" % (n, ", ".join(CHECKS)), file=sys.stderr)
            return 2
    if not os.path.isfile(ISO):
        print("lava_check.py: no %s (run make first)" % ISO, file=sys.stderr)
        return 2
    templates_dir()
    # The default run first: it is the longest; the others fill the second CPU.
    order = sorted(names, key=lambda n: n != "default")
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = {n: pool.submit(CHECKS[n]) for n in order}
        for n in order:
            try:
                results[n] = futures[n].result()
            except Exception as err:  # noqa: BLE001  one broken check is one failure
                results[n] = (["%s: %s" % (type(err).__name__, err)], "", 0.0)
    passed = failed = 0
    for n in names:
        problems, what, secs = results[n]
        if problems:
            failed += 1
            print("FAIL %-9s %5.1fs  %s" % (n, secs, what))
            for pr in problems[:12]:
                print("    ! " + pr)
        else:
            passed += 1
            print("ok   %-9s %5.1fs  %s" % (n, secs, what))
    print("lava: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
