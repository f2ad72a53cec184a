"""The sample PDF reports, to look at: a finished workshop's report and a joint strategy's.

Run from the repository root: .venv/bin/python scripts/sample_reports.py [folder]

Writes report-sample.pdf and joint-sample.pdf into the folder (test-artifacts/ by default), and
their pages as PNG beside them when poppler's pdftoppm is installed. The workshop is the one
tests/test_exports_pdf.py builds (every kind of round, one still open, Greek and Cyrillic text,
markup in user text), on a temporary SQLite database migrated as `make run` migrates its own;
the joint strategy is that test's fixture. What the reports must hold is asserted there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a file, not as a module of the package

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.exports import archive  # noqa: E402
from app.exports.pdf import render_joint, render_workshop  # noqa: E402
from app.voting import views  # noqa: E402
from tests.test_exports_pdf import build_workshop, joint_fixture  # noqa: E402


def samples(database: Path) -> dict[str, bytes]:
    """Both reports, rendered from a workshop built on a fresh database."""
    app = create_app(
        {
            "APP_ENV": "testing",
            "ASYNC_MODE": "threading",
            "SECRET_KEY": "sample-reports",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        }
    )
    views.tally_pump.touch = lambda workshop_id, round_id: None  # no screens to send tallies to
    with app.app_context():
        upgrade()
        return {
            "report-sample": render_workshop(archive.build(build_workshop())),
            "joint-sample": render_joint(joint_fixture()),
        }


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        reports = samples(Path(tmp) / "sample.sqlite")
    for name, data in reports.items():
        path = folder / f"{name}.pdf"
        path.write_bytes(data)
        print(f"{path} ({len(data):,} bytes)")
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(folder / name)], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "test-artifacts")
