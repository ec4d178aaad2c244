"""The password policy, table-driven: length first, then zxcvbn's strength with the account's names as known words."""

from __future__ import annotations

import pytest

from workflows.store.passwords import DEMO, PasswordPolicy

POLICY = PasswordPolicy()  # the documented defaults: 10 characters, strength 3 of 4


@pytest.mark.parametrize(
    ("password", "known", "refused_because"),
    [
        ("1", (), "too short: at least 10 characters"),
        ("demo", (), "too short"),
        ("password123", (), "too easy to guess (strength 0 of 4"),
        ("admin-demo", ("admin",), "too easy to guess (strength 2 of 4"),  # the old `make run` default
        ("199505052020122005", ("199505052020122005",), "too easy to guess"),  # the NIP itself
        ("x" * 201, (), "too long: at most 200 characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    password: str, known: tuple[str, ...], refused_because: str
) -> None:
    problems = POLICY.problems(password, known=known)
    assert len(problems) == 1 and problems[0].startswith(refused_because), problems
    assert len(password) < 4 or password not in problems[0]  # the reason never repeats the password


@pytest.mark.parametrize(
    "password", ["admin-demo-2026", "rahasia-staf-p2p", "sandi-awal-pegawai-2026", "Kinerja-Demo-2026!"]
)
def test_strong_passwords_pass(password: str) -> None:
    assert POLICY.problems(password, known=("admin", "199505052020122005")) == []


def test_a_long_password_is_judged_on_its_first_72_characters() -> None:
    assert POLICY.problems("0" * 200) != []  # zxcvbn itself refuses more than 72 characters
    assert POLICY.problems("kopi-tubruk-di-pagi-hari-" * 8) == []


def test_the_knobs_move_the_bar() -> None:
    assert PasswordPolicy(min_length=4, min_score=0).problems("abcd") == []
    assert PasswordPolicy(min_length=20).problems("admin-demo-2026") == ["too short: at least 20 characters"]
    assert PasswordPolicy(min_score=4).problems("rahasia-awal") != []


def test_only_the_demo_import_accepts_demo() -> None:
    assert DEMO.problems("demo") == []
    assert POLICY.problems("demo") != []
