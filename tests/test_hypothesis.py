"""Every property test (Hypothesis) passes or fails on what it generates, never on the machine's speed."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck


def property_tests() -> list[tuple[str, object]]:
    """(name, settings) of each Hypothesis test in tests/."""
    found = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if "@given" not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        for name, test in vars(module).items():
            if name.startswith("test_") and getattr(test, "is_hypothesis_test", False):
                found.append((f"{path.stem}.{name}", test._hypothesis_internal_use_settings))
    return found


def test_there_are_property_tests_to_check():
    assert len(property_tests()) >= 20


@pytest.mark.parametrize(("name", "settings"), property_tests(), ids=[name for name, _ in property_tests()])
def test_a_property_test_reads_no_clock(name, settings):
    """No deadline per example, and no health check on how fast examples are generated:
    both fail a correct test on a busy machine."""
    assert settings.deadline is None, name
    assert HealthCheck.too_slow in settings.suppress_health_check, name
