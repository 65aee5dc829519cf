"""The API's endpoints: thin views over the same services as the pages."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..imports import service
from ..imports.conventions import BadAnswer
from ..imports.json_cases import case_batch_save
from ..imports.reading import FileRefused
from ..models import Case, UploadExisting, UploadStatus, UploadWorkflow
from . import serializers
from .auth import AuditedMixin

MAX_BATCH = 1000


def _ref(case: Case) -> dict:
    return {
        "reference": case.reference,
        "national_reference": case.national_reference,
        "status": case.status,
    }


def _errors(result) -> Response:
    detail = _("Nothing was written: correct the cases listed in “errors”.")
    return Response({"detail": detail, "errors": result.errors}, status=status.HTTP_400_BAD_REQUEST)


def _error_responses(*, body: bool = False, lookup: bool = False) -> dict:
    """Every error an endpoint may answer, all in the one ErrorSerializer shape."""
    error = serializers.ErrorSerializer
    responses = {
        401: OpenApiResponse(error, description="No API key, or an invalid or revoked one."),
        429: OpenApiResponse(error, description="Too many calls for this key: see Retry-After."),
    }
    if body:
        responses[400] = OpenApiResponse(error, description="Invalid body; nothing written.")
        responses[415] = OpenApiResponse(error, description="Content type not accepted.")
    if lookup:
        responses[404] = OpenApiResponse(error, description="Not found, or not yours to see.")
    return responses


def _existing(data) -> str:
    """The body's "existing" choice; a body that is not a JSON object has none."""
    value = data.get("existing") if isinstance(data, dict) else None
    return value if value in UploadExisting.values else UploadExisting.UPDATE


class ApiView(AuditedMixin, APIView):
    pass


class CaseCreateView(ApiView):
    @extend_schema(
        summary="Create or update one case",
        description="Identified by its national reference: sent again, it updates the draft.",
        request=serializers.CaseInSerializer,
        responses={
            201: serializers.CaseRefSerializer,
            200: serializers.CaseRefSerializer,
            **_error_responses(body=True),
        },
    )
    def post(self, request):
        result = case_batch_save(
            user=request.user, items=[request.data], api_key=request.auth, request=request
        )
        if result.errors:
            return _errors(result)
        if result.created:
            return Response(_ref(result.created[0]), status=status.HTTP_201_CREATED)
        return Response(_ref(result.updated[0]))


class CaseBatchView(ApiView):
    @extend_schema(
        summary="Create or update a batch of cases, all or nothing",
        description=(
            "At most 1,000 cases. If one case is invalid nothing is written and the answer "
            "names each bad case by its index and national reference."
        ),
        request=serializers.BatchInSerializer,
        responses={200: serializers.BatchOutSerializer, **_error_responses(body=True)},
    )
    def post(self, request):
        cases = request.data.get("cases") if isinstance(request.data, dict) else None
        if not isinstance(cases, list) or not cases or len(cases) > MAX_BATCH:
            message = _("Send between 1 and %(limit)s cases in “cases”.") % {"limit": MAX_BATCH}
            errors = [{"index": None, "national_reference": "", "errors": {"cases": [message]}}]
            return Response({"detail": message, "errors": errors}, 400)
        result = case_batch_save(
            user=request.user,
            items=cases,
            existing=_existing(request.data),
            api_key=request.auth,
            request=request,
        )
        if result.errors:
            return _errors(result)
        return Response(
            {
                "created": [_ref(case) for case in result.created],
                "updated": [_ref(case) for case in result.updated],
                "skipped": [_ref(case) for case in result.skipped],
            }
        )


def _decimal_text(value) -> str | None:
    return None if value is None else str(value)


class CaseDetailView(ApiView):
    @extend_schema(
        summary="Read a case",
        responses={200: serializers.CaseOutSerializer, **_error_responses(lookup=True)},
    )
    def get(self, request, reference):
        case = selectors.case_get(user=request.user, reference=reference)
        services.case_viewed(user=request.user, case=case, request=request)
        return Response(
            {
                **_ref(case),
                "administration": case.administration.name,
                "seizure_date": case.seizure_date,
                "country": case.country.code,
                "abroad_reason": case.abroad_reason,
                "place": case.place,
                "transport_mode": case.transport_mode.code,
                "detection_method": case.detection_method.code,
                "concealment_methods": [m.code for m in case.concealment_methods.all()],
                "offence_types": [m.code for m in case.offence_types.all()],
                "narrative": case.narrative,
                "quality_score": case.quality_score,
                "lines": [
                    {
                        "commodity_type": line.commodity_type.code,
                        "quantity": _decimal_text(line.quantity),
                        "quantity_not_recorded": line.quantity_not_recorded,
                        "unit": line.unit.code,
                        "normalised_quantity": _decimal_text(line.normalised_quantity),
                        "hs_code": line.hs_code,
                        "description": line.description,
                    }
                    for line in case.lines.select_related("commodity_type", "unit")
                ],
                "route": [
                    {"kind": leg.kind, "country": leg.country.code, "place": leg.place}
                    for leg in case.route_legs.all()
                ],
                "offenders": [
                    {
                        "role": o.role,
                        "nationality": o.nationality.code or "",
                        "gender": o.gender,
                        "age_range": o.age_range,
                    }
                    for o in case.offenders.all()
                ],
            }
        )


# Errors of an upload given per answer; ``errors_page`` walks through the rest.
ERRORS_PAGE_SIZE = 1000


def _errors_page(request) -> int | None:
    """The page of errors asked for (``?errors_page=``, from 1); None if it is not one."""
    text = request.query_params.get("errors_page", "1")
    return int(text) if text.isascii() and text.isdigit() and int(text) >= 1 else None


def _upload_out(upload, request, page: int = 1) -> dict:
    same = selectors.upload_same_file_list(upload=upload).first()
    start = (page - 1) * ERRORS_PAGE_SIZE
    more = len(upload.errors) > start + ERRORS_PAGE_SIZE
    next_url = None
    if more:
        path = reverse("api:upload-detail", kwargs={"pk": upload.pk})
        next_url = request.build_absolute_uri(f"{path}?errors_page={page + 1}")
    found = upload.mapping
    return {
        "id": upload.pk,
        "file": upload.original_name,
        "sha256": upload.sha256,
        "status": upload.status,
        "workflow": upload.workflow,
        "rows_total": upload.rows_total,
        "rows_done": upload.rows_done,
        "summary": upload.summary,
        "conventions": upload.conventions,
        "error_count": upload.error_count,
        "errors": upload.errors[start : start + ERRORS_PAGE_SIZE],
        "errors_page": page,
        "errors_next": next_url,
        "message": upload.message,
        "result": upload.result,
        "same_file_as": same.pk if same else None,
        "needs_mapping": upload.status == UploadStatus.NEEDS_MAPPING,
        "headers": found.get("headers", []),
        "suggested_columns": found.get("suggested", []),
        "columns": found.get("columns") or [],
        "template_headers": bool(found.get("template")),
        "offender_headers": (found.get("offenders") or {}).get("headers", []),
        "offender_columns": (found.get("offenders") or {}).get("columns") or [],
        "value_questions": found.get("questions") or {},
        "profile": {"id": upload.profile.pk, "name": upload.profile.name}
        if upload.profile
        else None,
    }


def _api_upload_get(request, pk):
    """An upload of the key's administration (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    from ..models import Upload

    return get_object_or_404(Upload, administration_id=request.auth.administration_id, pk=pk)


class UploadCreateView(ApiView):
    @extend_schema(
        summary="Upload a spreadsheet",
        description=(
            "The file is checked in the background: poll the upload, then confirm it. "
            "A file with its own headers is read with the administration's mapping "
            "profile for those headers, or the one named in `profile` (id or name); "
            "with none, the upload ends in `mapping` (needs a mapping) and lists its "
            "headers, to be mapped once on the upload's page."
        ),
        request={"multipart/form-data": serializers.UploadInSerializer},
        responses={
            202: serializers.UploadOutSerializer,
            403: OpenApiResponse(
                serializers.ErrorSerializer,
                description="A workflow step on import asked by someone other than a "
                "national administrator.",
            ),
            **_error_responses(body=True, lookup=True),
        },
    )
    def post(self, request):
        file = request.FILES.get("file")
        if file is None:
            return Response({"detail": _("Send the file in the “file” field.")}, 400)
        workflow = request.data.get("workflow") or UploadWorkflow.DRAFT
        if workflow not in UploadWorkflow.values:
            detail = _("“workflow” is one of: %(choices)s.") % {
                "choices": ", ".join(UploadWorkflow.values)
            }
            return Response({"detail": detail}, 400)
        if workflow not in service.upload_workflows_for(request.user):
            detail = _("Only a national administrator may submit or validate cases on import.")
            return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)
        profile = None
        if request.data.get("profile"):
            # Another administration's profile is a 404, like one that does not exist.
            profile = selectors.mapping_profile_get(
                user=request.user, pk=request.data.get("profile")
            )
        try:
            upload = service.upload_create(
                user=request.user,
                file=file,
                workflow=workflow,
                api_key=request.auth,
                profile=profile,
                request=request,
            )
        except FileRefused as refused:
            return Response({"detail": refused.message}, 400)
        upload.refresh_from_db()
        return Response(_upload_out(upload, request), status=status.HTTP_202_ACCEPTED)


class UploadDetailView(ApiView):
    @extend_schema(
        summary="Poll an upload",
        description=(
            "Every error of the file, 1,000 per answer: ``errors_next`` is the URL of the "
            "next page (``?errors_page=2``…), null on the last one."
        ),
        parameters=[
            OpenApiParameter(
                "errors_page",
                int,
                description="The page of errors, from 1 (1,000 errors a page).",
                required=False,
            )
        ],
        responses={
            200: serializers.UploadOutSerializer,
            400: OpenApiResponse(serializers.ErrorSerializer, description="Bad errors_page."),
            **_error_responses(lookup=True),
        },
    )
    def get(self, request, pk):
        upload = _api_upload_get(request, pk)
        page = _errors_page(request)
        if page is None:
            message = _("“errors_page” is a page number: 1, 2, 3…")
            return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
        return Response(_upload_out(upload, request, page))


class UploadConfirmView(ApiView):
    @extend_schema(
        summary="Import a checked upload",
        request=serializers.UploadConfirmSerializer,
        responses={
            202: serializers.UploadOutSerializer,
            409: OpenApiResponse(
                serializers.ErrorSerializer, description="The upload cannot be imported now."
            ),
            **_error_responses(body=True, lookup=True),
        },
    )
    def post(self, request, pk):
        upload = _api_upload_get(request, pk)
        try:
            upload = service.upload_confirm(
                upload=upload,
                user=request.user,
                existing=_existing(request.data),
                request=request,
            )
        except PermissionDenied as denied:
            message = str(denied) or _("This upload cannot be imported in its current state.")
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        upload.refresh_from_db()
        return Response(_upload_out(upload, request), status=status.HTTP_202_ACCEPTED)


class UploadConventionsView(ApiView):
    @extend_schema(
        summary="Choose how a checked upload's numbers or dates are read",
        description=(
            'For a column that ``conventions`` marks ``"decided": "ambiguous"`` (or '
            'any listed there): ``{"choices": {"seizure_date": "mdy", '
            '"quantity": "."}}``, dates ``dmy`` (day first) or ``mdy`` (month first), '
            "numbers by their decimal separator, ``.`` or ``,``. An upload with an "
            "ambiguous column cannot be confirmed until it is answered. When a reading "
            "changes the file is checked again (``status`` is ``checking``): poll it."
        ),
        request=serializers.UploadConventionsSerializer,
        responses={
            202: serializers.UploadOutSerializer,
            409: OpenApiResponse(
                serializers.ErrorSerializer, description="The upload cannot be changed now."
            ),
            **_error_responses(body=True, lookup=True),
        },
    )
    def post(self, request, pk):
        upload = _api_upload_get(request, pk)
        choices = request.data.get("choices") if isinstance(request.data, dict) else None
        if not isinstance(choices, dict):
            message = _("Send the readings chosen in “choices”, by column.")
            return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
        try:
            upload = service.upload_conventions_set(
                upload=upload, user=request.user, choices=choices, request=request
            )
        except BadAnswer as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied:
            message = _("This upload cannot be changed in its current state.")
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        upload.refresh_from_db()
        return Response(_upload_out(upload, request), status=status.HTTP_202_ACCEPTED)


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """Any other path under /api/v1/ (``/uploads/-1/`` too): the key is checked,
    then the answer is a 404 in the API's error shape, never an HTML page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound
