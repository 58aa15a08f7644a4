"""One validated settings object for the whole application.

Every value comes from a `TIPLINE_*` environment variable (or a `.env` file). The embedded
default (SQLite plus a local evidence folder under `./var/`) needs no configuration; outside
development the default secrets are refused, so a production deployment cannot start with the
key that ships in this file.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only secrets. They are public (they are in this file), so `Settings` refuses them
# whenever `environment` is not "development".
DEV_EVIDENCE_KEY = base64.b64encode(b"tipline-development-evidence-key").decode()
DEV_SECRET_KEY = "tipline-development-secret-key-change-me"
# Secrets that appear in examples and tutorials: refused outside development like ours.
KNOWN_WEAK_SECRETS = frozenset({DEV_SECRET_KEY, "change-me", "changeme", "secret", "password"})
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 12  # "aaaa..." or "abab..." is long but guessable


class Settings(BaseSettings):
    """Application settings. Each field is documented in docs/settings.md (tested)."""

    model_config = SettingsConfigDict(env_prefix="TIPLINE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="Deployment mode; only development accepts default secrets."
    )
    data_dir: Path = Field(Path("var"), description="Folder for the embedded database and files.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/tipline.db."
    )
    evidence_backend: Literal["local"] = Field(
        "local", description="Where evidence files are stored (local folder)."
    )
    evidence_dir: Path | None = Field(
        None, description="Folder of the local evidence store; default DATA_DIR/evidence."
    )
    evidence_key: str = Field(
        DEV_EVIDENCE_KEY, description="Base64 of the 32-byte AES-256-GCM evidence key."
    )
    secret_key: str = Field(DEV_SECRET_KEY, description="Secret for signing tokens and caches.")
    max_upload_bytes: int = Field(
        256 * 1024 * 1024, gt=0, description="Largest evidence file accepted, in bytes."
    )
    max_document_bytes: int = Field(
        2 * 1024 * 1024, gt=0, description="Largest XML or JSON report document, in bytes."
    )
    host: str = Field("127.0.0.1", description="Address `tipline serve` listens on.")
    port: int = Field(8000, ge=1, le=65535,
                      description="Port `tipline serve` and `tipline demo` listen on.")
    run_pipeline_in_server: bool | None = Field(
        None,
        description="Run pipeline stages inside the server; default: yes on SQLite, no otherwise.",
    )
    worker_poll_seconds: float = Field(
        0.5, gt=0, description="How often an idle worker looks for queued reports."
    )
    worker_nice: int = Field(
        10, ge=0, le=19,
        description="Niceness a `tipline worker` process takes at start (at least this), so "
        "that on a shared machine intake requests get the CPU first and the pipeline catches "
        "up after a burst; 0 leaves it unchanged.",
    )
    stage_lease_seconds: float = Field(
        60.0, gt=0, description="How long a worker owns a report's stage before others may retry."
    )
    stage_max_attempts: int = Field(
        5, ge=1, description="Attempts at a failing stage before the report is marked failed."
    )
    auth_cache_seconds: float = Field(
        300.0, ge=0, description="How long verified credentials are remembered in memory."
    )
    case_ip_window_hours: float = Field(
        24.0, gt=0, description="Two reports' uses of one IP address link them into a case "
        "only when this close in time (hours).",
    )
    case_shared_ip_accounts: int = Field(
        5, ge=1, description="An IP address used by more distinct accounts than this within "
        "the window is shared (carrier-grade NAT) and links nobody.",
    )
    case_lease_minutes: float = Field(
        30.0, gt=0, description="How long a case taken from the worklist stays its taker's "
        "(renewed by every act of theirs on it) before `take next` may hand it to another.",
    )
    triage_policy_path: Path | None = Field(
        None, description="Triage policy TOML file; empty means the shipped default policy."
    )
    outbound_allow_loopback: bool = Field(
        False, description="Let outbound requests (webhooks) reach loopback addresses and use "
        "plain http; for tests and local demos only, refused in production.",
    )
    outbound_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="Time limit to connect for every outbound request."
    )
    outbound_read_timeout_seconds: float = Field(
        10.0, gt=0, description="Time limit between bytes read for every outbound request."
    )
    outbound_total_timeout_seconds: float = Field(
        30.0, gt=0, description="Time limit for a whole outbound request, redirects included."
    )
    outbound_max_response_bytes: int = Field(
        1024 * 1024, gt=0, description="Largest response body read from an outbound request."
    )
    delivery_max_attempts: int = Field(
        24, ge=1, description="Webhook attempts before a delivery becomes a dead letter (with "
        "an alert).",
    )
    delivery_backoff_base_seconds: float = Field(
        30.0, gt=0, description="Wait before the first webhook retry; doubles per attempt, "
        "with jitter.",
    )
    delivery_backoff_max_seconds: float = Field(
        3600.0, gt=0, description="Longest wait between two webhook attempts."
    )
    delivery_lease_seconds: float = Field(
        120.0, gt=0, description="How long a delivery worker owns an attempt before another "
        "may retry it; longer than the outbound total time limit.",
    )
    delivery_threads: int = Field(
        4, ge=1, description="Delivery worker threads (in the server and in `tipline deliver`)."
    )
    retro_batch_signals: int = Field(
        20_000, ge=1, description="Changed bank signals re-matched against history per "
        "transaction of the retroactive matching job.",
    )

    retention_default_days: int = Field(
        7, ge=0, description="Retention window (days) assumed for a country whose window is "
        "unknown; routes using it are flagged assumed. Short on purpose: too short only "
        "escalates early.",
    )
    routing_deadline_margin_hours: float = Field(
        48.0, ge=0, description="A route whose retention deadline is less than this many "
        "hours away is at risk: the case is escalated and an alert raised.",
    )
    routing_fallback_agency: str = Field(
        "INTERPOL", description="Agency code that receives cases for countries no active "
        "agency serves; empty leaves them unrouted (with an alert).",
    )
    routing_resolve_hosts: bool = Field(
        True, description="Resolve the hosts of reported URLs with DNS to place them in a "
        "country; off, URLs are not used as evidence.",
    )
    routing_dns_timeout_seconds: float = Field(
        2.0, gt=0, description="Time limit for one DNS lookup of a reported URL's host."
    )
    session_minutes: float = Field(
        30.0, gt=0, description="A page session (web UI login) ends after this many minutes "
        "without a page request.",
    )
    login_free_failures_account: int = Field(
        5, ge=1, description="Failed logins an account may have before each further one "
        "locks it for a growing time (pages and HTTP basic alike).",
    )
    login_free_failures_address: int = Field(
        20, ge=1, description="Failed logins one client address may have (over any accounts) "
        "before each further one locks the address for a growing time.",
    )
    login_lockout_base_seconds: float = Field(
        30.0, gt=0, description="The first lockout after the free failures; doubles with each "
        "further failure.",
    )
    login_lockout_max_seconds: float = Field(
        900.0, gt=0, description="The longest lockout of an account or address.",
    )
    api_key_max_days: int = Field(
        365, ge=1, description="Longest validity of a reporter organisation's API key (days).",
    )

    review_blur_level: int = Field(
        4, ge=1, le=6, description="Organisation default blur of media in review (1 light to "
        "6 heaviest; always greyscale); each reviewer may choose between the minimum and 6.",
    )
    review_min_blur_level: int = Field(
        2, ge=1, le=6, description="The lightest blur a reviewer may choose for themselves "
        "(media are never shown unblurred except through an audited reveal).",
    )
    review_lease_minutes: float = Field(
        15.0, gt=0, description="How long a media cluster opened for review stays its "
        "reviewer's (renewed by every act of theirs on it) before another may take it.",
    )
    reveal_cap_seconds: float = Field(
        60.0, gt=0, description="Longest time one reveal of an original lasts: it re-blurs "
        "then, and a reveal never closed counts this long against the exposure budget.",
    )
    exposure_budget_seconds: int = Field(
        1800, ge=0, description="Seconds of revealed media each reviewer may see per day "
        "(UTC); a reviewer may set a lower budget, and a supervisor may grant more for a day.",
    )
    exposure_break_minutes: float = Field(
        50.0, gt=0, description="After this many minutes of continuous review the review "
        "page prompts a break.",
    )
    exposure_break_gap_minutes: float = Field(
        10.0, gt=0, description="A pause between reveals at least this long counts as a "
        "break (continuous review starts again after it).",
    )
    evidence_key_id: str = Field(
        "k1", min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.-]+$",
        description="Id of TIPLINE_EVIDENCE_KEY, written in every file it wraps; give a new "
        "key a new id.",
    )
    evidence_retired_keys: str = Field(
        "", description="Earlier evidence master keys still needed to open files not yet "
        "re-wrapped, as `id=base64,id=base64`; `legacy=...` is the key files from before "
        "envelope encryption were written with (default: TIPLINE_EVIDENCE_KEY).",
    )
    audit_key: str = Field(
        "", description="Base64 of 32 random bytes that key the audit log's hash chain and "
        "sign its checkpoints (Ed25519); empty derives them from SECRET_KEY. Changing it makes "
        "earlier rows fail `tipline audit verify`.",
    )
    audit_checkpoint_dir: Path | None = Field(
        None, description="Folder of the audit log's signed checkpoints, out of the database's "
        "reach; default DATA_DIR/audit-checkpoints.",
    )
    migration_database_url: str = Field(
        "", description="SQLAlchemy URL `tipline db upgrade` connects with (the tables' owner); "
        "empty means DATABASE_URL. Lets the application connect as a role that may only "
        "insert and read audit rows.",
    )

    @field_validator("evidence_retired_keys")
    @classmethod
    def _retired_keys_are_ids_and_keys(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            key_id, equals, key = item.partition("=")
            if not equals or not key_id.strip() or len(_b64(key.strip(), "a retired key")) != 32:
                raise ValueError("TIPLINE_EVIDENCE_RETIRED_KEYS must be `id=base64` items of "
                                 "32-byte keys, separated by commas")
        return value

    @field_validator("audit_key")
    @classmethod
    def _audit_key_is_32_bytes(cls, value: str) -> str:
        if value and len(_b64(value, "TIPLINE_AUDIT_KEY")) != 32:
            raise ValueError("TIPLINE_AUDIT_KEY must decode to exactly 32 bytes")
        return value

    takedown_centre_country: str = Field(
        "", max_length=2, description="ISO code of the centre's own country: notices for "
        "hosts there go to the provider; elsewhere to that country's hotline first.",
    )
    takedown_police_first: bool = Field(
        False, description="Hold every notice until an agency agrees (evidence preserved "
        "first); a supervisor releases the hold.",
    )
    takedown_sender: str = Field(
        "tipline reporting centre <takedown@tipline.invalid>",
        description="Who notices are from (the From address and the sender they name).",
    )
    takedown_legal_basis: str = Field(
        "Directive 2011/93/EU art. 25; Regulation (EU) 2022/2065 art. 16",
        description="The legal basis named in every notice.",
    )
    takedown_smtp_host: str = Field("127.0.0.1", description="SMTP server notices go through.")
    takedown_smtp_port: int = Field(25, ge=1, le=65535, description="Port of that SMTP server.")
    takedown_resolve_hosts: bool = Field(
        True, description="Resolve reported hosts (DNS) to place and re-check them; off, only "
        "URLs with an IP address are placed and checked.",
    )
    takedown_recheck_minutes: float = Field(
        60.0, gt=0, description="How often a noticed URL is checked for removal.",
    )
    takedown_renotice_hours: float = Field(
        24.0, gt=0, description="A URL still up gets a new notice this often.",
    )
    takedown_escalation_hours: list[float] = Field(
        [72.0, 168.0], description="Hours after the first notice at which notices go one step "
        "up the ladder: the provider's upstream or registrar, then the hotline or police.",
    )
    takedown_check_timeout_seconds: float = Field(
        10.0, gt=0, description="Time limit of one re-check (connect and answer, redirects "
        "included); no body is ever read.",
    )
    takedown_check_concurrency: int = Field(
        16, ge=1, le=256, description="Re-checks run at once by one worker.",
    )
    takedown_notice_max_attempts: int = Field(
        12, ge=1, description="Sending attempts of a notice before it is given up (backoff "
        "doubles from 30 s to an hour).",
    )
    takedown_max_urls: int = Field(
        100, ge=1, description="Most URLs one report from the public may hold.",
    )
    takedown_public_max_chars: int = Field(
        10_000, ge=100, description="Longest description a report from the public may have.",
    )
    takedown_public_per_hour: int = Field(
        10, ge=1, description="Reports from the public accepted per sender address per hour.",
    )

    @field_validator("evidence_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("TIPLINE_EVIDENCE_KEY must be base64") from exc
        if len(raw) != 32:
            raise ValueError("TIPLINE_EVIDENCE_KEY must decode to exactly 32 bytes (AES-256)")
        return value

    @field_validator("evidence_key")
    @classmethod
    def _key_is_not_degenerate(cls, value: str) -> str:
        # Any environment: a key of one repeated byte (all zero) is a placeholder, not a key.
        if len(set(base64.b64decode(value))) < 2:
            raise ValueError("TIPLINE_EVIDENCE_KEY is one repeated byte (e.g. all zero): "
                             "use 32 random bytes")
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and self.outbound_allow_loopback:
            raise ValueError("TIPLINE_OUTBOUND_ALLOW_LOOPBACK is refused in production")
        check_serving_address(self, self.host)
        if self.environment == "development":
            return self
        if self.evidence_key == DEV_EVIDENCE_KEY:
            raise ValueError(
                "the development evidence key is refused outside development: "
                "set TIPLINE_EVIDENCE_KEY to base64 of 32 random bytes"
            )
        if weak_secret(self.secret_key):
            raise ValueError(
                f"set TIPLINE_SECRET_KEY to a random value of at least {MIN_SECRET_CHARS} "
                f"characters with at least {MIN_SECRET_DISTINCT} different ones (the "
                "development secret and well-known examples are refused outside development)"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tipline.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_evidence_dir(self) -> Path:
        return self.evidence_dir or self.data_dir / "evidence"

    @property
    def evidence_keys(self) -> dict[str, bytes]:
        """Every evidence master key by id: the current one, the retired ones, `legacy`."""
        keys = {"legacy": self.evidence_key_bytes}
        for item in filter(None, (part.strip() for part in self.evidence_retired_keys.split(","))):
            key_id, _, value = item.partition("=")
            keys[key_id.strip()] = _b64(value.strip(), "TIPLINE_EVIDENCE_RETIRED_KEYS")
        keys[self.evidence_key_id] = self.evidence_key_bytes
        return keys

    @property
    def audit_key_bytes(self) -> bytes:
        return base64.b64decode(self.audit_key) if self.audit_key else self.secret_key.encode()

    @property
    def resolved_audit_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.data_dir / "audit-checkpoints"

    @property
    def resolved_migration_database_url(self) -> str:
        return self.migration_database_url or self.resolved_database_url

    @property
    def evidence_key_bytes(self) -> bytes:
        return base64.b64decode(self.evidence_key)

    @property
    def pipeline_in_server(self) -> bool:
        if self.run_pipeline_in_server is not None:
            return self.run_pipeline_in_server
        return self.is_sqlite


def weak_secret(secret: str) -> bool:
    return (secret.strip().lower() in KNOWN_WEAK_SECRETS or len(secret) < MIN_SECRET_CHARS
            or len(set(secret)) < MIN_SECRET_DISTINCT)


def is_loopback_host(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name, or 0.0.0.0 (every interface), may reach the network


def check_serving_address(settings: Settings, host: str) -> None:
    """Serving beyond this machine is production: development and test run with public or
    throwaway secrets, so they may only listen on loopback."""
    if settings.environment != "production" and not is_loopback_host(host):
        raise ValueError(
            f"serving on {host} (not a loopback address) needs TIPLINE_ENVIRONMENT=production "
            f"(now {settings.environment!r}, whose keys are not secret); listen on 127.0.0.1, "
            "or configure production secrets")


def _b64(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{name} must be base64") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
