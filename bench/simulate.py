"""A full simulate call for an 83-unit county: through the gateway, straight to the quota
service, and the pure computation in process, in one run on the local stack.

    .venv/bin/python bench/simulate.py            # or: make bench

Starts ``kaohe run`` on a throwaway embedded database and free ports, sends N sequential
requests each way, prints p50/p99 and the gateway's overhead over the direct call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from county import POLICY, county

from kaohe.local import start_stack
from quota.allocations.schemas import SimulateRequest
from quota.allocations.service import simulate
from shared.service_auth import SYSTEM_CALLER, mint_service_token


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(client: httpx.Client, url: str, body: dict[str, object], n: int,
            headers: dict[str, str] | None = None) -> list[float]:
    for _ in range(20):
        client.post(url, json=body, headers=headers).raise_for_status()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.post(url, json=body, headers=headers).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    body = {"policy": POLICY, "units": county()}
    request = SimulateRequest.model_validate(body)
    in_process = []
    for _ in range(args.n):
        started = time.perf_counter()
        simulate(request.units, request.policy)
        in_process.append((time.perf_counter() - started) * 1000)

    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp) / "home", Path(tmp) / "stack.log",
                            extra_env={"GATEWAY_RATE_LIMIT": "100000/minute"})
        try:
            stack.wait_ready(90)
            token = mint_service_token(stack.service_secret(), SYSTEM_CALLER, ttl=3600)
            with httpx.Client(timeout=10) as client:
                bearer = client.post(f"{stack.gateway}/api/v1/auth/token",
                                     data={"username": "admin", "password": "kaohe-demo-first"}).json()["access_token"]
                direct = measure(client, f"{stack.url('quota')}/api/v1/quota/allocations/simulate", body,
                                 args.n, {"x-service-token": token})
                gateway = measure(client, f"{stack.gateway}/api/v1/quota/allocations/simulate", body, args.n,
                                  {"authorization": f"Bearer {bearer}"})
        finally:
            stack.interrupt()
    print(f"simulate, 83-unit county, {args.n} sequential calls each")
    print(f"{'path':<28}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for name, samples in (("in process (allocate)", in_process), ("quota service direct", direct),
                          ("through the gateway", gateway)):
        print(f"{name:<28}{percentile(samples, 0.5):>9.2f}{percentile(samples, 0.99):>9.2f}"
              f"{statistics.fmean(samples):>9.2f}")
    overhead = percentile(gateway, 0.5) - percentile(direct, 0.5)
    print(f"gateway p50 overhead over direct: {overhead:.2f} ms; "
          f"gateway p50 / direct p50 = {percentile(gateway, 0.5) / percentile(direct, 0.5):.2f}; "
          f"target p50 through the gateway < 50 ms")


if __name__ == "__main__":
    main()
