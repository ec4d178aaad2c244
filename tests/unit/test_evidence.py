"""The evidence store keeps allowed files once, by content, and refuses the rest with every reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from states.errors import InvalidInput, NotFound
from workflows.store.evidence import DOCX, EvidenceStore, store
from workflows.store.settings import get_settings

PDF = b"%PDF-1.7\n1 0 obj\n"


@pytest.fixture
def evidence(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", max_bytes=64)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PDF, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"PK\x03\x04....", DOCX),
        (b"PK\x03\x04....", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"nip;realisasi\n1;95,5\n", "Text/CSV; charset=utf-8"),
        ("Laporan kegiatan — Januari".encode(), "text/plain"),
    ],
)
def test_allowed_files_are_stored_by_their_content(evidence: EvidenceStore, data: bytes, content_type: str) -> None:
    meta = evidence.store(data, "bukti", content_type)
    digest = hashlib.sha256(data).hexdigest()
    assert (meta.sha256, meta.size, meta.uri) == (digest, len(data), f"evidence:{digest}")
    assert meta.content_type == content_type.split(";", maxsplit=1)[0].lower()
    assert evidence.read(digest) == data
    assert evidence.path_of(digest) == evidence.root / digest[:2] / digest


def test_the_same_content_is_kept_once_whatever_its_name(evidence: EvidenceStore) -> None:
    first = evidence.store(PDF, "../../etc/laporan.pdf", "application/pdf")
    second = evidence.store(PDF, "C:\\Users\\dewi\\salinan.pdf", "application/pdf")
    assert (first.filename, second.filename, first.uri == second.uri) == ("laporan.pdf", "salinan.pdf", True)
    assert [p.name for p in evidence.root.rglob("*") if p.is_file()] == [first.sha256]  # no temporary files left


def test_refusals_name_every_problem_and_store_nothing(evidence: EvidenceStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        evidence.store(b"MZ\x90\x00", "/", "application/x-msdownload")
    assert refused.value.problems == [
        "filename: required",
        "content_type: 'application/x-msdownload' is not allowed; allowed: application/pdf, image/png, image/jpeg, "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, "
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/csv, text/plain",
    ]
    cases = [
        (b"<html>not a pdf</html>", "application/pdf", "file: the content is not application/pdf"),
        (b"a\x00b", "text/plain", "file: the content is not text/plain"),
        (b"", "text/plain", "file: empty"),
        (b"x" * 65, "text/plain", "file: 65 bytes is more than the limit of 64"),
    ]
    for data, content_type, problem in cases:
        with pytest.raises(InvalidInput) as refused:
            evidence.store(data, "bukti.txt", content_type)
        assert refused.value.problems == [problem]
    assert not evidence.root.exists()


def test_a_missing_or_corrupted_file_is_never_served(evidence: EvidenceStore) -> None:
    meta = evidence.store(PDF, "laporan.pdf", "application/pdf")
    with pytest.raises(NotFound):
        evidence.read("0" * 64)
    with pytest.raises(InvalidInput):
        evidence.read("../../etc/passwd")
    evidence.path_of(meta.sha256).write_bytes(PDF + b"tampered")
    with pytest.raises(RuntimeError, match="corrupted"):
        evidence.read(meta.sha256)


def test_the_module_store_uses_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKPFLOW_EVIDENCE_DIR", str(tmp_path / "from-settings"))
    get_settings.cache_clear()
    try:
        meta = store(PDF, "laporan.pdf", "application/pdf")
    finally:
        get_settings.cache_clear()
    assert (tmp_path / "from-settings" / meta.sha256[:2] / meta.sha256).read_bytes() == PDF
