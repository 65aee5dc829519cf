from io import BytesIO

from django.urls import reverse
from PIL import Image, ImageDraw

from seizures import services
from seizures.photos import hamming, photo_sanitise
from seizures.search.photos import similar_photos

from .conftest import upload


def picture(seed: int, size=(400, 300), quality=90) -> bytes:
    image = Image.new("RGB", (400, 300), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        x = (seed * 37 + i * 53) % 350
        y = (seed * 91 + i * 29) % 250
        draw.rectangle([x, y, x + 60, y + 40], fill=((seed * 50 + i * 20) % 255, 40, 120))
    image = image.resize(size)
    out = BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def add(user, case, content, kind="concealment"):
    return services.photo_add(
        user=user, case=case, clean_image=photo_sanitise(upload(content)), kind=kind
    )


def test_the_hash_survives_resizing_and_recompression():
    original = photo_sanitise(upload(picture(1)))
    smaller = photo_sanitise(upload(picture(1, size=(200, 150), quality=40)))
    other = photo_sanitise(upload(picture(7)))
    assert hamming(original.phash, smaller.phash) <= 6
    assert hamming(original.phash, other.phash) > 12


def test_similar_photos_find_the_same_concealment_in_other_cases(
    as_user, officer, kenyan_officer, make_case
):
    first = make_case(officer)
    reference = add(officer, first, picture(1))
    again = make_case(kenyan_officer)
    services.case_submit(user=kenyan_officer, case=again)
    look_alike = add(kenyan_officer, again, picture(1, size=(260, 195), quality=50))
    unrelated = make_case(kenyan_officer)
    services.case_submit(user=kenyan_officer, case=unrelated)
    add(kenyan_officer, unrelated, picture(9))
    hidden_draft = make_case(kenyan_officer)
    draft_copy = add(kenyan_officer, hidden_draft, picture(1))

    page = as_user(officer).get(reverse("seizures:photo-similar", args=[reference.pk]))
    found = [photo for photo, _distance in page.context["similar"]]
    assert found == [look_alike]  # not the unrelated one, not another member's draft
    assert draft_copy not in found


def test_similar_photos_rank_by_distance(officer, make_case):
    case = make_case(officer)
    reference = add(officer, case, picture(3))
    close = add(officer, case, picture(3, quality=70))
    farther = add(officer, case, picture(3, size=(120, 90), quality=30))
    from seizures.models import Photo

    ranked = similar_photos(photo=reference, candidates=Photo.objects.all())
    distances = [distance for _photo, distance in ranked]
    assert distances == sorted(distances)
    assert ranked[0][0] in (close, farther)


def test_photo_search_filters_by_kind_and_case(as_user, officer, kenyan_officer, make_case):
    case = make_case(officer)
    xray = add(officer, case, picture(2), kind="xray")
    add(officer, case, picture(4), kind="packaging")
    other_draft = make_case(kenyan_officer)
    add(kenyan_officer, other_draft, picture(5), kind="xray")
    client = as_user(officer)
    page = client.get(reverse("seizures:photo-search"), {"kind": "xray", "status": "draft"})
    assert list(page.context["photos"]) == [xray]
    everything = client.get(reverse("seizures:photo-search"), {"status": "draft"})
    assert len(everything.context["photos"]) == 2
