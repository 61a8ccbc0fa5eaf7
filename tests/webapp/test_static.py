"""The web app's files as the API serves them: shell, headers, manifest, icons, no remote URLs."""

from __future__ import annotations

import json
import re
import struct

from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.app import create_app
from newvisions.audio import memo
from newvisions.config.settings import Settings
from newvisions.limits.rate_limiter import RateLimiter
from newvisions.webapp import icons
from newvisions.webapp.router import STATIC_DIR, shell_version


async def test_the_page_is_served_at_the_root_with_a_strict_policy(client: AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text


async def test_no_file_loads_anything_from_another_origin() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css", ".webmanifest"}:
            text = path.read_text("utf-8")
            # The only absolute URLs allowed are XML namespaces in SVG (none in these files).
            assert not re.search(r"https?://", text), path
            assert "@import" not in text and "fonts." not in text, path


async def test_service_worker_caches_the_shell_and_never_the_api(client: AsyncClient) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    source = response.text
    assert f"nv-shell-{shell_version()}" in source and "__SHELL_VERSION__" not in source
    shell = json.loads(
        re.search(r"const SHELL = (\[.*?\]);", source, re.S).group(1).replace(",\n]", "]")  # type: ignore[union-attr]
    )
    assert not any(path.startswith("/api") for path in shell)
    for path in shell:
        served = await client.get(path)
        assert served.status_code == 200, path
    # Every module the page imports is in the shell, so the app opens offline.
    modules = {f"/static/js/{p.name}" for p in (STATIC_DIR / "js").glob("*.js")}
    assert modules <= set(shell)


async def test_manifest_makes_the_app_installable(client: AsyncClient) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["start_url"] == "/" and manifest["display"] in {"fullscreen", "standalone"}
    sizes = set()
    for icon in manifest["icons"]:
        served = await client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = struct.unpack(">II", served.content[16:24])
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_committed_icons_are_what_the_generator_draws() -> None:
    for name, (size, maskable) in icons.SIZES.items():
        assert (icons.ICON_DIR / name).read_bytes() == icons.draw(size, maskable), name


async def test_api_errors_keep_their_json_shape_next_to_the_app(client: AsyncClient) -> None:
    response = await client.get("/api/no-such-route")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert (await client.get("/static/no-such-file.js")).status_code == 404


async def test_the_app_can_be_switched_off(
    settings: Settings, engine: AsyncEngine, rate_limiter: RateLimiter
) -> None:
    app = create_app(
        settings.model_copy(update={"webapp_enabled": False}),
        engine=engine,
        rate_limiter=rate_limiter,
    )
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/")).status_code == 404
        assert (await client.get("/api/health")).status_code == 200


def test_the_settings_preview_names_memos_like_the_server() -> None:
    source = (STATIC_DIR / "js" / "memo_titles.js").read_text("utf-8")
    table = json.loads(source.split("/* memo-titles */", 1)[1].split("/* end */", 1)[0])
    assert table["titles"] == memo._TITLES
    assert table["months"] == {lang: months.split() for lang, months in memo._MONTHS.items()}


def test_every_registration_and_recording_error_has_words_in_both_languages() -> None:
    from newvisions.activation import exceptions as activation_errors
    from newvisions.users import exceptions as user_errors
    from newvisions.utils.errors import AppError
    from newvisions.voice_cloning.recording import exceptions as recording_errors

    source = (STATIC_DIR / "js" / "i18n.js").read_text("utf-8")
    codes = {
        "activation_code_invalid",
        "activation_code_used",
        "activation_code_expired",
        "activation_code_revoked",
        "username_taken",
        "email_taken",
        "password_reset_refused",
        "wrong_password",
        "too_many_attempts",
        "invalid_credentials",
    }
    codes |= {
        error.code
        for module in (recording_errors,)
        for error in vars(module).values()
        if isinstance(error, type) and issubclass(error, AppError) and error is not AppError
    }
    known = {
        error.code
        for module in (activation_errors, user_errors, recording_errors)
        for error in vars(module).values()
        if isinstance(error, type) and issubclass(error, AppError)
    }
    for code in sorted(codes):
        assert code in known or code in {"too_many_attempts", "invalid_credentials"}, code
        assert source.count(f'"error.{code}":') == 2, f"{code} needs an English and a Spanish line"
