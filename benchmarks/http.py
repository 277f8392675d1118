"""Page times of a seeded demo instance served by gunicorn, against a bare page of the same app.

    python -m benchmarks.http --clients 100000

Makes a demo instance in a temporary folder, seeds it with `casework demo seed` (the real
services), starts gunicorn with 2 workers (rate limits shared through Redis), signs a demo
counsellor in through the real sign-in pages (password, then a TOTP code from the secret the
seed printed), and then measures, interleaved round by round so that both see the same machine:

    GET /health                   the baseline: a bare page of the same app, same server
    GET /cases/                   her dashboard
    GET /cases/<id>               a case page, over a sample of her cases
    POST /intake/<id>/requests    an intake section saved (CSRF token and versions from its page)

Reports the median and 95th percentile of each, and the ratios of the medians to the baseline.
gunicorn is stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterator, Optional
from urllib.parse import urlencode

import pyotp

from benchmarks.common import print_table, row

ROOT = Path(__file__).resolve().parents[1]
COUNSELLOR = "demo.counsellor1"
CASEWORK = [sys.executable, "-c", "from casework.cli import main; main()"]
REQUEST_CODES = [["psychological_support", "legal_counselling"], ["social_support", "information"]]


# --- The instance ----------------------------------------------------------------------------

def casework(instance: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*CASEWORK, "--instance", str(instance), *args], cwd=ROOT, check=True,
                          text=True, **options)


def make_demo_instance(instance: Path, clients: int, password: str, seed: int) -> str:
    """Init, mark as a demo, seed; returns the demo accounts' TOTP secret."""
    casework(instance, "init", capture_output=True)
    with open(instance / "config.py", "a", encoding="utf-8") as config:
        config.write("DEMO_INSTANCE = True\n")
    process = subprocess.Popen([*CASEWORK, "--instance", str(instance), "demo", "seed",
                                "--clients", str(clients), "--seed", str(seed), "--password-stdin"],
                               cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin and process.stdout
    process.stdin.write(password + "\n")
    process.stdin.close()
    secret = None
    for line in process.stdout:
        found = re.search(r"TOTP\) secret .*: ([A-Z2-7]+)", line)
        if found:
            secret = found.group(1)
            line = line.replace(secret, "********")
        print(line, end="", flush=True)
    if process.wait() != 0 or secret is None:
        raise SystemExit("demo seed failed")
    return secret


def her_cases(instance: Path) -> tuple[list[str], list[str]]:
    """Ids (never content) of the demo counsellor's cases: all of them, and the active ones."""
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        rows = connection.execute(
            "SELECT cases.id, cases.status FROM cases JOIN users ON users.id = "
            "cases.assigned_counsellor_id WHERE users.username = ?", (COUNSELLOR,)).fetchall()
    finally:
        connection.close()
    return [case_id for case_id, _ in rows], [case_id for case_id, status in rows if status == "active"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(instance: Path, port: int, redis_url: str) -> Iterator[None]:
    env = {**os.environ, "CASEWORK_INSTANCE": str(instance), "CASEWORK_RATELIMIT_STORAGE_URI": redis_url}
    # A generous worker timeout: a slow page is measured, not killed.
    log = open(instance.parent / "gunicorn.log", "w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--timeout", "600",
                               "--bind", f"127.0.0.1:{port}", "casework:create_app()"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).get("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)  # not listening yet
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log.name}")
            time.sleep(0.2)
        yield
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --- A browser: cookies, forms ---------------------------------------------------------------

class _Inputs(HTMLParser):
    """The name → value of every <input> of a page (hidden fields, checked boxes)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") and attributes.get("type") != "checkbox":
            self.values.setdefault(attributes["name"], attributes.get("value") or "")


def inputs_of(page: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(page)
    return parser.values


class Browser:
    """One person's cookies over plain HTTP/1.1 to the local server (a new connection per
    request, as gunicorn's sync workers close each one)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: Optional[list[tuple[str, str]]] = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, (response.getheader("Location") or "") if response.status in (301, 302, 303) else text
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post_form(self, path: str, fields: list[tuple[str, str]], page: Optional[str] = None) -> tuple[int, str]:
        """POST the page's CSRF token (from `page`, else a fresh GET of `path`) with `fields`."""
        token = inputs_of(page if page is not None else self.get(path)[1])["csrf_token"]
        return self.request("POST", path, [("csrf_token", token), *fields])


def sign_in(browser: Browser, password: str, totp_secret: str) -> None:
    """Through the real pages: username and password, then a code from her authenticator."""
    status, where = browser.post_form("/auth/sign-in", [("username", COUNSELLOR), ("password", password)])
    assert status == 302 and "second-factor" in where, (status, where[:200])
    code = pyotp.TOTP(totp_secret).now()
    status, where = browser.post_form("/auth/second-factor", [("code", code)])
    assert status == 302, (status, where[:200])
    assert browser.get("/cases/")[0] == 200


# --- Measuring -------------------------------------------------------------------------------

def timed(action: Callable[[], tuple[int, str]], expected: int) -> float:
    started = time.perf_counter()
    status, body = action()
    elapsed = time.perf_counter() - started
    if status != expected:
        raise SystemExit(f"unexpected status {status} (wanted {expected}): {body[:300]}")
    return elapsed


def intake_save(browser: Browser, case_id: str, choice: list[str]) -> Callable[[], tuple[int, str]]:
    """Open the section (not timed) and return the save to time: its token, versions, choice."""
    path = f"/intake/{case_id}/requests"
    page = browser.get(path)[1]
    fields = inputs_of(page)
    form = [("case_version", fields["case_version"]), ("client_version", fields["client_version"]),
            *(("requests", code) for code in choice)]
    return lambda: browser.post_form(path, form, page=page)


def measure(browser: Browser, rounds: int, all_cases: list[str], active: list[str],
            rng: random.Random) -> dict[str, list[float]]:
    """Interleaved rounds: each measure sees the same moments of the machine's load."""
    times: dict[str, list[float]] = {"health": [], "dashboard": [], "case": [], "intake": []}
    sample = rng.sample(all_cases, min(len(all_cases), 50))
    choices = itertools.cycle(REQUEST_CODES)
    for index in range(rounds):
        times["health"].append(timed(lambda: browser.get("/health"), 200))
        times["dashboard"].append(timed(lambda: browser.get("/cases/"), 200))
        case_path = f"/cases/{sample[index % len(sample)]}"
        times["case"].append(timed(lambda path=case_path: browser.get(path), 200))
        times["intake"].append(timed(intake_save(browser, active[index % len(active)], next(choices)), 302))
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(times: dict[str, list[float]], clients: int, her_count: int, seeded_rate: str) -> None:
    base = statistics.median(times["health"])
    labels = {"health": "GET /health (baseline, bare page)", "dashboard": "GET /cases/ (dashboard)",
              "case": "GET /cases/<id> (case page)", "intake": "POST intake section (save)"}
    targets = {"dashboard": "target < 3×", "case": "target < 3×", "intake": "target < 50 ms"}
    rows = [row("clients seeded", f"{clients:,}", seeded_rate),
            row("her cases (demo.counsellor1)", f"{her_count:,}")]
    for key, label in labels.items():
        median = statistics.median(times[key])
        ratio = "" if key == "health" else f"median {median / base:.1f}× the baseline; "
        rows.append(row(label, f"median {median * 1e3:.1f} ms, p95 {p95(times[key]) * 1e3:.1f} ms",
                        f"{ratio}{targets.get(key, '')} ({len(times[key])} requests)"))
    print_table(f"HTTP, gunicorn 2 workers, SQLite ({clients:,} clients, {date.today().isoformat()})", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="rounds of the four measures")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database for the rate limits")
    parser.add_argument("--keep", action="store_true",
                        help="keep the seeded instance (and its demo credentials) for --reuse")
    parser.add_argument("--reuse", type=Path, metavar="FOLDER",
                        help="measure again an instance kept by --keep, without seeding")
    args = parser.parse_args()
    folder = args.reuse or Path(tempfile.mkdtemp(prefix="casework-http-"))
    instance, saved = folder / "instance", folder / "demo-credentials.json"
    try:
        if args.reuse:
            kept = json.loads(saved.read_text())
            password, secret, clients, seeded_note = kept["password"], kept["totp"], kept["clients"], kept["note"]
            # A TOTP code works once: the last run may have used the current one.
            time.sleep(30 - time.time() % 30 + 0.5)
        else:
            password, clients = "bench-" + secrets.token_urlsafe(16), args.clients
            started = time.perf_counter()
            secret = make_demo_instance(instance, clients, password, args.seed)
            seconds = time.perf_counter() - started
            seeded_note = f"{seconds:.0f} s incl. init ({clients / seconds:.0f} clients per s)"
            if args.keep:
                saved.touch(mode=0o600)
                saved.write_text(json.dumps({"password": password, "totp": secret,
                                             "clients": clients, "note": seeded_note}))
        all_cases, active = her_cases(instance)
        port, redis_url = free_port(), f"redis://127.0.0.1:6379/{args.redis_db}"
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # no limit left over from an earlier run
        with gunicorn(instance, port, redis_url):
            browser = Browser(port)
            sign_in(browser, password, secret)
            rng = random.Random(args.seed)
            measure(browser, 5, all_cases, active, rng)  # warm both workers up
            times = measure(browser, args.requests, all_cases, active, rng)
        report(times, clients, len(all_cases), seeded_note)
    finally:
        if args.keep or args.reuse:
            print(f"\nInstance kept in {folder} (measure again with --reuse {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
