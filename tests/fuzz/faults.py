"""Fault injection for the fault tests: a validator plugin whose rules do harm on request, a file-size limit that
makes writes fail like a full disk, and running a command for which file permissions hold (even as root).

The plugin is installed the way any third-party plugin is (a `siqa.validators` entry point on `sys.path`), so
spawned workers load it too. Each rule does nothing unless its environment variable names a unit:
`SIQA_FAULT_KILL` (`<file id>[:always],...`: SIGKILL the worker auditing that file, once unless `always`, counted in
the folder `SIQA_FAULT_MARKS`), `SIQA_FAULT_RAISE` (`<file id>,...`: raise), `SIQA_FAULT_REMOVE` (paths relative to
the root, removed after the batch is listed and before any file is read), `SIQA_FAULT_HANG` (`<file id>,...`: the
worker auditing that file marks it in `SIQA_FAULT_MARKS` as `<file id>.hang` and sleeps for ten minutes).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PLUGIN_CODES = ("XF994", "XF995", "XF996", "XF997")  # its own family: the built-in ones are reserved
PLUGIN = textwrap.dedent('''
    """siqa fault-injection plugin (tests only)."""

    import multiprocessing
    import os
    import signal
    import time
    from pathlib import Path

    from siqa.findings import Scope, Severity
    from siqa.registry import rule

    DOC = """Fault injected by siqa's tests.

    ## What it detects
    Nothing: it harms the run when its environment variable names a unit.
    """


    def _listed(name):
        return [item for item in os.environ.get(name, "").split(",") if item]


    def remove_files(index, ctx):
        for relative in _listed("SIQA_FAULT_REMOVE"):
            (index.root / relative).unlink()
        return ()


    def raise_on(pf, ctx):
        if str(pf.file_id) in _listed("SIQA_FAULT_RAISE"):
            raise RuntimeError(f"fault injected on {pf.file_id}")
        return ()


    def kill_worker(pf, ctx):
        for target in _listed("SIQA_FAULT_KILL"):
            fid, _, mode = target.partition(":")
            marks = Path(os.environ["SIQA_FAULT_MARKS"])
            if fid == str(pf.file_id) and multiprocessing.parent_process() is not None:
                if mode == "always" or not any(marks.glob(f"{fid}.*")):
                    (marks / f"{fid}.{os.getpid()}").touch()
                    os.kill(os.getpid(), signal.SIGKILL)
        return ()


    def hang_worker(pf, ctx):
        if str(pf.file_id) in _listed("SIQA_FAULT_HANG") and multiprocessing.parent_process() is not None:
            (Path(os.environ["SIQA_FAULT_MARKS"]) / f"{pf.file_id}.hang").touch()
            time.sleep(600)
        return ()


    for function in (remove_files, raise_on, kill_worker, hang_worker):
        function.__doc__ = DOC
    rule("XF994", "fault-remove-files", scope=Scope.BATCH, severity=Severity.INFO)(remove_files)
    rule("XF995", "fault-raise", scope=Scope.FILE, severity=Severity.INFO)(raise_on)
    rule("XF996", "fault-kill-worker", scope=Scope.FILE, severity=Severity.INFO)(kill_worker)
    rule("XF997", "fault-hang-worker", scope=Scope.FILE, severity=Severity.INFO)(hang_worker)
''')


def install_plugin(folder: Path) -> Path:
    """Write the plugin module and its distribution's entry point into `folder` (to put on `sys.path`)."""
    dist = folder / "siqa_faults-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: siqa-faults\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[siqa.validators]\nXF = siqa_faults\n")
    (folder / "siqa_faults.py").write_text(PLUGIN)
    return folder


def limit_file_size(limit: int) -> None:
    """From here on, a write that would make a file larger than `limit` bytes fails with EFBIG (SIGXFSZ ignored),
    as it fails with ENOSPC on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """`limit_file_size` for this process, for the block only."""
    previous_handler = signal.getsignal(signal.SIGXFSZ)
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    limit_file_size(limit)
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous)
        signal.signal(signal.SIGXFSZ, previous_handler)


PR_CAPBSET_DROP = 24
DAC_CAPABILITIES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: how root ignores permissions


def _drop_dac_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in DAC_CAPABILITIES:
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def unprivileged() -> Callable[[], None] | None:
    """A `preexec_fn` under which file permissions hold: for root, the command runs without the capabilities that
    let root ignore them (still uid 0, so the interpreter under a private home stays reachable); for anyone
    else, None (they hold already). Raises pytest's Skipped when root cannot drop them here."""
    if os.geteuid() != 0:
        return None
    if subprocess.run(["true"], preexec_fn=_drop_dac_capabilities).returncode != 0:
        pytest.skip("running as root without the right to drop capabilities: permissions cannot be enforced")
    return _drop_dac_capabilities
