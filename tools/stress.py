#!/usr/bin/env python3
"""Determinism under load (`make stress`).

Runs the full default run and the QEMU matrix's injection cases ROUNDS
times (default 10) while every CPU core is kept busy by a spinning process,
so that timer ticks land at other points of the scenarios than on an idle
machine.  Every KTAP cell of every run is keyed by (case, cell id), e.g.
("inject-init-skip", "switch.init_state[explicit]"), and its outcome
(tools/pkrulog.py's verdict: ok, SKIP, FAIL, DESIGN, DEVIATION, MISMATCH,
or the run's own status) is compared across the rounds.  Any cell whose outcome differs between two rounds is reported with
its outcome per round; a run that fails the same way every round is
reported too.  Last line:

  stress: R rounds, C cells compared, D changed, F failed runs, S s

Exit status 0 only if no cell changed and every run matched its
expectations.  Logs: build/stress/rN/CASE.log.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutants import INJECT_CASES  # noqa: E402  (one list of injection cases)
import pkrulog  # noqa: E402  (the one parser of the kernel's log)

STATUS_CELL = "(run status)"


def parse_cells(text):
    """{cell id: verdict} of the scenario results in a serial log
    (tools/pkrulog.py's cells: suite lines summarise them, they are none)."""
    cells = {}
    for c in pkrulog.parse_log(text).cells:
        # A cell id appearing twice in one run is itself suspicious: keep both.
        cells[c.name] = c.verdict if c.name not in cells else cells[c.name] + "+" + c.verdict
    return cells


def compare(rounds):
    """rounds: list of {(case, cell): outcome}.  Returns (compared, changed)
    where changed maps (case, cell) to the list of outcomes per round
    ("absent" where a round has no such cell)."""
    keys = set()
    for r in rounds:
        keys.update(r)
    changed = {}
    for k in sorted(keys):
        seen = [r.get(k, "absent") for r in rounds]
        if len(set(seen)) > 1:
            changed[k] = seen
    return len(keys), changed


def matrix_verdicts(stdout):
    """{case name: 'ok'|'FAIL'} from tools/qemu-matrix.sh's output (the
    matrix's own lines, not a kernel log)."""
    out = {}
    for line in stdout.split("\n"):
        m = re.match(r"^(ok|FAIL)\s+(\S+)", line)
        if m:
            out[m.group(2)] = m.group(1)
    return out


def start_load(n):
    # Plain shell loops: no I/O, one per core, each its own process group.
    return [subprocess.Popen(["sh", "-c", "while :; do :; done"], stdin=subprocess.DEVNULL,
                             start_new_session=True) for _ in range(n)]


def stop_load(procs):
    for p in procs:
        p.kill()
        p.wait()


def one_round(k, outdir, timeout):
    rdir = os.path.join(outdir, "r%d" % k)
    os.makedirs(rdir, exist_ok=True)
    cells, failed_runs = {}, []
    log = os.path.join(rdir, "default.log")
    with open(os.path.join(rdir, "default.err"), "w") as err:
        rc = subprocess.run(["./run-qemu.sh", "--timeout", str(timeout), "--log", log],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                            stdin=subprocess.DEVNULL).returncode
    with open(log, errors="replace") as f:
        for cell, o in parse_cells(f.read()).items():
            cells[("default", cell)] = o
    cells[("default", STATUS_CELL)] = "exit %d" % rc
    if rc:
        failed_runs.append("default (exit %d)" % rc)

    env = dict(os.environ, PKRULAB_MATRIX_ONLY=INJECT_CASES,
               PKRULAB_MATRIX_TIMEOUT=str(timeout))
    r = subprocess.run(["bash", "tools/qemu-matrix.sh"], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace")
    with open(os.path.join(rdir, "matrix.out"), "w") as f:
        f.write(out)
    for case, v in matrix_verdicts(out).items():
        src = os.path.join(ROOT, "build", "matrix", case + ".log")
        if os.path.exists(src):
            shutil.copy(src, os.path.join(rdir, case + ".log"))
            with open(src, errors="replace") as f:
                for cell, o in parse_cells(f.read()).items():
                    cells[(case, cell)] = o
        cells[(case, STATUS_CELL)] = v
        if v != "ok":
            failed_runs.append(case)
    return cells, failed_runs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 10)))
    ap.add_argument("--load", type=int, default=os.cpu_count() or 1,
                    help="busy processes (default: one per core; 0: no load)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per QEMU run")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "stress"))
    a = ap.parse_args(argv)
    if a.rounds < 2:
        print("stress: need at least 2 rounds to compare")
        return 2

    r = subprocess.run(["make", "-s", "--no-print-directory", "all"], cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    if r.returncode:
        print("stress: build failed")
        return 2
    shutil.rmtree(a.out, ignore_errors=True)
    start = time.time()
    load = start_load(a.load)
    rounds, failed = [], []
    try:
        for k in range(1, a.rounds + 1):
            t0 = time.time()
            cells, f = one_round(k, a.out, a.timeout)
            rounds.append(cells)
            failed += ["round %d: %s" % (k, x) for x in f]
            print("round %d: %d cells, %d runs failed, %.0f s" %
                  (k, len(cells), len(f), time.time() - t0), flush=True)
    finally:
        stop_load(load)
    compared, changed = compare(rounds)
    for (case, cell), seen in changed.items():
        print("CHANGED %s %s: %s" % (case, cell, " ".join(seen)))
    for x in failed:
        print("FAILED  %s" % x)
    print("stress: %d rounds, %d cells compared, %d changed, %d failed runs, %.0f s "
          "(load: %d busy processes; logs in %s)" %
          (a.rounds, compared, len(changed), len(failed), time.time() - start, a.load,
           os.path.relpath(a.out, ROOT)))
    return 0 if not changed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
