"""Hostile and broken photos get a clear message and nothing is stored."""

import struct
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from seizures.photos import photo_sanitise

from .conftest import jpeg_bytes, upload


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png_header(width=20_000, height=20_000) -> bytes:
    """A small file that claims 20,000 × 20,000 pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def gps_exif() -> bytes:
    exif = Image.Exif()
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    return exif.tobytes()


def test_a_plain_jpeg_is_re_encoded():
    clean = photo_sanitise(upload(jpeg_bytes()))
    assert clean.extension == "jpg"
    assert (clean.width, clean.height) == (64, 48)
    assert Image.open(BytesIO(clean.content)).format == "JPEG"


def test_gps_coordinates_are_stripped():
    original = jpeg_bytes(exif=gps_exif())
    assert Image.open(BytesIO(original)).getexif().get(0x8825)
    clean = photo_sanitise(upload(original))
    stored = Image.open(BytesIO(clean.content))
    assert not stored.getexif()
    assert b"PhoneMaker" not in clean.content


def test_a_20000_by_20000_png_is_refused_with_its_true_size():
    with pytest.raises(ValidationError) as error:
        photo_sanitise(upload(huge_png_header(), "bomb.png", "image/png"))
    assert error.value.code == "too_many_pixels"
    assert "This photo has 400 megapixels; at most 40 are accepted." in error.value.messages


def test_a_144_megapixel_photo_is_refused_for_its_size_not_its_format():
    with pytest.raises(ValidationError) as error:
        photo_sanitise(upload(huge_png_header(12_000, 12_000), "big.png", "image/png"))
    assert "This photo has 144 megapixels; at most 40 are accepted." in error.value.messages


def test_a_photo_just_over_the_limit_is_refused(settings):
    settings.PHOTO_MAX_PIXELS = 2_000_000
    with pytest.raises(ValidationError) as error:
        photo_sanitise(upload(huge_png_header(2_000, 1_001), "big.png", "image/png"))
    assert "This photo has 3 megapixels; at most 2 are accepted." in error.value.messages


def test_a_truncated_jpeg_is_refused():
    content = jpeg_bytes(size=(400, 300))
    with pytest.raises(ValidationError, match="damaged"):
        photo_sanitise(upload(content[: len(content) // 2]))


def test_an_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        photo_sanitise(upload(svg, "x.svg", "image/svg+xml"))


def test_html_appended_to_a_png_is_dropped():
    out = BytesIO()
    Image.new("RGB", (10, 10), (0, 128, 0)).save(out, format="PNG")
    payload = out.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    clean = photo_sanitise(upload(payload, "x.png", "image/png"))
    assert b"<script>" not in clean.content
    assert clean.extension == "png"


def test_a_gif_is_refused():
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        photo_sanitise(upload(out.getvalue(), "x.gif", "image/gif"))


def test_the_size_limit_has_a_clear_message(settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="the limit is"):
        photo_sanitise(upload(jpeg_bytes(size=(300, 300), color=(1, 2, 3)) + b"\0" * 2000))


def test_webp_is_accepted():
    out = BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(out, format="WEBP")
    assert photo_sanitise(upload(out.getvalue(), "x.webp", "image/webp")).extension == "webp"


def test_hostile_photo_in_the_form_stores_nothing(as_user, officer, vocab):
    from django.urls import reverse

    from seizures.models import Case, Photo

    from .test_cases import full_form

    data = full_form(vocab, photos=[{"kind": "seizure", "caption": ""}])
    data["photos-0-image"] = upload(huge_png_header(), "bomb.png", "image/png")
    response = as_user(officer).post(reverse("seizures:case-create"), data)
    assert response.status_code == 200
    assert not Case.objects.exists() and not Photo.objects.exists()


def test_photo_files_whose_transaction_rolled_back_are_swept_after_a_day(
    settings, tmp_path, officer, make_case
):
    import os
    import time

    from django.db import transaction

    from seizures import services
    from seizures.models import Photo

    settings.MEDIA_ROOT = tmp_path
    case = make_case(officer)

    def add_photo(seed):
        image = photo_sanitise(upload(jpeg_bytes(color=(seed, 30, 30))))
        return services.photo_add(user=officer, case=case, clean_image=image, kind="seizure")

    def files():
        return {f"photos/{name}" for name in os.listdir(tmp_path / "photos")}

    kept = add_photo(10)
    for seed in (20, 30):  # each written, then its transaction rolled back
        with pytest.raises(RuntimeError), transaction.atomic():
            add_photo(seed)
            raise RuntimeError("the connection was lost")
    orphans = files() - {kept.image.name}
    assert len(orphans) == 2 and Photo.objects.count() == 1
    old, recent = sorted(orphans)
    two_days_ago = time.time() - 2 * 86400
    for name in (old, kept.image.name):
        os.utime(tmp_path / name, (two_days_ago, two_days_ago))

    assert services.photo_files_sweep() == 1
    assert files() == {kept.image.name, recent}


def test_the_sweep_runs_daily():
    from cen_suite.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "seizures.tasks.sweep_photo_files" in tasks
    assert "seizures.tasks.sweep_photo_files" in app.tasks
