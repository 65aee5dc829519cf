"""Writes for the global CEN. Each is atomic, records the case history and the
audit log, and queues its background work on commit."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction, Role, User
from accounts.services import audit_event_create, audit_events_create_many
from cen_suite.queueing import task_enqueue_recorded

from .. import tasks
from ..models import (
    Case,
    CaseAction,
    CaseChange,
    CaseSequence,
    CaseSource,
    CaseStatus,
    CommodityLine,
    OffenderProfile,
    Photo,
    RouteLeg,
)
from ..photos import CleanImage, thumbnail_bytes
from ..search.choices import vocabulary_version_bump
from ..statistics.summary import statistics_case_status_changed, vocabulary_change_check
from ..validation import CaseData, case_quality

LEG_ORDER = {"departure": 0, "transit": 1, "destination": 2}
M2M_FIELDS = ("concealment_methods", "offence_types")


def case_references_reserve(*, year: int, country: str, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive references CEN-<year>-<country>-<number>.

    The sequence row is locked for the rest of the transaction, so two officers
    saving at the same moment never get the same number."""
    country = country.upper()
    with transaction.atomic():
        CaseSequence.objects.get_or_create(year=year, country=country)
        sequence = CaseSequence.objects.select_for_update().get(year=year, country=country)
        first = sequence.last + 1
        sequence.last = F("last") + count
        sequence.save(update_fields=["last"])
    return [f"CEN-{year}-{country}-{number:06d}" for number in range(first, first + count)]


def _check_writer(user: User, case: Case) -> None:
    if user.role not in (Role.OFFICER, Role.NATIONAL_ADMIN):
        raise PermissionDenied
    if case.administration_id != user.administration_id:
        raise PermissionDenied


def _describe(value) -> str:
    """A field's value as text, for the case history."""
    if hasattr(value, "all"):  # a many-to-many manager
        return ", ".join(sorted(str(item) for item in value.all()))
    return "" if value is None else str(value)


def _lines_summary(case: Case) -> str:
    return "; ".join(
        f"{line.commodity_type.code} {line.unit.code} ({_('quantity not recorded')})"
        if line.quantity_not_recorded
        else f"{line.commodity_type.code} {line.quantity.normalize():f} {line.unit.code}"
        for line in case.lines.select_related("commodity_type", "unit")
    )


def _route_summary(case: Case) -> str:
    return " → ".join(leg.country.code for leg in case.route_legs.all())


def _children(case: Case, data: CaseData) -> tuple[list, list, list]:
    """The lines (with their normalised quantity), route legs in travel order and
    offender profiles of ``case``, as unsaved objects."""
    lines = [
        CommodityLine(
            case=case,
            normalised_quantity=(
                None if line.get("quantity") is None else line["unit"].normalise(line["quantity"])
            ),
            **line,
        )
        for line in data.lines
    ]
    # Stable sort: transits keep the order in which they were entered.
    legs = sorted(data.legs, key=lambda leg: LEG_ORDER[leg["kind"]])
    route = [RouteLeg(case=case, position=position, **leg) for position, leg in enumerate(legs)]
    offenders = [OffenderProfile(case=case, **offender) for offender in data.offenders]
    return lines, route, offenders


def _write_children(case: Case, data: CaseData) -> None:
    case.lines.all().delete()
    case.route_legs.all().delete()
    case.offenders.all().delete()
    lines, route, offenders = _children(case, data)
    CommodityLine.objects.bulk_create(lines)
    RouteLeg.objects.bulk_create(route)
    OffenderProfile.objects.bulk_create(offenders)


def _set_fields(case: Case, data: CaseData) -> None:
    for name, value in data.fields.items():
        if name not in M2M_FIELDS:
            setattr(case, name, value)


def _set_m2m(case: Case, data: CaseData) -> None:
    for name in M2M_FIELDS:
        if name in data.fields:
            getattr(case, name).set(data.fields[name])


# Fields computed from a case's data rather than entered. Every writer (the entry
# form, bulk upload, the API) fills them through ``case_derived_fields``: a new
# derived field is added there and nowhere else.
DERIVED_FIELDS = ("quality_score", "search_text", "commodity_types")


def case_derived_fields(*, case: Case, data: CaseData, has_photos: bool) -> dict:
    """The data-quality score, and the free-text words and commodity types of
    ``case`` written with ``data``."""
    score, _missing = case_quality(data, has_photos=has_photos)
    return {"quality_score": score, **case.fields_from_lines(data.lines)}


def _refresh_derived(case: Case, data: CaseData) -> None:
    """The derived fields, after every write of one case."""
    derived = case_derived_fields(case=case, data=data, has_photos=case.photos.exists())
    for name, value in derived.items():
        setattr(case, name, value)
    case.save(update_fields=list(derived))


def _record(case: Case, *, user: User | None, action: str, changes=None, comment="") -> None:
    CaseChange.objects.create(
        case=case, user=user, action=action, changes=changes or {}, comment=comment
    )


def _audit(action: str, *, case: Case, user: User, request, details=None) -> None:
    audit_event_create(
        action=action,
        request=request,
        actor=user,
        administration=case.administration,
        target=case,
        details={"reference": case.reference, **(details or {})},
    )


@transaction.atomic
def case_create(
    *,
    user: User,
    data: CaseData,
    source: str = CaseSource.MANUAL,
    request: HttpRequest | None = None,
) -> Case:
    case = Case(administration=user.administration, created_by=user, source=source)
    _check_writer(user, case)
    _set_fields(case, data)
    # The year of recording and the reporting administration's country: a reference
    # never has to change when the seizure date or place is corrected.
    [case.reference] = case_references_reserve(
        year=timezone.localdate().year, country=user.administration.country.code
    )
    case.full_clean(exclude=["reference"])
    case.save()
    _set_m2m(case, data)
    _write_children(case, data)
    for photo in data.photos:
        photo_add(user=user, case=case, request=request, **photo)
    _refresh_derived(case, data)
    _record(case, user=user, action="created")
    _audit(AuditAction.CASE_CREATED, case=case, user=user, request=request)
    return case


@transaction.atomic
def case_update(
    *, user: User, case: Case, data: CaseData, request: HttpRequest | None = None
) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_writer(user, case)
    if not case.is_editable:
        raise PermissionDenied(_("Only draft or rejected cases can be edited."))
    before = {name: _describe(getattr(case, name)) for name in data.fields}
    before["lines"], before["route"] = _lines_summary(case), _route_summary(case)
    _set_fields(case, data)
    case.full_clean()
    case.save()
    _set_m2m(case, data)
    _write_children(case, data)
    for photo in data.photos:
        photo_add(user=user, case=case, request=request, **photo)
    after = {name: _describe(getattr(case, name)) for name in data.fields}
    after["lines"], after["route"] = _lines_summary(case), _route_summary(case)
    changes = {
        name: {"from": before[name], "to": after[name]}
        for name in after
        if before[name] != after[name]
    }
    _refresh_derived(case, data)
    _record(case, user=user, action="edited", changes=changes)
    _audit(
        AuditAction.CASE_UPDATED,
        case=case,
        user=user,
        request=request,
        details={"fields": sorted(changes)},
    )
    return case


def _transition(
    *,
    case: Case,
    user: User,
    allowed_from: tuple,
    to: str,
    action: str,
    audit_action: str,
    request,
    comment: str = "",
    **updates,
) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in allowed_from:
        raise PermissionDenied(_("This case cannot change that way from its current status."))
    previous = case.status
    case.status = to
    for name, value in updates.items():
        setattr(case, name, value)
    case.save(update_fields=["status", "updated_at", *updates])
    statistics_case_status_changed(case=case, previous=previous)
    _record(
        case,
        user=user,
        action=action,
        changes={"status": {"from": previous, "to": to}},
        comment=comment,
    )
    _audit(audit_action, case=case, user=user, request=request, details={"from": previous})
    return case


@transaction.atomic
def case_submit(*, user: User, case: Case, request: HttpRequest | None = None) -> Case:
    _check_writer(user, case)
    return _transition(
        case=case,
        user=user,
        allowed_from=(CaseStatus.DRAFT, CaseStatus.REJECTED),
        to=CaseStatus.SUBMITTED,
        action="submitted",
        audit_action=AuditAction.CASE_SUBMITTED,
        request=request,
        submitted_at=timezone.now(),
    )


def _check_validator(user: User, case: Case) -> None:
    if user.role != Role.NATIONAL_ADMIN or case.administration_id != user.administration_id:
        raise PermissionDenied


@transaction.atomic
def case_validate(*, user: User, case: Case, request: HttpRequest | None = None) -> Case:
    _check_validator(user, case)
    return _transition(
        case=case,
        user=user,
        allowed_from=(CaseStatus.SUBMITTED,),
        to=CaseStatus.VALIDATED,
        action="validated",
        audit_action=AuditAction.CASE_VALIDATED,
        request=request,
        validated_by=user,
        validated_at=timezone.now(),
        rejection_reason="",
    )


@transaction.atomic
def case_reject(*, user: User, case: Case, reason: str, request: HttpRequest | None = None) -> Case:
    _check_validator(user, case)
    return _transition(
        case=case,
        user=user,
        allowed_from=(CaseStatus.SUBMITTED,),
        to=CaseStatus.REJECTED,
        action="rejected",
        audit_action=AuditAction.CASE_REJECTED,
        request=request,
        comment=reason,
        rejection_reason=reason,
    )


@transaction.atomic
def case_reopen(*, user: User, case: Case, request: HttpRequest | None = None) -> Case:
    """A national admin takes a submitted or validated case back to draft to correct it."""
    _check_validator(user, case)
    return _transition(
        case=case,
        user=user,
        allowed_from=(CaseStatus.SUBMITTED, CaseStatus.VALIDATED),
        to=CaseStatus.DRAFT,
        action="reopened",
        audit_action=AuditAction.CASE_REOPENED,
        request=request,
        validated_by=None,
        validated_at=None,
    )


@transaction.atomic
def case_flag_quality(
    *, user: User, case: Case, message: str, request: HttpRequest | None = None
) -> Case:
    """WCO staff report a data-quality problem back to the administration."""
    if not user.is_wco_staff:
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.quality_flag = message
    case.save(update_fields=["quality_flag", "updated_at"])
    _record(case, user=user, action="flagged", comment=message)
    _audit(AuditAction.CASE_FLAGGED, case=case, user=user, request=request)
    return case


def case_viewed(*, user: User, case: Case, request: HttpRequest | None = None) -> None:
    """Someone opened the case: recorded for its administration, which reads who.

    One INSERT and nothing else (``case`` comes with its administration)."""
    _audit(AuditAction.CASE_VIEWED, case=case, user=user, request=request)


def photo_add(
    *,
    user: User,
    case: Case,
    clean_image: CleanImage,
    kind: str,
    caption: str = "",
    request: HttpRequest | None = None,
) -> Photo:
    _check_writer(user, case)
    if not case.is_editable:
        raise PermissionDenied(_("Only draft or rejected cases can be edited."))
    with transaction.atomic():
        photo = Photo(
            case=case,
            kind=kind,
            caption=caption,
            sha256=clean_image.sha256,
            phash=clean_image.phash,
            width=clean_image.width,
            height=clean_image.height,
            uploaded_by=user,
        )
        photo.image.save(
            f"photo.{clean_image.extension}", ContentFile(clean_image.content), save=False
        )
        photo.save()
        _record(case, user=user, action=CaseAction.PHOTO_ADDED, comment=caption)
        _audit(
            AuditAction.CASE_UPDATED,
            case=case,
            user=user,
            request=request,
            details={"photo_added": photo.pk},
        )
        task_enqueue_recorded(tasks.make_photo_thumbnail, photo.pk)
    return photo


@transaction.atomic
def photo_delete(*, user: User, photo: Photo, request: HttpRequest | None = None) -> None:
    case = photo.case
    _check_writer(user, case)
    if not case.is_editable:
        raise PermissionDenied(_("Only draft or rejected cases can be edited."))
    storage, names = photo.image.storage, [photo.image.name, photo.thumbnail.name]
    photo_id = photo.pk
    photo.delete()
    _record(case, user=user, action=CaseAction.PHOTO_DELETED)
    _audit(
        AuditAction.CASE_UPDATED,
        case=case,
        user=user,
        request=request,
        details={"photo_deleted": photo_id},
    )
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])


# A photo's file is stored before its row is committed: when that transaction
# rolls back (a later error, a lost connection) the file stays, with no row.
ORPHAN_FILES_KEPT = timedelta(days=1)  # never a file whose transaction may still run
PHOTO_FOLDERS = ("photos", "thumbnails")


def photo_files_sweep(*, now=None) -> int:
    """Delete the photo and thumbnail files that no photo refers to, once they
    are a day old (beat, daily); returns how many were deleted."""
    now = now or timezone.now()
    storage = Photo._meta.get_field("image").storage
    deleted = 0
    for folder in PHOTO_FOLDERS:
        try:
            _folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{name}" for name in files]
        for start in range(0, len(names), 1000):
            batch = names[start : start + 1000]
            used = set(Photo.objects.filter(image__in=batch).values_list("image", flat=True))
            used |= set(
                Photo.objects.filter(thumbnail__in=batch).values_list("thumbnail", flat=True)
            )
            for name in batch:
                if name not in used and now - storage.get_modified_time(name) > ORPHAN_FILES_KEPT:
                    storage.delete(name)
                    deleted += 1
    return deleted


def photo_thumbnail_make(*, photo: Photo) -> None:
    """Idempotent: a photo that has its thumbnail keeps it."""
    if photo.thumbnail:
        return
    with photo.image.open("rb") as image_file:
        content = thumbnail_bytes(image_file)
    photo.thumbnail.save("thumbnail.jpg", ContentFile(content), save=False)
    photo.save(update_fields=["thumbnail"])


@transaction.atomic
def vocabulary_entry_save(*, user: User, entry, request: HttpRequest | None = None):
    """WCO staff extend or correct a controlled list; the change is audited."""
    if not user.is_wco_staff:
        raise PermissionDenied
    created = entry.pk is None
    entry.label = entry.label_en
    entry.full_clean()
    vocabulary_change_check(entry)
    entry.save()
    audit_event_create(
        action=AuditAction.VOCABULARY_CHANGED,
        request=request,
        actor=user,
        target=entry,
        details={"code": entry.code, "created": created, "label_en": entry.label_en},
    )
    # The search form's cached option lists show the change from the next page on.
    transaction.on_commit(vocabulary_version_bump)
    return entry


# --- Many cases at once (bulk upload, the API's batches) -----------------------------

CHUNK = 500


def _copy_create(model, objects: list) -> None:
    """Insert ``objects``, whose primary keys are not needed back, with COPY: for
    the tens of thousands of lines, legs, links and history rows of an upload,
    bulk_create's INSERT costs far more (every value quoted by the client).
    The fields are prepared for the database as bulk_create prepares them."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    quote = connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in objects:
            copy.write_row(
                [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
            )


def _write_chunk(
    *, user: User, chunk: list, references: list[str], source: str, now, upload_id=None
) -> tuple[list[Case], list[Case]]:
    """Insert or update one chunk of (data, existing case) pairs with bulk queries."""
    created = []
    for data, _existing in (item for item in chunk if item[1] is None):
        case = Case(
            administration=user.administration,
            created_by=user,
            source=source,
            reference=references.pop(0),
            created_at=now,
        )
        _set_fields(case, data)
        for name, value in case_derived_fields(case=case, data=data, has_photos=False).items():
            setattr(case, name, value)
        created.append((case, data))
    Case.objects.bulk_create([case for case, _data in created])

    to_update = {existing.pk: data for data, existing in chunk if existing is not None}
    updated, changes = [], {}
    if to_update:
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("location_type", "direction", "transport_mode", "detection_method")
            .filter(pk__in=to_update)
        )
        with_photos = set(
            Photo.objects.filter(case_id__in=to_update).values_list("case_id", flat=True)
        )
        for case in locked:
            _check_writer(user, case)
            if not case.is_editable:
                raise PermissionDenied(_("Only draft or rejected cases can be edited."))
            data = to_update[case.pk]
            names = [name for name in data.fields if name not in M2M_FIELDS]
            before = {name: _describe(getattr(case, name)) for name in names}
            _set_fields(case, data)
            case.updated_at = now
            derived = case_derived_fields(case=case, data=data, has_photos=case.pk in with_photos)
            for name, value in derived.items():
                setattr(case, name, value)
            changes[case.pk] = {
                name: {"from": before[name], "to": _describe(getattr(case, name))}
                for name in names
                if before[name] != _describe(getattr(case, name))
            }
            updated.append((case, data))
        if updated:
            fields = sorted(
                {name for _case, data in updated for name in data.fields if name not in M2M_FIELDS}
                | set(DERIVED_FIELDS)
                | {"updated_at"}
            )
            Case.objects.bulk_update([case for case, _data in updated], fields)
            ids = [case.pk for case, _data in updated]
            CommodityLine.objects.filter(case_id__in=ids).delete()
            RouteLeg.objects.filter(case_id__in=ids).delete()
            OffenderProfile.objects.filter(case_id__in=ids).delete()
            for name in M2M_FIELDS:
                getattr(Case, name).through.objects.filter(case_id__in=ids).delete()

    lines, legs, offenders = [], [], []
    links = {name: [] for name in M2M_FIELDS}
    for case, data in created + updated:
        case_lines, case_legs, case_offenders = _children(case, data)
        lines += case_lines
        legs += case_legs
        offenders += case_offenders
        for name in M2M_FIELDS:
            through = getattr(Case, name).through
            target = getattr(Case, name).field.m2m_reverse_field_name()
            links[name] += [
                through(case_id=case.pk, **{f"{target}_id": item.pk})
                for item in data.fields.get(name) or []
            ]
    _copy_create(CommodityLine, lines)
    _copy_create(RouteLeg, legs)
    _copy_create(OffenderProfile, offenders)
    for name in M2M_FIELDS:
        _copy_create(getattr(Case, name).through, links[name])

    comment = _("Bulk upload") if source == CaseSource.UPLOAD else _("API")
    _copy_create(
        CaseChange,
        [
            CaseChange(case=case, user=user, at=now, action="created", comment=comment)
            for case, _data in created
        ]
        + [
            CaseChange(
                case=case,
                user=user,
                at=now,
                action="edited",
                changes=changes[case.pk],
                comment=comment,
            )
            for case, _data in updated
        ],
    )
    return [case for case, _data in created], [case for case, _data in updated]


@transaction.atomic
def cases_save_many(
    *,
    user: User,
    items: list[tuple[CaseData, Case | None]],
    source: str,
    request: HttpRequest | None = None,
    details: dict | None = None,
) -> tuple[list[Case], list[Case]]:
    """Create (``None``) or update (an existing case) every validated case of a
    batch, all or nothing: one transaction, references reserved in one go, rows
    written with bulk inserts chunk by chunk. The derived fields, the history and
    the audit log are filled exactly as ``case_create`` and ``case_update`` do.
    Returns (created, updated)."""
    if user.role not in (Role.OFFICER, Role.NATIONAL_ADMIN):
        raise PermissionDenied
    now = timezone.now()
    count = sum(1 for _data, existing in items if existing is None)
    references = (
        case_references_reserve(
            year=timezone.localdate().year,
            country=user.administration.country.code,
            count=count,
        )
        if count
        else []
    )
    created, updated = [], []
    for start in range(0, len(items), CHUNK):
        new, changed = _write_chunk(
            user=user,
            chunk=items[start : start + CHUNK],
            references=references,
            source=source,
            now=now,
        )
        created += new
        updated += changed
    audit_events_create_many(
        [
            {
                "action": action,
                "request": request,
                "actor": user,
                "administration": user.administration,
                "target": case,
                "details": {"reference": case.reference, **(details or {})},
            }
            for action, cases in (
                (AuditAction.CASE_CREATED, created),
                (AuditAction.CASE_UPDATED, updated),
            )
            for case in cases
        ]
    )
    return created, updated
