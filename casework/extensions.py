"""Flask extensions, created unbound; the factory binds them with init_app."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from casework.db import Databases

db = Databases()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# No default limits: each sensitive route states its own, so a limit is always deliberate.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def client_address() -> str:
    """The client address as the rate limiter sees it (behind a proxy, ProxyFix sets it)."""
    return request.remote_addr or "unknown"
