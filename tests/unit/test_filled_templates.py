"""The sweep renders each step's message templates once and fills them per message: the text must be exactly what
rendering the template for that message gives, whatever the names hold (None reads "-")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workflows.flows.sweep.messages import BODY, SUBJECT, Filled

value = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40))


@given(name=value, pegawai=value, nip=value, state=value, lead=st.text(max_size=80).filter(lambda t: "\x00" not in t))
def test_filling_gives_what_rendering_gives(
    name: str | None, pegawai: str | None, nip: str | None, state: str | None, lead: str
) -> None:
    row = {"name": name, "pegawai": pegawai, "nip": nip, "state": state}
    body = Filled(BODY, {"lead": lead}, ["name", "pegawai", "nip", "state"])
    assert body(row) == BODY.render(lead=lead, **row)
    subject = Filled(SUBJECT, {"label": "Pengingat", "what": "Persetujuan SKP"}, ["pegawai"])
    assert subject(row) == SUBJECT.render(label="Pengingat", what="Persetujuan SKP", pegawai=pegawai)
