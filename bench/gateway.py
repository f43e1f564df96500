"""The gateway's cost, measured: one cheap authenticated GET three ways in one run.

    .venv/bin/python bench/gateway.py        # needs wrk and nginx (apt-get install wrk nginx-light)

1. the records service directly (with a gateway-signed service token),
2. the same service behind nginx as a plain reverse proxy (it adds the service token),
3. the same service behind our gateway, with a user's JWT checked on every request.

Each is loaded with wrk (32 connections, 2 threads) and then with one connection for
unloaded latency; prints requests/s, p50/p99 and the ratios the issue asks for.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import httpx
from loadgen import wrk  # bench/loadgen.py, beside this file

from kaohe.local import start_stack
from shared.embedded_pg import free_port
from shared.service_auth import SYSTEM_CALLER, mint_service_token

PATH = "/api/v1/records/whoami"


def nginx_conf(root: Path, port: int, upstream: int, token: str) -> Path:
    conf = root / "nginx.conf"
    conf.write_text(textwrap.dedent(f"""
        worker_processes 1;
        pid {root}/nginx.pid;
        error_log {root}/error.log warn;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {root}/body;
            proxy_temp_path {root}/proxy;
            fastcgi_temp_path {root}/fastcgi;
            uwsgi_temp_path {root}/uwsgi;
            scgi_temp_path {root}/scgi;
            upstream records {{ server 127.0.0.1:{upstream}; keepalive 64; }}
            server {{
                listen 127.0.0.1:{port};
                location / {{
                    proxy_pass http://records;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header X-Service-Token "{token}";
                }}
            }}
        }}
    """))
    return conf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install wrk nginx-light")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # One user sends everything here: lift the per-user limit that protects the real stack.
        stack = start_stack(root / "home", root / "stack.log", extra_env={"GATEWAY_RATE_LIMIT": "100000000/minute"})
        nginx = None
        try:
            stack.wait_ready(90)
            token = mint_service_token(stack.service_secret(), SYSTEM_CALLER, ttl=3600)
            sign_in = httpx.post(f"{stack.gateway}/api/v1/auth/token",
                                 data={"username": "admin", "password": "kaohe-demo-first"}).json()
            bearer = {"Authorization": f"Bearer {sign_in['access_token']}"}
            nginx_port = free_port()
            conf = nginx_conf(root, nginx_port, stack.ports["records"], token)
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
            paths = {
                "direct": (f"{stack.url('records')}{PATH}", {"X-Service-Token": token}),
                "nginx": (f"http://127.0.0.1:{nginx_port}{PATH}", {}),
                "gateway (JWT)": (f"{stack.gateway}{PATH}", bearer),
            }
            for name, (url, headers) in paths.items():
                assert httpx.get(url, headers=headers).status_code == 200, name
            loaded = {n: wrk(u, h, connections=32, seconds=args.seconds) for n, (u, h) in paths.items()}
            idle = {n: wrk(u, h, connections=1, seconds=max(3, args.seconds // 2)) for n, (u, h) in paths.items()}
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(10)
            stack.interrupt()
    print(f"GET {PATH}: wrk, 32 connections, 2 threads, {args.seconds} s; then 1 connection")
    print(f"{'path':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'idle p50 ms':>13}")
    for name in loaded:
        print(f"{name:<16}{loaded[name]['rps']:>10.0f}{loaded[name]['p50']:>9.2f}{loaded[name]['p99']:>9.2f}"
              f"{idle[name]['p50']:>13.2f}")
    gateway, nginx_r, direct = loaded["gateway (JWT)"], loaded["nginx"], loaded["direct"]
    print(f"gateway / nginx throughput: {gateway['rps'] / nginx_r['rps']:.2f} (target >= 0.50)")
    print(f"gateway / direct throughput: {gateway['rps'] / direct['rps']:.2f}")
    overhead = idle["gateway (JWT)"]["p50"] - idle["direct"]["p50"]
    print(f"gateway p50 overhead over direct at low load: {overhead:.2f} ms (target < 2 ms)")


if __name__ == "__main__":
    main()
