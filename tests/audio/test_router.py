"""GET /api/audio/{id}: owner's token or a signed link; 404 for anyone else; expiry; purge."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.audio import links, service
from newvisions.audio.service import CreatedMemo
from newvisions.config.settings import AudioFormat, Settings
from newvisions.models import GeneratedAudio
from newvisions.users.schemas import UserSettings
from tests.audio.decoding import decode_memo
from tests.audio.synthetic_speech import synthetic_speech
from tests.factories import LoggedIn, register_and_login

SPEECH = synthetic_speech(1.5)


async def _memo(
    session: AsyncSession,
    settings: Settings,
    user: LoggedIn,
    *,
    fmt: AudioFormat = AudioFormat.m4a,
    now: datetime | None = None,
) -> CreatedMemo:
    memo = await service.render_memo_for(
        settings,
        uuid.UUID(user.user_id),
        SPEECH,
        UserSettings(voice_language="fr", background_sound=True),
        fmt=fmt,
        now=now,
        rng=np.random.default_rng(2),
    )
    await service.record_memo(session, memo)
    # As the request that renders it would: a later failed request must not undo it.
    await session.commit()
    return memo


async def test_owner_downloads_the_memo(
    client: AsyncClient, session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user)
    assert memo.out.mime == "audio/mp4"
    assert memo.out.title.startswith("Enregistrement du ")
    assert memo.out.expires_at - memo.out.created_at == timedelta(hours=settings.audio_ttl_hours)
    # Stored privately under the data directory.
    assert memo.path.is_relative_to(settings.data_dir / "audio")
    assert oct(memo.path.stat().st_mode & 0o777) == "0o600"

    response = await client.get(f"/api/audio/{memo.out.id}", headers=user.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mp4"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "no-store" in response.headers["cache-control"]
    downloaded = tmp_path / "downloaded.m4a"
    downloaded.write_bytes(response.content)
    decoded = decode_memo(downloaded)
    assert decoded.codec == "aac"
    assert decoded.tags["title"] == memo.out.title
    assert (
        decoded.duration_s == np.float64(memo.out.duration_s).round(3)
        or abs(decoded.duration_s - memo.out.duration_s) < 0.05
    )


async def test_range_requests_work_for_players(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user, fmt=AudioFormat.mp3)
    response = await client.get(
        f"/api/audio/{memo.out.id}", headers={**user.headers, "Range": "bytes=0-99"}
    )
    assert response.status_code == 206
    assert response.headers["content-type"] == "audio/mpeg"
    assert len(response.content) == 100


async def test_someone_elses_memo_does_not_exist(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    owner = await register_and_login(client, session)
    other = await register_and_login(client, session)
    memo = await _memo(session, settings, owner)

    for response in (
        await client.get(f"/api/audio/{memo.out.id}", headers=other.headers),
        await client.post(f"/api/audio/{memo.out.id}/link", headers=other.headers),
        await client.delete(f"/api/audio/{memo.out.id}", headers=other.headers),
        await client.get(f"/api/audio/{uuid.uuid4()}", headers=owner.headers),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "audio_not_found"
    assert (await client.get(f"/api/audio/{memo.out.id}")).status_code == 401


async def test_signed_link_plays_without_a_header_until_it_expires(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user)

    played = await client.get(memo.out.url)
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/mp4"
    assert memo.out.url_expires_at - memo.out.created_at == timedelta(
        seconds=settings.audio_link_ttl_seconds
    )

    fresh = await client.post(f"/api/audio/{memo.out.id}/link", headers=user.headers)
    assert fresh.status_code == 200
    assert (await client.get(fresh.json()["url"])).status_code == 200

    secret = settings.jwt_secret_value
    owner = uuid.UUID(user.user_id)
    expired, _ = links.sign(
        memo.out.id,
        owner,
        secret,
        now=datetime.now(UTC) - timedelta(hours=1),
        ttl=timedelta(minutes=15),
    )
    forged, _ = links.sign(
        memo.out.id,
        owner,
        "another-secret-" + "y" * 40,
        now=datetime.now(UTC),
        ttl=timedelta(minutes=15),
    )
    other_memo = await _memo(session, settings, user)
    for_other_memo = other_memo.out.url.split("token=", 1)[1]
    audio_id = memo.out.id
    for token in (expired, forged, for_other_memo, user.access_token, "garbage"):
        refused = await client.get(f"/api/audio/{audio_id}", params={"token": token})
        assert refused.status_code == 401
        assert refused.json()["error"] == "audio_link_invalid"


async def test_an_access_token_is_not_a_link_and_a_link_is_not_an_access_token(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user)
    token = memo.out.url.split("token=", 1)[1]
    me = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


async def test_expired_memo_is_gone_and_purged(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    long_ago = datetime.now(UTC) - timedelta(hours=settings.audio_ttl_hours + 1)
    old = await _memo(session, settings, user, now=long_ago)
    current = await _memo(session, settings, user)

    old_id, current_id = old.out.id, current.out.id
    gone = await client.get(f"/api/audio/{old_id}", headers=user.headers)
    assert gone.status_code == 410
    assert gone.json()["error"] == "audio_expired"
    # A link signed in the past does not outlive its memo either.
    assert old.out.url_expires_at <= old.out.expires_at

    # Files no row explains (a crash before commit): abandoned once older than the TTL; a
    # young one may be a memo being saved right now.
    stray = current.path.with_name(f"{uuid.uuid4().hex}.m4a")
    young = current.path.with_name(f"{uuid.uuid4().hex}.m4a")
    for path in (stray, young):
        path.write_bytes(b"x")
    os.utime(stray, (long_ago.timestamp(), long_ago.timestamp()))

    report = await service.purge_expired(session, settings)
    assert report.expired >= 1
    assert report.orphans >= 1
    assert not old.path.exists() and not stray.exists()
    assert current.path.exists() and young.exists()
    ids = set(await session.scalars(select(GeneratedAudio.id)))
    assert old_id not in ids and current_id in ids
    ok = await client.get(f"/api/audio/{current_id}", headers=user.headers)
    assert ok.status_code == 200


async def test_owner_deletes_a_memo(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user)
    deleted = await client.delete(f"/api/audio/{memo.out.id}", headers=user.headers)
    assert deleted.status_code == 204
    assert not memo.path.exists()
    assert (await client.get(memo.out.url)).status_code == 404


async def test_a_deleted_accounts_memos_go_at_the_next_purge(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    user = await register_and_login(client, session)
    memo = await _memo(session, settings, user)
    link = memo.out.url
    deleted = await client.request(
        "DELETE", "/api/users/me", json={"password": user.password}, headers=user.headers
    )
    assert deleted.status_code == 204
    assert (await client.get(link)).status_code == 404  # the row went with the account

    report = await service.purge_expired(session, settings)
    assert report.orphans >= 1
    assert not memo.path.exists()
    assert not memo.path.parent.exists()
