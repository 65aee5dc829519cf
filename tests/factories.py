import factory
from django.utils import timezone
from django_countries import countries
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Administration, PasswordHistory, Region, Role, User

TEST_PASSWORD = "correct-horse-battery-staple"
# Fixtures name France and Kenya explicitly; factories take the other countries.
_COUNTRY_CODES = [code for code, _ in countries if code not in ("FR", "KE")]


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration

    name = factory.Sequence(lambda n: f"Customs administration {n}")
    country = factory.Sequence(lambda n: _COUNTRY_CODES[n % len(_COUNTRY_CODES)])
    region = Region.EUR


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@customs.example.org")
    full_name = factory.Faker("name")
    administration = factory.SubFactory(AdministrationFactory)
    role = Role.OFFICER
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])
            PasswordHistory.objects.create(user=self, password=self.password)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator"
    confirmed = True
