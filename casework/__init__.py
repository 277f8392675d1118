"""Casework: confidential case management for a women's counselling centre.

`create_app()` builds the application; nothing (no app, config or key) is created at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"


def resolve_instance_path(instance: Optional[str | os.PathLike[str]] = None) -> Path:
    """--instance DIR, else CASEWORK_INSTANCE, else ./instance — the same for every command."""
    chosen = instance or os.environ.get("CASEWORK_INSTANCE") or "instance"
    return Path(chosen).expanduser().resolve()


def create_app(config: Optional[Mapping[str, Any]] = None,
               instance_path: Optional[str | os.PathLike[str]] = None) -> Flask:
    """Build a configured application for one instance folder."""
    from casework.app_setup import configure_app

    path = resolve_instance_path(instance_path)
    app = Flask(__name__, instance_path=str(path), template_folder=str(TEMPLATE_DIR),
                static_folder=str(PACKAGE_DIR / "static"))
    configure_app(app, config)
    return app
