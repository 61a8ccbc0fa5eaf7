"""Schemathesis over the live OpenAPI schema, authenticated: the engine of both fuzz forms.

`tests/proof/test_api_fuzz.py` runs it with a few examples per operation in `make test`;
`bench/api_fuzz.py` runs it with many against a real server process. Each operation is called
with examples generated from its schema (valid ones, then invalid ones) and every response is
checked: no 5xx, and status code, content type, headers and body exactly as the schema
declares them.

Routes under /api/admin are called with an admin's token, the others with a performer's who has
an analysed recording (so /api/perform reaches the offline engines).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, strategies
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from newvisions.activation import service as activation_service
from newvisions.auth import service as auth_service
from newvisions.users import service as users_service
from newvisions.users.schemas import UserRegister

# Calls that would end the login or the account they are made with, or take away the recording
# every other call relies on. They run last, each as a performer of its own made for it (so a
# success — a logout, a deleted account — ends only that performer).
SIDE_EFFECTS = (
    "POST /api/auth/refresh",
    "PUT /api/users/me/password",  # a valid change revokes the other sessions
    "DELETE /api/voice/recording",
    "POST /api/auth/logout",
    "POST /api/auth/logout-all",
    "DELETE /api/users/me",
)
PASSWORD = "fuzz password 1234"

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


@dataclass(frozen=True)
class Identities:
    performer: dict[str, str]
    admin: dict[str, str]
    user_ids: list[uuid.UUID]
    disposable: dict[str, dict[str, str]]  # per side-effect operation, a performer of its own


@dataclass
class FoundFailure:
    operation: str
    check: str
    status_code: int
    title: str
    message: str
    curl: str

    def key(self) -> tuple[str, str, int, str]:
        return (self.operation, self.check, self.status_code, self.title)


@dataclass
class FuzzReport:
    examples: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str, int, str], FoundFailure] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def operations(self) -> int:
        return len(self.examples)

    def summary(self) -> str:
        lines = [
            f"{self.operations} operations, {sum(self.examples.values())} examples, "
            f"{len(self.failures)} distinct failures, {len(self.errors)} errors, "
            f"{self.seconds:.1f} s"
        ]
        for failure in self.failures.values():
            lines.append(
                f"- {failure.operation}: {failure.check} [{failure.status_code}] "
                f"{failure.title}\n  {failure.message[:600]}\n  {failure.curl}"
            )
        lines.extend(f"- error: {error}" for error in self.errors)
        return "\n".join(lines)


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    base_url: str,
    recording: bytes,
    jwt_secret: str,
    *,
    analysis_timeout_s: float = 120.0,
) -> Identities:
    """A performer with an analysed recording and an admin, both logged in over HTTP, and a
    performer of its own for each side-effect operation (made directly: the run's login and
    registration limits stay untouched)."""
    tag = uuid.uuid4().hex[:8]
    disposable: dict[str, dict[str, str]] = {}
    async with sessionmaker.begin() as session:
        codes = await activation_service.generate_codes(session, 1 + len(SIDE_EFFECTS))
        admin = await users_service.create_admin(
            session, f"fuzzadmin{tag}", f"fuzzadmin{tag}@example.com", PASSWORD
        )
        user_ids = [admin.id]
        for n, label in enumerate(SIDE_EFFECTS, start=1):
            name = f"fuzz{tag}x{n}"
            user = await users_service.register(
                session,
                UserRegister(
                    username=name,
                    email=f"{name}@example.com",
                    password=PASSWORD,
                    activation_code=codes[n].code,
                ),
            )
            user_ids.append(user.id)
            _, tokens = await auth_service.login(
                session, login=name, password=PASSWORD, device_name="fuzz", secret=jwt_secret
            )
            disposable[label] = {"Authorization": f"Bearer {tokens.access_token}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        registered = await client.post(
            "/api/auth/register",
            json={
                "username": f"fuzz{tag}",
                "email": f"fuzz{tag}@example.com",
                "password": PASSWORD,
                "activation_code": codes[0].code,
            },
        )
        assert registered.status_code == 201, registered.text
        user_ids.append(uuid.UUID(registered.json()["id"]))
        performer = await _login(client, f"fuzz{tag}")
        uploaded = await client.post(
            "/api/voice/recording",
            files={"file": ("voice.webm", recording, "audio/webm")},
            headers=performer,
        )
        assert uploaded.status_code in (200, 201), uploaded.text
        deadline = time.monotonic() + analysis_timeout_s
        while time.monotonic() < deadline:
            current = (await client.get("/api/voice/recording", headers=performer)).json()
            if current["analysis"]["status"] != "pending":
                break
            await asyncio.sleep(0.2)
        assert current["analysis"]["status"] == "ready", current
        admin_headers = await _login(client, f"fuzzadmin{tag}")
        # Something for the recording's deletion to delete.
        uploaded = await client.post(
            "/api/voice/recording",
            files={"file": ("voice.webm", recording, "audio/webm")},
            headers=disposable["DELETE /api/voice/recording"],
        )
        assert uploaded.status_code == 201, uploaded.text
    return Identities(
        performer=performer, admin=admin_headers, user_ids=user_ids, disposable=disposable
    )


async def _login(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _checks() -> list[Any]:
    from schemathesis import checks

    return [getattr(checks, name) for name in CHECK_NAMES]


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def run_fuzz(
    openapi: dict[str, Any],
    base_url: str,
    identities: Identities,
    *,
    max_examples: int,
    limited: dict[str, int] | None = None,
    modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    seed: int | None = None,
) -> FuzzReport:
    """Every operation of `openapi`: its schema examples, then `max_examples` per generation
    mode. `limited` caps the examples of slow operations (e.g. {"POST /api/perform": 3}).

    Side-effect operations run last, in SIDE_EFFECTS order, each as its disposable performer.
    """
    schema = schemathesis.openapi.from_dict(openapi)
    limited = limited or {}
    checks = _checks()
    report = FuzzReport()
    started = time.monotonic()
    operations = {_label(result.ok()): result.ok() for result in schema.get_all_operations()}
    order = [label for label in operations if label not in SIDE_EFFECTS]
    order += [label for label in SIDE_EFFECTS if label in operations]
    with requests.Session() as http:
        for label in order:
            operation = operations[label]
            if label in identities.disposable:
                headers = identities.disposable[label]
            elif operation.path.startswith("/api/admin"):
                headers = identities.admin
            else:
                headers = identities.performer
            examples = schema.get_strategies_from_examples(operation)
            passes: list[tuple[str, Any, int]] = (
                [("examples", strategies.one_of(examples), len(examples))] if examples else []
            )
            passes += [
                (mode.value, operation.as_strategy(generation_mode=mode), max_examples)
                for mode in modes
            ]
            for name, strategy, count in passes:
                _fuzz_operation(
                    label,
                    name,
                    strategy,
                    base_url=base_url,
                    headers=headers,
                    http=http,
                    checks=checks,
                    report=report,
                    max_examples=min(count, limited.get(label, count)),
                    seed=seed,
                )
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(
    label: str,
    name: str,
    strategy: Any,
    *,
    base_url: str,
    headers: dict[str, str],
    http: requests.Session,
    checks: list[Any],
    report: FuzzReport,
    max_examples: int,
    seed: int | None,
) -> None:
    def one(case: schemathesis.Case) -> None:
        report.examples[label] += 1
        response = case.call(base_url=base_url, session=http, headers=headers, timeout=60)
        report.statuses[f"{label} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                _record(report, label, failure, response.status_code, case, headers)
        except Failure as failure:
            _record(report, label, failure, response.status_code, case, headers)

    test = hypothesis.given(case=strategy)(one)
    test = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except hypothesis.errors.Unsatisfiable:
        pass  # e.g. no invalid example exists for an operation without parameters
    except Exception as exc:
        report.errors.append(f"{label} ({name}): {type(exc).__name__}: {exc}"[:800])


def _record(
    report: FuzzReport,
    label: str,
    failure: Failure,
    status_code: int,
    case: schemathesis.Case,
    headers: dict[str, str],
) -> None:
    found = FoundFailure(
        operation=label,
        check=failure.checks[0] if failure.checks else type(failure).__name__,
        status_code=status_code,
        title=failure.title,
        message=failure.message,
        curl=case.as_curl_command(headers={"Authorization": "Bearer …"}),
    )
    report.failures.setdefault(found.key(), found)
