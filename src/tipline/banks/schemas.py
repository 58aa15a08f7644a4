from __future__ import annotations

from pydantic import BaseModel, Field


class BankCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: str = Field("positive", pattern="^(positive|negative)$")
    pdq_threshold: int = Field(31, ge=0, le=64)


class BankOut(BaseModel):
    id: int
    name: str
    description: str
    kind: str
    pdq_threshold: int
    enabled: bool
    entries: int


class ImportResult(BaseModel):
    bank: str
    records: int
    new_signals: int
    new_entries: int
    new_provenance: int
    reclassified: int = 0  # provenance rows whose content changed
    unchanged: int = 0
    removed: int = 0  # provenance rows a replacing import no longer lists
    disabled_entries: int = 0  # entries those removals left without a source
    identical: bool = False  # the bank's last imported file again: nothing was read or written


class Disagreement(BaseModel):
    signal_type: str
    value: str
    scheme: str
    labels: dict[str, list[str]]  # label -> ["bank / contributor", ...]


class NegativeConflict(BaseModel):
    signal_type: str
    value: str
    positive_banks: list[str]
    negative_banks: list[str]


class EntryRef(BaseModel):
    type: str = Field(description="md5, sha1, sha256, pdq, photodna, vpdq, tmk_pdqf, vendor")
    value: str


class EntryIn(EntryRef):
    classifications: dict[str, str] = Field(default_factory=dict)
    jurisdictions: list[str] = Field(default_factory=list)
    contributor: str | None = None
    source_list: str | None = None
    note: str | None = None
