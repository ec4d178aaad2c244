"""360 input on perilaku: the pejabat penilai names pemberi pertimbangan for an SKP and period (0 = the year; `naming`),
each rates every BerAKHLAK core value with a note within the window (`requests`), and the penilai reads the
aggregate when rating (`board`). Every request and every input is audited on its own chain, in the transaction that
makes it. The shapes in and out are in `shapes`, the reads the others share in `reads`."""

from workflows.cases.input_360.board import annual_aggregate, board
from workflows.cases.input_360.naming import name_pemberi
from workflows.cases.input_360.requests import get_request, my_requests, submit_input, withdraw
from workflows.cases.input_360.shapes import (
    ANNUAL,
    NIP,
    OPEN_EVALUATION,
    OPEN_FOR_ANNUAL,
    READERS,
    Board,
    Candidate,
    CoreValueOut,
    NameIn,
    PemberiInput,
    RequestDetail,
    RequestView,
    SubmitIn,
    ValueIn,
)

__all__ = [
    "ANNUAL",
    "NIP",
    "OPEN_EVALUATION",
    "OPEN_FOR_ANNUAL",
    "READERS",
    "Board",
    "Candidate",
    "CoreValueOut",
    "NameIn",
    "PemberiInput",
    "RequestDetail",
    "RequestView",
    "SubmitIn",
    "ValueIn",
    "annual_aggregate",
    "board",
    "get_request",
    "my_requests",
    "name_pemberi",
    "submit_input",
    "withdraw",
]
