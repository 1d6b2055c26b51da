"""Run every nbguard benchmark, one after the other, and print their tables.

    python3 bench/run_all.py [--quick]

Each benchmark compares nbguard with its peers (or with `nbguard strip --check`)
on the same files in the same run; see bench/README.md. --quick runs each
command once instead of three times. Needs: pip install -e '.[bench]'.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "bench_hook.py": [],
    "bench_strip.py": [],
    "bench_order.py": [],
    "bench_images.py": [],
    "bench_secrets.py": ["--sample", "400"],
    "bench_privacy.py": [],
    "bench_check.py": [],
    "bench_filter.py": [],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = 0
    for script, extra in SCRIPTS.items():
        print(f"\n## {script}\n", flush=True)
        repeat = ["--repeat", "1"] if quick else []
        proc = subprocess.run([sys.executable, str(HERE / script), *extra, *repeat], check=False)
        failed |= proc.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
