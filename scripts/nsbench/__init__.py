"""Shared logic of NextStat's validation and benchmark harness (issue 5).

- ``fingerprint``: the environment a number was measured in (host, CPU,
  versions, git commit).
- ``report``: parity checks with their tolerances, speed records, the JSON and
  markdown reports, and the exit codes.
- ``compare``: comparison of a fresh run with a recorded baseline (slowdown
  threshold, noise skipping, host matching).
- ``runners``: pyhf in-process and NextStat through its Python package or the
  ``nextstat`` CLI, each number tagged with the code path that produced it.

The scripts that use it live one directory up (validate.py, record_baseline.py,
compare_baseline.py, god_run.py); importing this package does not import pyhf
or numpy.
"""

EXIT_OK = 0
EXIT_FAIL = 2  # a parity check failed or a speed regression exceeded the threshold
EXIT_ERROR = 4  # a runner itself errored (missing dependency, crash), or nothing to compare
