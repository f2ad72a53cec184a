"""Bridge Co-Design: live co-design workshops for the four partner clusters.

The factory imports the rest of the app inside its functions, on purpose: Python runs this file
before any module of the package (app.models, app.core.phases, ...), so an import at the top here
would make importing any helper load the whole app, web layer and all.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import config, language, outages, redis_client, wire
from app.extensions import babel, csrf, db, limiter, login, mail, migrate, socketio


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config.load(app, overrides)
    if app.config["TRUST_PROXY"]:
        n = app.config["TRUST_PROXY"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    register_extensions(app)
    app.url_map.converters["id"] = IdConverter  # before the blueprints add their rules
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    # Last: the socket handlers are registered by the blueprint imports above.
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        cors_allowed_origins=config.allowed_origins(app.config),
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE"],
        ping_interval=app.config["SOCKET_PING_INTERVAL"],
        ping_timeout=app.config["SOCKET_PING_TIMEOUT"],
        client_manager=_message_queue(app),
        async_handlers=False,
        serializer=wire.Packet,
        json=wire.SafeJSON,
    )
    from app import body_limits, security_headers, server
    from app.realtime import commands, pings

    engineio = socketio.server.eio
    pings.pump_pings(engineio)
    if app.config["ASYNC_MODE"] == "gevent":
        from app.websocket import WebSocket

        engineio._async = {**engineio._async, "websocket": WebSocket}  # the module's dict is shared
    elif app.config["ASYNC_MODE"] == "eventlet":
        engineio._async = {**engineio._async, "websocket": wire.eventlet_websocket()}
    commands.serve_commands(app)
    app.wsgi_app = server.uncompressed_websockets(app.wsgi_app)
    limits = app.config["MAX_CONTENT_LENGTH"], app.config["SOCKET_MAX_MESSAGE"]
    app.wsgi_app = body_limits.bounded_bodies(app.wsgi_app, *limits)
    app.wsgi_app = security_headers.secured(app.wsgi_app, app.config)
    return app


def _message_queue(app: Flask):
    """Socket.IO's client manager: Redis's message queue between processes, or this process alone."""
    from app.auth import connections
    from app.message_queue import LocalManager, QueueManager

    if not app.config["REDIS_URL"]:
        return LocalManager()  # given explicitly: the extension object is shared by every app made here
    options = redis_client.options()
    manager = QueueManager(app.config["REDIS_URL"], channel="flask-socketio", redis_options=options)
    manager.on_listening_again = lambda: connections.end_stale(app)
    return manager


class IdConverter(IntegerConverter):
    """A database id in a URL (`<id:workshop_id>`): up to nine digits, no leading zero. A longer
    number matches no route (a 404, in JSON under /api/v1) instead of reaching the database
    driver, which refuses integers past 64 bits with a 500."""

    regex = r"[1-9][0-9]{0,8}"


def register_extensions(app: Flask) -> None:
    from app.realtime.connections import SessionInterface

    app.session_interface = SessionInterface()
    db.init_app(app)
    with app.app_context():
        outages.watch_database(db.engine)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login.init_app(app)
    login.login_view = "auth.login_page"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=language.select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    from app.workshops.live_words import live_words, phase_labels

    app.jinja_env.globals.update(phase_labels=phase_labels, live_words=live_words)
    from app.workshops.services.teams import default_tags

    app.jinja_env.globals["default_team_tags"] = default_tags  # the cockpit's, until the facilitator's own
    from app.labels import role_label, status_label

    app.jinja_env.globals.update(role_label=role_label, status_label=status_label)
    limiter.init_app(app)
    mail.init_app(app)
    outages.watch_rate_limiter()
    from app import sqlite  # noqa: F401  (pragmas for every SQLite connection)


# The modules that register pages and socket events when imported (on their blueprint's bp and
# on socketio). A blueprint package defines only its bp, so importing a helper of one (a form, a
# service) never pulls in the web layer.
VIEWS = (
    "app.auth.routes",
    "app.auth.admin_routes",
    "app.workshops.routes",
    "app.workshops.events",
    "app.workshops.room_events",
    "app.workshops.team_events",
    "app.voting.events",
    "app.exports.routes",
    "app.strategy.routes",
    "app.api.routes",
    "app.api.tokens_routes",
    "app.privacy.routes",
)


def register_blueprints(app: Flask) -> None:
    from app import api, auth, exports, privacy, strategy, workshops

    for module in VIEWS:
        importlib.import_module(module)
    app.register_blueprint(auth.bp)
    app.register_blueprint(workshops.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(strategy.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated and read-only: no cookies, no forms
    app.register_blueprint(api.tokens_bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(language.bp)


def register_errorhandlers(app: Flask) -> None:
    from app import body_limits, errors

    # First of all hooks: a refused body is answered before any page would redirect.
    app.before_request_funcs.setdefault(None, []).insert(0, body_limits.refuse_marked_body)
    app.register_error_handler(errors.DomainError, errors.http_response)
    for code in (400, 403, 404, 405, 411, 413, 429, 500):
        app.register_error_handler(code, errors.http_error_page)
    log_exception = app.log_exception

    def log_unless_outage(exc_info) -> None:
        """A page that failed because the database or Redis is away counts in that outage's two
        log lines; anything else is logged with its traceback, as Flask does."""
        if exc_info[1] is None or not outages.failed(exc_info[1], "pages"):
            log_exception(exc_info)

    app.log_exception = log_unless_outage


def register_commands(app: Flask) -> None:
    from app.cli import audit_log, backup, purge, users
    from app.exports.cli import export, workshops

    app.cli.add_command(users)
    app.cli.add_command(purge)
    app.cli.add_command(audit_log)
    app.cli.add_command(backup)
    app.cli.add_command(workshops)
    app.cli.add_command(export)
