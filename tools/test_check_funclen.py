#!/usr/bin/env python3
"""Unit tests of tools/check-funclen.py on made-up C files.

Checked: a body's length counts from its "{" to its "}" inclusive, the
limit itself passes and one line more fails, the name is found past a
multi-line signature, attributes and a function returning a pointer to
function, a brace that is not alone at column 0 (initializers, macros,
structs) is no function, a body without a closing brace at column 0
fails, directories are searched for .c and .h, and main's last line and
exit status.

Run: python3 tools/test_check_funclen.py; the last stdout line is
"test_check_funclen: N passed, N failed".
"""
import contextlib
import importlib.util
import io
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_tool():
    spec = importlib.util.spec_from_file_location("check_funclen",
                                                  os.path.join(HERE, "check-funclen.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


funclen = load_tool()


def body(n: int) -> str:
    """A body of n lines, braces included (n >= 2)."""
    return "{\n" + "\tx++;\n" * (n - 2) + "}\n"


def found(text: str) -> list:
    return list(funclen.functions(text.split("\n")))


class Functions(unittest.TestCase):
    def test_length_counts_braces_and_line_is_the_open_brace(self) -> None:
        text = "/* a comment */\nstatic int f(void)\n" + body(5)
        self.assertEqual(found(text), [("f", 3, 5)])

    def test_several_functions_in_order(self) -> None:
        text = "void a(void)\n" + body(3) + "\nint b(int x)\n" + body(4)
        self.assertEqual(found(text), [("a", 2, 3), ("b", 7, 4)])

    def test_multi_line_signature(self) -> None:
        text = ("static void put_number(struct outbuf *o, unsigned long long v,\n"
                "\t\t       bool neg, int base)\n" + body(3))
        self.assertEqual(found(text)[0][0], "put_number")

    def test_attributes_are_not_the_name(self) -> None:
        text = ("__attribute__((noreturn)) void die(const char *fmt, ...)"
                " __attribute__((format(printf, 1, 2)))\n" + body(3))
        self.assertEqual(found(text)[0][0], "die")
        text = "long lx_refuse(const char *key, long err, const char *fmt, ...) __printf(3, 4)\n" + body(3)
        self.assertEqual(found(text)[0][0], "lx_refuse")

    def test_function_returning_a_function_pointer(self) -> None:
        text = "static void (*pick(int n))(void)\n" + body(3)
        self.assertEqual(found(text)[0][0], "pick")

    def test_comment_or_declaration_above_ends_the_signature(self) -> None:
        text = "int x;\n/* int wrong(void) */\nint right(void)\n" + body(3)
        self.assertEqual(found(text)[0][0], "right")

    def test_braces_not_alone_at_column_0_are_no_function(self) -> None:
        text = ("static const int t[] = {\n\t1,\n};\n"
                "struct s {\n\tint a;\n};\n"
                "#define M(x) \\\n{\t\t\\\n\t(x);\t\\\n}\n"
                "int f(void) { return 0; }\n")
        self.assertEqual(found(text), [])

    def test_nested_braces_inside_a_body(self) -> None:
        text = "int f(int a)\n{\n\tif (a) {\n\t\ta++;\n\t}\n\treturn a;\n}\n"
        self.assertEqual(found(text), [("f", 2, 6)])

    def test_no_closing_brace(self) -> None:
        self.assertEqual(found("int f(void)\n{\n\treturn 0;\n"), [("f", 2, None)])


class Check(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name: str, text: str) -> str:
        path = os.path.join(self.tmp.name, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_check(self, paths: list, limit: int = 80):
        out = io.StringIO()
        passed, failed = funclen.check(paths, limit, out)
        return passed, failed, out.getvalue()

    def test_limit_passes_one_more_fails(self) -> None:
        path = self.write("a.c", "int ok(void)\n" + body(80) + "int big(void)\n" + body(81))
        passed, failed, out = self.run_check([path])
        self.assertEqual((passed, failed), (1, 1))
        self.assertEqual(out, "%s:83: big: 81 lines (over 80)\n" % path)

    def test_other_limit(self) -> None:
        path = self.write("a.c", "int f(void)\n" + body(10))
        self.assertEqual(self.run_check([path], 9)[:2], (0, 1))
        self.assertEqual(self.run_check([path], 10)[:2], (1, 0))

    def test_unclosed_body_fails(self) -> None:
        path = self.write("a.c", "int f(void)\n{\n\treturn 0;\n")
        passed, failed, out = self.run_check([path])
        self.assertEqual((passed, failed), (0, 1))
        self.assertIn("a.c:2: f: no closing", out)

    def test_directories_give_c_and_h_files_only(self) -> None:
        self.write("d/one.c", "int one(void)\n" + body(3))
        self.write("d/sub/two.h", "static inline int two(void)\n" + body(3))
        self.write("d/three.asm", "three:\n{\n}\n")
        self.write("d/four.py", "x = 1\n{\n}\n")
        passed, failed, _ = self.run_check([os.path.join(self.tmp.name, "d")])
        self.assertEqual((passed, failed), (2, 0))


class Main(unittest.TestCase):
    def main(self, argv: list):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = funclen.main(argv)
        return status, out.getvalue(), err.getvalue()

    def test_summary_line_and_status(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.c")
            with open(path, "w") as f:
                f.write("int a(void)\n" + body(3) + "int b(void)\n" + body(90))
            status, out, _ = self.main([path])
            self.assertEqual(status, 1)
            self.assertEqual(out.splitlines()[-1], "check-funclen: 1 passed, 1 failed")
            status, out, _ = self.main(["--max", "90", path])
            self.assertEqual(status, 0)
            self.assertEqual(out.splitlines()[-1], "check-funclen: 2 passed, 0 failed")

    def test_missing_path_is_a_usage_error(self) -> None:
        status, _, err = self.main(["/nonexistent/x.c"])
        self.assertEqual(status, 2)
        self.assertIn("no such file", err)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors)
    print("test_check_funclen: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
