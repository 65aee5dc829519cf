"""The shapes of the API's requests and answers, for the OpenAPI schema. Cases
are validated by ``case_validate`` (the entry form's validator), not here."""

from rest_framework import serializers

from ..models import AbroadReason, UploadExisting, UploadStatus, UploadWorkflow

VALUE_HELP = "A vocabulary code (e.g. AIR_PASSENGER) or its label in any of the six languages."
REQUIRED_FACT_HELP = (
    VALUE_HELP + " UNKNOWN (label “Not known”) when the fact is truly not known: accepted, "
    "counted as a missing fact in the data-quality score and apart in the statistics."
)


class LineSerializer(serializers.Serializer):
    commodity_type = serializers.CharField(help_text=VALUE_HELP)
    quantity = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        coerce_to_string=True,
        required=False,
        help_text="More than zero. Left out when quantity_not_recorded is true.",
    )
    quantity_not_recorded = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "True for a trace, or goods nobody weighed or counted: then the quantity is "
            "left out, and the unit may be (the commodity's own unit is taken)."
        ),
    )
    unit = serializers.CharField(
        required=False,
        help_text=VALUE_HELP + " Required unless quantity_not_recorded is true.",
    )
    description = serializers.CharField(required=False)
    hs_code = serializers.CharField(required=False)
    estimated_value = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    currency = serializers.CharField(required=False, help_text="ISO 4217, e.g. EUR.")
    brand = serializers.CharField(required=False)
    species = serializers.CharField(required=False)
    cites_appendix = serializers.ChoiceField(choices=["I", "II", "III"], required=False)
    packaging = serializers.CharField(required=False)


class LegSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["departure", "transit", "destination"])
    country = serializers.CharField(help_text="ISO 3166 code, e.g. CO.")
    place = serializers.CharField(required=False)


class OffenderSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=["courier", "driver", "passenger", "sender", "recipient", "other"]
    )
    nationality = serializers.CharField(required=False)
    gender = serializers.ChoiceField(choices=["female", "male", "unknown"], required=False)
    birth_year = serializers.IntegerField(required=False)
    age_range = serializers.ChoiceField(
        choices=["0-17", "18-25", "26-35", "36-45", "46-60", "61+"], required=False
    )


class CaseInSerializer(serializers.Serializer):
    national_reference = serializers.CharField(
        help_text="Your administration's reference: sending it again updates the case."
    )
    seizure_date = serializers.DateField()
    country = serializers.CharField(help_text="ISO 3166 code of the country of seizure.")
    abroad_reason = serializers.ChoiceField(
        choices=AbroadReason.values,
        required=False,
        help_text=(
            "Why your administration reports a seizure made in another country: required "
            "when the country of seizure is not your administration's, left out otherwise."
        ),
    )
    transport_mode = serializers.CharField(help_text=REQUIRED_FACT_HELP)
    detection_method = serializers.CharField(help_text=REQUIRED_FACT_HELP)
    place = serializers.CharField(required=False)
    unlocode = serializers.CharField(required=False)
    location_type = serializers.CharField(required=False, help_text=VALUE_HELP)
    direction = serializers.CharField(required=False, help_text=VALUE_HELP)
    flight_number = serializers.CharField(required=False)
    vessel_name = serializers.CharField(required=False)
    imo_number = serializers.CharField(required=False)
    container_number = serializers.CharField(required=False)
    vehicle_type = serializers.CharField(required=False)
    concealment_methods = serializers.ListField(child=serializers.CharField(), required=False)
    offence_types = serializers.ListField(child=serializers.CharField(), required=False)
    narrative = serializers.CharField(required=False)
    lines = LineSerializer(many=True)
    route = LegSerializer(many=True, required=False)
    offenders = OffenderSerializer(many=True, required=False)


class BatchInSerializer(serializers.Serializer):
    existing = serializers.ChoiceField(
        choices=UploadExisting.values, default=UploadExisting.UPDATE, required=False
    )
    cases = CaseInSerializer(many=True)


class CaseRefSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The CEN reference.")
    national_reference = serializers.CharField()
    status = serializers.CharField()


class BatchOutSerializer(serializers.Serializer):
    created = CaseRefSerializer(many=True)
    updated = CaseRefSerializer(many=True)
    skipped = CaseRefSerializer(many=True)


class CaseErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True)
    national_reference = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer: ``detail`` always; ``errors`` too
    when cases were refused, naming each by its index and national reference."""

    detail = serializers.CharField()
    errors = CaseErrorSerializer(many=True, required=False)


class CaseOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    national_reference = serializers.CharField()
    status = serializers.CharField()
    administration = serializers.CharField()
    seizure_date = serializers.DateField()
    country = serializers.CharField()
    abroad_reason = serializers.CharField()
    place = serializers.CharField()
    transport_mode = serializers.CharField()
    detection_method = serializers.CharField()
    concealment_methods = serializers.ListField(child=serializers.CharField())
    offence_types = serializers.ListField(child=serializers.CharField())
    narrative = serializers.CharField()
    quality_score = serializers.IntegerField()
    lines = serializers.ListField(child=serializers.DictField())
    route = serializers.ListField(child=serializers.DictField())
    offenders = serializers.ListField(child=serializers.DictField())


class UploadInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The filled template (.xlsx) or a CSV file.")
    workflow = serializers.ChoiceField(
        choices=UploadWorkflow.values,
        default="draft",
        help_text="What the import does with the cases it writes: leaves them drafts, "
        "submits them, or validates them (national administrators only).",
    )
    profile = serializers.CharField(
        required=False,
        help_text=(
            "A mapping profile of your administration (id or name) to read a file with "
            "its own headers; by default the profile saved for the file's headers."
        ),
    )


class MappingProfileRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ColumnTargetSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A template column key.")
    split = serializers.CharField(help_text="'', 'last', 'first' or 'list'.")


class ColumnChoiceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A template column key, or empty: ignored.")
    split = serializers.CharField(help_text="'', 'last', 'first' or 'list'.")
    also = ColumnTargetSerializer(
        many=True,
        required=False,
        help_text=(
            "Other template columns the same file column gives (absent: none), e.g. a "
            '"City, Country" cell: {"key": "place", "split": "first"} beside '
            '{"key": "country", "split": "last"}.'
        ),
    )


class UploadConfirmSerializer(serializers.Serializer):
    existing = serializers.ChoiceField(choices=UploadExisting.values, default="update")


class UploadConventionsSerializer(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            "By column key: dmy or mdy for a date column, the decimal separator "
            "(. or ,) for a number column."
        ),
    )


class UploadOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file = serializers.CharField()
    sha256 = serializers.CharField()
    status = serializers.ChoiceField(choices=UploadStatus.values)
    workflow = serializers.ChoiceField(choices=UploadWorkflow.values)
    rows_total = serializers.IntegerField()
    rows_done = serializers.IntegerField()
    summary = serializers.DictField()
    conventions = serializers.DictField(
        child=serializers.DictField(),
        help_text=(
            "How each number and date column is read, by column key: "
            '{"quantity": {"decimal": ".", "thousands": ",", "decided": "auto"}, '
            '"seizure_date": {"order": "mdy", "decided": "ambiguous", "samples": '
            '["03/01/2019"], "count": 12}}. decided: auto (from the file\'s own values), '
            "user (chosen), profile (as the mapping profile reads it), ambiguous (to be "
            "chosen before the upload can be confirmed; with the profile's reading in "
            "profile when the file's values contradict it)."
        ),
    )
    error_count = serializers.IntegerField()
    errors = serializers.ListField(
        child=serializers.DictField(),
        help_text="This page of the errors (1,000 a page): sheet, row, column, index, message.",
    )
    errors_page = serializers.IntegerField(help_text="The page of errors given.")
    errors_next = serializers.URLField(
        allow_null=True, help_text="The URL of the next page of errors; null on the last."
    )
    message = serializers.CharField()
    result = serializers.DictField()
    same_file_as = serializers.IntegerField(allow_null=True)
    needs_mapping = serializers.BooleanField(
        help_text="The file's own headers or values are to be mapped on its page first."
    )
    headers = serializers.ListField(
        child=serializers.CharField(), help_text="The file's headers, when not the template's."
    )
    suggested_columns = serializers.ListField(
        child=serializers.CharField(),
        help_text="The template column key suggested for each header ('' for none).",
    )
    columns = ColumnChoiceSerializer(
        many=True,
        help_text="The column map in use, one per header; empty when the headers are the "
        "template's own.",
    )
    offender_headers = serializers.ListField(
        child=serializers.CharField(),
        help_text="The headers of the Offenders sheet, when a file with its own headers "
        "has its own there too.",
    )
    offender_columns = ColumnChoiceSerializer(
        many=True, help_text="The column map of that Offenders sheet, one per header."
    )
    template_headers = serializers.BooleanField(
        help_text="The file has the template's own headers: only its values are mapped."
    )
    value_questions = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text=(
            "By template column key, the file's values in none of our lists: "
            '[{"value", "count", "suggested"}].'
        ),
    )
    profile = MappingProfileRefSerializer(
        allow_null=True, help_text="The mapping profile the file was read with."
    )
