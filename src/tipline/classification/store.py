from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tipline.banks.models import Bank, Provenance
from tipline.classification.models import LegalAuthority, MediaFact
from tipline.clusters.models import ClusterMember
from tipline.matching.models import FileMatch


@dataclass(frozen=True)
class BankSource:
    entry_id: int
    bank: str
    contributor: str
    classifications: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"entry {self.entry_id} {self.bank}/{self.contributor or 'unknown contributor'}"


def bank_sources(session: Session, file_id: str) -> list[BankSource]:
    """Each positive bank source whose entry this file matched (suppressed matches excluded:
    a negative bank said the hash is benign or collision-prone)."""
    rows = session.execute(
        select(FileMatch.entry_id, Bank.name, Provenance.contributor, Provenance.classifications)
        .join(Bank, Bank.id == FileMatch.bank_id)
        .join(Provenance, Provenance.entry_id == FileMatch.entry_id)
        .where(FileMatch.file_id == file_id, FileMatch.suppressed.is_(False),
               Bank.kind == "positive")
        .order_by(FileMatch.entry_id, Provenance.id)
    )
    return [BankSource(r.entry_id, r.name, r.contributor, dict(r.classifications or {}))
            for r in rows]


def cluster_of(session: Session, file_id: str) -> int | None:
    return session.scalar(select(ClusterMember.cluster_id).where(ClusterMember.file_id == file_id))


def facts_for_file(session: Session, file_id: str) -> list[MediaFact]:
    """Facts about the file itself and about its media cluster, oldest first."""
    cluster_id = cluster_of(session, file_id)
    where = MediaFact.file_id == file_id
    if cluster_id is not None:
        where = or_(where, MediaFact.cluster_id == cluster_id)
    return list(session.scalars(select(MediaFact).where(where).order_by(MediaFact.id)))


def fact_keys(session: Session, file_id: str) -> set[tuple[str, str, str | None]]:
    rows = session.execute(select(MediaFact.source, MediaFact.source_ref, MediaFact.note)
                           .where(MediaFact.file_id == file_id))
    return {(r.source, r.source_ref, r.note) for r in rows}


def authority_for(session: Session, file_id: str, jurisdiction: str) -> LegalAuthority | None:
    return session.scalar(
        select(LegalAuthority)
        .where(LegalAuthority.file_id == file_id, LegalAuthority.jurisdiction == jurisdiction)
        .order_by(LegalAuthority.id.desc()).limit(1))
