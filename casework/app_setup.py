"""Wiring of one application: settings, keys, stores, extensions, policy and blueprints."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.config import flask_settings, load_config
from casework.crypto.runtime import check_keys_against_database, install_keyring, load_keyring
from casework.extensions import babel, csrf, db, limiter, login_manager
from casework.models import load_all_models
from casework.stats.outbox_events import init_app as init_stats_outbox


def configure_app(app: Flask, overrides: Optional[Mapping[str, Any]]) -> None:
    settings = load_config(Path(app.instance_path), overrides)
    app.config.update(settings)
    app.config.update(flask_settings(settings))
    _configure_logging(app)
    load_all_models()
    install_keyring(app, load_keyring(app))
    db.init_app(app)
    check_keys_against_database(app, db.engines(app)[0])
    _init_extensions(app)
    init_stats_outbox(app)
    _register_web(app)
    if app.config["TRUSTED_PROXIES"]:
        count = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def _configure_logging(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # Werkzeug's access log writes full URLs and client addresses; URLs never carry sensitive
    # values here, but keep it at warnings so a development server does not log every request.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    from casework.i18n import select_locale
    from casework.security.sessions import DatabaseSessionInterface
    from casework.auth.loading import init_login

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    init_login(app)
    limiter.init_app(app)
    app.session_interface = DatabaseSessionInterface()


def _register_web(app: Flask) -> None:
    from casework.admin.views import blueprint as admin_blueprint
    from casework.auth.views import blueprint as auth_blueprint
    from casework.cases.views import blueprint as cases_blueprint
    from casework.centre.views import blueprint as centre_blueprint
    from casework.clients.views import blueprint as clients_blueprint
    from casework.core.views import blueprint as core_blueprint
    from casework.intake.views import blueprint as intake_blueprint
    from casework.records.views import blueprint as records_blueprint
    from casework.referrals.inbox import blueprint as partner_blueprint
    from casework.referrals.views import blueprint as referrals_blueprint
    from casework.reports.exports.views import blueprint as report_exports_blueprint
    from casework.reports.views import blueprint as reports_blueprint
    from casework.sharing.views import blueprint as sharing_blueprint
    from casework.security import access, headers
    from casework.web import errors, templating

    access.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    for blueprint in (core_blueprint, auth_blueprint, admin_blueprint, cases_blueprint,
                      intake_blueprint, clients_blueprint, records_blueprint, sharing_blueprint,
                      centre_blueprint, referrals_blueprint, partner_blueprint, reports_blueprint,
                      report_exports_blueprint):
        app.register_blueprint(blueprint)
