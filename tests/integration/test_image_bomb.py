"""An image bomb (a small PNG declaring 9,400 × 9,400 pixels) uploaded as the company logo is
refused from its header: a plain message at the field, and no memory spent decoding it."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from tests.conftest import Htmx
from tests.support.documents import text_of

ROOT = Path(__file__).resolve().parents[2]
SIDE = 9400
REFUSAL = "This image is 9,400 × 9,400 pixels; the largest allowed is 6,000 × 6,000."
#: Peak memory of a process that reads one upload with the panel's own function (KB on Linux).
PEAK_RSS = """
import resource, sys
from webpanel.company.logo import LogoError, read_logo
data = open(sys.argv[1], "rb").read()
try:
    read_logo(data)
except LogoError as refusal:
    print(refusal, file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(side: int = SIDE) -> bytes:
    """A valid grey PNG of `side` × `side` zero pixels: ~88 MB decoded, ~90 KB on disk."""
    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # the filter byte, then one byte per grey pixel
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (31, 58, 95)).save(out, "PNG")
    return out.getvalue()


def company_form(**extra) -> dict:
    return {"name": "Bomb Test Ltd", "locale": "en_US", "currency": "USD",
            "proposal_valid_days": "14", **extra}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_png()


def test_the_bomb_is_what_it_claims(bomb):
    assert len(bomb) < 200 * 1024
    # the PNG reader itself: Image.open would refuse it too, once the panel set Pillow's limit
    with PngImagePlugin.PngImageFile(io.BytesIO(bomb)) as image:
        assert image.size == (SIDE, SIDE) and image.format == "PNG"


def test_the_company_page_refuses_the_bomb_at_the_field(admin_client, bomb):
    page = Htmx(admin_client, "/company/")
    response = page.post("/company/", company_form(logo=(io.BytesIO(bomb), "logo.png")))
    assert response.status_code == 422
    assert 'id="logo-error"' in response.text and REFUSAL in text_of(response)
    assert admin_client.get("/company/logo").status_code == 404  # nothing was stored


def peak_rss_kb(upload: Path) -> tuple[int, str]:
    """The peak memory of a fresh process that checks `upload`, and its refusal (if any)."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(upload)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout.strip()), done.stderr.strip()


def test_refusing_the_bomb_costs_no_memory(tmp_path, bomb):
    (tmp_path / "bomb.png").write_bytes(bomb)
    (tmp_path / "logo.png").write_bytes(small_png())
    ordinary, accepted = peak_rss_kb(tmp_path / "logo.png")
    bombed, refusal = peak_rss_kb(tmp_path / "bomb.png")
    assert bombed - ordinary < 5 * 1024, f"{(bombed - ordinary) // 1024} MB more than a small logo"
    assert accepted == "" and refusal.startswith(REFUSAL)
