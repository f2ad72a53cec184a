"""docs/invariants.md names the modules that keep each invariant and the tests that check it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"ACK", "BUDGET", "ONE", "TENANT", "ROLE", "INERT", "CONVERGE", "UNLINK", "FAIR", "KEPT", "OWN"}


def test_every_invariant_is_defined_once() -> None:
    doc = (ROOT / "docs/invariants.md").read_text()
    defined = re.findall(r"^\| \*\*([A-Z]+)\*\* \|", doc, flags=re.M)
    assert sorted(defined) == sorted(NAMES)


def test_every_file_the_page_names_exists() -> None:
    doc = (ROOT / "docs/invariants.md").read_text()
    paths = {p for p in re.findall(r"`((?:app|tests|bench|docs)/[\w/.]+)`", doc)}
    assert paths, "the page names no file"
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == [], f"docs/invariants.md names files that do not exist: {missing}"
