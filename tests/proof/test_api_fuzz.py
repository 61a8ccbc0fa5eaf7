"""API fuzz, short form: a few schemathesis examples per operation, on every `make test`.

The app is served on a loopback socket (its own event loop in a thread, as in production) over
a committing database: a performer with an analysed recording and an admin call every
operation with valid and invalid examples; no 5xx, and no response the OpenAPI schema does not
declare. bench/api_fuzz.py is the long form.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from newvisions.app import create_app
from newvisions.config.database import create_sessionmaker
from newvisions.config.settings import Settings
from newvisions.models import ActivationCode, User
from tests.loopback import BackgroundServer
from tests.proof.api_fuzz import Identities, run_fuzz, seed
from tests.voice_cloning.conftest import committed_engine  # noqa: F401 - fixture
from tests.voice_cloning.recording.conftest import good_webm, speech  # noqa: F401 - fixtures

EXAMPLES = 4  # per operation and generation mode (valid, invalid)
SLOW = {"POST /api/perform": 2}  # each valid perform speaks and renders a memo


@pytest.fixture
async def served(
    settings: Settings,
    committed_engine: tuple[AsyncEngine, str],  # noqa: F811
    good_webm: bytes,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[tuple[BackgroundServer, Identities, dict[str, object]]]:
    engine, url = committed_engine
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        last_code = (await session.execute(select(func.max(ActivationCode.id)))).scalar() or 0
    live_settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        **{
            **settings.model_dump(),
            "data_dir": tmp_path,
            "database_url": url,
            "jwt_secret": SecretStr("fuzz-secret-" + "f" * 40),
            "webapp_enabled": False,
        },
    )
    app = create_app(live_settings)
    server = BackgroundServer(app)
    server.start()
    identities: Identities | None = None
    try:
        identities = await seed(sessionmaker, server.url, good_webm, live_settings.jwt_secret_value)
        yield server, identities, app.openapi()
    finally:
        server.stop()
        async with sessionmaker.begin() as session:
            if identities is not None:
                await session.execute(delete(User).where(User.id.in_(identities.user_ids)))
            # Codes the admin routes made during the run.
            await session.execute(delete(ActivationCode).where(ActivationCode.id > last_code))


@pytest.mark.slow
def test_every_operation_answers_as_documented(
    served: tuple[BackgroundServer, Identities, dict[str, object]],
) -> None:
    server, identities, openapi = served
    report = run_fuzz(openapi, server.url, identities, max_examples=EXAMPLES, limited=SLOW)
    print(report.summary())
    assert not report.failures and not report.errors, report.summary()
    paths: dict[str, dict[str, object]] = openapi["paths"]  # type: ignore[assignment]
    expected = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    assert set(report.examples) == expected  # every operation was called
    # The performer's calls got through authentication, and perform reached the engines.
    assert report.statuses["GET /api/users/me 200"] > 0
    assert report.statuses["GET /api/admin/users 200"] > 0
    assert report.statuses["POST /api/perform 200"] > 0
    # The side-effect routes ran as their own performers: a logout and a deletion succeeded.
    assert report.statuses["POST /api/auth/logout 204"] == 1
    assert report.statuses["DELETE /api/voice/recording 204"] == 1
