"""Who may see and do what: accounts, sessions, the audit trail, the scope seam and the undo of an import.

Each seam is a module of its own: `accounts`, `sessions`, `audit`, `scope`, `undo`. They keep their tables in
SQLite beside the DuckDB file (`<db>.access.sqlite`, WAL mode, see access.db), because every dashboard
process writes sessions and audit entries while DuckDB takes one writer process at a time (store/).
Design and figures: docs/access.md."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

ROLES = ("district", "street", "community")
DEFAULTS = {"idle_minutes": 30, "max_failures": 5, "lockout_minutes": 15, "address_header": "X-Real-IP",
            "audit_file": None, "audit_syslog": None}


class AccessError(Exception):
    """A request the access rules refuse; the message (Chinese first) can be shown as it is."""


class NoAccess(AccessError):
    """The account asked for data outside its scope (another street, community or compound)."""

    def __init__(self, message: str, requested: dict | None = None):
        super().__init__(message)
        self.requested = requested or {}


class SignInRefused(AccessError):
    """A sign-in that did not succeed: wrong login or password, a disabled account, a lockout."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason   # bad_credentials | disabled | locked


class UndoRefused(AccessError):
    """An import that cannot be undone (a later import of its dataset, unknown, already undone)."""


@dataclass(frozen=True)
class Account:
    login: str
    role: str                    # district | street | community
    street: str | None
    community: str | None
    admin: bool
    disabled: bool
    created_at: str
    updated_at: str
    failed_count: int = 0
    locked_until: str | None = None

    def scope_text(self) -> str:
        """What the account sees, for messages: 全区 / the street / street · community."""
        if self.role == "district":
            return "全区"
        if self.role == "street":
            return self.street or ""
        return f"{self.street} {self.community}"


def settings(config: dict | None) -> dict:
    """The `access` section of config.yaml over its defaults."""
    return {**DEFAULTS, **((config or {}).get("access") or {})}


def client_address(peer: str | None, forwarded: str | None) -> str:
    """Who is signing in, for the lockout by address and the audit log. `peer` is the connection's address as
    Streamlit gives it: None for a loopback connection (st.context.ip_address hides 127.0.0.1 and ::1). Behind the
    reverse proxy every connection is a loopback one (one address would lock everyone out): then the proxy's header
    (`access.address_header`, X-Real-IP as deploy/nginx sets it) says who it is. The header is believed only from a
    loopback peer, so a browser reaching the process directly cannot claim another address."""
    if peer:
        try:
            loopback = ipaddress.ip_address(peer.split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return peer
    if isinstance(forwarded, str) and forwarded.strip():
        return forwarded.split(",")[0].strip()
    return peer or "127.0.0.1"


def _hand_the_store_the_audit_log() -> None:
    """The store publishes what a killed write committed, and never reuses an import id the audit log named: it is
    handed both here, once (store.provide), since the store imports nothing above it."""
    import store
    from access import audit

    store.provide(recovered=audit.recovered, highest_import_id=audit.highest_import_id)


_hand_the_store_the_audit_log()
