"""Entry point: patch the async library first, then build the app.

`python wsgi.py` serves on HOST:PORT with the server of ASYNC_MODE (gevent by
default). gunicorn uses `wsgi:app` with `-k gevent -w 1` (see docs/deploy.md).
"""

import os
import runpy
from pathlib import Path


def _async_mode() -> str:
    """ASYNC_MODE from the environment, else instance/config.py, else gevent."""
    if "ASYNC_MODE" in os.environ:
        return os.environ["ASYNC_MODE"]
    instance = Path(__file__).parent / "instance" / "config.py"
    if instance.exists():
        return runpy.run_path(str(instance)).get("ASYNC_MODE", "gevent")
    return "gevent"


ASYNC_MODE = _async_mode()
os.environ["ASYNC_MODE"] = ASYNC_MODE

# Patching must happen before anything imports socket, threading or Flask.
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif ASYNC_MODE == "eventlet":
    # psycopg 3 blocks eventlet's hub unless told how to wait.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE != "threading":
    raise SystemExit(f"ASYNC_MODE must be gevent, eventlet or threading, not {ASYNC_MODE!r}")

from app import create_app  # noqa: E402
from app.config import SettingError  # noqa: E402

try:
    app = create_app()
except SettingError as e:  # one line for whoever starts it, not a traceback
    raise SystemExit(f"Error: {e.message}") from None

from app.server import calm_gc, raise_open_files, warm  # noqa: E402

warm(app)
calm_gc()  # under gunicorn too
raise_open_files()

if __name__ == "__main__":
    from app.server import serve

    cfg = app.config
    print(f" * Bridge Co-Design on http://{cfg['HOST']}:{cfg['PORT']} ({ASYNC_MODE})", flush=True)
    serve(app, cfg["HOST"], cfg["PORT"], ASYNC_MODE, log_output=cfg["APP_ENV"] == "development")
