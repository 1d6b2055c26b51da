"""Run every nbguard benchmark, one after the other, and print their tables.

    python3 bench/run_all.py [--quick]

Each benchmark compares nbguard with its peers (or with `nbguard strip --check`)
on the same files in the same run; see bench/README.md. --quick runs each
command once instead of three times. Needs: pip install -e '.[bench]'.
It writes bench/results.json (each benchmark's headline row, the date and the machine),
from which `python -m nbguard.docs` makes the README's speed table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
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
    "bench_history.py": [],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.jsonl"
        env = {**os.environ, "NBGUARD_BENCH_RESULTS": str(rows_file)}
        for script, extra in SCRIPTS.items():
            print(f"\n## {script}\n", flush=True)
            repeat = ["--repeat", "1"] if quick else []
            proc = subprocess.run([sys.executable, str(HERE / script), *extra, *repeat], check=False, env=env)
            failed |= proc.returncode != 0
        lines = rows_file.read_text(encoding="utf-8").splitlines() if rows_file.exists() else []
        rows = [json.loads(line) for line in lines]
    results = {
        "date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "runs": "one run of each command" if quick else "medians of 3 runs or more",
        "rows": rows,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {HERE / 'results.json'}; python -m nbguard.docs README.md updates the README")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
