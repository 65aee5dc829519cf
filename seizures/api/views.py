"""The API's endpoints: thin views over the same services as the pages."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..imports import service
from ..imports.json_cases import case_batch_save
from ..imports.reading import FileRefused
from ..models import Case, UploadExisting, UploadWorkflow
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


class CaseDetailView(ApiView):
    @extend_schema(
        summary="Read a case",
        responses={200: serializers.CaseOutSerializer, **_error_responses(lookup=True)},
    )
    def get(self, request, reference):
        case = selectors.case_get(user=request.user, reference=reference)
        return Response(
            {
                **_ref(case),
                "administration": case.administration.name,
                "seizure_date": case.seizure_date,
                "country": case.country.code,
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
                        "quantity": str(line.quantity),
                        "unit": line.unit.code,
                        "normalised_quantity": str(line.normalised_quantity),
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


def _upload_out(upload) -> dict:
    same = selectors.upload_same_file_list(upload=upload).first()
    return {
        "id": upload.pk,
        "file": upload.original_name,
        "sha256": upload.sha256,
        "status": upload.status,
        "workflow": upload.workflow,
        "rows_total": upload.rows_total,
        "rows_done": upload.rows_done,
        "summary": upload.summary,
        "error_count": upload.error_count,
        "errors": upload.errors[:1000],
        "message": upload.message,
        "result": upload.result,
        "same_file_as": same.pk if same else None,
    }


def _api_upload_get(request, pk):
    """An upload of the key's administration (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    from ..models import Upload

    return get_object_or_404(Upload, administration_id=request.auth.administration_id, pk=pk)


class UploadCreateView(ApiView):
    @extend_schema(
        summary="Upload a spreadsheet",
        description="The file is checked in the background: poll the upload, then confirm it.",
        request={"multipart/form-data": serializers.UploadInSerializer},
        responses={
            202: serializers.UploadOutSerializer,
            403: OpenApiResponse(
                serializers.ErrorSerializer,
                description="A workflow step on import asked by someone other than a "
                "national administrator.",
            ),
            **_error_responses(body=True),
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
        try:
            upload = service.upload_create(
                user=request.user,
                file=file,
                workflow=workflow,
                api_key=request.auth,
                request=request,
            )
        except FileRefused as refused:
            return Response({"detail": refused.message}, 400)
        upload.refresh_from_db()
        return Response(_upload_out(upload), status=status.HTTP_202_ACCEPTED)


class UploadDetailView(ApiView):
    @extend_schema(
        summary="Poll an upload",
        responses={200: serializers.UploadOutSerializer, **_error_responses(lookup=True)},
    )
    def get(self, request, pk):
        return Response(_upload_out(_api_upload_get(request, pk)))


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
        except PermissionDenied:
            message = _("This upload cannot be imported in its current state.")
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        upload.refresh_from_db()
        return Response(_upload_out(upload), status=status.HTTP_202_ACCEPTED)


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """Any other path under /api/v1/ (``/uploads/-1/`` too): the key is checked,
    then the answer is a 404 in the API's error shape, never an HTML page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound
