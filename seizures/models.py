"""The global CEN: non-nominal seizure and offence cases, and their vocabularies.

Nothing here may identify a person: offenders are profiles (nationality, gender,
age), never names or document numbers.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Administration, Region
from accounts.regions import region_of

from . import validators

# --- Vocabularies ------------------------------------------------------------------

# The code of the entry that says a required fact is not known (transport mode,
# detection method): accepted, so that minimal data can be reported, but never
# counted as a real value (validation.case_quality, the statistics' own bucket).
NOT_KNOWN = "UNKNOWN"


class Vocabulary(models.Model):
    """A controlled list entry: a stable code and a label in the six languages
    (``label_en``, ``label_fr``… added by modeltranslation, see translation.py)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.label or self.code

    @property
    def is_not_known(self) -> bool:
        return self.code == NOT_KNOWN


class CommodityArea(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("commodity area")
        verbose_name_plural = _("commodity areas")


class Dimension(models.TextChoices):
    """What a quantity measures. Quantities of different dimensions are never added."""

    MASS = "mass", _("mass (kg)")
    VOLUME = "volume", _("volume (litres)")
    COUNT = "count", _("count (pieces)")
    HEADS = "heads", _("heads (live animals)")


class Unit(Vocabulary):
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    factor = models.DecimalField(
        _("factor to the base unit"),
        max_digits=20,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001"))],
        help_text=_("How many kg, litres, pieces or heads one of this unit is."),
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def normalise(self, quantity: Decimal) -> Decimal:
        return quantity * self.factor


class CommodityType(Vocabulary):
    area = models.ForeignKey(
        CommodityArea, on_delete=models.PROTECT, related_name="types", verbose_name=_("area")
    )
    default_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("default unit")
    )

    class Meta(Vocabulary.Meta):
        verbose_name = _("commodity type")
        verbose_name_plural = _("commodity types")


class TransportMode(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("transport mode")
        verbose_name_plural = _("transport modes")


class DetectionMethod(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("detection method")
        verbose_name_plural = _("detection methods")


class ConcealmentMethod(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("concealment method")
        verbose_name_plural = _("concealment methods")


class Direction(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("direction")
        verbose_name_plural = _("directions")


class LocationType(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("location type")
        verbose_name_plural = _("location types")


class OffenceType(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("offence type")
        verbose_name_plural = _("offence types")


VOCABULARIES = [
    CommodityArea,
    CommodityType,
    Unit,
    TransportMode,
    DetectionMethod,
    ConcealmentMethod,
    Direction,
    LocationType,
    OffenceType,
]

# --- Cases ---------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")


class CaseSource(models.TextChoices):
    MANUAL = "manual", _("Manual entry")
    UPLOAD = "upload", _("Bulk upload")
    API = "api", _("API")
    NCEN = "ncen", _("nCEN transfer")


class AbroadReason(models.TextChoices):
    """Why an administration reports a seizure made outside its own country.

    A member reports its own seizures; one made abroad is accepted only with one
    of these reasons (seizures/forms.py, ``CaseForm.clean``)."""

    JOINT_OPERATION = "joint_operation", _("Joint operation with that country")
    OFFICERS_ABROAD = (
        "officers_abroad",
        _("Seized by our officers posted abroad (border post, juxtaposed controls)"),
    )
    ON_ARRIVAL = "on_arrival", _("Found on arrival from that country, where it was seized")
    ON_BEHALF = "on_behalf", _("Reported on behalf of that country's administration")


class CaseSequence(models.Model):
    """The last number used for each year and country in case references."""

    year = models.PositiveSmallIntegerField()
    country = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "country"], name="one_sequence_per_year_country"
            )
        ]

    def __str__(self):
        return f"{self.year}-{self.country}: {self.last}"


class Case(models.Model):
    reference = models.CharField(_("CEN reference"), max_length=30, unique=True, editable=False)
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("reporting administration"),
    )
    national_reference = models.CharField(
        _("national reference"),
        max_length=60,
        blank=True,
        help_text=_("Your administration's own reference for this case."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=10, choices=CaseSource.choices, default=CaseSource.MANUAL
    )

    seizure_date = models.DateField(_("date of seizure"))
    country = CountryField(_("country of seizure"))
    abroad_reason = models.CharField(
        _("reason for reporting a seizure abroad"),
        max_length=16,
        choices=AbroadReason.choices,
        blank=True,
        help_text=_("Only when the country of seizure is not your administration's."),
    )
    place = models.CharField(
        _("place"), max_length=120, blank=True, help_text=_("City, port or airport.")
    )
    unlocode = models.CharField(
        _("UN/LOCODE"),
        max_length=5,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}[A-Z2-9]{3}$", _("A UN/LOCODE is five letters, e.g. FRCDG."))
        ],
    )
    location_type = models.ForeignKey(
        LocationType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("location type"),
    )
    direction = models.ForeignKey(
        Direction, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("direction")
    )
    transport_mode = models.ForeignKey(
        TransportMode, on_delete=models.PROTECT, verbose_name=_("transport mode")
    )
    flight_number = models.CharField(_("flight number"), max_length=10, blank=True)
    vessel_name = models.CharField(_("vessel name"), max_length=100, blank=True)
    imo_number = models.CharField(
        _("IMO number"), max_length=7, blank=True, validators=[validators.validate_imo_number]
    )
    container_number = models.CharField(
        _("container number"),
        max_length=11,
        blank=True,
        validators=[validators.validate_container_number],
    )
    vehicle_type = models.CharField(_("vehicle type"), max_length=100, blank=True)
    detection_method = models.ForeignKey(
        DetectionMethod, on_delete=models.PROTECT, verbose_name=_("detection method")
    )
    concealment_methods = models.ManyToManyField(
        ConcealmentMethod, blank=True, verbose_name=_("concealment methods")
    )
    offence_types = models.ManyToManyField(OffenceType, blank=True, verbose_name=_("offence types"))
    narrative = models.TextField(
        _("narrative"),
        blank=True,
        help_text=_(
            "How the seizure happened. Never write names, document numbers or anything "
            "else that identifies a person: the CEN is shared with every member."
        ),
    )

    # The words that free-text search looks at, gathered from the case and its
    # lines by ``text_for_search``. On PostgreSQL a generated tsvector column and
    # trigram index sit beside it (migration 0003, seizures/search/text.py).
    search_text = models.TextField(blank=True, editable=False)
    # The distinct commodity types of the lines, for the search facets: one
    # pass over the cases counts cases per type (seizures/search/facets.py).
    commodity_types = models.JSONField(default=list, editable=False)

    quality_score = models.PositiveSmallIntegerField(_("data quality"), default=0)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    quality_flag = models.TextField(_("data-quality problem reported by the WCO"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-seizure_date", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "national_reference"],
                condition=~models.Q(national_reference=""),
                name="national_reference_unique_per_administration",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-seizure_date"]),
            # Newest first, the search's default order, read page by page.
            models.Index(fields=["-seizure_date", "-id"], name="case_newest_first"),
            models.Index(fields=["administration", "status"]),
            models.Index(fields=["country", "seizure_date"]),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("seizures:case-detail", kwargs={"reference": self.reference})

    @property
    def is_editable(self) -> bool:
        return self.status in (CaseStatus.DRAFT, CaseStatus.REJECTED)

    def fields_from_lines(self, lines) -> dict:
        """The fields derived from the lines (CommodityLine objects or dicts of
        their fields): the free-text words and the commodity types. Every
        writer of cases (form, upload, API, demo data) goes through here."""
        types = set()
        for line in lines:
            value = line.get("commodity_type") if isinstance(line, dict) else line.commodity_type
            types.add(getattr(value, "pk", value))
        return {"search_text": self.text_for_search(lines), "commodity_types": sorted(types)}

    def text_for_search(self, lines) -> str:
        """``lines``: CommodityLine objects or dicts of their fields."""
        words = [self.narrative, self.place, self.vessel_name, self.flight_number]
        for line in lines:
            get = (
                line.get if isinstance(line, dict) else lambda name, line=line: getattr(line, name)
            )
            words += [get("description"), get("brand"), get("species")]
        return " ".join(word for word in words if word)

    @property
    def region_label(self) -> str:
        """The WCO region of the country of seizure."""
        code = region_of(self.country.code) if self.country else None
        return Region(code).label if code else ""


class LegKind(models.TextChoices):
    DEPARTURE = "departure", _("Departure")
    TRANSIT = "transit", _("Transit")
    DESTINATION = "destination", _("Destination")


class RouteLeg(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="route_legs")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("leg"), max_length=12, choices=LegKind.choices)
    country = CountryField(_("country"))
    place = models.CharField(_("place"), max_length=120, blank=True)

    class Meta:
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="one_leg_per_position")
        ]
        indexes = [models.Index(fields=["country", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.country.name}"


QUANTITY_ABOVE_ZERO = _(
    "A quantity is more than zero. For a trace, or goods nobody weighed or counted, "
    "leave the quantity empty and mark it as not recorded."
)


class CitesAppendix(models.TextChoices):
    I = "I", _("Appendix I")  # noqa: E741
    II = "II", _("Appendix II")
    III = "III", _("Appendix III")


class CommodityLine(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines")
    commodity_type = models.ForeignKey(
        CommodityType, on_delete=models.PROTECT, verbose_name=_("commodity")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    hs_code = models.CharField(
        _("HS code"), max_length=10, blank=True, validators=[validators.validate_hs_code]
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"), message=QUANTITY_ABOVE_ZERO)],
    )
    # Said, never inferred from an empty quantity: a trace, or goods nobody weighed
    # or counted. Such a line counts apart in the statistics, never in the sums.
    quantity_not_recorded = models.BooleanField(
        _("quantity not recorded"),
        default=False,
        help_text=_(
            "Nobody weighed or counted the goods (a trace, say): leave the quantity empty."
        ),
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    # quantity × unit factor, in the unit's base (kg, litres, pieces or heads);
    # empty when the quantity is not recorded.
    normalised_quantity = models.DecimalField(
        _("normalised quantity"), max_digits=24, decimal_places=6, null=True, editable=False
    )
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[validators.validate_currency]
    )
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    species = models.CharField(_("species"), max_length=150, blank=True)
    cites_appendix = models.CharField(
        _("CITES appendix"), max_length=3, choices=CitesAppendix.choices, blank=True
    )
    packaging = models.CharField(_("packaging"), max_length=150, blank=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("commodity line")
        verbose_name_plural = _("commodity lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity_not_recorded=True, quantity__isnull=True)
                | models.Q(quantity_not_recorded=False, quantity__isnull=False),
                name="quantity_given_or_said_not_recorded",
            )
        ]

    def __str__(self):
        if self.quantity_not_recorded:
            return f"{self.commodity_type} ({self.unit.code})"
        return f"{self.commodity_type} {self.quantity} {self.unit.code}"

    def validate_constraints(self, exclude=None):
        """Its one check constraint, tested here in Python: Django's own test
        builds a query of every field of the line to ask the database, once per
        line (thousands in a bulk upload). Excluding either field skips it, as
        Django does (the line form gives its own message for it)."""
        [constraint] = self._meta.constraints
        if {"quantity", "quantity_not_recorded"} & set(exclude or ()):
            return
        if bool(self.quantity_not_recorded) != (self.quantity is None):
            raise ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class AgeRange(models.TextChoices):
    UNDER_18 = "0-17", _("Under 18")
    FROM_18 = "18-25", _("18 to 25")
    FROM_26 = "26-35", _("26 to 35")
    FROM_36 = "36-45", _("36 to 45")
    FROM_46 = "46-60", _("46 to 60")
    OVER_60 = "61+", _("Over 60")


class OffenderRole(models.TextChoices):
    COURIER = "courier", _("Courier")
    DRIVER = "driver", _("Driver")
    PASSENGER = "passenger", _("Passenger")
    SENDER = "sender", _("Sender")
    RECIPIENT = "recipient", _("Recipient")
    OTHER = "other", _("Other")


class OffenderProfile(models.Model):
    """Who was involved, without saying who: no names, no document numbers."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="offenders")
    nationality = CountryField(_("nationality"), blank=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    age_range = models.CharField(_("age range"), max_length=6, choices=AgeRange.choices, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=OffenderRole.choices)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("offender profile")
        verbose_name_plural = _("offender profiles")

    def __str__(self):
        return f"{self.get_role_display()} ({self.nationality.code or '?'})"


class PhotoKind(models.TextChoices):
    SEIZURE = "seizure", _("Seizure")
    CONCEALMENT = "concealment", _("Concealment")
    XRAY = "xray", _("X-ray image")
    PACKAGING = "packaging", _("Packaging or brand")


def _photo_path(instance, filename):
    # Never the uploader's file name: it may carry names, places or dates.
    return f"photos/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


def _thumbnail_path(instance, filename):
    return f"thumbnails/{uuid.uuid4().hex}.jpg"


class Photo(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    # Width and height are set from the sanitised image; no width_field here, which
    # would make Django open the file whenever a Photo is loaded.
    image = models.ImageField(upload_to=_photo_path)
    thumbnail = models.ImageField(upload_to=_thumbnail_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    kind = models.CharField(
        _("kind"), max_length=12, choices=PhotoKind.choices, default=PhotoKind.SEIZURE
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, editable=False)
    # A 64-bit perceptual hash (dHash), stored signed to fit a bigint: photos that
    # look alike differ in few bits (seizures/search/photos.py).
    phash = models.BigIntegerField(null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.case_id} {self.get_kind_display()}"


class CaseAction(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    REOPENED = "reopened", _("Reopened")
    FLAGGED = "flagged", _("Data-quality problem reported")
    PHOTO_ADDED = "photo_added", _("Photo added")
    PHOTO_DELETED = "photo_deleted", _("Photo removed")


class CaseChange(models.Model):
    """One entry of a case's history: who changed what, and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=CaseAction.choices)
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportLayout(models.TextChoices):
    CASE = "case", _("One row per case")
    LINE = "line", _("One row per commodity line")


class ExportColumns(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    FULL = "full", _("All columns")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    CSV = "csv", _("CSV (UTF-8)")


def _export_path(instance, filename):
    return f"exports/{uuid.uuid4().hex}/{filename}"


class Export(models.Model):
    """A search result written to a file by a worker, kept for a week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The search page's own query string: the export runs the very same search.
    query = models.TextField(blank=True)
    layout = models.CharField(_("rows"), max_length=4, choices=ExportLayout.choices)
    columns = models.CharField(_("columns"), max_length=7, choices=ExportColumns.choices)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"), max_length=7, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # Its task could not be sent (the broker was unreachable): the sweeper sends
    # it again once the broker is back (seizures/services/sweep.py).
    waiting_for_queue = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def progress(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class SavedSearch(models.Model):
    """A search kept under a name; as a watch, its new validated cases are e-mailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.TextField(blank=True)
    is_watch = models.BooleanField(
        _("watch list"),
        default=False,
        help_text=_("E-mail me, at most once a day, the newly validated cases that match."),
    )
    # Cases validated after this moment are "new" for the watch.
    watched_since = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_search_name_per_user")
        ]

    def __str__(self):
        return self.name


class IndicatorSharing(models.TextChoices):
    # Translators: who may see a risk indicator: only its owner.
    PRIVATE = "private", _("Only me")
    ADMINISTRATIONS = "administrations", _("Chosen administrations")
    ALL = "all", _("All members")


class RiskIndicator(models.Model):
    """A named set of search filters whose validated cases an analyst follows:
    its profile, its one-page sheet, its watch list (seizures/indicators/)."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(
        _("description and rationale"),
        blank=True,
        help_text=_("What the indicator points at, and why it is a risk."),
    )
    # The search's query string, normalised (seizures/indicators/filters.py): any
    # page that has a search can link to the creation form with it.
    query = models.TextField(_("filters"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="risk_indicators",
        verbose_name=_("owner"),
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("administration"),
    )
    sharing = models.CharField(
        _("shared with"),
        max_length=16,
        choices=IndicatorSharing.choices,
        default=IndicatorSharing.PRIVATE,
    )
    shared_with = models.ManyToManyField(
        Administration,
        blank=True,
        related_name="+",
        verbose_name=_("administrations"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("risk indicator")
        verbose_name_plural = _("risk indicators")
        indexes = [models.Index(fields=["sharing"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("seizures:risk-indicator-detail", kwargs={"pk": self.pk})

    def clean(self):
        from .indicators.filters import indicator_search_form

        # Raised without a field name: the forms that edit an indicator show the
        # filters through the search form, not as a "query" field.
        indicator_search_form(self.query)


def _extract_path(instance, filename):
    return f"extracts/{uuid.uuid4().hex}/{filename}"


class DatabaseExtract(models.Model):
    """The nightly extract of all validated cases, as SQLite and as CSV files."""

    created_at = models.DateTimeField(default=timezone.now)
    case_count = models.PositiveIntegerField(default=0)
    sqlite_file = models.FileField(upload_to=_extract_path)
    csv_zip = models.FileField(upload_to=_extract_path)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.case_count})"


class UploadStatus(models.TextChoices):
    CHECKING = "checking", _("Checking")
    # Its columns (or some of its values) are not the template's: the uploader
    # says which is which (seizures/imports/mapping.py), then it is checked again.
    NEEDS_MAPPING = "mapping", _("Needs a mapping")
    INVALID = "invalid", _("Errors to correct")
    AWAITING = "awaiting", _("Awaiting confirmation")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class UploadExisting(models.TextChoices):
    """What an upload does with a case whose national reference is already known."""

    UPDATE = "update", _("Update existing cases")
    SKIP = "skip", _("Skip existing cases")


class UploadWorkflow(models.TextChoices):
    """The workflow step an import takes on the cases it writes (a national
    admin's choice: they are the validator)."""

    DRAFT = "draft", _("Import as drafts")
    SUBMIT = "submit", _("Submit on import")
    VALIDATE = "validate", _("Validate on import")


def _upload_path(instance, filename):
    # Never the user's file name on disk: it is kept in original_name.
    return f"uploads/{uuid.uuid4().hex}/{filename.rsplit('/', 1)[-1][-80:]}"


# A check reports progress every few hundred rows; reading even the largest file
# allowed takes a minute or two. Ten minutes without a sign means no worker.
UPLOAD_CHECK_STALLED_AFTER = timedelta(minutes=10)
UPLOAD_MAX_ATTEMPTS = 3


class MappingProfile(models.Model):
    """How an administration's own spreadsheet reads as the template: which of
    its columns is which template column, and which of its values is which
    vocabulary entry. Applied to every later file with the same headers."""

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="+", verbose_name=_("administration")
    )
    name = models.CharField(_("name"), max_length=100)
    # The file's headers, and their normalised digest (seizures/imports/mapping.py).
    headers = models.JSONField(default=list)
    headers_signature = models.CharField(max_length=64)
    # [{"key": template column key or "", "split": ""|"last"|"first"|"list", "also":
    # [{"key", "split"}]}], one per header; "also" (optional): the other template
    # columns the same file column gives ("City, Country": the place and the
    # country). Empty: the headers are the template's own, only values are mapped.
    columns = models.JSONField(default=list, blank=True)
    # {template column key: {normalised file value: code, or null to leave it as it is}}.
    values = models.JSONField(default=dict, blank=True)
    # How the files' numbers and dates are read, as the user once chose:
    # {template column key: {"order": "dmy"|"mdy"} | {"decimal": ","|"."}}.
    conventions = models.JSONField(default=dict, blank=True)
    # The Offenders sheet of these files, when its headers are its own too:
    # {"headers": [...], "columns": [{"key", "split"}], one per header}.
    offenders = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["administration", "name"], name="mapping_profile_unique_name"
            )
        ]
        indexes = [models.Index(fields=["administration", "headers_signature"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("seizures:mapping-profile-detail", kwargs={"pk": self.pk})


class Upload(models.Model):
    """A spreadsheet of cases: checked by a worker, previewed, then imported
    whole or not at all."""

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to=_upload_path)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=UploadStatus.choices, default=UploadStatus.CHECKING
    )
    existing = models.CharField(
        _("existing cases"),
        max_length=6,
        choices=UploadExisting.choices,
        default=UploadExisting.UPDATE,
    )
    # Taken on the imported cases through the bulk workflow (services/bulk.py).
    workflow = models.CharField(
        _("on import"), max_length=8, choices=UploadWorkflow.choices, default=UploadWorkflow.DRAFT
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Counts of what the import would do, by commodity area (see imports/service.py).
    summary = models.JSONField(default=dict, blank=True)
    # Every error: [{"sheet", "row", "column", "message"}], in the uploader's language.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    error_file = models.FileField(upload_to=_upload_path, blank=True)
    # How each number and date column of the file is read, by template column key:
    # {"quantity": {"decimal": ".", "thousands": ",", "decided": "auto"}, …}; a
    # column "ambiguous" waits for the user's answer (imports/conventions.py).
    conventions = models.JSONField(default=dict, blank=True)
    # The validated cases, kept from the check to the import (imports/snapshot.py).
    validated = models.FileField(upload_to=_upload_path, blank=True)
    # Why a whole file was refused or an import failed, in the uploader's language.
    message = models.TextField(blank=True)
    # The CEN references created and updated by the import.
    result = models.JSONField(default=dict, blank=True)
    # The file's own headers and how they and its values read as the template's
    # (seizures/imports/mapping.py); empty for a file with the template's columns.
    mapping = models.JSONField(default=dict, blank=True)
    # The administration's mapping profile applied to it, if any.
    profile = models.ForeignKey(
        MappingProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the worker checking the file (see imports/service.py).
    progress_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker took up the current check or import: a file that
    # kills its worker is redelivered, but not for ever (UPLOAD_MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Its task could not be sent (the broker was unreachable): the sweeper sends
    # it again once the broker is back (seizures/services/sweep.py).
    waiting_for_queue = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        indexes = [models.Index(fields=["administration", "-created_at"])]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("seizures:upload-detail", kwargs={"pk": self.pk})

    @property
    def progress(self) -> int:
        if self.status not in (UploadStatus.CHECKING, UploadStatus.IMPORTING):
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (UploadStatus.CHECKING, UploadStatus.IMPORTING)

    @property
    def check_stalled(self) -> bool:
        """Being checked, but its worker has shown no progress for a long while:
        it was most likely killed. The user may check it again or cancel it."""
        last = self.progress_at or self.created_at
        return (
            not self.waiting_for_queue
            and self.status == UploadStatus.CHECKING
            and timezone.now() - last > UPLOAD_CHECK_STALLED_AFTER
        )


# Pre-aggregated counts of validated cases, for the statistics page. Kept by
# seizures.statistics.summary (a case adds its contribution when validated and
# takes it back when reopened) and rebuilt by ``manage.py rebuild_statistics``.
# ``area`` and ``commodity_type`` hold vocabulary ids, 0 meaning "all": a row
# with both 0 counts every case once, whatever its commodities, so that cases
# are never double-counted when a case has lines of several commodities.
class CaseStatMonth(models.Model):
    month = models.DateField()  # the first day of the month of seizure
    country = models.CharField(max_length=2)  # the reporting (seizure) country
    area = models.IntegerField()
    commodity_type = models.IntegerField()
    cases = models.IntegerField(default=0)
    # Normalised quantities, one column per dimension: never added together.
    mass_kg = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    volume_l = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    count_pieces = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    heads = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    # Cases with a line of this level whose quantity is not recorded: in ``cases``,
    # never in the quantities.
    unquantified = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "country", "area", "commodity_type"], name="case_stat_month_key"
            )
        ]
        indexes = [models.Index(fields=["area", "commodity_type", "month"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.country} {self.area}/{self.commodity_type}"


class StatDimension(models.TextChoices):
    """What a ``DimensionStatMonth`` row counts cases by."""

    ADMINISTRATION = "administration", _("Reporting administration")
    DEPARTURE = "departure", _("Departure country")
    TRANSIT = "transit", _("Transit country")
    DESTINATION = "destination", _("Destination country")
    ROUTE = "route", _("Route (departure → destination)")
    TRANSPORT_MODE = "transport_mode", _("Transport mode")
    DETECTION_METHOD = "detection_method", _("Detection method")
    CONCEALMENT = "concealment", _("Concealment method")


class DimensionStatMonth(models.Model):
    """Validated cases by month and one dimension's value (a route country, a
    departure → destination pair "EC>FR", a transport mode's id, the reporting
    administration's id …), at the same
    commodity levels as ``CaseStatMonth``, per reporting country and for all of
    them (``country`` "")."""

    month = models.DateField()
    kind = models.CharField(max_length=16, choices=StatDimension.choices)
    value = models.CharField(max_length=24)
    country = models.CharField(max_length=2)  # the reporting country; "" = every country
    area = models.IntegerField()
    commodity_type = models.IntegerField()
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Its index serves every read: kind, country level, commodity level, months.
            models.UniqueConstraint(
                fields=["kind", "country", "area", "commodity_type", "month", "value"],
                name="dimension_stat_month_key",
            )
        ]

    def __str__(self):
        level = f"{self.area}/{self.commodity_type}"
        return f"{self.month:%Y-%m} {self.kind}={self.value} {self.country or '*'} {level}"


class ArrayOnPostgres(ArrayField):
    """A PostgreSQL array. Only PostgreSQL reads and keeps ``CaseFacts``; on
    SQLite the column exists (as text) so that the migrations run, and stays empty."""

    def db_type(self, connection):
        return super().db_type(connection) if connection.vendor == "postgresql" else "text"


class CaseFacts(models.Model):
    """One narrow row per validated case with what the statistics panels group
    by, so that a direct count (seizures/statistics/matching.py) copies the
    matching cases' rows and never joins the line, leg or concealment tables.
    Kept with the summaries (seizures/statistics/summary.py), on PostgreSQL only.

    Route countries, concealment methods and ``areas`` are each sorted and
    distinct; the ``line_…`` arrays are parallel, one element per commodity line
    (``line_quantities`` NULL where the quantity was not recorded), in the order
    of the lines. A line whose quantity was not recorded adds nothing to the sums."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="statistics_facts"
    )
    month = models.DateField()  # the first day of the month of seizure
    country = models.CharField(max_length=2)  # of seizure
    administration_id = models.IntegerField()
    transport_mode_id = models.IntegerField(null=True)
    detection_method_id = models.IntegerField(null=True)
    departures = ArrayOnPostgres(models.CharField(max_length=2))
    transits = ArrayOnPostgres(models.CharField(max_length=2))
    destinations = ArrayOnPostgres(models.CharField(max_length=2))
    concealments = ArrayOnPostgres(models.IntegerField())
    # The case's lines summed: whether one has no recorded quantity, the
    # quantities per dimension (as the summaries' columns).
    not_recorded = models.BooleanField()
    mass_kg = models.DecimalField(max_digits=24, decimal_places=6)
    volume_l = models.DecimalField(max_digits=24, decimal_places=6)
    count_pieces = models.DecimalField(max_digits=24, decimal_places=6)
    heads = models.DecimalField(max_digits=24, decimal_places=6)
    # The commodity areas of its lines (per area, a case of one area is its sums;
    # one of several is counted from its lines).
    areas = ArrayOnPostgres(models.IntegerField())
    line_areas = ArrayOnPostgres(models.IntegerField())
    line_types = ArrayOnPostgres(models.IntegerField())
    line_dimensions = ArrayOnPostgres(models.CharField(max_length=8))
    line_quantities = ArrayOnPostgres(models.DecimalField(max_digits=24, decimal_places=6))
    line_not_recorded = ArrayOnPostgres(models.BooleanField())

    def __str__(self):
        return f"{self.case_id} {self.month:%Y-%m} {self.country}"


class BulkActionKind(models.TextChoices):
    """A workflow step taken on many cases of one administration at once."""

    SUBMIT = "submit", _("Submit")
    VALIDATE = "validate", _("Validate")
    REJECT = "reject", _("Reject")


class BulkActionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkAction(models.Model):
    """Submit, validate or reject the chosen cases of one administration, in a
    worker, a batch of cases at a time: each batch is written whole or not at all
    (seizures/services/bulk.py)."""

    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    action = models.CharField(_("action"), max_length=8, choices=BulkActionKind.choices)
    reason = models.TextField(_("reason for rejection"), blank=True)
    # Where the cases were chosen: a search (its query string) or an upload.
    query = models.TextField(blank=True)
    upload = models.ForeignKey(Upload, on_delete=models.SET_NULL, null=True, blank=True)
    # The cases chosen when the user confirmed; those done are taken off the front.
    case_ids = models.JSONField(default=list)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=BulkActionStatus.choices,
        default=BulkActionStatus.QUEUED,
    )
    cases_total = models.PositiveIntegerField(default=0)
    cases_done = models.PositiveIntegerField(default=0)
    # Chosen, but no longer in a status the step applies to when their batch came.
    cases_skipped = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} ×{self.cases_total} ({self.status})"

    def get_absolute_url(self):
        return reverse("seizures:bulk-action-detail", kwargs={"pk": self.pk})

    @property
    def progress(self) -> int:
        if self.status == BulkActionStatus.DONE:
            return 100
        handled = self.cases_done + self.cases_skipped
        return int(100 * handled / self.cases_total) if self.cases_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in (BulkActionStatus.QUEUED, BulkActionStatus.RUNNING)
