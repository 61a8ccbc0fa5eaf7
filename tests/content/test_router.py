from __future__ import annotations

import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.content.repository import LastNoteRepository
from tests.factories import register_and_login

URL = "/api/thoughts/preview"


async def test_preview_writes_a_note_in_the_users_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    await client.patch(
        "/api/users/me/settings", json={"voice_language": "es"}, headers=user.headers
    )
    response = await client.post(
        URL, json={"routine": "cards", "value": "QH"}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["spoken_value"] == "la reina de corazones"
    assert body["provider"] == "offline"
    assert "la reina de corazones" in body["text"].lower()
    assert "carta" not in body["text"].lower()


async def test_the_language_can_be_chosen_per_preview(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        URL,
        json={"routine": "star-signs", "value": "Escorpio", "language": "en"},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["spoken_value"] == "Scorpio"


async def test_the_same_user_never_gets_the_same_note_twice_in_a_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    user = await register_and_login(client, session)
    previous = None
    for _ in range(15):
        response = await client.post(
            URL, json={"routine": "numbers", "value": "07"}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        text = response.json()["text"]
        assert text != previous
        previous = text
    stored = await LastNoteRepository(session).get(uuid.UUID(user.user_id))
    assert stored == previous


async def test_unknown_routine(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    response = await client.post(URL, json={"routine": "tarot", "value": "x"}, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "unknown_routine"
    assert "star-signs" in response.json()["detail"]


async def test_invalid_value(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        URL, json={"routine": "cards", "value": "eleven of cups"}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json()["error"] == "value_invalid"
    assert "playing card" in response.json()["detail"]


async def test_value_not_allowed(client: AsyncClient, session: AsyncSession) -> None:
    user = await register_and_login(client, session)
    response = await client.post(
        URL, json={"routine": "custom", "value": "hijo de puta"}, headers=user.headers
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "value_not_allowed"
    assert "choose something else" in body["detail"]


async def test_preview_needs_a_login(client: AsyncClient) -> None:
    response = await client.post(URL, json={"routine": "cards", "value": "QH"})
    assert response.status_code == 401


async def test_previews_are_rate_limited_per_user(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    hits: dict[str, int] = {}

    async def two_per_user(key: str) -> float:
        """Stands in for the app's shared limiter: two previews per user, then wait 12.5 s."""
        hits[key] = hits.get(key, 0) + 1
        return 0.0 if hits[key] <= 2 else 12.5

    app.state.thought_preview_limiter = two_per_user
    alice = await register_and_login(client, session)
    bob = await register_and_login(client, session)
    payload = {"routine": "cards", "value": "AS"}
    for _ in range(2):
        assert (await client.post(URL, json=payload, headers=alice.headers)).status_code == 200
    refused = await client.post(URL, json=payload, headers=alice.headers)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "13"
    assert (await client.post(URL, json=payload, headers=bob.headers)).status_code == 200
    assert set(hits) == {alice.user_id, bob.user_id}
