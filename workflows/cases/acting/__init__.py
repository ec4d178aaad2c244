"""Plt/Plh with an SK: HR registers an acting official for a unit; while the SK runs, the official rates those the
unit's head would rate.

An SK begins and ends by the unit's local date: at registration when it starts that day, else in the daily sweep
(`apply_due`, run before the deadline ladder). Beginning or ending re-resolves the instansi's atasan (set-based,
`resolve_atasan`) and moves every open step to the new penilai (`reassign_open_work`, audited `reassigned` with both
names). While it runs, and where the cycle's policy says so, the acting duty is an RHK Tambahan of the official's own
SKP. Each SK has its own audit chain (entity `acting`): register, begin, amend, end; or register, cancel for one HR
withdraws before its first day (it never begins, so nothing it would have moved moves).

Here: the SK's register, amend, cancel and lists (`sk`), its beginning and ending in the daily sweep (`apply`), and
the views and labels both use (`views`)."""

from workflows.cases.acting.apply import apply_due
from workflows.cases.acting.sk import amend, cancel, list_acting, list_instansi, register
from workflows.cases.acting.views import (
    ACTIVE,
    TRIGGER,
    VERB,
    ActingChange,
    ActingIn,
    ActingPage,
    ActingView,
    Applied,
    local_day,
)

__all__ = [
    "ACTIVE",
    "TRIGGER",
    "VERB",
    "ActingChange",
    "ActingIn",
    "ActingPage",
    "ActingView",
    "Applied",
    "amend",
    "apply_due",
    "cancel",
    "list_acting",
    "list_instansi",
    "local_day",
    "register",
]
