"""Logo uploads: checked by content with Pillow, size-limited, re-encoded without metadata."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 6000
#: The stored logo is at most this many pixels on its longer side (sharp at 5 cm, small PDF).
STORED_SIZE = 1200
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
NOT_AN_IMAGE = "This file is not a PNG or JPEG image. Choose a PNG or JPEG file."


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
    """Check an upload and re-encode it; raises `LogoError` with a plain message.

    Its size is checked from the header before any pixel is decoded: a small file can declare
    88 million pixels and take hundreds of MB to decode (an image bomb).
    """
    if len(data) > max_bytes:
        raise LogoError(f"The logo is larger than {max_bytes // 1024} KB; use a file of "
                        f"at most {max_bytes // 1024} KB.")
    _check_header(*_header(data))
    return _reencode(_decode(data))


def _guard_pixels() -> None:
    """Pillow's own bomb limit set to ours, here where images are read (the same value each
    time, so threads cannot undo each other): a second guard if a header check is missed."""
    Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS * MAX_LOGO_PIXELS


def _header(data: bytes) -> tuple[str | None, tuple[int, int]]:
    """Format and size from the header alone: Pillow opens lazily and decodes on `load`."""
    _guard_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.format, image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LogoError(_too_large(_declared_size(data))) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LogoError(NOT_AN_IMAGE) from exc


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """The size a PNG or JPEG header declares, for the message once Pillow's guard refused the
    file without saying it; the format's reader reads the header only."""
    for reader in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            with reader(io.BytesIO(data)) as header:
                return header.size
        except (OSError, SyntaxError, ValueError):
            continue
    return None


def _check_header(fmt: str | None, size: tuple[int, int]) -> None:
    if fmt not in FORMATS:
        raise LogoError(f"The logo is a {fmt} image; choose a PNG or JPEG file.")
    if max(size) > MAX_LOGO_PIXELS:
        raise LogoError(_too_large(size))


def _too_large(size: tuple[int, int] | None) -> str:
    declared = f"is {size[0]:,} × {size[1]:,} pixels" if size else "has too many pixels"
    return (f"This image {declared}; the largest allowed is {MAX_LOGO_PIXELS:,} × "
            f"{MAX_LOGO_PIXELS:,}. Make it smaller in an image editor ({STORED_SIZE:,} pixels "
            "on the longer side is plenty for print) and upload it again.")


def _decode(data: bytes) -> Image.Image:
    """The checked image, decoded; a damaged file is refused in plain words."""
    _guard_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LogoError(NOT_AN_IMAGE) from exc
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
