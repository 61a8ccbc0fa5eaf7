"""Tap-to-playable in the web app: from the tap on the final input to a memo the browser can play.

Starts `newvisions serve` on a fresh data directory (offline engine by default), signs a
performer up, uploads a recording of synthetic speech, then performs RUNS times in headless
Chromium (Debian's /usr/bin/chromium), timing each from the final tap (suit, sign) until the
new memo's <audio> fires `canplay`. Prints p50/p95/max with the server's stage timings.

Run: `.venv/bin/python bench/webapp_perform.py [--runs 20]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.webapp.conftest import CHROMIUM, chromium_args, serve
from tests.webapp.speech import synthesise

PASSWORD = "bench password 1"  # noqa: S105 (a throwaway local account)
CARDS = [("Q", "Clubs"), ("7", "Hearts"), ("A", "Spades"), ("10", "Diamonds"), ("K", "Hearts")]
SIGNS = ["Scorpio", "Leo", "Aries", "Pisces", "Virgo", "Gemini"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as server:
        wav = Path(tmp) / "speech.wav"
        synthesise(wav, min_seconds=40.0)
        recording = Path(tmp) / "recording.wav"
        _cut(wav, recording, seconds=35.0)
        with httpx.Client(base_url=server.url, timeout=60) as api:
            api.post(
                "/api/auth/register",
                json={
                    "username": "bench",
                    "email": "bench@example.com",
                    "password": PASSWORD,
                    "activation_code": server.codes[0],
                },
            ).raise_for_status()
            token = api.post(
                "/api/auth/login", json={"login": "bench", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            with recording.open("rb") as handle:
                api.post(
                    "/api/voice/recording",
                    files={"file": ("recording.wav", handle, "audio/wav")},
                    headers=headers,
                ).raise_for_status()
            deadline = time.monotonic() + 180
            while (
                api.get("/api/voice/recording", headers=headers).json()["analysis"]["status"]
                == "pending"
                and time.monotonic() < deadline
            ):
                time.sleep(1)

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=chromium_args(wav)
            )
            page = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
            page.goto(f"{server.url}/#/login")
            page.fill("input[name=login]", "bench")
            page.fill("input[name=password]", PASSWORD)
            page.click("form[data-form=login] button[type=submit]")
            page.wait_for_selector("main.screen-perform")
            page_ms: list[float] = []
            server_ms: list[dict[str, float]] = []
            for run in range(args.runs):
                page.goto(f"{server.url}/#/perform")
                page.wait_for_selector("main.screen-perform")
                page.evaluate("delete document.body.dataset.lastPerformMs")
                if run % 2 == 0:
                    rank, suit = CARDS[run // 2 % len(CARDS)]
                    page.click("button.chip[data-routine=cards]")
                    page.click(f"button.rank[data-rank='{rank}']")
                    final = f"button.suit[data-suit={suit}]"
                else:
                    page.click("button.chip[data-routine=star-signs]")
                    final = f"button.sign[data-sign={SIGNS[run // 2 % len(SIGNS)]}]"
                with page.expect_response("**/api/perform", timeout=120_000) as response:
                    page.click(final)
                page.wait_for_selector(".memo[data-new='1'][data-playable='1']", timeout=120_000)
                page_ms.append(float(page.evaluate("document.body.dataset.lastPerformMs")))
                server_ms.append(response.value.json()["timings_ms"])
            browser.close()

    print(f"{args.runs} performs (cards and star signs alternating), offline engine")
    print(
        f"tap to playable: p50 {percentile(page_ms, 0.5):.0f} ms, "
        f"p95 {percentile(page_ms, 0.95):.0f} ms, max {max(page_ms):.0f} ms"
    )
    for stage in server_ms[0]:
        values = [timings[stage] for timings in server_ms]
        print(f"  server {stage}: p50 {statistics.median(values):.0f} ms, max {max(values):.0f} ms")


def _cut(source: Path, target: Path, seconds: float) -> None:
    import wave

    with wave.open(str(source), "rb") as src, wave.open(str(target), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(int(src.getframerate() * seconds)))


if __name__ == "__main__":
    main()
