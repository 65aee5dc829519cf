"""Demo administrations and users, for local demonstrations only (DEBUG)."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Administration, PasswordHistory, Region, Role, User

DEMO_PASSWORD = "Demo-Customs-2026"

ADMINISTRATIONS = [
    ("KE", Region.ESA, "Kenya Revenue Authority – Customs and Border Control"),
    ("ZA", Region.ESA, "South African Revenue Service – Customs"),
    ("FR", Region.EUR, "French Customs (DGDDI)"),
    ("NL", Region.EUR, "Netherlands Customs"),
    ("AU", Region.AP, "Australian Border Force"),
    ("TH", Region.AP, "Thai Customs Department"),
    ("MA", Region.MENA, "Moroccan Customs (ADII)"),
    ("JO", Region.MENA, "Jordan Customs"),
    ("BR", Region.AMS, "Brazilian Federal Revenue – Customs"),
    ("MX", Region.AMS, "Mexican National Customs Agency (ANAM)"),
    ("NG", Region.WCA, "Nigeria Customs Service"),
    ("SN", Region.WCA, "Senegalese Customs"),
]

# (country or None for the Secretariat, role, e-mail, full name, language)
USERS = [
    (None, Role.WCO_STAFF, "staff@wco.example.org", "Wanda Staff", "en"),
    ("FR", Role.NATIONAL_ADMIN, "admin@fr.example.org", "Amélie Admin", "fr"),
    ("FR", Role.OFFICER, "officer@fr.example.org", "Olivier Officier", "fr"),
    ("FR", Role.ANALYST, "analyst@fr.example.org", "Anaïs Analyste", "fr"),
    ("KE", Role.NATIONAL_ADMIN, "admin@ke.example.org", "Kamau Admin", "en"),
    ("KE", Role.OFFICER, "officer@ke.example.org", "Wanjiru Officer", "en"),
    ("KE", Role.ANALYST, "analyst@ke.example.org", "Otieno Analyst", "en"),
    ("BR", Role.OFFICER, "officer@br.example.org", "Beatriz Oficial", "pt"),
    ("MA", Role.OFFICER, "officer@ma.example.org", "Youssef Officer", "ar"),
    ("MX", Role.ANALYST, "analyst@mx.example.org", "Mariana Analista", "es"),
]


def seed_accounts() -> tuple[dict, int]:
    """Create what is missing; return the administrations by country and the
    number of users created. Existing users keep their passwords."""
    with transaction.atomic():
        administrations = {}
        for country, region, name in ADMINISTRATIONS:
            administrations[country], _ = Administration.objects.get_or_create(
                country=country, is_secretariat=False, defaults={"name": name, "region": region}
            )
        administrations[None] = Administration.objects.get(is_secretariat=True)
        created = 0
        for country, role, email, full_name, language in all_demo_users():
            if User.objects.filter(email=email).exists():
                continue
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                full_name=full_name,
                role=role,
                language=language,
                administration=administrations[country],
            )
            PasswordHistory.objects.create(user=user, password=user.password)
            TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            created += 1
    return administrations, created


def all_demo_users():
    """The named demo users, plus an officer for every administration, so that
    every member has someone to report its demo cases."""
    users = list(USERS)
    emails = {email for _, _, email, _, _ in users}
    for country, _region, _name in ADMINISTRATIONS:
        email = f"officer@{country.lower()}.example.org"
        if email not in emails:
            users.append((country, Role.OFFICER, email, f"Demo officer {country}", "en"))
    return users
