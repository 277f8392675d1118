"""How Flask-Login finds the signed-in person from the server-side session."""

from __future__ import annotations

from typing import Optional

from flask import Flask

from casework.auth.models import User
from casework.extensions import db, login_manager


def load_user(user_id: str) -> Optional[User]:
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.session_protection = None  # sessions are server-side; ids rotate at sign-in
    login_manager.login_view = "auth.sign_in"
