"""The HTTP side: both upload forms, limits, metadata, deletion, ownership, analysis status."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import numpy as np
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from newvisions.voice_cloning.recording import service
from newvisions.voice_cloning.recording.service import RecordingIntake
from tests.factories import register_and_login
from tests.voice_cloning.recording.audio_fixtures import Samples, encode, noise, silence
from tests.voice_cloning.recording.conftest import RATE, FakeAnalyser, seconds

URL = "/api/voice/recording"


async def test_multipart_upload_is_stored_and_analysed(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    me = await register_and_login(client, session)
    response = await client.post(
        URL, headers=me.headers, files={"file": ("voice.webm", good_webm, "audio/webm")}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["source_format"] == "webm"
    assert body["source_codec"] == "opus"
    assert 39.9 < body["duration_s"] < 40.1
    assert body["stored_format"] == "flac"
    assert body["quality"]["speech_ratio"] > 0.9
    assert body["analysis"]["status"] == "pending"
    assert analyser.calls == [(40 * RATE, RATE)]

    fetched = await client.get(URL, headers=me.headers)
    assert fetched.status_code == 200
    analysis = fetched.json()["analysis"]
    assert analysis["status"] == "ready"
    assert analysis["summary"]["f0_median_hz"] == 118.0
    assert analysis["summary"]["base_voices"]["en"]["voice_key"] == "piper-joe"
    assert analysis["started_at"] is not None and analysis["finished_at"] is not None
    assert "speaker_embedding" not in fetched.text


async def test_json_upload_with_data_url_and_a_lying_mime_type(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, speech: Samples
) -> None:
    me = await register_and_login(client, session)
    m4a = encode(seconds(speech, 1, 36), RATE, "m4a")
    payload = {
        "audio_base64": "data:audio/wav;base64," + base64.b64encode(m4a).decode(),
        "mime_type": "audio/wav",
    }
    response = await client.post(URL, headers=me.headers, json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["source_format"] == "mp4"
    assert response.json()["source_codec"] == "aac"


async def test_json_upload_with_plain_wrapped_base64(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    me = await register_and_login(client, session)
    encoded = base64.encodebytes(good_webm).decode()  # 76-character lines
    response = await client.post(URL, headers=me.headers, json={"audio_base64": encoded})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"audio_base64": "not base64 at all!"}, 422, "recording_base64_invalid"),
        ({"audio_base64": "data:audio/webm,aGVsbG8="}, 422, "recording_base64_invalid"),
        ({"audio_base64": ""}, 422, "recording_file_missing"),
        ({"mime_type": "audio/webm"}, 422, "validation_error"),
        (
            {"audio_base64": base64.b64encode(b"<html>hi</html>").decode()},
            415,
            "recording_format_unsupported",
        ),
    ],
)
async def test_json_upload_errors(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    body: dict[str, str],
    status: int,
    code: str,
) -> None:
    me = await register_and_login(client, session)
    response = await client.post(URL, headers=me.headers, json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert len(response.json()["detail"]) > 20


async def test_malformed_json_and_other_content_types(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    me = await register_and_login(client, session)
    headers = {**me.headers, "Content-Type": "application/json"}
    broken = await client.post(URL, headers=headers, content=b'{"audio_base64": ')
    assert broken.status_code == 400
    assert broken.json()["error"] == "malformed_json"
    raw = await client.post(
        URL, headers={**me.headers, "Content-Type": "audio/webm"}, content=good_webm
    )
    assert raw.status_code == 415
    assert raw.json()["error"] == "recording_content_type_unsupported"


async def test_multipart_without_the_file_field(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    me = await register_and_login(client, session)
    response = await client.post(
        URL, headers=me.headers, files={"audio": ("voice.webm", good_webm, "audio/webm")}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "recording_file_missing"


class CountingBody:
    """A request body that streams `total` bytes in 1 MiB chunks and counts what was pulled."""

    def __init__(self, total: int, prefix: bytes = b"") -> None:
        self.total = total
        self.prefix = prefix
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.prefix
        chunk = b"\0" * (1024 * 1024)
        while self.pulled < self.total:
            self.pulled += len(chunk)
            yield chunk


async def test_declared_oversize_body_is_refused_before_reading(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake
) -> None:
    me = await register_and_login(client, session)
    body = CountingBody(64 * 1024 * 1024)
    response = await client.post(
        URL,
        headers={
            **me.headers,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(body.total),
        },
        content=body,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "recording_too_large"
    assert body.pulled <= 1024 * 1024  # at most what the transport pre-reads


_MULTIPART_START = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'


@pytest.mark.parametrize(
    ("content_type", "prefix"),
    [
        ("multipart/form-data; boundary=x", _MULTIPART_START),
        ("application/json", b'{"audio_base64": "'),
    ],
)
async def test_streamed_oversize_body_is_cut_off(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    content_type: str,
    prefix: bytes,
) -> None:
    me = await register_and_login(client, session)
    body = CountingBody(64 * 1024 * 1024, prefix)  # no Content-Length: chunked
    response = await client.post(
        URL, headers={**me.headers, "Content-Type": content_type}, content=body
    )
    assert response.status_code == 413
    assert response.json()["error"] == "recording_too_large"
    # JSON may carry 4/3 of the file limit as base64; nothing far beyond that is read.
    assert body.pulled <= intake.max_bytes * 4 // 3 + 2 * 1024 * 1024


async def test_oversize_file_inside_a_small_enough_body(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake
) -> None:
    me = await register_and_login(client, session)
    big = b"RIFF" + b"\0" * intake.max_bytes  # one byte over
    response = await client.post(
        URL, headers=me.headers, json={"audio_base64": base64.b64encode(big).decode()}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "recording_too_large"


def _bad_recordings(speech: Samples) -> dict[str, bytes]:
    return {
        "recording_too_short": encode(seconds(speech, 0, 15), RATE, "webm"),
        "recording_too_long": encode(np.concatenate([speech, speech])[: 65 * RATE], RATE, "mp3"),
        "recording_mostly_silent": encode(
            np.concatenate([seconds(speech, 0, 12), silence(30)]), RATE, "ogg"
        ),
        "recording_too_quiet": encode(seconds(speech, 0, 40) * 0.025, RATE, "wav"),
        "recording_clipped": encode(np.clip(seconds(speech, 0, 40) * 4, -1.0, 1.0), RATE, "wav"),
        "recording_no_speech": encode(noise(40, level=0.05), RATE, "flac"),
        "recording_unreadable": b"OggS" + bytes(range(256)) * 100,
        "recording_format_unsupported": b"%PDF-1.7\n" + b"\0" * 5000,
    }


async def test_each_refusal_has_its_code_and_sentence_and_stores_nothing(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    speech: Samples,
) -> None:
    me = await register_and_login(client, session)
    for code, data in _bad_recordings(speech).items():
        response = await client.post(
            URL, headers=me.headers, files={"file": ("r.bin", data, "audio/webm")}
        )
        assert response.json()["error"] == code, (code, response.text)
        assert response.status_code in (415, 422)
        assert len(response.json()["detail"]) > 30
    assert (await client.get(URL, headers=me.headers)).status_code == 404
    assert analyser.calls == []
    assert not (intake.storage.root / me.user_id.replace("-", "")).exists()


async def test_identical_reupload_is_a_no_op(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    me = await register_and_login(client, session)
    first = await client.post(URL, headers=me.headers, files={"file": ("a.webm", good_webm)})
    again = await client.post(
        URL, headers=me.headers, json={"audio_base64": base64.b64encode(good_webm).decode()}
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["uploaded_at"] == first.json()["uploaded_at"]
    assert again.json()["analysis"]["status"] == "ready"
    assert len(analyser.calls) == 1


async def test_new_upload_replaces_the_old_file(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, speech: Samples
) -> None:
    me = await register_and_login(client, session)
    user_dir = intake.storage.root / me.user_id.replace("-", "")
    first = encode(seconds(speech, 0, 35), RATE, "webm")
    second = encode(seconds(speech, 30, 80), RATE, "mp3")
    assert (
        await client.post(URL, headers=me.headers, files={"file": ("a", first)})
    ).status_code == 201
    (old_file,) = user_dir.iterdir()
    response = await client.post(URL, headers=me.headers, files={"file": ("b", second)})
    assert response.status_code == 201
    assert response.json()["source_format"] == "mp3"
    assert 49.9 < response.json()["duration_s"] < 50.2
    (new_file,) = user_dir.iterdir()
    assert new_file != old_file
    assert not old_file.exists()


async def test_failed_replacement_keeps_the_old_recording(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    speech: Samples,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    me = await register_and_login(client, session)
    user_dir = intake.storage.root / me.user_id.replace("-", "")
    first = encode(seconds(speech, 0, 35), RATE, "webm")
    assert (
        await client.post(URL, headers=me.headers, files={"file": ("a", first)})
    ).status_code == 201
    (old_file,) = user_dir.iterdir()

    async def broken_save(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "_save", broken_save)
    second = encode(seconds(speech, 30, 70), RATE, "webm")
    response = await client.post(URL, headers=me.headers, files={"file": ("b", second)})
    assert response.status_code == 500
    assert list(user_dir.iterdir()) == [old_file]  # the new file was removed, the old kept
    monkeypatch.undo()
    kept = await client.get(URL, headers=me.headers)
    assert 34.9 < kept.json()["duration_s"] < 35.1


async def test_delete_and_ownership(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    owner = await register_and_login(client, session)
    other = await register_and_login(client, session)
    stored = await client.post(URL, headers=owner.headers, files={"file": ("a", good_webm)})
    assert stored.status_code == 201
    user_dir = intake.storage.root / owner.user_id.replace("-", "")
    assert len(list(user_dir.iterdir())) == 1

    # The other performer sees and deletes nothing of the owner's.
    assert (await client.get(URL, headers=other.headers)).json()["error"] == (
        "voice_recording_not_found"
    )
    assert (await client.delete(URL, headers=other.headers)).status_code == 404
    assert (await client.get(URL, headers=owner.headers)).status_code == 200

    assert (await client.delete(URL, headers=owner.headers)).status_code == 204
    assert not user_dir.exists() or not list(user_dir.iterdir())
    assert (await client.get(URL, headers=owner.headers)).status_code == 404
    assert (await client.delete(URL, headers=owner.headers)).status_code == 404


async def test_every_route_needs_a_login(client: AsyncClient, good_webm: bytes) -> None:
    for method in ("GET", "DELETE"):
        assert (await client.request(method, URL)).status_code == 401
    response = await client.post(URL, files={"file": ("a", good_webm)})
    assert response.status_code == 401


async def test_no_route_ever_returns_the_recording(client: AsyncClient) -> None:
    """Generated memos are audio by design (audio module); nothing under /api/voice is."""
    schema = (await client.get("/openapi.json")).json()
    voice_paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/voice")}
    assert URL in voice_paths
    for path, operations in voice_paths.items():
        for operation in operations.values():
            for answer in operation.get("responses", {}).values():
                for media_type in answer.get("content", {}):
                    assert media_type == "application/json", (path, media_type)
    recording = schema["components"]["schemas"]["VoiceRecording"]["properties"]
    assert not {"audio", "audio_base64", "file_name", "url", "path"} & set(recording)


async def test_failed_analysis_is_reported(
    client: AsyncClient,
    session: AsyncSession,
    intake: RecordingIntake,
    analyser: FakeAnalyser,
    good_webm: bytes,
) -> None:
    analyser.fail = True
    me = await register_and_login(client, session)
    assert (
        await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    ).status_code == 201
    analysis = (await client.get(URL, headers=me.headers)).json()["analysis"]
    assert analysis["status"] == "failed"
    assert analysis["summary"] is None
    assert "upload the recording again" in analysis["error"].lower()

    # Doing what the sentence says: the identical file runs the analysis again.
    analyser.fail = False
    again = await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    assert again.status_code == 200
    assert (await client.get(URL, headers=me.headers)).json()["analysis"]["status"] == "ready"
    assert len(analyser.calls) == 2


async def test_without_an_analyser_the_analysis_stays_pending(
    client: AsyncClient, session: AsyncSession, intake: RecordingIntake, good_webm: bytes
) -> None:
    intake.analyser = None
    me = await register_and_login(client, session)
    assert (
        await client.post(URL, headers=me.headers, files={"file": ("a", good_webm)})
    ).status_code == 201
    analysis = (await client.get(URL, headers=me.headers)).json()["analysis"]
    assert analysis == {
        "status": "pending",
        "started_at": None,
        "finished_at": None,
        "summary": None,
        "error": None,
    }
