"""Pure lifecycles of the SKP cycle: transition tables as data, no I/O."""

from typing import Any

from states.cycle import CYCLE
from states.evaluation import EVALUATION
from states.follow_up import CASE, CONTRACT, SANCTION
from states.input_360 import INPUT_360
from states.keberatan import KEBERATAN
from states.lifecycle import Lifecycle
from states.skp import SKP

LIFECYCLES: dict[str, Lifecycle[Any, Any]] = {
    lc.name: lc for lc in (SKP, EVALUATION, KEBERATAN, CASE, SANCTION, CONTRACT, CYCLE, INPUT_360)
}
