"""The package type-checks against its own stubs (_core.pyi)."""

import subprocess
import sys


def test_mypy_on_the_installed_package(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mypy", "-p", "wakebench", "--ignore-missing-imports",
                        "--cache-dir", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
