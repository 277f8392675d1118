"""`casework run`: serve on this machine (gunicorn; one process, a few threads)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@pass_script_info
def run_command(info: ScriptInfo, host: str, port: int, threads: int) -> None:
    """Serve Casework for one machine. Behind a TLS proxy in production: see the README."""
    app = info.load_app()
    click.echo(f"Casework is serving on http://{host}:{port}/ (Ctrl+C stops it).")
    # One process so the in-memory rate limits are shared; threads for concurrent requests.
    _StandaloneServer(app, {"bind": f"{host}:{port}", "workers": 1, "threads": threads,
                            "worker_class": "gthread", "accesslog": None}).run()


class _StandaloneServer:
    """gunicorn's embedding API, built lazily so importing this module starts nothing."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Flask:
                return app

        self._server = Server()

    def run(self) -> None:
        self._server.run()
