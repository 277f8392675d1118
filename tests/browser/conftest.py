"""Browser journeys: Casework served on 127.0.0.1 by a real WSGI server in a thread, driven by
Playwright in Debian's Chromium (launched by its path; no browser is downloaded)."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from casework import create_app
from casework.cli import cli
from casework.extensions import db
from tests.support import own_stores

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium tries to reach Google's services at start, on a machine with no network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CODE_LINE = re.compile(r"enrolment code[^:]*:\s*(\S+)")


class LiveServer:
    def __init__(self, app, instance: Path, admin_code: str) -> None:
        self.app = app
        self.instance = instance
        self.admin_code = admin_code
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def serve(tmp_path: Path, **settings: object) -> Iterator[LiveServer]:
    """A fresh instance made by `casework init` (first admin and her enrolment code), served."""
    stores, drop = own_stores(tmp_path, "browser")
    instance = tmp_path / "instance"
    instance.mkdir()
    config = {**stores, "PASSWORD_HASHER": "fast", **settings}
    (instance / "config.py").write_text("".join(f"{key} = {value!r}\n" for key, value in config.items()))
    result = CliRunner().invoke(cli, ["--instance", str(instance), "init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    code = CODE_LINE.search(result.output).group(1)
    app = create_app(instance_path=instance)
    server = LiveServer(app, instance, code).start()
    yield server
    server.stop()
    db.dispose(app)
    drop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from serve(tmp_path)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    """An instance marked as a demo, filled by `casework demo seed` with fictional women."""
    for server in serve(tmp_path, DEMO_INSTANCE=True):
        result = CliRunner().invoke(
            cli, ["--instance", str(server.instance), "demo", "seed", "--clients", "120",
                  "--years", "2", "--counsellors", "3", "--password-stdin"],
            input="a demo passphrase nobody uses\n", catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (apt-get install chromium); .ci/run installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, server: LiveServer, **context_options: object):
    """A page in a browser context of its own (its own cookies: another person at another
    computer), on `server`."""
    context = browser.new_context(base_url=server.url, locale="en-GB", **context_options)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    return opened


@pytest.fixture
def page(browser, live_server):
    opened = open_page(browser, live_server)
    yield opened
    opened.context.close()
