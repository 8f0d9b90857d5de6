#!/usr/bin/env python3
"""Mutation testing of pkrulab's PKRU-critical code (`make mutants`).

Each mutant of the catalogue (tools/mutants.txt) is one exact text edit: a
file, a snippet that must occur exactly once in it, and its replacement.
Exact snippets, not line numbers, so that the catalogue survives unrelated
edits of the same files.  The runner copies the tracked files into a
scratch directory (the checkout is never touched), builds the unmutated
tree and checks that every stage passes on it, then for each mutant:
applies the edit, rebuilds, and judges it with the project's own tests,
cheapest first, stopping at the first stage that fails:

  host     make host-test (only for files the host tests compile)
  default  ./run-qemu.sh: the full default run
  inject   the QEMU matrix's injection, negative-control and design-finding
           cases (tools/qemu-matrix.sh, each with its own checks)

One line per mutant (KILLED stage seconds / SURVIVED / EQUIVALENT), then
`mutants: K killed, S survived, E equivalent`.  A snippet that does not
occur exactly once, or a mutant that does not build, is a catalogue error,
never a kill.  Exit status 0 only if no mutant survived and the catalogue
has no error.

  tools/mutants.py                 every mutant
  tools/mutants.py --fast          the `fast` subset (make test)
  tools/mutants.py ID ...          just these (globs allowed)
  tools/mutants.py --list          check the catalogue, run nothing
  tools/mutants.py --fast --baseline-log LOG
                                   LOG, a passing full default run of this
                                   same tree, stands in for the unmutated
                                   default stage (make test: the LAVA run)
  tools/mutants.py --stages default 'guard.*'   judged by the default run alone
"""

import argparse
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUE = os.path.join(ROOT, "tools", "mutants.txt")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import pkrulog  # noqa: E402  (the one parser of the kernel's log)

# The matrix cases (tools/qemu-matrix.sh) of the inject stage: every injected
# bug of the switching and signal code (one matrix case per declaration in
# kernel/inject_list.h), the negative control and the frame, handler and
# signal_abi= policies.  The harness self-checks (hooks INJECT_HOOK_CPU_SETUP or
# INJECT_HOOK_TEST: no_pke, pkru_offset) are left out: they check the pku.*
# and xsave.* harness, not the code the catalogue mutates.
INJECT_DECL = re.compile(r"^INJECT\(\s*\w+\s*,\s*(?P<name>\w+)\s*,\s*(?P<hooks>[^,]+),", re.M)


def inject_cases(root: str = ROOT) -> str:
    with open(os.path.join(root, "kernel", "inject_list.h")) as f:
        decls = INJECT_DECL.findall(f.read())
    names = [n.replace("_", "-") for n, hooks in decls
             if "INJECT_HOOK_CPU_SETUP" not in hooks and "INJECT_HOOK_TEST" not in hooks]
    return (r"^(inject-(%s)|switch-unmanaged-caught|sigframe-none|handler-inherit|signal-abi-linux61)$"
            % "|".join(names))


INJECT_CASES = inject_cases()
STAGES = ("host", "default", "inject")
# A KTAP result that did not match its expectation (a failed suite or cell,
# "expected to fail ... but passed", an unlisted deviation), as
# tools/pkrulog.py classifies it.  The default run is stopped at the first one.
MISMATCH = pkrulog.is_mismatch_line
FAST_STAGES = ("host", "default")


class CatalogueError(Exception):
    pass


class Mutant:
    def __init__(self, mid, lineno):
        self.id = mid
        self.lineno = lineno
        self.file = None
        self.desc = None
        self.equivalent = None
        self.fast = False
        self.old = None
        self.new = None

    def apply(self, text):
        """The mutated text; CatalogueError unless old occurs exactly once."""
        n = text.count(self.old)
        if n != 1:
            raise CatalogueError("%s: snippet occurs %d times in %s (want exactly once)" %
                                 (self.id, n, self.file))
        return text.replace(self.old, self.new, 1)


def parse_catalogue(text):
    """Parse the catalogue format (see the head of tools/mutants.txt)."""
    mutants, cur, block, lines = [], None, None, []
    seen = set()

    def fail(n, msg):
        raise CatalogueError("mutants.txt:%d: %s" % (n, msg))

    for n, line in enumerate(text.split("\n"), 1):
        if block is not None:
            if line.startswith("@@@ "):
                body = "\n".join(lines)
                if block == "old":
                    cur.old = body
                else:
                    cur.new = body
                lines, block = [], None
            else:
                lines.append(line)
                continue
        if cur is None and (not line.strip() or line.startswith("#")):
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "@@@":
            if cur is None:
                fail(n, "@@@ outside a mutant")
            if rest in ("old", "new"):
                if getattr(cur, rest) is not None:
                    fail(n, "second '@@@ %s' in %s" % (rest, cur.id))
                block, lines = rest, []
            elif rest == "end":
                for field in ("file", "desc", "old", "new"):
                    if getattr(cur, field) is None:
                        fail(n, "mutant %s has no %s" % (cur.id, field))
                if cur.old == cur.new:
                    fail(n, "mutant %s changes nothing" % cur.id)
                if not cur.old:
                    fail(n, "mutant %s has an empty snippet" % cur.id)
                mutants.append(cur)
                cur = None
            else:
                fail(n, "unknown marker '@@@ %s'" % rest)
        elif word == "mutant":
            if cur is not None:
                fail(n, "mutant %s not ended with '@@@ end'" % cur.id)
            if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", rest):
                fail(n, "bad mutant id '%s'" % rest)
            if rest in seen:
                fail(n, "duplicate mutant id '%s'" % rest)
            seen.add(rest)
            cur = Mutant(rest, n)
        elif cur is None:
            fail(n, "text outside a mutant: %r" % line)
        elif word == "file":
            cur.file = rest
        elif word == "desc":
            cur.desc = rest
        elif word == "equivalent":
            if not rest:
                fail(n, "equivalent needs a one-line argument")
            cur.equivalent = rest
        elif word == "fast" and not rest:
            cur.fast = True
        elif not line.strip():
            continue
        else:
            fail(n, "unknown field '%s'" % word)
    if block is not None or cur is not None:
        fail(n, "catalogue ends inside a mutant")
    return mutants


def host_test_files(makefile_text):
    """Source files the host tests compile: the prerequisites of the
    Makefile's $(B)/host/test_* rules."""
    files = set()
    for line in makefile_text.split("\n"):
        m = re.match(r"^\$\(B\)/host/test_\w+:(.*)$", line)
        if m:
            files.update(w for w in m.group(1).split() if not w.startswith("$"))
    return files


# Build outputs worth reusing in the scratch copy (make decides by mtime,
# which copy2 keeps, whether each is still up to date).  "linux" is the
# Linux programs and selftests, which no mutant touches (the catalogue's
# files are kernel/ and arch/): without them the unmutated build made
# them all again, 40 of make test's 88 s of mutants on 2026-12-07.
BUILD_REUSE = ("arch", "boot", "gen", "kernel", "tests", "host", "linux", "pkrulab.elf")


def copy_tree(dst):
    """The tracked files of the checkout, as they are in the work tree, and
    the reusable part of its build/ (saves the first full build)."""
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    for rel in filter(None, out.split("\0")):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue	# deleted in the work tree
        d = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(src, d)
    for rel in BUILD_REUSE:
        src = os.path.join(ROOT, "build", rel)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dst, "build", rel), symlinks=True)
        elif os.path.isfile(src):
            os.makedirs(os.path.join(dst, "build"), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, "build", rel))


class Judge:
    def __init__(self, tree, timeout, verbose):
        self.tree = tree
        self.timeout = timeout
        self.default_timeout = None
        self.slow = 1		# timeout multiplier for a retry
        self.verbose = verbose
        self.logdir = os.path.join(tree, "build", "mutants")

    def sh(self, cmd, log, env=None):
        e = dict(os.environ, **(env or {}))
        e.pop("MAKEFLAGS", None)
        with open(log, "w") as f:
            r = subprocess.run(cmd, cwd=self.tree, stdout=f, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=e)
        return r.returncode == 0

    def first_mismatch(self, cmd, log):
        """Run cmd (run-qemu.sh), copying its console to log; stop it at the
        first mismatching KTAP line.  True if it ran to the end and exited 0."""
        e = dict(os.environ)
        e.pop("MAKEFLAGS", None)
        with open(log, "w") as f:
            p = subprocess.Popen(cmd, cwd=self.tree, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=e,
                                 start_new_session=True)
            for raw in p.stdout:
                line = raw.decode(errors="replace").rstrip("\r\n")
                f.write(line + "\n")
                f.flush()
                if MISMATCH(line):
                    f.write("mutants.py: stopped at the first mismatch\n")
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait()
                    return False
            return p.wait() == 0

    def timed_out(self, name, tag):
        """Did stage name of tag end in a QEMU timeout?  run-qemu.sh's own
        message in the stage's output, not a line of the kernel's log."""
        try:
            with open(os.path.join(self.logdir, "%s.%s.log" % (tag, name)), errors="replace") as f:
                return "run-qemu.sh: timeout after" in f.read()
        except OSError:
            return False

    def build(self, tag):
        os.makedirs(self.logdir, exist_ok=True)
        return self.sh(["make", "-s", "--no-print-directory", "all"],
                       os.path.join(self.logdir, tag + ".build.log"))

    def stage(self, name, tag):
        log = os.path.join(self.logdir, "%s.%s.log" % (tag, name))
        if name == "host":
            return self.sh(["make", "-s", "--no-print-directory", "host-test"], log)
        if name == "default":
            return self.first_mismatch(["./run-qemu.sh", "--timeout",
                                        str((self.default_timeout or self.timeout) * self.slow)],
                                       log)
        return self.sh(["bash", "tools/qemu-matrix.sh"], log,
                       {"PKRULAB_MATRIX_ONLY": INJECT_CASES, "PKRULAB_MATRIX_FAILFAST": "1",
                        "PKRULAB_MATRIX_TIMEOUT": str(self.timeout * self.slow)})


# With --baseline-log nobody timed the unmutated run: a hung mutant gets this.
BASELINE_LOG_TIMEOUT = 180


def baseline_log_passes(path: str) -> bool:
    """The log is a whole run (every suite, no tests=) that the kernel judged 0."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pkrulog
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    log = pkrulog.parse_text(text)
    args = dict(w.split("=", 1) for w in log.meta.cmdline.split() if "=" in w)  # the last wins
    return (log.ok and args.get("tests", "all") in ("all", "*")
            and args.get("config", "all") == "all" and args.get("inject", "none") == "none")


def select(mutants, ids, fast):
    if fast:
        mutants = [m for m in mutants if m.fast]
    if ids:
        mutants = [m for m in mutants if any(fnmatch.fnmatchcase(m.id, g) for g in ids)]
    return mutants


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ids", nargs="*", help="mutant ids or globs (default: all)")
    ap.add_argument("--fast", action="store_true",
                    help="only the mutants marked fast, judged by host tests and the default run")
    ap.add_argument("--list", action="store_true", help="check the catalogue and list it")
    ap.add_argument("--catalogue", default=CATALOGUE)
    ap.add_argument("--timeout", type=int, default=300, help="seconds per QEMU run")
    ap.add_argument("--keep", action="store_true", help="keep the scratch tree")
    ap.add_argument("--check-equivalent", action="store_true",
                    help="run the mutants marked equivalent too: one that is killed is a "
                         "catalogue error (its argument is wrong)")
    ap.add_argument("--stages", help="comma list of the stages to judge by (default: all; "
                    "e.g. default: the pkru_guard= mutants, seen by linux.attack_guarded)")
    ap.add_argument("--baseline-log", metavar="LOG",
                    help="a passing full default run of this same tree (make test's LAVA "
                         "default run): the unmutated default stage is taken from it, not run")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    if a.stages and not set(a.stages.split(",")) <= set(STAGES):
        ap.error("--stages: each of %s" % ", ".join(STAGES))

    try:
        with open(a.catalogue) as f:
            catalogue = parse_catalogue(f.read())
    except CatalogueError as e:
        print("mutants: catalogue error: %s" % e)
        return 2
    mutants = select(catalogue, a.ids, a.fast)
    if not mutants:
        print("mutants: nothing selected")
        return 2

    # Every snippet is checked against the checkout before anything runs
    # (with --fast, the whole catalogue's: make test keeps it applicable).
    errors, runnable = [], []
    for m in (catalogue if a.fast else mutants):
        path = os.path.join(ROOT, m.file)
        try:
            with open(path) as f:
                m.apply(f.read())
            if m in mutants:
                runnable.append(m)
        except OSError as e:
            errors.append("%s: %s" % (m.id, e))
        except CatalogueError as e:
            errors.append(str(e))
    if a.list:
        for m in mutants:
            print("%-36s %-40s %s%s" % (m.id, m.file, m.desc,
                                        " [equivalent]" if m.equivalent else ""))
        for e in errors:
            print("CATALOGUE-ERROR %s" % e)
        print("mutants: %d in the catalogue, %d selected, %d equivalent, %d catalogue errors" %
              (len(catalogue), len(mutants), sum(1 for m in mutants if m.equivalent), len(errors)))
        return 1 if errors else 0

    stages = FAST_STAGES if a.fast else STAGES
    if a.stages:
        stages = tuple(s for s in stages if s in a.stages.split(","))
    with open(os.path.join(ROOT, "Makefile")) as f:
        host_files = host_test_files(f.read())
    start = time.time()
    tree = tempfile.mkdtemp(prefix="pkrulab-mutants.")
    killed = survived = equivalent = 0
    try:
        copy_tree(tree)
        judge = Judge(tree, a.timeout, a.verbose)
        to_run = [m for m in runnable if a.check_equivalent or not m.equivalent]
        need = [s for s in stages
                if s != "host" or any(m.file in host_files for m in to_run)]
        # The unmutated tree must pass every stage, or no kill means anything.
        if not judge.build("baseline"):
            print("mutants: the unmutated tree does not build (see %s)" % judge.logdir)
            return 2
        for s in need:
            t0 = time.time()
            if s == "default" and a.baseline_log:
                if not baseline_log_passes(a.baseline_log):
                    print("mutants: --baseline-log %s is not a passing full run" % a.baseline_log)
                    return 2
                judge.default_timeout = min(a.timeout, BASELINE_LOG_TIMEOUT)
                continue
            if not judge.stage(s, "baseline"):
                print("mutants: the unmutated tree fails stage %s (log: %s/baseline.%s.log)" %
                      (s, judge.logdir, s))
                a.keep = True
                return 2
            secs = time.time() - t0
            if s == "default":
                # A mutant that hangs the kernel is killed by the timeout: make
                # that cost a few baseline runs, not the full --timeout.
                judge.default_timeout = min(a.timeout, max(90, int(4 * secs)))
            if a.verbose:
                print("baseline %s ok %.0fs" % (s, secs), flush=True)
        for m in runnable:
            if m.equivalent and not a.check_equivalent:
                equivalent += 1
                print("EQUIVALENT %-36s %s (%s)" % (m.id, m.desc, m.equivalent), flush=True)
                continue
            path = os.path.join(tree, m.file)
            with open(path) as f:
                orig = f.read()
            t0 = time.time()
            with open(path, "w") as f:
                f.write(m.apply(orig))
            verdict = None
            try:
                if not judge.build(m.id):
                    errors.append("%s: does not build (log: %s/%s.build.log)" %
                                  (m.id, judge.logdir, m.id))
                    print("CATALOGUE-ERROR %-31s does not build" % m.id, flush=True)
                    continue
                for s in need:
                    if s == "host" and m.file not in host_files:
                        continue
                    if not judge.stage(s, m.id):
                        verdict = s
                        if judge.timed_out(s, m.id):
                            # A hang kills a mutant, a slow machine must not:
                            # once more with twice the time before it counts.
                            judge.slow = 2
                            try:
                                if judge.stage(s, m.id + ".retry"):
                                    verdict = None
                                    continue
                            finally:
                                judge.slow = 1
                            verdict = s + "(hang)"
                        break
            finally:
                with open(path, "w") as f:
                    f.write(orig)
            secs = time.time() - t0
            if m.equivalent:
                if verdict:
                    errors.append("%s: marked equivalent but killed by stage %s" % (m.id, verdict))
                    print("CATALOGUE-ERROR %-31s marked equivalent, killed by %s" % (m.id, verdict),
                          flush=True)
                else:
                    equivalent += 1
                    print("EQUIVALENT %-36s %-8s %5.0fs  %s (survived every stage: %s)" %
                          (m.id, "-", secs, m.desc, m.equivalent), flush=True)
            elif verdict:
                killed += 1
                print("KILLED     %-36s %-8s %5.0fs  %s" % (m.id, verdict, secs, m.desc),
                      flush=True)
            else:
                survived += 1
                print("SURVIVED   %-36s %-8s %5.0fs  %s" % (m.id, "-", secs, m.desc),
                      flush=True)
    finally:
        if a.keep:
            print("mutants: scratch tree kept in %s" % tree)
        else:
            shutil.rmtree(tree, ignore_errors=True)
    for e in errors:
        print("CATALOGUE-ERROR %s" % e)
    tail = ", %d catalogue errors" % len(errors) if errors else ""
    print("mutants: %d killed, %d survived, %d equivalent%s (%d s, stages: %s)" %
          (killed, survived, equivalent, tail, time.time() - start, " ".join(stages)))
    if a.fast:
        # For tools/test-all.sh: a fast mutant that survives is a failure.
        print("mutants-fast: %d passed, %d failed" % (killed, survived + len(errors)))
    return 0 if not survived and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
