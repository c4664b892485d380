"""Photo checks: by content, not by name; re-encoded so no metadata survives."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7,300 x 5,500: more than any phone camera
MAX_SIDE = 2400  # what we keep; plenty for print
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class PhotoError(ValueError):
    """A photo we will not store; ``str()`` is the message for the person."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def clean_photo(data: bytes) -> CleanPhoto:
    if len(data) > MAX_BYTES:
        raise PhotoError("The photo must be smaller than 10 MB")
    if not data:
        raise PhotoError("The selected photo is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    raise PhotoError("The photo must be a JPG, PNG or WebP")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError("The photo is too large to process. Please choose a smaller one")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                return _reencode(image, fmt)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("The photo is too large to process. Please choose a smaller one") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError("The selected file is not a photo we can read. It must be a JPG, PNG or WebP") from None


def _reencode(image: Image.Image, fmt: str) -> CleanPhoto:
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    if fmt == "JPEG" or not has_alpha:
        image = image.convert("RGB")
    else:
        image = image.convert("RGBA")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A fresh image carries pixels only: no EXIF, GPS, XMP, ICC or comments.
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        bare.save(out, "PNG", optimize=True)
    else:
        bare.save(out, "WEBP", quality=88)
    return CleanPhoto(out.getvalue(), FORMATS[fmt], bare.width, bare.height)
