import re
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import Administration, Role
from seizures.models import Case, CaseStatus

from ..conftest import totp_code
from ..factories import TEST_PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.e2e


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(totp_code(user.totpdevice_set.get()))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def test_officer_records_a_case_and_the_national_admin_validates_it(page, tmp_path):
    france = Administration.objects.create(name="French Customs", country="FR", region="EUR")
    officer = UserFactory(administration=france, role=Role.OFFICER, full_name="Olivier")
    admin = UserFactory(administration=france, role=Role.NATIONAL_ADMIN, full_name="Amélie")
    TOTPDeviceFactory(user=officer)
    TOTPDeviceFactory(user=admin)
    photo = tmp_path / "concealment.jpg"
    buffer = BytesIO()
    Image.new("RGB", (120, 90), (180, 120, 40)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    log_in(page, officer)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="Record a case").click()
    page.get_by_label("Date of seizure").fill("2026-03-14")
    expect(page.get_by_test_id("quality-score")).to_have_text("0%")
    page.get_by_label("Place").first.fill("Le Havre")
    page.get_by_label("Place").first.dispatch_event("change")
    # The data-quality panel follows what the officer enters (htmx).
    expect(page.get_by_test_id("quality-score")).not_to_have_text("0%")
    page.get_by_label("Transport mode").select_option(index=3)
    page.get_by_label("Detection method").select_option(index=1)

    lines = page.get_by_test_id("lines-row")
    lines.nth(0).get_by_label("Commodity").select_option(label="Cocaine")
    lines.nth(0).get_by_label("Quantity", exact=True).fill("12.5")
    lines.nth(0).get_by_label("Unit").select_option(
        value=lines.nth(0)
        .get_by_label("Unit")
        .locator("option", has_text="kg")
        .first.get_attribute("value")
    )
    page.get_by_role("button", name="Add a commodity").click()
    lines.nth(1).get_by_label("Commodity").select_option(label="Cigarettes")
    lines.nth(1).get_by_label("Quantity", exact=True).fill("40")
    lines.nth(1).get_by_label("Unit").select_option(
        value=lines.nth(1)
        .get_by_label("Unit")
        .locator("option", has_text="carton")
        .first.get_attribute("value")
    )

    page.get_by_role("button", name="Add a country").click()
    page.get_by_role("button", name="Add a country").click()
    legs = page.get_by_test_id("route-row")
    legs.nth(0).get_by_label("Leg").select_option("departure")
    legs.nth(0).get_by_label("Country").select_option("EC")
    legs.nth(1).get_by_label("Leg").select_option("destination")
    legs.nth(1).get_by_label("Country").select_option("FR")

    page.get_by_role("button", name="Add a photo").click()
    photos = page.get_by_test_id("photos-row")
    photos.nth(0).get_by_label("Photo").set_input_files(str(photo))
    photos.nth(0).get_by_label("Kind").select_option("concealment")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("heading", name=re.compile(r"CEN-2026-FR-\d{6}"))).to_be_visible()
    expect(page.get_by_test_id("route")).to_contain_text("Ecuador")
    expect(page.get_by_test_id("photos").locator("img")).to_have_count(1)
    page.get_by_role("button", name="Submit for validation").click()
    expect(page.get_by_text("submitted to your national administrator")).to_be_visible()

    case = Case.objects.get()
    assert case.lines.count() == 2 and case.route_legs.count() == 2 and case.photos.count() == 1
    assert case.status == CaseStatus.SUBMITTED

    # Log out through the menu (clearing cookies would race with the thumbnail
    # requests still in flight, which carry the session cookie back).
    page.get_by_role("button", name="Olivier").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    log_in(page, admin)
    page.goto(case.get_absolute_url())
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_text("The case has been validated.")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.VALIDATED and case.validated_by == admin
