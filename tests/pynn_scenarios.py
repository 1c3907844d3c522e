#!/usr/bin/python3
"""
pynn_scenarios.py SRC [--out TABLE.md] [--only NAME] [--timeout S]:
run PyNN's simulator-independent system test scenarios
(SRC/test/system/scenarios, a PyNN 0.10.1 source tree, read unchanged)
against pyNN.memspike and write the table of results.

Each registered scenario is called as PyNN's own test_brian2.py calls it,
scenario(sim), in this process.  A scenario that returns is a pass; one
that raises NotImplementedError is skipped as unsupported, the message
naming the feature; anything else (an assertion, an error) is a failure.
A scenario whose @register(exclude=...) names memspike is skipped as
PyNN excludes it.  The scenarios import nose (assert helpers, SkipTest)
and nose-testconfig, which Debian 12 does not ship for Python 3: small
stand-ins are installed in sys.modules first (nose.tools' assert_* are
unittest's, as nose defines them).
Exit status: 0, or 1 when a scenario listed as passing in --expect
(a table this script wrote) does not pass now.
"""
import argparse
import logging  # noqa: F401
import os
import re
import signal
import sys
import time
import traceback
import types
import unittest
import warnings


def stand_ins():
    tc = types.ModuleType("testconfig")
    tc.config = {}
    sys.modules["testconfig"] = tc
    nose = types.ModuleType("nose")
    tools = types.ModuleType("nose.tools")
    case = unittest.TestCase("__init__")
    for name in dir(case):
        if name.startswith("assert") and "_" not in name[6:7]:
            snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
            setattr(tools, snake, getattr(case, name))
    tools.assert_equal = case.assertEqual
    tools.assert_true = case.assertTrue
    tools.assert_false = case.assertFalse
    plugins = types.ModuleType("nose.plugins")
    skip = types.ModuleType("nose.plugins.skip")
    skip.SkipTest = unittest.SkipTest
    nose.tools, nose.plugins, plugins.skip = tools, plugins, skip
    nose.SkipTest = unittest.SkipTest
    sys.modules.update({"nose": nose, "nose.tools": tools, "nose.plugins": plugins,
                        "nose.plugins.skip": skip})


class Timeout(Exception):
    pass


def first_line(exc):
    s = str(exc).strip().splitlines()
    return s[0] if s else type(exc).__name__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("--out")
    ap.add_argument("--expect")
    ap.add_argument("--only")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    stand_ins()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "python"))
    import memspike_pynn_hook  # noqa: F401  (pyNN.memspike from the source tree)
    import pyNN.memspike as sim
    sys.path.insert(0, os.path.join(a.src, "test", "system"))
    warnings.simplefilter("ignore")
    import logging
    logging.disable(logging.INFO)        # the scenarios turn on PyNN's debug log
    from scenarios.registry import registry
    import scenarios  # noqa: F401  (registers them all)

    def on_alarm(signum, frame):
        raise Timeout("no result in %g s" % a.timeout)
    signal.signal(signal.SIGALRM, on_alarm)
    rows = []
    cwd = os.getcwd()
    for scenario in registry:
        name = scenario.__name__
        if a.only and name != a.only:
            continue
        module = scenario.__module__.split(".")[-1]
        if "memspike" in scenario.exclude:
            rows.append((name, module, "skip", "excluded by PyNN's registry"))
            continue
        t0 = time.time()
        signal.setitimer(signal.ITIMER_REAL, a.timeout)
        try:
            scenario(sim)
            result, why = "pass", ""
        except NotImplementedError as e:
            result, why = "skip", first_line(e)
        except unittest.SkipTest as e:
            result, why = "skip", "SkipTest: " + first_line(e)
        except Exception as e:            # a failure: the scenario's own check or an error
            tb = traceback.extract_tb(e.__traceback__)
            where = next(("%s:%d" % (os.path.basename(f.filename), f.lineno)
                          for f in reversed(tb) if "scenarios" in f.filename), "")
            result, why = "fail", "%s: %s (%s)" % (type(e).__name__, first_line(e), where)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.chdir(cwd)
            try:
                sim.end()
            except Exception:
                pass
        why = why.replace("|", "\\|")
        rows.append((name, module, result, why))
        print("%-4s %-50s %5.1fs %s" % (result, name, time.time() - t0, why), flush=True)
    counts = dict((r, sum(1 for x in rows if x[2] == r)) for r in ("pass", "skip", "fail"))
    summary = "%d scenarios: %d pass, %d skipped as unsupported, %d fail" % (
        len(rows), counts["pass"], counts["skip"], counts["fail"])
    print(summary)
    if a.out:
        with open(a.out, "w") as f:
            f.write("# PyNN's system test scenarios on pyNN.memspike\n\n")
            f.write("Generated by `tests/pynn_scenarios.py` (run by `make pynn`, tests/pynn.sh) "
                    "from PyNN 0.10.1's\n`test/system/scenarios`, unchanged, on this "
                    "commit's pyNN.memspike.\npass: the scenario ran and its checks held; "
                    "skip: it raised NotImplementedError\nfor the feature named (or PyNN "
                    "excludes it); fail: a check or an error.\n\n")
            f.write(summary + ".\n\n| scenario | file | result | reason |\n|---|---|---|---|\n")
            for r in rows:
                f.write("| `%s` | %s | %s | %s |\n" % r)
    status = 0
    if a.expect:
        expected = set(re.findall(r"^\| `([^`]+)` \| [^|]+ \| pass \|",
                                  open(a.expect).read(), re.M))
        now = set(r[0] for r in rows if r[2] == "pass")
        lost = sorted(expected - now)
        if lost:
            print("no longer passing: " + ", ".join(lost))
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
