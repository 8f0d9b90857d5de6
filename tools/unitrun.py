"""Run a tools/ test module's unittest cases, details to stderr, and print
make test's stage line "NAME: N passed, N failed" on stdout."""

import sys
import unittest


def run(module_name: str, label: str) -> int:
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%s: %d passed, %d failed" % (label, passed, failed))
    return 0 if failed == 0 and passed > 0 else 1
