"""Benchmark: a risk indicator's profile page, Excel sheet and printable page
(issue 6, risk indicators) on PostgreSQL, on a database made by
`seed_demo --cases N` (which also fills the statistics summaries).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cen_h2_bench \\
        .venv/bin/python -u bench/indicators.py --runs 5

Server time through Django's test client, logged in as an analyst; each figure
is the median of --runs. The breakdown times each part of the profile alone.
"""

import argparse

from benchkit import logged_in_client, timed  # sets Django up, before the imports below

# isort: split
from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse

from accounts.models import Role, User
from seizures.indicators import profile as profiles
from seizures.indicators.filters import indicator_search_form
from seizures.indicators.services import risk_indicator_create
from seizures.models import Case, CommodityType, ConcealmentMethod, TransportMode


def parts(analyst, query: str) -> dict:
    filters = indicator_search_form(query).cleaned_data
    params = QueryDict(query)
    request = profiles.PanelRequest(user=analyst, filters=filters, query=params)
    return {
        "cases per month": lambda: profiles.months_panel(
            user=analyst, filters=filters, query=params
        ),
        "typical quantities": lambda: profiles.typical_quantities(user=analyst, filters=filters),
        **{
            f"{name}": lambda name=name: profiles.method_panel(
                user=analyst, filters=filters, query=params, name=name, total=1
            )
            for name, *_rest in profiles.METHODS
        },
        "departures": lambda: profiles.country_panel(request, role="departure", title=""),
        "routes": lambda: profiles.route_panel(request),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    analyst = User.objects.filter(role=Role.ANALYST, is_active=True).first()
    client = logged_in_client(analyst)
    cocaine = CommodityType.objects.get(code="COCAINE")
    sea = TransportMode.objects.get(code="SEA_CONTAINER")
    air = TransportMode.objects.get(code="AIR_PASSENGER")
    cargo = ConcealmentMethod.objects.get(code="MIXED_IN_CARGO")
    print(f"{Case.objects.count():,} cases")
    scenarios = [
        ("cocaine", f"commodity_type={cocaine.pk}"),
        (
            "cocaine, sea container, departure Ecuador, mixed in cargo",
            f"commodity_type={cocaine.pk}&transport_mode={sea.pk}&route_country=EC"
            f"&route_role=departure&concealment={cargo.pk}",
        ),
        ("air passenger transport (a broad indicator)", f"transport_mode={air.pk}"),
        ("country of seizure FR, 2024", "country=FR&date_from=2024-01-01&date_to=2024-12-31"),
    ]
    # Indicators made for the benchmark are rolled back at the end.
    with transaction.atomic():
        for name, query in scenarios:
            indicator = risk_indicator_create(
                user=analyst, name=name, description="", query=query, sharing="private"
            )
            urls = {
                "profile page": indicator.get_absolute_url(),
                "Excel sheet": reverse("seizures:risk-indicator-excel", args=[indicator.pk]),
                "printable page": reverse("seizures:risk-indicator-print", args=[indicator.pk]),
            }
            filters = indicator_search_form(indicator.query).cleaned_data
            matching = profiles._validated(analyst, filters).count()
            print(f"\n{name}: {matching:,} validated cases")
            for label, url in urls.items():
                assert client.get(url).status_code == 200
                print(f"  {label:22} {timed(lambda url=url: client.get(url), args.runs):8.0f} ms")
            for label, function in parts(analyst, indicator.query).items():
                print(f"    {label:20} {timed(function, args.runs):8.0f} ms")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
