"""Start backend and frontend together for local use, and stop both cleanly on Ctrl-C.

Run through ``nox -s serve``. Nothing needs configuring: the backend uses embedded SQLite in
``data/``, local accounts and the offline question engine unless the environment says otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

BACKEND_PORT = int(os.environ.get("API_PORT", "8000"))
FRONTEND_PORT = int(os.environ.get("FRONTEND_PORT", "7860"))


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def main() -> int:
    backend_env = {**os.environ, "PORT": str(BACKEND_PORT)}
    backend_env.pop("API_PORT", None)
    frontend_env = {
        **os.environ,
        "PORT": str(FRONTEND_PORT),
        "BACKEND_URL": os.environ.get("BACKEND_URL", f"http://127.0.0.1:{BACKEND_PORT}"),
    }
    children = [
        subprocess.Popen([sys.executable, "-m", "backend", "serve"], env=backend_env),
        subprocess.Popen([sys.executable, "-m", "frontend"], env=frontend_env),
    ]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if wait_until_up(f"http://127.0.0.1:{BACKEND_PORT}/api/health", children[0]):
            print(f"\n  Backend:  http://127.0.0.1:{BACKEND_PORT}/api/docs", flush=True)
        if wait_until_up(f"http://127.0.0.1:{FRONTEND_PORT}/", children[1]):
            print(
                f"  Open the app: http://localhost:{FRONTEND_PORT}\n  (Ctrl-C stops both)\n",
                flush=True,
            )
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=25)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM)]
    return 1 if failed and not stopping else 0


if __name__ == "__main__":
    sys.exit(main())
