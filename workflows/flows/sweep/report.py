"""What a deadline sweep reports: per deadline what is pending and what it newly did, and per unit who is late."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from policies.schema import DeadlineKey


@dataclass
class KeyReport:
    """One deadline across the swept cycles: what is pending, and what this sweep newly did."""

    pending: int = 0
    late: int = 0  # pending and past the due instant (keberatan_filing: the window has closed)
    steps: int = 0  # ladder steps newly taken, superseded ones included
    notified: dict[str, int] = field(default_factory=dict)  # new outbox rows per ladder action
    no_address: int = 0  # of those, rows whose recipient has no e-mail
    auto_actions: dict[str, int] = field(default_factory=dict)  # entities acted on per automatic action
    opened: dict[str, int] = field(default_factory=dict)  # cases this sweep opened, by kind (the contract ladder)


@dataclass(frozen=True)
class UnitCompliance:
    """Work pending on one deadline in one unit: still on time, or late, as of the sweep."""

    cycle_id: int
    unit_id: int
    unit_code: str
    deadline_key: str
    on_time: int
    late: int


@dataclass
class DeadlineReport:
    as_of: datetime
    cycles: list[int] = field(default_factory=list)
    by_key: dict[str, KeyReport] = field(default_factory=dict)
    units: list[UnitCompliance] = field(default_factory=list)

    def key(self, key: DeadlineKey) -> KeyReport:
        return self.by_key.setdefault(key.value, KeyReport())
