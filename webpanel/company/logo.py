"""Logo uploads: checked by content with Pillow, size-limited, re-encoded without metadata."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 6000
#: The stored logo is at most this many pixels on its longer side (sharp at 5 cm, small PDF).
STORED_SIZE = 1200
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class LogoError(ValueError):
    """An upload that is not a usable logo; the message is for the person."""


@dataclass(frozen=True)
class Logo:
    """A re-encoded logo and its media type and pixel size."""

    data: bytes
    media_type: str
    width: int
    height: int


def read_logo(data: bytes, max_bytes: int = MAX_LOGO_BYTES) -> Logo:
    """Check an upload and re-encode it; raises `LogoError` with a plain message."""
    if len(data) > max_bytes:
        raise LogoError(f"The logo is larger than {max_bytes // 1024} KB; use a file of "
                        f"at most {max_bytes // 1024} KB.")
    image = _open(data)
    if max(image.size) > MAX_LOGO_PIXELS:
        raise LogoError(f"The logo is {image.width} x {image.height} pixels; use at most "
                        f"{MAX_LOGO_PIXELS} pixels on each side.")
    return _reencode(image)


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LogoError("This file is not a PNG or JPEG image. Choose a PNG or JPEG "
                        "file.") from exc
    if image.format not in FORMATS:
        raise LogoError(f"The logo is a {image.format} image; choose a PNG or JPEG file.")
    return image


def _reencode(image: Image.Image) -> Logo:
    fmt = image.format or "PNG"
    image.thumbnail((STORED_SIZE, STORED_SIZE))
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "PNG" and (image.mode not in ("RGB", "RGBA", "L", "LA")
                           or "transparency" in image.info):
        image = image.convert("RGBA")
    image.info = {}  # no comments, EXIF, colour profiles or text chunks are kept
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {"optimize": True}))
    return Logo(out.getvalue(), FORMATS[fmt], image.width, image.height)


def logo_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of a stored logo."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def fit(size: tuple[int, int], box: tuple[float, float]) -> tuple[float, float]:
    """Scale `size` to fit inside `box`, keeping its shape (never enlarged past the box)."""
    width, height = size
    scale = min(box[0] / width, box[1] / height)
    return round(width * scale, 1), round(height * scale, 1)
