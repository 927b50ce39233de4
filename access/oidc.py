"""Single sign-on: the claims of a district's OpenID Connect provider (what `st.user` carries after `st.login`)
turned into an account of this dashboard.

Pure functions, no Streamlit: `identity(claims, config)` maps the claims to an `Identity` (login, role, street,
community, admin) or refuses them (AccessError, Chinese first); `fresh(claims, config, now)` says whether the
provider's sign-in is recent enough to open a session. `access.sessions.open_external` then opens a local session
for the identity, so idle expiry, sign-out, audit and scope work as for a local account. docs/access.md, 统一身份认证."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import ROLES, AccessError, SignInRefused, accounts, audit, sessions
from .accounts import EXTERNAL_HASH, LOGIN_PATTERN  # noqa: F401  (EXTERNAL_HASH: the hash no password matches)

DEFAULTS = {
    "enabled": False,
    "provider": "sso",
    "max_age_minutes": 30,
    "login_claim": "preferred_username",
    "role_claim": "dashboard_role",
    "roles": {"district": "district", "street": "street", "community": "community"},
    "street_claim": "street",
    "community_claim": "community",
    "admin_claim": None,
    "admin_value": None,
}


@dataclass(frozen=True)
class Identity:
    """What the provider says the person is, in this dashboard's terms."""
    login: str
    role: str                 # district | street | community
    street: str | None
    community: str | None
    admin: bool


def settings(config: dict | None) -> dict:
    """`access.oidc` of config.yaml over its defaults (off unless `enabled: true`)."""
    found = ((config or {}).get("access") or {}).get("oidc") or {}
    return {**DEFAULTS, **found}


def enabled(config: dict | None) -> bool:
    return bool(settings(config)["enabled"])


def _values(claim) -> list[str]:
    """A claim as a list of strings: providers send a role as one string or as a list (groups)."""
    if claim is None:
        return []
    if isinstance(claim, (list, tuple)):
        return [str(v).strip() for v in claim if v is not None and str(v).strip()]
    return [str(claim).strip()] if str(claim).strip() else []


def _text(claims: dict, name: str | None) -> str | None:
    found = _values(claims.get(name)) if name else []
    return found[0] if found else None


def identity(claims: dict, config: dict | None) -> Identity:
    """The account the claims describe; AccessError when they map to no account of this dashboard (no login, no
    role, several roles, a street or community role without its street or community)."""
    rules = settings(config)
    login = _text(claims, rules["login_claim"])
    if not login:
        raise AccessError(f"统一身份认证未提供登录名（{rules['login_claim']}） / the provider sent no login "
                          f"({rules['login_claim']})")
    if not LOGIN_PATTERN.match(login):
        raise AccessError(f"统一身份认证的登录名“{login}”不符合要求（字母、汉字、数字和 _ . @ -，最长64个字符） / "
                          f"the provider's login {login} is not a valid login")
    mapping = {str(k): v for k, v in (rules["roles"] or {}).items()}
    found = _values(claims.get(rules["role_claim"]))
    roles = sorted({mapping[v] for v in found if v in mapping}, key=ROLES.index)
    if not roles:
        raise AccessError(f"账号 {login} 在统一身份认证中没有本看板的角色（{rules['role_claim']}：{'、'.join(found) or '无'}），"
                          f"请联系管理员 / account {login} has no role of this dashboard at the provider")
    if len(roles) > 1:
        raise AccessError(f"账号 {login} 在统一身份认证中对应多个角色（{'、'.join(roles)}），请联系管理员 / account "
                          f"{login} maps to several roles at the provider")
    role = roles[0]
    if role not in ROLES:
        raise AccessError(f"access.oidc.roles 中的角色 {role} 无效（district、street、community） / unknown role "
                          f"{role} in access.oidc.roles")
    street = _text(claims, rules["street_claim"]) if role != "district" else None
    community = _text(claims, rules["community_claim"]) if role == "community" else None
    if role != "district" and not street:
        raise AccessError(f"账号 {login} 是{'街道' if role == 'street' else '社区'}角色，但统一身份认证未提供街道"
                          f"（{rules['street_claim']}），请联系管理员 / account {login} has the {role} role but no "
                          f"street ({rules['street_claim']})")
    if role == "community" and not community:
        raise AccessError(f"账号 {login} 是社区角色，但统一身份认证未提供社区（{rules['community_claim']}），请联系管理员 / "
                          f"account {login} has the community role but no community ({rules['community_claim']})")
    return Identity(login, role, street, community, _is_admin(claims, rules))


def _is_admin(claims: dict, rules: dict) -> bool:
    """The admin right only where config names the claim: with `admin_value`, when the claim is (or lists) that
    value; without it, when the claim is true. No admin_claim: nobody is an admin through the provider."""
    name = rules["admin_claim"]
    if not name or name not in claims:
        return False
    value = claims[name]
    if rules["admin_value"] is None:
        return value is True or str(value).strip().lower() in ("true", "1", "yes")
    return str(rules["admin_value"]) in _values(value)


def fresh(claims: dict, config: dict | None, now: dt.datetime | None = None) -> bool:
    """Whether the provider's sign-in (the ID token's `iat`) is at most `max_age_minutes` old. Streamlit keeps the
    identity in a cookie for 30 days and checks no time in it: without this, a reload or a new tab a week later
    would open a session with no sign-in at all, where a local account asks for its password again."""
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, (int, float)):
        return False
    now = now or dt.datetime.now()
    age = now.timestamp() - float(issued)
    return -300 <= age <= float(settings(config)["max_age_minutes"]) * 60   # 5 minutes of clock skew ahead


def sign_in(db, claims: dict, config: dict | None, *, address: str | None, now: dt.datetime | None = None):
    """The session (access.sessions.Session) of the person the provider signed in; SignInRefused otherwise.
    Claims that map to no account are audited here as sign_in_failed / `oidc_unmapped` with the reason; the other
    refusals (disabled here, a local account's login) by sessions.open_external."""
    rules = settings(config)
    try:
        who = identity(claims, config)
    except AccessError as refused:
        named = _text(claims, rules["login_claim"])
        known = bool(named) and accounts.get(db, named) is not None
        audit.record(db, "sign_in_failed", login=named if known else None, address=address, target=named,
                     outcome="oidc_unmapped", details={"method": "oidc", "provider": rules["provider"],
                                                       "reason": str(refused)}, now=now)
        raise SignInRefused(str(refused), "oidc_unmapped") from None
    return sessions.open_external(db, who, provider=rules["provider"], address=address, config=config, now=now)
