"""Settings: defaults here, then instance/config.py, then the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import click
import limits

from app.redis_client import options as redis_options

ENV_KEYS = (
    "APP_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "PUBLIC_URL",
    "ALLOWED_ORIGINS",
    "ASYNC_MODE",
    "HOST",
    "PORT",
    "REDIS_URL",
    "PRESENCE_TTL",
    "SOCKET_PING_INTERVAL",
    "SOCKET_PING_TIMEOUT",
    "RATELIMIT_STORAGE_URI",
    "TRUST_PROXY",
    "COMMAND_BURST",
    "COMMAND_RATE",
    "CONTRIBUTION_LIMIT",
    "REACTION_LIMIT",
    "TEAM_LIMIT",
    "SNAPSHOT_INTERVAL",
    "ACK_TIMEOUT",
    "RELEASE",
    "RESULTS_CACHE_ROUNDS",
    "RETENTION_DAYS",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER",
)


class SettingError(click.ClickException):
    """A setting missing or wrong. A ClickException, so that a `flask` command prints it as one
    line ("Error: ...") instead of a traceback; wsgi.py exits with the same line."""


ASYNC_MODES = ("gevent", "eventlet", "threading")


class Defaults:
    APP_ENV = "production"
    HOST = "127.0.0.1"
    PORT = 5000
    ASYNC_MODE = "gevent"
    PUBLIC_URL = ""  # derived from HOST and PORT when empty
    ALLOWED_ORIGINS = ""  # extra origins for the socket, comma-separated
    REDIS_URL = ""  # message queue between app processes when set
    PRESENCE_TTL = 30  # seconds until the phones of a process that died stop counting (with REDIS_URL)
    TRUST_PROXY = 0  # number of proxies in front (nginx: 1)
    MAX_CONTENT_LENGTH = 1024 * 1024
    EXPORT_IMPORT_MAX_BYTES = 20 * 1024 * 1024  # `flask workshops import`: largest archive read
    SOCKET_MAX_MESSAGE = 64 * 1024
    # Engine.IO's heartbeat (its defaults): a phone that stops answering (a frozen tab, a
    # lost network) is let go after interval + timeout seconds of silence.
    SOCKET_PING_INTERVAL = 25
    SOCKET_PING_TIMEOUT = 20
    # What one person may ask of the room (app/budgets.py): a burst of commands then a few a
    # second; ideas, markets, edits and comments, and +1s and moves on the board, in moving
    # windows (per participant, across their tabs and the processes); one snapshot a second.
    COMMAND_BURST = 30
    COMMAND_RATE = 3.0
    CONTRIBUTION_LIMIT = "10 per minute;60 per hour"
    REACTION_LIMIT = "30 per minute"
    TEAM_LIMIT = "20 per minute;100 per hour"  # counting oneself in a team, or changing what one said
    SNAPSHOT_INTERVAL = 1.0
    # Seconds a screen waits for a command's ack before it takes the link for broken, connects
    # again and sends it again; the server gives up on a ballot's write 2 s before, so that its
    # answer (an error) is still heard. A silent link is found sooner by a ping (link.js).
    ACK_TIMEOUT = 10.0
    # A name for this deploy (a tag, a commit). The phones' offline copies are named by it and
    # by a digest of the app's files (app/workshops/offline.py): a new name makes them drop theirs.
    RELEASE = ""

    # Rounds whose results (and ballots as parsed) a process keeps, the rounds used last: a
    # voting room re-tallies its round several times a second (app/voting/results.py).
    RESULTS_CACHE_ROUNDS = 256

    # Days after a workshop ended (closed or archived) until `flask purge` deletes it; none: kept.
    RETENTION_DAYS = ""
    # Invitation and password links are also mailed when MAIL_SERVER is set (Flask-Mailman, SMTP).
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False  # STARTTLS on MAIL_PORT (587)
    MAIL_USE_SSL = False  # TLS from the start (465)
    MAIL_DEFAULT_SENDER = ""
    MAIL_TIMEOUT = 10  # seconds: a dead mail server must not hold the administrator's page
    MAIL_BACKEND = "smtp"  # Flask-Mailman would not send at all when app.testing
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A workshop can span two days; a phone must come back as the same person.
    PERMANENT_SESSION_LIFETIME = timedelta(days=3)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a cockpit stays open all day
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = {
        "en": "English",
        "de": "Deutsch",
        "it": "Italiano",
        "el": "Ελληνικά",
        "bg": "Български",
    }
    RATELIMIT_STORAGE_URI = "memory://"
    # Redis away: count the limits in each process's memory meanwhile (Flask-Limiter logs the
    # switch once, and looks for Redis again now and then), instead of failing every join page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_JOIN = "20 per minute"  # wrong join codes from one address (app/workshops/join_limits.py)
    RATELIMIT_LOGIN_ADDRESS = "100 per 15 minutes"  # wrong logins from one address (a venue's staff)
    RATELIMIT_LOGIN_ACCOUNT = "10 per 15 minutes"  # wrong logins for one account, from anywhere
    RATELIMIT_LOGIN_DEVICE = "10 per 15 minutes"  # ... from a browser the account logged in from before


def load(app, overrides: dict | None) -> None:
    """Fill app.config from defaults, the instance file, the environment and overrides."""
    app.config.from_object(Defaults)
    try:
        app.config.from_pyfile("config.py", silent=True)
    except Exception as e:  # a person's own file: what is wrong in it, in one line
        raise SettingError(f"instance/config.py: {e}") from None
    for key in ENV_KEYS:
        if key in os.environ:
            app.config[key] = os.environ[key]
    app.config.update(overrides or {})
    cfg = app.config
    _numbers(cfg)
    if cfg["ASYNC_MODE"] not in ASYNC_MODES:
        raise SettingError(f"ASYNC_MODE must be gevent, eventlet or threading, not {cfg['ASYNC_MODE']!r}.")
    if cfg["COMMAND_BURST"] < 1 or cfg["COMMAND_RATE"] <= 0 or cfg["ACK_TIMEOUT"] < 4:
        raise SettingError("Need COMMAND_BURST >= 1, COMMAND_RATE > 0 and ACK_TIMEOUT >= 4 (seconds).")
    for key in ("CONTRIBUTION_LIMIT", "REACTION_LIMIT", "TEAM_LIMIT"):
        try:
            limits.parse_many(cfg[key])
        except ValueError:
            raise SettingError(f"{key} is not a rate limit (e.g. '10 per minute;60 per hour').") from None
    _retention_and_mail(cfg)
    cfg["PUBLIC_URL"] = (cfg["PUBLIC_URL"] or f"http://{cfg['HOST']}:{cfg['PORT']}").rstrip("/")
    cfg["SESSION_COOKIE_SECURE"] = cfg["PUBLIC_URL"].startswith("https://")
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg.setdefault("SQLALCHEMY_DATABASE_URI", cfg.get("DATABASE_URL") or _sqlite_url(app))
    if cfg["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options())
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):  # a file needs no ping per checkout
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {**cfg["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _secret_key(app)
    elif cfg["APP_ENV"] == "production" and len(cfg["SECRET_KEY"]) < 24:
        raise SettingError("SECRET_KEY is too short to be secret: use at least 24 random characters.")


_NUMBERS = {"PORT": int, "TRUST_PROXY": int, "RESULTS_CACHE_ROUNDS": int} | dict.fromkeys(
    ("PRESENCE_TTL", "SOCKET_PING_INTERVAL", "SOCKET_PING_TIMEOUT", "COMMAND_BURST", "COMMAND_RATE")
    + ("SNAPSHOT_INTERVAL", "ACK_TIMEOUT"),
    float,
)


def _numbers(cfg) -> None:
    """The numeric settings as numbers (the environment gives strings)."""
    for key, kind in _NUMBERS.items():
        try:
            cfg[key] = kind(cfg[key])
        except (TypeError, ValueError):
            raise SettingError(f"{key} must be a number, not {cfg[key]!r}.") from None


def _retention_and_mail(cfg) -> None:
    """RETENTION_DAYS as a whole number of days or None; the mail settings as their types."""
    days = str(cfg["RETENTION_DAYS"] or "").strip()
    if days and (not days.isdigit() or int(days) < 1):
        raise SettingError("RETENTION_DAYS is a number of days (1 or more), or empty to keep workshops.")
    cfg["RETENTION_DAYS"] = int(days) if days else None
    cfg["MAIL_PORT"] = int(cfg["MAIL_PORT"])
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        cfg[key] = str(cfg[key]).strip().lower() in ("1", "true", "yes", "on")
    if cfg["MAIL_SERVER"] and not cfg["MAIL_DEFAULT_SENDER"]:
        raise SettingError("MAIL_SERVER is set: set MAIL_DEFAULT_SENDER too (the address mails come from).")


def _sqlite_url(app) -> str:
    return "sqlite:///" + str(Path(app.instance_path) / "bridge.sqlite")


def _secret_key(app) -> str:
    """A development key kept in instance/ so sessions survive a restart; none in production."""
    if app.config["APP_ENV"] not in ("development", "testing"):
        raise SettingError(
            "SECRET_KEY is not set. Set it in the environment or instance/config.py "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), or run in development "
            '(APP_ENV = "development" in instance/config.py, which `make run` writes).'
        )
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def allowed_origins(cfg) -> list[str]:
    """The explicit Origin allow-list for the socket: the public URL plus configured extras."""
    origins = {cfg["PUBLIC_URL"]}
    origins.update(o.strip().rstrip("/") for o in cfg["ALLOWED_ORIGINS"].split(",") if o.strip())
    # 127.0.0.1 and localhost are different origins; a developer types either.
    for a, b in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
        origins.update(o.replace(a, b) for o in list(origins) if a in o)
    return sorted(origins)
