"""wrk, run and read: requests/s and p50/p99 of one URL (bench/gateway.py, bench/lists.py)."""

from __future__ import annotations

import re
import subprocess


def wrk(url: str, headers: dict[str, str], *, connections: int, seconds: int) -> dict[str, float]:
    args = ["wrk", "-t", "2" if connections > 1 else "1", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses\n{out}")
    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}
