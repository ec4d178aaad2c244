"""The deadline sweep: ladder steps reached by pending work become outbox notifications and audited actions.

`enforce_deadlines` (`runner`) sweeps each open cycle (`context`: its policy, HR admins and lock), deadline by
deadline. A `deadline.DeadlineSweep` computes the due instants of one deadline zone by zone (per entity for an
after-event rule) and reads the pending rows (`pending`, from the tables `sources` names) that have a step to take;
`steps` takes them with three set-based statements over one plan of the reached steps (`ladder`): the outbox rows,
the automatic actions and the `deadlinestep` rows. The statements must agree column for column. The message text is
not among them: `messages` renders the templates in `flows/templates/` once per step and fills them per message.
The dialog kinerja's nudges (`feedback`) have a recurring ladder of their own; `report` is what a sweep returns.
"""

from workflows.flows.sweep.context import SWEEP
from workflows.flows.sweep.report import DeadlineReport, KeyReport, UnitCompliance
from workflows.flows.sweep.runner import enforce_deadlines

__all__ = ["SWEEP", "DeadlineReport", "KeyReport", "UnitCompliance", "enforce_deadlines"]
