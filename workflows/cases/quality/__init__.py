"""The data-quality checks of a cycle (validasi kualitas data SKP, seed 004; issue 17 item 5), and the gate they put
on opening the cycle, opening a period and starting the assessment. Each rule has a stable id
(policies.schema.QualityRule) and a severity that is the policy's (`quality.severity`); a blocking problem refuses
those steps unless an admin forces them, and the forced step's audit event lists what was overridden (`gate`).

Set-based: each rule reads the whole cycle in one statement (a constant number per rule, whatever the number of
SKPs; `rules`); the report (workflows.queries.quality) scopes the rows to a unit subtree in memory."""

from workflows.cases.quality.gate import Override, blocking_rules, gate
from workflows.cases.quality.rules import (
    RULES,
    Problem,
    Rule,
    SkpRow,
    approach_not_allowed,
    check,
    distribution_violations,
    duplicate_rhk_text,
    ekspektasi_missing,
    no_penilai,
    orphan_atasan_rhk,
    penilai_overloaded,
    qualitative_unrated,
    rating_without_feedback,
    realisasi_without_evidence,
    skp_rows,
    targets_missing,
    utama_without_intervensi,
)

__all__ = [
    "RULES",
    "Override",
    "Problem",
    "Rule",
    "SkpRow",
    "approach_not_allowed",
    "blocking_rules",
    "check",
    "distribution_violations",
    "duplicate_rhk_text",
    "ekspektasi_missing",
    "gate",
    "no_penilai",
    "orphan_atasan_rhk",
    "penilai_overloaded",
    "qualitative_unrated",
    "rating_without_feedback",
    "realisasi_without_evidence",
    "skp_rows",
    "targets_missing",
    "utama_without_intervensi",
]
