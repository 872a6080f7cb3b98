"""The fonts a PDF is drawn with: found on this machine, registered once per process, embedded.

reportlab embeds only TrueType outlines, so every face is a Debian ``.ttf`` file. DejaVu Sans
draws Latin, Greek, Cyrillic, Arabic and Hebrew; IPAex Gothic Japanese; Droid Sans Fallback
Chinese (simplified and traditional) and Korean; FreeSans and FreeSerif most other scripts
(Thai, Devanagari, Bengali, Tamil, Georgian, Armenian, Ethiopic ...). A missing file is an error
that names its Debian package: a PDF never falls back to empty boxes.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Face:
    """One font family as the PDF stylesheet names it, and where Debian puts its files."""

    family: str
    label: str
    package: str
    files: tuple[str, ...]  # regular, then bold if the family has one
    folders: tuple[str, ...]


SANS = Face("DocSans", "DejaVu Sans", "fonts-dejavu-core",
            ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("/usr/share/fonts/truetype/dejavu",))
JAPANESE = Face("DocJa", "IPAex Gothic", "fonts-ipaexfont-gothic", ("ipaexg.ttf",),
                ("/usr/share/fonts/opentype/ipaexfont-gothic",
                 "/usr/share/fonts/truetype/ipaexfont-gothic"))
#: The file with Hangul (DroidSansFallbackFull.ttf has none); Debian keeps it outside fontconfig.
CJK = Face("DocCJK", "Droid Sans Fallback", "fonts-droid-fallback", ("DroidSansFallback.ttf",),
           ("/usr/share/fonts-droid-fallback/truetype", "/usr/share/fonts/truetype/droid"))
WORLD = Face("DocWorld", "FreeSans", "fonts-freefont-ttf", ("FreeSans.ttf", "FreeSansBold.ttf"),
             ("/usr/share/fonts/truetype/freefont",))
WORLD_SERIF = Face("DocWorldSerif", "FreeSerif", "fonts-freefont-ttf",
                   ("FreeSerif.ttf", "FreeSerifBold.ttf"), ("/usr/share/fonts/truetype/freefont",))
FACES = (SANS, JAPANESE, CJK, WORLD, WORLD_SERIF)
#: reportlab's built-in faces, which are never embedded: each is drawn with DejaVu Sans instead.
_BASE14 = {name: "Bold" in name for family in ("Helvetica", "Times", "Courier")
           for name in (family, f"{family}-Bold", f"{family}-Oblique", f"{family}-BoldOblique",
                        f"{family}-Roman", f"{family}-Italic", f"{family}-BoldItalic")}
_lock = threading.Lock()


class MissingFonts(Exception):
    """Font files the PDFs need are not on this machine; the message says what to install."""


@dataclass(frozen=True)
class FontSet:
    """The files of every face, as found on this machine."""

    files: tuple[tuple[Face, tuple[Path, ...]], ...]

    def of(self, face: Face) -> tuple[Path, ...]:
        """The regular (and bold) file of ``face``."""
        return dict(self.files)[face]

    @property
    def folders(self) -> tuple[Path, ...]:
        """Every folder a font file is read from (for the renderer's file policy)."""
        return tuple(dict.fromkeys(path.parent for _, paths in self.files for path in paths))

    def identity(self) -> list[list[Any]]:
        """Path, size and modification time of each file: changes when a font is replaced."""
        stats = [(path, path.stat()) for _, paths in self.files for path in paths]
        return [[str(path), st.st_size, st.st_mtime_ns] for path, st in stats]


# --- finding the files ------------------------------------------------------------------


@cache
def _fontconfig_files() -> dict[str, Path]:
    """File name -> path of every font fontconfig knows (empty without fc-list)."""
    if shutil.which("fc-list") is None:
        return {}
    try:
        listing = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {Path(line).name: Path(line) for line in reversed(listing.splitlines()) if line}


def _find(name: str, face: Face, extra: Path | None) -> Path | None:
    """``name`` in ``extra`` (PDF_FONT_DIR), in Debian's folders, else where fontconfig has it."""
    folders = ([extra] if extra else []) + [Path(folder) for folder in face.folders]
    for folder in folders:
        if (folder / name).is_file():
            return (folder / name).resolve()
    found = _fontconfig_files().get(name)
    return found.resolve() if found and found.is_file() else None


def _missing_message(missing: list[tuple[Face, str]], extra: Path | None) -> str:
    faces = dict.fromkeys(face for face, _ in missing)
    names = ", ".join(f"{face.label} (Debian package {face.package})" for face in faces)
    packages = " ".join(dict.fromkeys(face.package for face in faces))
    files = ", ".join(name for _, name in missing)
    where = f" or put {files} in {extra} (the PDF_FONT_DIR setting)" if extra else ""
    return (f"The fonts for PDFs are not installed on the server: {names}. Install them with "
            f"'apt-get install {packages}' (make system-run does){where}.")


def find_fonts(extra: str | None = None) -> FontSet:
    """Every face's files; raise ``MissingFonts`` naming the packages when any is absent."""
    folder = Path(extra) if extra else None
    found: list[tuple[Face, tuple[Path, ...]]] = []
    missing: list[tuple[Face, str]] = []
    for face in FACES:
        paths = [(name, _find(name, face, folder)) for name in face.files]
        missing += [(face, name) for name, path in paths if path is None]
        found.append((face, tuple(path for _, path in paths if path is not None)))
    if missing:
        raise MissingFonts(_missing_message(missing, folder))
    return FontSet(tuple(found))


# --- registering them with reportlab ----------------------------------------------------


def font_name(face: Face, bold: bool = False) -> str:
    """The reportlab name xhtml2pdf gives a ``@font-face`` of ``face``: it finds ours."""
    return f"{face.family.lower()}_{int(bold and len(face.files) > 1)}0"


@cache
def _registered(name: str, path: Path) -> Any:
    """Parse ``path`` once per process and register it under ``name``."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return font


def register(fonts: FontSet, face: Face) -> None:
    """Make ``face`` known to reportlab (parsed once; a replaced file is parsed again)."""
    with _lock:
        for bold, path in enumerate(fonts.of(face)):
            font = _registered(font_name(face, bool(bold)), path)
            _reinstate(font)


def _reinstate(font: Any) -> None:
    """Put ``font`` back under its name if another file took it (PDF_FONT_DIR changed)."""
    from reportlab.pdfbase import pdfmetrics

    if pdfmetrics.getFont(font.fontName) is not font:
        pdfmetrics.registerFont(font)


def replace_base14(fonts: FontSet) -> None:
    """Draw reportlab's built-in faces with DejaVu Sans, so that no PDF refers to an unembedded
    font: reportlab sets Helvetica on every page and xhtml2pdf uses it for empty paragraphs.
    The names point at the very objects the stylesheet's DocSans uses (one embedded copy)."""
    from reportlab.pdfbase import pdfmetrics

    register(fonts, SANS)
    regular, bold = (pdfmetrics.getFont(font_name(SANS, b)) for b in (False, True))
    with _lock:
        for name, is_bold in _BASE14.items():
            pdfmetrics._fonts[name] = bold if is_bold else regular  # no public alias API


def coverage(fonts: FontSet, face: Face) -> frozenset[int]:
    """The code points ``face`` has a glyph for (its regular file)."""
    register(fonts, face)
    return _coverage_of(font_name(face), fonts.of(face)[0])


@cache
def _coverage_of(name: str, path: Path) -> frozenset[int]:
    return frozenset(_registered(name, path).face.charToGlyph)


def font_face_css(fonts: FontSet, faces: list[Face]) -> str:
    """``@font-face`` rules for ``faces`` (their files as ``file:`` URIs)."""
    rules = []
    for face in faces:
        for bold, path in enumerate(fonts.of(face)):
            weight = " font-weight: bold;" if bold else ""
            rules.append(f'@font-face {{ font-family: {face.family}; src: url("{path.as_uri()}");'
                         f"{weight} }}")
    return "\n  ".join(rules)
