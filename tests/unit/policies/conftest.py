"""Shared fixtures: the national preset and policies derived from it by overrides."""

from collections.abc import Callable
from typing import Any

import pytest

from policies.loader import load_preset, policy_from_dict
from policies.schema import Policy

PRESET = "permenpanrb-6-2022"

Derive = Callable[[dict[str, Any]], Policy]


@pytest.fixture(scope="session")
def preset() -> Policy:
    return load_preset(PRESET)


@pytest.fixture(scope="session")
def derive(preset: Policy) -> Derive:
    """The preset with overrides deep-merged, as an instansi overlay would."""

    def make(overrides: dict[str, Any]) -> Policy:
        return policy_from_dict(
            {"name": "test", "version": "t", "base": PRESET, "overrides": overrides}, lambda _: preset
        )

    return make
