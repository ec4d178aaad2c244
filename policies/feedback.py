"""Dialog kinerja as routine: the windows of umpan balik and the nudges their lapse has reached.

An SKP's windows run from its anchor, the local day of its last umpan balik (the day it was agreed while it has
none): window k (k = 1, 2, …) lapses at the start of anchor + k × `every_weeks` weeks, and each lapse takes the
ladder of `deadlines.feedback` again, its offsets counted from that lapse. The steps of every window of one anchor
are numbered in order, window by window (n = (k − 1) × len(ladder) + i), so the sweep's one record per (deadline,
entity, step) takes each step of each window once; a new anchor (new umpan balik) is a new entity, whose numbering
starts again at 0.
"""

from datetime import date, timedelta

from policies.schema import LadderStep


def window_days(every_weeks: int) -> int:
    return 7 * every_weeks


def step_day(anchor: date, every_weeks: int, ladder: list[LadderStep], n: int) -> date:
    """The local day on which step `n` of the anchor's numbering is taken."""
    window, i = divmod(n, len(ladder))
    return anchor + timedelta(days=(window + 1) * window_days(every_weeks) + ladder[i].offset_days)


def lapse_day(anchor: date, every_weeks: int, n: int, ladder: list[LadderStep]) -> date:
    """The day the window of step `n` lapsed: what its message names as the due day of umpan balik."""
    return anchor + timedelta(days=(n // len(ladder) + 1) * window_days(every_weeks))


def steps_reached(anchor: date, every_weeks: int, ladder: list[LadderStep], today: date) -> int:
    """How many steps of the anchor's numbering are reached on local day `today` (steps 0 … result − 1).

    Step i of window k is reached once (today − anchor) ≥ k × window + offset_i; the policy keeps every offset
    below one window, so the reached steps are always a prefix of the numbering."""
    elapsed = (today - anchor).days
    span = window_days(every_weeks)
    return sum(max(0, (elapsed - step.offset_days) // span) for step in ladder)


def to_send(taken: int, reached: int, ladder: list[LadderStep]) -> list[tuple[int, bool]]:
    """The steps newly reached after step `taken` (-1: none), each with whether it is sent: a step is recorded but
    not sent when a later new step has the same action (a sweep that missed whole windows sends one reminder and
    one escalation, the latest, not a message per missed window)."""
    new = range(taken + 1, reached)
    out = []
    for n in new:
        action = ladder[n % len(ladder)].action
        later = any(ladder[m % len(ladder)].action is action for m in new if m > n)
        out.append((n, not later))
    return out
