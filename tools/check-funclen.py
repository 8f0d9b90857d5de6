#!/usr/bin/env python3
"""tools/check-funclen.py [--max N] [PATH...]   (run by `make check-funclen`)

No function over 80 lines in the kernel.  Finds every top-level C function
definition in the kernel's sources -- kernel style: the body's opening "{"
alone at column 0, its closing "}" at column 0 -- and counts its body's
lines, from that "{" to that "}" inclusive (the signature and the comment
above it are not counted).  A function whose body is longer than --max
(80) lines fails, reported as "FILE:LINE: NAME: N lines (over M)", LINE
being the line of its "{".

PATHs are C files or directories searched for *.c and *.h; the default is
the kernel's: kernel/ (with kernel/linux/, kernel/strategy/ and
kernel/include/) and arch/x86/, relative to the repository root.  tests/
is not the kernel and is not checked.

Ends with "check-funclen: N passed, N failed" (one check per function);
exit status 0 if none failed, 1 if one did, 2 for a usage error or an
unreadable file.
"""
import argparse
import os
import re
import sys

DEFAULT_MAX = 80
DEFAULT_PATHS = ["kernel", "arch/x86"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IDENT = re.compile(r"[A-Za-z_]\w*")
# What may follow a declarator's parameter list, or precede it: not the name.
ATTRIBUTE = re.compile(r"^(__attribute__|__\w+__|__printf|__aligned|__section|__noreturn|__used)$")


def strip_comments(text: str) -> str:
    """Block and line comments out (each kept as a space), string literals kept."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def function_name(signature: str) -> str:
    """The declared name in a function signature: the identifier before the
    parameter list, which is the last top-level (...) not an attribute's."""
    s = strip_comments(signature).rstrip()
    while s.endswith(")"):
        depth, i = 0, len(s) - 1
        while i >= 0:
            if s[i] == ")":
                depth += 1
            elif s[i] == "(":
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        if i < 0:
            break
        head = s[:i].rstrip()
        m = re.search(r"([A-Za-z_]\w*)$", head)
        if not m:
            # "(*name(args))(more args)": a function returning a pointer
            # to function; the name is inside the first group.
            inner = re.findall(r"([A-Za-z_]\w*)\s*\(", head)
            return inner[-1] if inner else "?"
        if ATTRIBUTE.match(m.group(1)):
            s = head[:m.start()].rstrip()
            continue
        return m.group(1)
    return "?"


def functions(lines: list[str]):
    """(name, line of "{", body lines) for each top-level function, in order.

    lines: the file's lines without their newlines.  A top-level body is a
    line that is "{" at column 0 (trailing blanks or a comment allowed),
    ended by the next line starting with "}" at column 0.  Its signature is
    the run of lines just above it, back to a blank line, a preprocessor
    line, or a line ending a declaration or a comment.
    """
    i, n = 0, len(lines)
    while i < n:
        if not re.match(r"^\{\s*(/\*.*\*/\s*|//.*)?$", lines[i]):
            i += 1
            continue
        open_at = i
        sig = []
        k = i - 1
        while k >= 0:
            prev = lines[k]
            if not prev.strip() or prev.startswith("#") or re.search(r"(;|\}|\*/)\s*$", prev):
                break
            sig.insert(0, prev)
            k -= 1
        j = i + 1
        while j < n and not lines[j].startswith("}"):
            j += 1
        if j == n:
            # No closing brace at column 0: not kernel style, nothing to count.
            yield function_name("\n".join(sig)), open_at + 1, None
            return
        yield function_name("\n".join(sig)), open_at + 1, j - open_at + 1
        i = j + 1


def sources(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, files in os.walk(p):
                dirs.sort()
                out += [os.path.join(d, f) for f in sorted(files) if f.endswith((".c", ".h"))]
        else:
            out.append(p)
    return out


def check(paths: list[str], limit: int, out=None) -> tuple[int, int]:
    """Report every function over limit lines (to out, default stdout);
    returns (passed, failed)."""
    out = out or sys.stdout
    passed = failed = 0
    for path in sources(paths):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for name, line, length in functions(lines):
            if length is None:
                print("%s:%d: %s: no closing \"}\" at column 0" % (path, line, name), file=out)
                failed += 1
            elif length > limit:
                print("%s:%d: %s: %d lines (over %d)" % (path, line, name, length, limit), file=out)
                failed += 1
            else:
                passed += 1
    return passed, failed


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="No function over N lines in the kernel.")
    ap.add_argument("--max", type=int, default=DEFAULT_MAX, help="most lines a body may have (80)")
    ap.add_argument("paths", nargs="*", help="C files or directories (default: kernel arch/x86)")
    args = ap.parse_args(argv)
    paths = args.paths or [os.path.relpath(os.path.join(ROOT, p)) for p in DEFAULT_PATHS]
    for p in paths:
        if not os.path.exists(p):
            print("check-funclen: %s: no such file or directory" % p, file=sys.stderr)
            return 2
    try:
        passed, failed = check(paths, args.max)
    except OSError as e:
        print("check-funclen: %s" % e, file=sys.stderr)
        return 2
    print("check-funclen: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
