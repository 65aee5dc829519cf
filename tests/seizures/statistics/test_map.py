import io
import itertools
import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from seizures.models import Case, CaseStatus, RouteLeg
from seizures.statistics.geography import colour_classes

URL = reverse("seizures:statistics")
COUNTRY = re.compile(r'<a href="([^"]+)" data-country="([A-Z]{2})" data-count="(\d+)"')


def _map(page: str) -> dict[str, tuple[int, str]]:
    """code → (count, search link) of every country the map colours."""
    return {
        code: (int(count), link.replace("&amp;", "&"))
        for link, code, count in COUNTRY.findall(page)
    }


def _orm_counts(role: str) -> dict[str, int]:
    validated = Case.objects.filter(status=CaseStatus.VALIDATED)
    if role == "reporting":
        return dict(Counter(str(case.country) for case in validated))
    legs = RouteLeg.objects.filter(case__in=validated, kind=role)
    return dict(
        Counter(str(country) for country, _case in set(legs.values_list("country", "case")))
    )


def test_the_geometry_files_have_an_outline_and_a_centroid_per_country():
    folder = Path(settings.BASE_DIR) / "static/vendor/natural-earth"
    world = json.loads((folder / "world-map.json").read_text())
    outlines = dict(
        re.findall(r'<path id="([A-Z]{2})" d="([^"]*)"/>', (folder / "world-map.svg").read_text())
    )
    assert (folder / "world-map.svg").stat().st_size < 300_000
    by_code = {country["code"]: country for country in world["countries"]}
    for code in ("FR", "BR", "CN", "US", "ZA", "SG", "HK"):
        assert re.fullmatch(r"M[-\d. lz M]+z", outlines[code])
        x, y = by_code[code]["c"]
        assert 0 <= x <= world["width"] and 0 <= y <= world["height"]
    # Every country has an outline, or is marked as a dot only.
    assert set(outlines) == {code for code, c in by_code.items() if c.get("outline", True)}
    assert all(by_code[code].get("small") for code in set(by_code) - set(outlines))
    # The projection keeps west on the left and north on top.
    assert by_code["US"]["c"][0] < by_code["FR"]["c"][0] < by_code["CN"]["c"][0]
    assert by_code["FR"]["c"][1] < by_code["ZA"]["c"][1]
    assert by_code["BR"]["c"][0] < by_code["ZA"]["c"][0]
    assert len(by_code) > 200 and "AQ" not in by_code


def test_the_page_draws_the_outlines_from_the_static_file_instead_of_inlining_them(
    validated, as_user, analyst
):
    page = as_user(analyst).get(URL).content.decode()
    outlines = static("vendor/natural-earth/world-map.svg")
    assert f'<use href="{outlines}#FR" fill="' in page  # a coloured country
    assert (
        f'<g class="map-empty" data-country="BR"><title>Brazil</title><use href="{outlines}#BR"/>'
        in page
    )
    map_html = re.search(r'data-panel="map".*?</section>', page, re.S).group(0)
    assert not re.search(r'<path d="M[^"]{40,}"', map_html)  # no outline inline
    # 234 countries: a short element each, not their outlines (134 KiB before).
    assert len(map_html.encode()) < 50_000


@pytest.mark.parametrize("role", ["reporting", "departure", "destination"])
def test_the_map_counts_equal_a_direct_count_per_country(validated, as_user, analyst, role):
    page = as_user(analyst).get(URL, {"map_role": role}).content.decode()
    shown = _map(page)
    assert {code: count for code, (count, _link) in shown.items()} == _orm_counts(role)
    assert shown  # the known data has countries in every role


def test_a_country_opens_the_search_on_exactly_the_cases_counted(validated, as_user, analyst):
    client = as_user(analyst)
    page = client.get(URL, {"map_role": "departure", "period": "year"}).content.decode()
    count, link = _map(page)["EC"]
    assert count == 2
    assert "departure=EC" in link and "route_country" not in link
    assert "status=validated" in link and "map_role" not in link and "period" not in link
    assert f"{count} cases" in client.get(link).content.decode()
    count, link = _map(client.get(URL).content.decode())["FR"]
    assert "country=FR" in link
    assert f"{count} cases" in client.get(link).content.decode()


def test_the_map_follows_the_page_filters(validated, as_user, analyst):
    page = as_user(analyst).get(URL, {"country": "KE", "map_role": "destination"}).content.decode()
    assert {code: count for code, (count, _link) in _map(page).items()} == {"CN": 1}
    assert 'aria-current="true" href="?country=KE&amp;map_role=destination#map"' in page


def test_the_route_flows_link_each_arc_to_the_search(validated, as_user, analyst):
    page = as_user(analyst).get(URL, {"map_role": "routes"}).content.decode()
    arcs = re.findall(
        r'<a href="([^"]+)" aria-label="([^"]+)"><title>[^<]+</title><path d="M', page
    )
    labels = [label for _link, label in arcs]
    assert labels == [
        "United Arab Emirates → France: 1 validated case",
        "Ecuador → France: 1 validated case",
        "Kenya → China: 1 validated case",
    ]
    assert all("departure=" in link and "destination=" in link for link, _label in arcs)
    client = as_user(analyst)
    for link, _label in arcs:
        assert "1 case" in client.get(link.replace("&amp;", "&")).content.decode()
    assert not COUNTRY.findall(page)  # in the flow view countries are only a background


def test_the_map_excel_download_matches_the_panel(validated, as_user, analyst):
    client = as_user(analyst)
    page = client.get(URL, {"map_role": "destination"}).content.decode()
    response = client.get(URL, {"map_role": "destination", "download": "map"})
    assert response["Content-Disposition"].endswith('cen-statistics-map.xlsx"')
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("Country", "Cases")
    assert dict(rows[1:]) == {"France": 2, "China": 1}
    assert {code: count for code, (count, _link) in _map(page).items()} == {"FR": 2, "CN": 1}


def test_colour_classes_cover_every_count_without_gaps():
    counts = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
    classes = colour_classes(counts)
    assert len(classes) == 5
    assert classes[0][0] == 1 and classes[-1][1] == 89
    for (_low, high), (next_low, _high) in itertools.pairwise(classes):
        assert next_low == high + 1
    assert colour_classes([4, 4, 9]) == [(4, 4), (9, 9)]
    assert colour_classes([]) == []


def test_the_map_names_countries_in_the_users_language_and_is_never_mirrored(
    validated, as_user, analyst
):
    analyst.language = "fr"
    analyst.save()
    client = as_user(analyst)
    page = client.get(URL, {"map_role": "departure"}).content.decode()
    assert '<html lang="fr"' in page and "Équateur" in page
    analyst.language = "ar"
    analyst.save()
    for role in ("reporting", "routes"):
        response = client.get(URL, {"map_role": role})
        page = response.content.decode()
        assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in page
        assert "فرنسا" in page  # France
        assert '<div class="statistics-map" data-chart="map" dir="ltr">' in page
