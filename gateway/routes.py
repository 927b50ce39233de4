"""/signin and /signout: a page of the door's own, outside Streamlit, because only an HTTP answer can set the
HttpOnly session cookie. The page is plain HTML with no script; every value written into it is escaped.

A form carries a one-time token that must equal the one in a cookie set with the form (SameSite=Strict, HttpOnly):
a page elsewhere cannot post a sign-in into this browser. The session cookie is HttpOnly, SameSite=Strict, Path=/,
Secure when the browser came over TLS, and has no expiry date: it ends with the browser, or with the session
(idle `access.idle_minutes`, sign-out, a disabled account), whichever comes first."""
from __future__ import annotations

import hmac
import html
import secrets
from urllib.parse import parse_qs, quote

from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from access import ROLES, AccessError, SignInRefused, accounts, oidc, sessions

from . import context

FORM_COOKIE = "dashboard_signin"
MAX_FORM_BYTES = 16 * 1024
WORDS = {
    "title": ("红色物业治理看板", "Compound Governance Dashboard"),
    "signin": ("登录", "Sign in"),
    "intro": ("本看板含真实数据，请使用本单位分配的账号登录。", "This dashboard holds real data: sign in with the account your office gave you."),
    "login": ("登录名", "Login"),
    "password": ("密码", "Password"),
    "repeat": ("再次输入密码", "Password again"),
    "first_title": ("创建第一个管理员账号", "Create the first admin account"),
    "first_intro": ("本看板尚无账号。请先创建区级管理员账号：它可以导入数据、管理账号和查看审计日志。",
                    "There are no accounts yet. Create the district admin account first: it imports data, manages "
                    "accounts and reads the audit log."),
    "first_submit": ("创建并登录", "Create and sign in"),
    "mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "stale": ("页面已过期，请重新输入。", "The page had expired: please enter them again."),
    "sso": ("使用统一身份认证登录", "Sign in with the district's single sign-on"),
    "other": ("English", "简体中文"),
}


def _word(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "zh" else 1]


def _message(text: str, lang: str) -> str:
    """The caller's half of a bilingual "中文 / English" message."""
    zh, _, en = text.partition(" / ")
    return (zh if lang == "zh" else en or zh).strip()


def _page(lang: str, next_path: str, form_token: str, *, first: bool, error: str | None = None, login: str = "") -> str:
    e = html.escape
    title = _word("first_title" if first else "signin", lang)
    other = "en" if lang == "zh" else "zh"
    repeat = (f'<label for="repeat">{e(_word("repeat", lang))}</label>'
              f'<input id="repeat" name="repeat" type="password" maxlength="256" required '
              f'autocomplete="new-password">') if first else ""
    sso = ""
    if not first and oidc.enabled(context.config()):
        sso = f'<p><a class="sso" href="/signin/sso">{e(_word("sso", lang))}</a></p>'
    alert = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(_word("title", lang))} · {e(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; background: #F6F7F9;
       color: #33383F; margin: 0; }}
main {{ max-width: 380px; margin: 12vh auto 0; background: #fff; border-top: 4px solid #C8102E; padding: 28px 32px;
       box-shadow: 0 1px 4px rgba(0,0,0,.08); }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 17px; margin: 0 0 16px; font-weight: normal; }}
label {{ display: block; margin: 14px 0 4px; font-size: 14px; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px 10px; font-size: 15px; border: 1px solid #C9CDD2;
        border-radius: 4px; }}
button {{ margin-top: 20px; width: 100%; padding: 10px; font-size: 16px; color: #fff; background: #C8102E;
         border: 0; border-radius: 4px; cursor: pointer; }}
.intro {{ font-size: 14px; color: #5F6670; }} .error {{ color: #A1121F; background: #FBE4E6; padding: 8px 10px; }}
.lang {{ text-align: right; font-size: 13px; }} a {{ color: #3B6E8F; }}
</style></head>
<body><main>
<p class="lang"><a href="/signin?lang={other}&amp;next={e(quote(next_path, safe=''))}">{e(_word("other", lang))}</a></p>
<h1>{e(_word("title", lang))}</h1><h2>{e(title)}</h2>
<p class="intro">{e(_word("first_intro" if first else "intro", lang))}</p>
{alert}
<form method="post" action="/signin">
<input type="hidden" name="form_token" value="{e(form_token)}">
<input type="hidden" name="next" value="{e(next_path)}">
<input type="hidden" name="lang" value="{e(lang)}">
<label for="login">{e(_word("login", lang))}</label>
<input id="login" name="login" maxlength="64" required autocomplete="username" value="{e(login)}" autofocus>
<label for="password">{e(_word("password", lang))}</label>
<input id="password" name="password" type="password" maxlength="256" required
 autocomplete="{'new-password' if first else 'current-password'}">
{repeat}
<button type="submit">{e(_word("first_submit" if first else "signin", lang))}</button>
</form>
{sso}
</main></body></html>"""


def _form_answer(lang: str, next_path: str, scope, *, error: str | None = None, login: str = "",
                 status: int = 200) -> HTMLResponse:
    """The form with a fresh one-time token, in the page and in its cookie."""
    token = secrets.token_urlsafe(24)
    first = not accounts.any_exist(context.database())
    response = HTMLResponse(_page(lang, next_path, token, first=first, error=error, login=login), status_code=status,
                            headers={"cache-control": "no-store"})
    response.set_cookie(FORM_COOKIE, token, path="/signin", httponly=True, samesite="strict",
                        secure=context.over_tls(scope))
    return response


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


async def signin_page(request) -> HTMLResponse | RedirectResponse:
    next_path = context.safe_next(request.query_params.get("next"))
    if context.account(request.scope) is not None:   # signed in already: straight on
        return RedirectResponse(next_path, status_code=303)
    return _form_answer(_lang(request.query_params.get("lang")), next_path, request.scope)


async def signin(request) -> HTMLResponse | RedirectResponse:
    """The password checked as access.sessions does it (argon2, lockouts, audit), the cookie set, then the page the
    address asked for. Unknown, wrong, disabled and locked all get one answer."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return HTMLResponse("", status_code=413)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    lang, next_path = _lang(form.get("lang")), context.safe_next(form.get("next"))
    login, password = form.get("login", "").strip()[:64], form.get("password", "")[:256]
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form.get("form_token", "")):
        return _form_answer(lang, next_path, request.scope, error=_word("stale", lang), login=login, status=400)
    db, config, address = context.database(), context.config(), context.address(request.scope)
    try:
        if not accounts.any_exist(db):   # the first admin of real data (or of the demo)
            if password != form.get("repeat", ""):
                return _form_answer(lang, next_path, request.scope, error=_word("mismatch", lang), login=login)
            accounts.add(db, login, password, role=ROLES[0], admin=True, actor=login, address=address, first=True)
        session = sessions.sign_in(db, login, password, address=address, config=config)
    except (SignInRefused, AccessError) as refused:
        return _form_answer(lang, next_path, request.scope, error=_message(str(refused), lang), login=login,
                            status=401 if isinstance(refused, SignInRefused) else 400)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(sessions.COOKIE, session.token, path="/", httponly=True, samesite="strict",
                        secure=context.over_tls(request.scope))
    response.delete_cookie(FORM_COOKIE, path="/signin", httponly=True, samesite="strict")
    return response


async def signout(request) -> RedirectResponse:
    """The session ends for every tab that holds it (audited); the cookie goes."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        sessions.sign_out(context.database(), token, address=context.address(request.scope))
    lang = _lang(request.query_params.get("lang"))
    response = RedirectResponse(f"/signin?lang={lang}" if context.guarded() else "/", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def single_sign_on(request) -> RedirectResponse | HTMLResponse:
    """Into Streamlit's own sign-in with the district's provider (st.login's route, its provider named in the signed
    token st.login would give); back at the dashboard, the script's gate opens the session (ui/signin.py)."""
    from streamlit.auth_util import encode_provider_token
    from streamlit.errors import StreamlitAuthError

    lang = _lang(request.query_params.get("lang"))
    try:
        token = encode_provider_token(oidc.settings(context.config())["provider"])
    except (StreamlitAuthError, KeyError, TypeError):
        return _form_answer(lang, "/", request.scope, error=_message(
            "统一身份认证尚未配置完整（.streamlit/secrets.toml），请联系管理员。 / Single sign-on is not fully "
            "configured (.streamlit/secrets.toml): ask an admin.", lang), status=503)
    return RedirectResponse(f"/auth/login?provider={quote(token, safe='')}", status_code=303)


def routes() -> list[Route]:
    return [Route("/signin", signin_page, methods=["GET"]), Route("/signin", signin, methods=["POST"]),
            Route("/signin/sso", single_sign_on, methods=["GET"]), Route("/signout", signout, methods=["GET"])]
