"""Running the cleaning tools (mat2, ffmpeg, ffprobe) on a plaintext evidence file (decision 0031).

The plaintext exists outside this process only in a private directory (mode 0700) on a RAM
filesystem when there is one (/dev/shm), for the time of the tools, and is removed when the
`private_dir()` block ends, whatever happens. The tools run without a shell, with a small
environment, in their own process group (killed whole on timeout), under `prlimit`; their
output is not read or logged (it names the temporary file).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from guichet.denunciations.access import conf

TOOLS = ("mat2", "ffmpeg", "ffprobe")
# A RAM filesystem on Linux: the plaintext never reaches a disk. Each file gets its own 0700
# directory under it (tempfile.mkdtemp), so the shared parent is no risk.
RAM_DIR = "/dev/shm"  # noqa: S108


def missing_tools() -> list[str]:
    """The programs videos and recordings need that this machine lacks (checks.py warns)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def work_dir() -> str:
    """A new directory only this process's user can enter, in RAM when the machine has one."""
    base = str(conf("EVIDENCE_TEMP_DIR") or "")
    if not base and os.path.isdir(RAM_DIR) and os.access(RAM_DIR, os.W_OK | os.X_OK):
        base = RAM_DIR
    return tempfile.mkdtemp(prefix="guichet-evidence-", dir=base or None)  # mode 0700


def write_new(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def read_at_most(path: str, limit: int) -> bytes | None:
    """The file, or None when it is missing, empty or larger than `limit`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    return data if 0 < len(data) <= limit else None


def run_tool(args: Sequence[str], *, work: str, max_file_bytes: int, stdout_path: str | None = None) -> bool:
    """Run a program (no shell) in `work`; True when it ended well before the timeout.

    Its environment names only PATH, a locale and `work` as home and temporary directory; its
    whole process group (mat2 starts ffmpeg, maybe bubblewrap) is killed on timeout. Through
    util-linux's `prlimit` (always on Debian) it and its children may write no file larger than
    `max_file_bytes` and use no more CPU time than the timeout: a crafted file cannot make a
    tool fill the RAM directory it works in.
    """
    timeout = float(conf("CLEAN_TIMEOUT_SECONDS"))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": work, "TMPDIR": work}
    if shutil.which("prlimit", path=env["PATH"]) is not None:
        limits = [f"--fsize={max_file_bytes}", f"--cpu={int(timeout) + 5}"]
        args = ["prlimit", *limits, "--", *args]
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115  (closed below)
    try:
        process = subprocess.Popen(  # noqa: S603  (a fixed program and our own file names)
            list(args),
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout) == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return False
    except OSError:
        return False
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]


@contextmanager
def private_dir() -> Iterator[str]:
    """A private working directory (`work_dir`), removed with everything in it when the block ends."""
    work = work_dir()
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
