"""Photos arrive from anywhere: each is opened with limits, re-encoded from its
pixels (which drops EXIF and GPS, trailing data and anything else hidden in the
file), and stored under a random name that only an access-checking view serves."""

import hashlib
import math
import re
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (320, 320)


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int
    sha256: str
    phash: int


def perceptual_hash(image: Image.Image) -> int:
    """dHash: 64 bits saying whether each pixel of a 9×8 grey thumbnail is
    brighter than its right neighbour. Resizing, recompression and small edits
    change few bits; a different picture changes about half. Returned signed,
    to fit PostgreSQL's bigint."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.get_flattened_data())
    value = 0
    for row in range(8):
        for column in range(8):
            left, right = pixels[row * 9 + column], pixels[row * 9 + column + 1]
            value = (value << 1) | (left > right)
    return value - (1 << 64) if value >= (1 << 63) else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _too_many_pixels(pixels: int) -> ValidationError:
    return ValidationError(
        _("This photo has %(megapixels)d megapixels; at most %(limit)d are accepted.")
        % {
            "megapixels": math.ceil(pixels / 1_000_000),
            "limit": settings.PHOTO_MAX_PIXELS // 1_000_000,
        },
        code="too_many_pixels",
    )


def photo_sanitise(upload) -> CleanImage:
    """Return a safe re-encoded copy of an uploaded image, or raise ValidationError
    with a message for the user."""
    max_bytes = settings.PHOTO_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("This photo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Our own limit, below Pillow's warning threshold, is checked next.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(ALLOWED_FORMATS))
            # The header alone tells the size: refuse before decoding any pixel.
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise _too_many_pixels(image.width * image.height)
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        # Pillow refuses twice its own limit while reading the header; it says how many.
        found = re.search(r"\((\d+) pixels\)", str(error))
        pixels = int(found.group(1)) if found else 2 * (Image.MAX_IMAGE_PIXELS or 0) + 1
        raise _too_many_pixels(pixels) from None
    except UnidentifiedImageError:
        raise ValidationError(
            _("This file is not a JPEG, PNG or WebP image."), code="not_an_image"
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This image is damaged or incomplete. Save it again and retry."), code="damaged"
        ) from None

    image_format = image.format
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
    if image_format == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = BytesIO()
    save_options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {"optimize": True}
    image.save(out, format=image_format, **save_options)  # no exif=, no pnginfo=: none kept
    content = out.getvalue()
    return CleanImage(
        content=content,
        extension=ALLOWED_FORMATS[image_format],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        phash=perceptual_hash(image),
    )


def thumbnail_bytes(image_file) -> bytes:
    with Image.open(image_file) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        out = BytesIO()
        image.save(out, format="JPEG", quality=80)
    return out.getvalue()
