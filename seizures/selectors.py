"""Reads for the global CEN, every one scoped to the user asking."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import AuditAction, AuditEvent, Role, User

from .models import (
    Case,
    CaseStatus,
    CommodityLine,
    DatabaseExtract,
    Export,
    MappingProfile,
    Photo,
    SavedSearch,
    Upload,
    UploadStatus,
)

PUBLISHED = (CaseStatus.SUBMITTED, CaseStatus.VALIDATED)
CASE_WRITERS = (Role.OFFICER, Role.NATIONAL_ADMIN)


def case_list(*, user: User) -> QuerySet[Case]:
    """Every case ``user`` may read: submitted and validated cases of every member,
    plus their own administration's drafts and rejected cases."""
    visible = Q(status__in=PUBLISHED)
    if not user.is_wco_staff:
        visible |= Q(administration_id=user.administration_id)
    return Case.objects.filter(visible).select_related(
        "administration", "transport_mode", "detection_method"
    )


def published_case_list() -> QuerySet[Case]:
    """Submitted and validated cases: every member reads them."""
    return Case.objects.filter(status__in=PUBLISHED).select_related(
        "administration", "transport_mode", "detection_method"
    )


def own_case_list(*, user: User) -> QuerySet[Case]:
    """The cases of the user's own administration, whatever their status."""
    return case_list(user=user).filter(administration_id=user.administration_id)


def case_get(*, user: User, reference: str) -> Case:
    # Another administration's draft is a 404, exactly like a case that does not exist.
    return get_object_or_404(case_list(user=user), reference=reference)


def case_get_for_edit(*, user: User, reference: str) -> Case:
    """A case the user may change: their own administration's, and they write cases."""
    if user.role not in CASE_WRITERS:
        raise Http404
    return get_object_or_404(own_case_list(user=user), reference=reference)


def case_get_for_validation(*, user: User, reference: str) -> Case:
    if user.role != Role.NATIONAL_ADMIN:
        raise Http404
    return get_object_or_404(own_case_list(user=user), reference=reference)


def can_see_case_viewers(user: User, case: Case) -> bool:
    """Who viewed a case is its administration's business: its national admins
    read it, and WCO staff, whoever the viewers were."""
    if user.is_wco_staff:
        return True
    return user.role == Role.NATIONAL_ADMIN and user.administration_id == case.administration_id


def case_viewer_list(*, user: User, case: Case) -> QuerySet[AuditEvent]:
    """The views of ``case``, newest first; a 404 to anyone else than the above."""
    if not can_see_case_viewers(user, case):
        raise Http404
    return AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED, object_type=Case._meta.label_lower, object_id=str(case.pk)
    ).select_related("actor__administration")


def case_possible_duplicates(*, case: Case) -> QuerySet[Case]:
    """Cases of the same administration, same date, with a line of the same
    commodity type and normalised quantity."""
    lines = list(case.lines.values_list("commodity_type_id", "normalised_quantity"))
    if not lines:
        return Case.objects.none()
    same_line = Q()
    for commodity_type_id, quantity in lines:
        same_line |= Q(commodity_type_id=commodity_type_id, normalised_quantity=quantity)
    case_ids = CommodityLine.objects.filter(same_line).values("case_id")
    return (
        Case.objects.filter(
            administration_id=case.administration_id,
            seizure_date=case.seizure_date,
            id__in=case_ids,
        )
        .exclude(pk=case.pk)
        .exclude(status=CaseStatus.REJECTED)
    )


def photo_list(*, user: User) -> QuerySet[Photo]:
    """The photos of every case the user may read."""
    return Photo.objects.filter(case__in=case_list(user=user).order_by().values("pk"))


def photo_get(*, user: User, pk: int) -> Photo:
    return get_object_or_404(photo_list(user=user).select_related("case"), pk=pk)


def vocabulary_entry_get(*, model, pk: int):
    """Vocabularies are shared by everyone: any entry may be read."""
    return get_object_or_404(model, pk=pk)


def export_list(*, user: User) -> QuerySet[Export]:
    """A user's own exports: nobody else's, not even their administrator's."""
    return Export.objects.filter(user=user)


def export_get(*, user: User, pk: int) -> Export:
    return get_object_or_404(export_list(user=user), pk=pk)


def saved_search_list(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user)


def saved_search_get(*, user: User, pk: int) -> SavedSearch:
    return get_object_or_404(saved_search_list(user=user), pk=pk)


def extract_latest() -> DatabaseExtract | None:
    """Validated cases are every member's to read: so is their extract."""
    return DatabaseExtract.objects.first()


def extract_get(*, pk: int) -> DatabaseExtract:
    return get_object_or_404(DatabaseExtract, pk=pk)


def upload_list(*, user: User) -> QuerySet[Upload]:
    """The uploads of the user's administration, for its national admins."""
    if user.role != Role.NATIONAL_ADMIN:
        raise Http404
    return Upload.objects.filter(administration_id=user.administration_id).select_related("user")


def upload_get(*, user: User, pk: int) -> Upload:
    # Another administration's upload is a 404, like one that does not exist.
    return get_object_or_404(upload_list(user=user), pk=pk)


def mapping_profile_list(*, user: User) -> QuerySet[MappingProfile]:
    """The mapping profiles of the user's administration, for its uploaders."""
    if user.role != Role.NATIONAL_ADMIN:
        raise Http404
    return MappingProfile.objects.filter(administration_id=user.administration_id).select_related(
        "created_by"
    )


def mapping_profile_get(*, user: User, pk) -> MappingProfile:
    """One of them by id, or by name when ``pk`` is not a number; another
    administration's profile is a 404, like one that does not exist."""
    profiles = mapping_profile_list(user=user)
    text = str(pk).strip()
    if "\x00" in text:
        raise Http404  # PostgreSQL cannot even compare it
    if text.isdigit():
        return get_object_or_404(profiles, pk=int(text))
    return get_object_or_404(profiles, name=text)


def upload_same_file_list(*, upload: Upload) -> QuerySet[Upload]:
    """Earlier uploads of the very same file (SHA-256) by the same administration."""
    return Upload.objects.filter(
        administration_id=upload.administration_id, sha256=upload.sha256, pk__lt=upload.pk
    ).exclude(status=UploadStatus.CANCELLED)
