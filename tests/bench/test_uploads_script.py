"""bench/uploads.py: it runs on its own and prints a row per sample, the bomb refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_upload_benchmark_prints_a_row_per_sample_and_refuses_the_bomb():
    result = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, str(ROOT / "bench" / "uploads.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["file", "sent", "stored"]
    rows = {line.split("  ")[0]: line for line in lines[1:]}
    assert len(rows) == 4
    assert all(line.rstrip().endswith("stored") for label, line in rows.items() if "bomb" not in label)
    assert "refused" in next(line for label, line in rows.items() if "bomb" in label)
