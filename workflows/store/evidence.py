"""Bukti dukung on disk: a content-addressed store that accepts only allowed, size-limited files."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from states.errors import InvalidInput, NotFound
from states.messages import Problem
from workflows.store.settings import Settings, get_settings

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"
TXT = "text/plain"

# The leading bytes each type must start with: a declared type the content contradicts is refused.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    PDF: (b"%PDF-",),
    PNG: (b"\x89PNG\r\n\x1a\n",),
    JPEG: (b"\xff\xd8\xff",),
    XLSX: (b"PK\x03\x04",),  # OOXML files are zip archives
    DOCX: (b"PK\x03\x04",),
    CSV: (),
    TXT: (),
}
ALLOWED_CONTENT_TYPES: tuple[str, ...] = tuple(SIGNATURES)
TEXT_TYPES = frozenset({CSV, TXT})
URI_PREFIX = "evidence:"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class EvidenceMeta:
    """What a realisasi records about a stored file."""

    filename: str
    content_type: str
    size: int
    sha256: str
    uri: str


def uri_for(sha256: str) -> str:
    return f"{URI_PREFIX}{sha256}"


def normalise_content_type(content_type: str) -> str:
    """'Text/CSV; charset=utf-8' → 'text/csv'."""
    return content_type.split(";", 1)[0].strip().lower()


class EvidenceStore:
    """Files named by their sha256 under `root`, written atomically; the same content is stored once."""

    def __init__(self, root: str | Path, max_bytes: int) -> None:
        self.root, self.max_bytes = Path(root), max_bytes

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> EvidenceStore:
        s = settings or get_settings()
        return cls(s.evidence_dir, s.evidence_max_bytes)

    def path_of(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise InvalidInput([Problem.say("input.evidence.sha256", sha256=sha256)])
        return self.root / sha256[:2] / sha256

    def store(self, data: bytes, filename: str, content_type: str) -> EvidenceMeta:
        """Check and store one file; refuse it with InvalidInput naming each problem."""
        kind = normalise_content_type(content_type)
        name = clean_filename(filename)
        problems: list[Problem] = []
        if not name:
            problems.append(Problem.say("input.evidence.filename"))
        elif len(name) > 255:
            problems.append(Problem.say("input.evidence.filename_long"))
        if kind not in SIGNATURES:
            problems.append(
                Problem.say("input.evidence.content_type", type=content_type, allowed=", ".join(SIGNATURES))
            )
        if not data:
            problems.append(Problem.say("input.file.empty"))
        elif len(data) > self.max_bytes:
            problems.append(Problem.say("input.evidence.too_big", size=len(data), limit=self.max_bytes))
        elif kind in SIGNATURES and not _looks_like(kind, data):
            problems.append(Problem.say("input.evidence.not_kind", kind=kind))
        if problems:
            raise InvalidInput(problems)
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if not (target.is_file() and target.stat().st_size == len(data)):
            _write_atomically(target, data)
        return EvidenceMeta(name, kind, len(data), digest, uri_for(digest))

    def read(self, sha256: str) -> bytes:
        """The stored bytes, checked against their name: a corrupted file is never served."""
        path = self.path_of(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("evidence", sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RuntimeError(f"evidence {sha256} is corrupted on disk")
        return data


def store(data: bytes, filename: str, content_type: str) -> EvidenceMeta:
    """Store one file in the store the settings name."""
    return EvidenceStore.from_settings().store(data, filename, content_type)


def clean_filename(filename: str) -> str:
    """The base name a browser sent, without directories or control characters (it is metadata only)."""
    return _UNSAFE.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()


def _looks_like(kind: str, data: bytes) -> bool:
    if kind in TEXT_TYPES:
        return b"\x00" not in data
    return data.startswith(SIGNATURES[kind])


def _write_atomically(target: Path, data: bytes) -> None:
    # write beside the target and rename: a reader sees the whole file or none, even if we die mid-write
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
