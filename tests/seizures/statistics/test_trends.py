import datetime
import html
import io
import math
import re
from fractions import Fraction

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from seizures.search.query import case_search
from seizures.statistics.trends import (
    Periods,
    binomial_two_sided_p_value,
    last_full_month,
    poisson_change_p_value,
)

URL = reverse("seizures:statistics-trends")


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        # Two-sided exact binomial test with p = 1/2 (as scipy.stats.binomtest gives).
        (2, 10, 0.03857421875),
        (10, 2, 0.03857421875),
        (0, 5, 0.0625),
        (0, 6, 0.03125),
        (1, 3, 0.625),
        (5, 5, 1.0),
        (0, 0, 1.0),
        (0, 1, 1.0),
    ],
)
def test_p_values_match_known_values(previous, current, expected):
    assert poisson_change_p_value(previous, current) == pytest.approx(expected, rel=1e-12)


def test_a_small_change_is_not_significant_and_a_real_shift_is():
    assert poisson_change_p_value(1, 3) >= 0.05
    assert poisson_change_p_value(20, 60) < 0.05
    assert poisson_change_p_value(20, 60) == pytest.approx(
        2 * sum(math.comb(80, i) for i in range(21)) / 2**80, rel=1e-12
    )
    assert poisson_change_p_value(100, 120) > 0.05  # a 20 % rise on small numbers


def _exact_two_sided(k: int, n: int, p: Fraction) -> float:
    """The definition, in exact fractions: the probability of every outcome no
    more likely than k."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return float(sum(q for q in pmf if q <= pmf[k]))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [
        (700, 1500, Fraction(1, 2)),
        (740, 1500, Fraction(1, 2)),
        (10, 300, Fraction(1, 2)),
        (31, 59, Fraction(31, 59)),  # March against February, both as likely
        (10, 40, Fraction(31, 59)),
        (35, 40, Fraction(366, 731)),
        (0, 12, Fraction(28, 59)),
        (12, 12, Fraction(28, 59)),
    ],
)
def test_the_p_value_agrees_with_its_definition(k, n, p):
    assert binomial_two_sided_p_value(k, n, float(p)) == pytest.approx(
        min(1.0, _exact_two_sided(k, n, p)), rel=1e-9, abs=1e-300
    )


def test_a_large_total_in_the_tail_agrees_with_the_exact_sum():
    n, k = 10_000, 4_800
    lower = sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)
    assert binomial_two_sided_p_value(k, n) == pytest.approx(2 * lower, rel=1e-9)


def test_periods_of_unequal_days_are_weighed_by_their_days():
    # 28 days of February against 31 of March at one case a day: no change.
    assert poisson_change_p_value(2800, 3100, previous_days=28, current_days=31) > 0.05
    # As if both were as long, the same counts would look like a rise.
    assert poisson_change_p_value(2800, 3100) < 0.001


def test_periods_are_whole_months_of_equal_length():
    periods = Periods(end=datetime.date(2025, 3, 14), months=12)
    assert periods.current == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    assert periods.previous == (datetime.date(2023, 4, 1), datetime.date(2024, 3, 31))
    one = Periods(end=datetime.date(2025, 1, 1), months=1)
    assert one.previous == (datetime.date(2024, 12, 1), datetime.date(2024, 12, 31))
    assert last_full_month(datetime.date(2026, 1, 15)) == datetime.date(2025, 12, 1)


def _rows(page: str) -> list[dict]:
    """The trends table's rows as dicts of their cells."""
    import re

    body = page[page.index('id="trends-table"') :]
    rows = []
    for kind, value, cells in re.findall(
        r'<tr data-kind="([^"]+)" data-value="([^"]+)"[^>]*>(.*?)</tr>', body, re.S
    ):
        texts = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        link = html.unescape(re.search(r'href="([^"]+)"', cells).group(1))
        rows.append(
            {
                "kind": kind,
                "value": html.unescape(value),
                "previous": int(texts[2]),
                "current": int(texts[3]),
                "p": float(texts[5]),
                "link": link,
            }
        )
    return rows


def test_trends_compare_two_periods_with_links_to_the_search(validated, as_user, analyst, vocab):
    client = as_user(analyst)
    response = client.get(URL, {"end": "2025-06", "months": "1"})
    page = response.content.decode()
    assert "How to read this" in page
    rows = _rows(page)
    by_key = {(row["kind"], row["value"]): row for row in rows}
    # May (previous): EC→FR, EC, KE→CN; June (current): AE→FR.
    assert by_key[("departure", "EC")]["previous"] == 2
    assert by_key[("departure", "EC")]["current"] == 0
    assert by_key[("route", "AE>FR")]["current"] == 1
    assert by_key[("transport_mode", str(vocab.transport.pk))]["previous"] == 3
    assert by_key[("transport_mode", str(vocab.transport.pk))]["current"] == 1
    # Sorted by p-value.
    assert [row["p"] for row in rows] == sorted(row["p"] for row in rows)
    # Each row opens the search on its value in the current period: the same cases.
    route = by_key[("route", "AE>FR")]["link"]
    assert "departure=AE" in route and "destination=FR" in route
    assert "date_from=2025-06-01" in route and "date_to=2025-06-30" in route
    search = client.get(route).content.decode()
    assert "1 case" in search


def test_trends_follow_the_search_filters(validated, as_user, analyst):
    page = as_user(analyst).get(URL, {"end": "2025-06", "months": "2", "country": "KE"})
    rows = _rows(page.content.decode())
    assert {(row["kind"], row["value"]) for row in rows if row["kind"] == "route"} == {
        ("route", "KE>CN")
    }
    assert all(row["previous"] == 0 for row in rows)  # March and April were empty


def test_the_trend_counts_equal_the_search_counts(validated, as_user, analyst):
    from django.http import QueryDict

    from seizures.search.forms import CaseSearchForm

    page = as_user(analyst).get(URL, {"end": "2025-06", "months": "2"}).content.decode()
    for row in _rows(page):
        query = row["link"].split("?", 1)[1]
        form = CaseSearchForm(QueryDict(query))
        assert form.is_valid(), form.errors
        assert case_search(user=analyst, filters=form.cleaned_data).count() == row["current"]


def test_trends_excel_download_has_every_row(validated, as_user, analyst):
    client = as_user(analyst)
    query = {"end": "2025-06", "months": "1"}
    rows = _rows(client.get(URL, query).content.decode())
    response = client.get(URL, {**query, "download": "trends"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:4] == ("Dimension", "Value", "Previous period", "This period")
    assert len(cells) - 1 == len(rows)
    assert sorted((row[2], row[3]) for row in cells[1:]) == sorted(
        (row["previous"], row["current"]) for row in rows
    )
    assert AuditEvent.objects.filter(details__statistics_panel="trends").exists()


def test_the_statistics_page_links_to_the_trends(validated, as_user, analyst):
    page = as_user(analyst).get(reverse("seizures:statistics"), {"country": "FR"}).content.decode()
    assert f'href="{URL}?country=FR"' in page


def test_trends_need_a_verified_login(client, db):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_both_pages_render_in_the_readers_language(validated, as_user, analyst, language):
    analyst.language = language
    analyst.save(update_fields=["language"])
    client = as_user(analyst)
    for url in (URL, reverse("seizures:statistics")):
        page = client.get(url, {"end": "2025-06", "months": "1"}).content.decode()
        assert f'lang="{language}"' in page
        assert ('dir="rtl"' in page) == (language == "ar")


def test_a_trend_row_starts_a_risk_indicator_on_its_value_without_the_period(
    validated, as_user, analyst, officer
):
    page = as_user(analyst).get(URL, {"end": "2025-06", "months": "1", "country": "FR"})
    body = page.content.decode()
    links = [
        html.unescape(link) for link in re.findall(r'href="(/cases/indicators/new/\?[^"]+)"', body)
    ]
    route = next(link for link in links if "departure=AE" in link and "destination" in link)
    assert "destination=FR" in route and "country=FR" in route
    assert "date_from" not in route and "end=" not in route and "months=" not in route
    form = as_user(analyst).get(route).content.decode()
    departure = form[form.index('name="departure"') :]
    assert departure[: departure.index("</select>")].count('<option value="AE" selected>') == 1
    # Officers do not build indicators: no link for them.
    page = as_user(officer).get(URL, {"end": "2025-06", "months": "1"}).content.decode()
    assert "/cases/indicators/new/" not in page


@pytest.mark.parametrize("period", [{"end": "9999-12"}, {"end": "0001-01", "months": "60"}])
def test_a_month_off_the_calendar_is_refused_with_a_message(as_user, analyst, period):
    response = as_user(analyst).get(URL, period)
    assert response.status_code == 200
    assert "Choose a month between 1950 and next year." in response.content.decode()
