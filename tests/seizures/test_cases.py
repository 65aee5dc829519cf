import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Role
from seizures import services
from seizures.models import Case, CaseAction, CaseStatus, CommodityLine

from .conftest import jpeg_bytes, upload


def formset(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def full_form(vocab, *, lines=None, route=None, offenders=None, photos=None, **fields):
    data = {
        "seizure_date": "2026-03-14",
        "country": "FR",
        "place": "Le Havre",
        "transport_mode": vocab.transport.pk,
        "detection_method": vocab.detection.pk,
        "container_number": "csqu 305438 3",
        **fields,
    }
    data |= formset(
        "lines",
        lines
        if lines is not None
        else [
            {
                "commodity_type": vocab.cocaine.pk,
                "quantity": "1500",
                "unit": vocab.g.pk,
                "hs_code": "2939.72",
            },
            {"commodity_type": vocab.cigarettes.pk, "quantity": "10", "unit": vocab.carton.pk},
        ],
    )
    data |= formset(
        "route",
        route
        if route is not None
        else [
            {"kind": "departure", "country": "EC"},
            {"kind": "transit", "country": "PA"},
            {"kind": "destination", "country": "FR", "place": "Paris"},
        ],
    )
    data |= formset(
        "offenders",
        offenders
        or [{"role": "courier", "nationality": "EC", "gender": "male", "age_range": "26-35"}],
    )
    data |= formset("photos", photos or [])
    return data


def test_officer_records_a_case_with_two_lines_and_a_route(as_user, officer, vocab):
    response = as_user(officer).post(reverse("seizures:case-create"), full_form(vocab))
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert case.reference == "CEN-2026-FR-000001"
    assert case.status == CaseStatus.DRAFT
    assert case.container_number == "CSQU3054383"
    assert case.created_by == officer
    lines = list(case.lines.order_by("id"))
    assert [line.normalised_quantity for line in lines] == [1.5, 2000]
    assert lines[0].hs_code == "293972"
    assert [(leg.position, leg.kind, leg.country.code) for leg in case.route_legs.all()] == [
        (0, "departure", "EC"),
        (1, "transit", "PA"),
        (2, "destination", "FR"),
    ]
    assert case.offenders.get().age_range == "26-35"
    assert case.changes.get().action == CaseAction.CREATED
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_CREATED, object_id=str(case.pk)
    ).exists()


def test_references_number_per_year_and_reporting_country(officer, make_case, kenyan_officer):
    import time_machine

    first = make_case(officer)
    # An old seizure recorded now is numbered in this year's sequence.
    second = make_case(officer, date=datetime.date(2025, 12, 31))
    kenyan = make_case(kenyan_officer)
    with time_machine.travel(datetime.datetime(2027, 1, 2, tzinfo=datetime.UTC)):
        next_year = make_case(officer)
    assert [first.reference, second.reference, kenyan.reference, next_year.reference] == [
        "CEN-2026-FR-000001",
        "CEN-2026-FR-000002",
        "CEN-2026-KE-000001",
        "CEN-2027-FR-000001",
    ]


def test_a_case_needs_a_commodity_line(as_user, officer, vocab):
    response = as_user(officer).post(reverse("seizures:case-create"), full_form(vocab, lines=[]))
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_errors_are_shown_for_every_part_at_once(as_user, officer, vocab):
    data = full_form(
        vocab,
        seizure_date="2099-01-01",
        lines=[
            {
                "commodity_type": vocab.cocaine.pk,
                "quantity": "-1",
                "unit": vocab.kg.pk,
                "hs_code": "12",
            }
        ],
        route=[{"kind": "destination", "country": "FR"}, {"kind": "departure", "country": "EC"}],
    )
    response = as_user(officer).post(reverse("seizures:case-create"), data)
    forms = response.context["forms"]
    assert "seizure_date" in forms.case.errors
    assert {"quantity", "hs_code"} <= set(forms.lines.forms[0].errors)
    assert forms.route.non_form_errors()
    assert not Case.objects.exists()


def test_simplified_form_goes_through_the_same_validator(as_user, officer, vocab):
    client = as_user(officer)
    data = {
        "seizure_date": "2026-02-01",
        "country": "FR",
        "commodity_type": vocab.cigarettes.pk,
        "quantity": "5",
        "unit": vocab.carton.pk,
        "transport_mode": vocab.transport.pk,
        "detection_method": vocab.detection.pk,
        "national_reference": "FR-2026-77",
    }
    response = client.post(reverse("seizures:case-create-simple"), data)
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert case.lines.get().normalised_quantity == 1000
    # The same national-reference rule as the full form.
    response = client.post(reverse("seizures:case-create-simple"), data)
    assert response.status_code == 200
    assert "already uses this reference" in response.content.decode()
    assert Case.objects.count() == 1


def test_workflow_submit_validate(as_user, client_factory, officer, national_admin, make_case):
    from ..conftest import login_verified

    case = make_case(officer)
    officer_client = as_user(officer)
    officer_client.post(reverse("seizures:case-submit", args=[case.reference]))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.submitted_at

    # An officer cannot validate, even their own administration's case.
    officer_client.post(reverse("seizures:case-validate", args=[case.reference]))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED

    admin_client = login_verified(client_factory(), national_admin)
    admin_client.post(reverse("seizures:case-validate", args=[case.reference]))
    case.refresh_from_db()
    assert case.status == CaseStatus.VALIDATED
    assert case.validated_by == national_admin
    actions = set(case.changes.values_list("action", flat=True))
    assert {"created", "submitted", "validated"} <= actions
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_VALIDATED, actor=national_admin
    ).exists()


def test_rejection_reason_reaches_the_officer(
    as_user, client_factory, officer, national_admin, make_case
):
    from ..conftest import login_verified

    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    admin_client = login_verified(client_factory(), national_admin)
    admin_client.post(
        reverse("seizures:case-reject", args=[case.reference]), {"reason": "Quantity looks wrong"}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    page = as_user(officer).get(case.get_absolute_url()).content.decode()
    assert "Quantity looks wrong" in page
    edit = as_user(officer).get(reverse("seizures:case-edit", args=[case.reference]))
    assert edit.status_code == 200


def test_rejection_needs_a_reason(client_factory, officer, national_admin, make_case):
    from ..conftest import login_verified

    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    login_verified(client_factory(), national_admin).post(
        reverse("seizures:case-reject", args=[case.reference]), {"reason": ""}
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_edit_records_what_changed(as_user, officer, vocab):
    client = as_user(officer)
    client.post(reverse("seizures:case-create"), full_form(vocab))
    case = Case.objects.get()
    data = full_form(vocab, place="Marseille")
    data["lines-INITIAL_FORMS"] = "0"
    client.post(reverse("seizures:case-edit", args=[case.reference]), data)
    change = case.changes.filter(action="edited").get()
    assert change.changes["place"] == {"from": "Le Havre", "to": "Marseille"}
    assert change.user == officer
    assert case.lines.count() == 2  # replaced, not duplicated


def test_submitted_cases_cannot_be_edited(as_user, officer, make_case, vocab):
    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    client = as_user(officer)
    response = client.get(reverse("seizures:case-edit", args=[case.reference]))
    assert response.status_code == 302
    client.post(reverse("seizures:case-edit", args=[case.reference]), full_form(vocab, place="X"))
    case.refresh_from_db()
    assert case.place == ""


def test_other_administrations_drafts_are_not_found(as_user, kenyan_officer, officer, make_case):
    case = make_case(officer)
    client = as_user(kenyan_officer)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(reverse("seizures:case-edit", args=[case.reference])).status_code == 404


def test_submitted_cases_are_read_by_every_member(as_user, kenyan_officer, officer, make_case):
    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    page = as_user(kenyan_officer).get(case.get_absolute_url())
    assert page.status_code == 200
    assert not page.context["can_edit"]
    # …but not edited by them.
    assert (
        as_user(kenyan_officer)
        .get(reverse("seizures:case-edit", args=[case.reference]))
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    "url_name", ["case-submit", "case-validate", "case-reject", "case-reopen", "case-edit"]
)
def test_posts_to_another_administrations_case_change_nothing(
    make_user, kenya, as_user, officer, national_admin, make_case, url_name, vocab
):
    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    kenyan_admin = make_user(kenya, Role.NATIONAL_ADMIN)
    before = Case.objects.filter(pk=case.pk).values().get()
    response = as_user(kenyan_admin).post(
        reverse(f"seizures:{url_name}", args=[case.reference]), {"reason": "x", **full_form(vocab)}
    )
    assert response.status_code == 404
    assert Case.objects.filter(pk=case.pk).values().get() == before


def test_analysts_and_wco_staff_do_not_record_cases(as_user, analyst, wco_staff):
    assert as_user(analyst).get(reverse("seizures:case-create")).status_code == 403
    assert as_user(wco_staff).get(reverse("seizures:case-create-simple")).status_code == 403


def test_wco_staff_flag_a_data_quality_problem(
    as_user, client_factory, wco_staff, officer, make_case
):
    from ..conftest import login_verified

    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    login_verified(client_factory(), wco_staff).post(
        reverse("seizures:case-flag", args=[case.reference]), {"message": "Unit seems to be grams"}
    )
    case.refresh_from_db()
    assert case.quality_flag == "Unit seems to be grams"
    assert (
        "Unit seems to be grams" in as_user(officer).get(case.get_absolute_url()).content.decode()
    )


def test_wco_staff_do_not_see_drafts(as_user, wco_staff, officer, make_case):
    case = make_case(officer)
    assert as_user(wco_staff).get(case.get_absolute_url()).status_code == 404


def test_national_admin_reopens_a_validated_case(officer, national_admin, make_case):
    case = make_case(officer)
    services.case_submit(user=officer, case=case)
    services.case_validate(user=national_admin, case=case)
    services.case_reopen(user=national_admin, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.validated_by is None


def test_duplicate_warning(as_user, officer, make_case):
    first = make_case(officer)
    second = make_case(officer, quantity="12500", unit=None)
    second.lines.update(normalised_quantity=first.lines.get().normalised_quantity)
    page = as_user(officer).get(second.get_absolute_url())
    assert first in page.context["duplicates"]
    assert "looks like a duplicate" in page.content.decode()


def test_quality_score_grows_with_recommended_fields(officer, make_case, as_user, vocab):
    bare = make_case(officer)
    client = as_user(officer)
    client.post(
        reverse("seizures:case-create"), full_form(vocab, narrative="Found in banana boxes")
    )
    rich = Case.objects.exclude(pk=bare.pk).get()
    assert rich.quality_score > bare.quality_score
    panel = client.post(reverse("seizures:case-quality"), full_form(vocab))
    assert panel.status_code == 200
    assert "Still missing" in panel.content.decode()


def test_own_case_list_shows_status(as_user, officer, make_case, kenyan_officer):
    mine = make_case(officer)
    theirs = make_case(kenyan_officer)
    page = as_user(officer).get(reverse("seizures:case-list")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    filtered = as_user(officer).get(reverse("seizures:case-list"), {"status": "validated"})
    assert mine.reference not in filtered.content.decode()


def test_photo_uploaded_with_the_case_is_served_only_to_those_who_may_see_it(
    as_user, client_factory, officer, kenyan_officer, vocab, django_capture_on_commit_callbacks
):
    from ..conftest import login_verified

    data = full_form(vocab, photos=[{"kind": "concealment", "caption": "False bottom"}])
    data["photos-0-image"] = upload(jpeg_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        as_user(officer).post(reverse("seizures:case-create"), data)
    case = Case.objects.get()
    photo = case.photos.get()
    assert photo.thumbnail  # made by the task on commit
    assert not photo.image.name.endswith("photo.jpg") or "/" in photo.image.name
    url = reverse("seizures:photo-image", args=[photo.pk])
    assert as_user(officer).get(url).status_code == 200
    assert login_verified(client_factory(), kenyan_officer).get(url).status_code == 404
    assert client_factory().get(url).status_code == 302
    assert CommodityLine.objects.filter(case=case).count() == 2


def test_other_members_see_the_case_but_not_its_internal_history(
    as_user, officer, kenyan_officer, vocab
):
    client = as_user(officer)
    client.post(
        reverse("seizures:case-create"), full_form(vocab, national_reference="FR-SECRET-42")
    )
    case = Case.objects.get()
    data = full_form(vocab, national_reference="FR-SECRET-43")
    client.post(reverse("seizures:case-edit", args=[case.reference]), data)
    services.case_submit(user=officer, case=case)
    page = as_user(kenyan_officer).get(case.get_absolute_url()).content.decode()
    assert "FR-SECRET" not in page
    assert officer.full_name not in page
    assert "FR-SECRET-43" in as_user(officer).get(case.get_absolute_url()).content.decode()


def test_photos_are_never_cached_beyond_the_access_check(as_user, officer, make_case):
    from seizures.photos import photo_sanitise

    case = make_case(officer)
    photo = services.photo_add(
        user=officer, case=case, clean_image=photo_sanitise(upload(jpeg_bytes())), kind="seizure"
    )
    response = as_user(officer).get(reverse("seizures:photo-image", args=[photo.pk]))
    assert response["Cache-Control"] == "private, no-cache"
    assert case.changes.filter(action=CaseAction.PHOTO_ADDED).exists()


def test_a_photo_whose_file_is_missing_is_a_404_and_a_warning(as_user, officer, make_case, caplog):
    from seizures.photos import photo_sanitise

    case = make_case(officer)
    photo = services.photo_add(
        user=officer, case=case, clean_image=photo_sanitise(upload(jpeg_bytes())), kind="seizure"
    )
    photo.image.storage.delete(photo.image.name)
    with caplog.at_level("WARNING", logger="seizures.views.cases"):
        response = as_user(officer).get(reverse("seizures:photo-image", args=[photo.pk]))
    assert response.status_code == 404
    assert any(photo.image.name in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("retired", ["cocaine", "g", "transport"])
def test_retired_vocabulary_entries_cannot_be_chosen(as_user, officer, vocab, retired):
    entry = getattr(vocab, retired)
    entry.is_active = False
    entry.save()
    response = as_user(officer).post(reverse("seizures:case-create"), full_form(vocab))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Case.objects.exists()


def test_a_null_character_in_the_entry_form_is_an_error_that_names_the_field(
    as_user, officer, vocab
):
    data = full_form(vocab, place="Le\x00Havre", national_reference="FR\x001")
    data["route-0-place"] = "Quito\x00"
    response = as_user(officer).post(reverse("seizures:case-create"), data)
    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms.case.errors["place"] == [
        "“Place” contains a null character (U+0000), which cannot be stored: remove it."
    ]
    assert (
        "“National reference” contains a null character"
        in forms.case.errors["national_reference"][0]
    )
    assert "null character" in forms.route.forms[0].errors["place"][0]
    assert not Case.objects.exists()


def test_a_null_character_in_the_simplified_form_names_the_field(as_user, officer, vocab):
    data = {
        "seizure_date": "2026-02-01",
        "country": "FR\x00",
        "commodity_type": vocab.cigarettes.pk,
        "quantity": "5",
        "unit": vocab.carton.pk,
        "transport_mode": vocab.transport.pk,
        "detection_method": vocab.detection.pk,
        "national_reference": "FR-2026-\x0077",
    }
    response = as_user(officer).post(reverse("seizures:case-create-simple"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "contains a null character (U+0000)" in page
    assert not Case.objects.exists()
