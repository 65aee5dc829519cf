"""Upkeep of ``CaseFacts``: one narrow row per validated case (see the model),
which the direct counts copy instead of joining the line, leg and concealment
tables (seizures/statistics/matching.py).

Kept by the same hooks as the summaries (summary.py): a case's row is written
when it is validated (one case, or many at once in a bulk validation) and
deleted when it leaves that status; ``statistics_rebuild`` rewrites them all.
A validated case cannot be edited, nor its vocabulary entries moved
(``vocabulary_change_check``), so a row stays true while it exists.

PostgreSQL only: each row is built by one ``INSERT … SELECT`` with the arrays
aggregated in SQL. On SQLite the table stays empty and the direct counts take
their portable path.
"""

from django.db import connection

from ..models import Case, CaseFacts, CaseStatus, CommodityLine, CommodityType, RouteLeg, Unit


def facts_kept() -> bool:
    return connection.vendor == "postgresql"


# The summaries' quantity columns, in the order of the model's fields.
SUMS = (("mass", "mass_kg"), ("volume", "volume_l"), ("count", "count_pieces"), ("heads", "heads"))


def _fill_statement() -> str:
    table = connection.ops.quote_name
    facts, case = table(CaseFacts._meta.db_table), table(Case._meta.db_table)
    legs, lines = table(RouteLeg._meta.db_table), table(CommodityLine._meta.db_table)
    types, units = table(CommodityType._meta.db_table), table(Unit._meta.db_table)
    links = table(Case.concealment_methods.through._meta.db_table)

    def countries(kind: str) -> str:
        # A fixed leg kind and the models' table names.
        select = "SELECT array_agg(DISTINCT g.country ORDER BY g.country) FROM"
        return f"COALESCE(({select} {legs} g WHERE g.case_id = c.id AND g.kind = '{kind}'), '{{}}')"

    def line_array(expression: str, cast: str) -> str:
        return f"COALESCE(array_agg({expression} ORDER BY l.id), '{{}}'::{cast}[])"

    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN u.dimension = '{dimension}' THEN l.normalised_quantity END), 0)"
        f" AS {column}"
        for dimension, column in SUMS
    )
    lines_of_case = (
        f"{lines} l JOIN {types} t ON t.id = l.commodity_type_id"
        f" JOIN {units} u ON u.id = l.unit_id WHERE l.case_id = c.id"
    )
    columns = ", ".join(column for _dimension, column in SUMS)
    # Names from the models above, fixed dimensions and leg kinds: nothing comes from a user.
    return f"""
INSERT INTO {facts} (case_id, month, country, administration_id, transport_mode_id,
    detection_method_id, departures, transits, destinations, concealments,
    not_recorded, {columns},
    areas,
    line_areas, line_types, line_dimensions, line_quantities, line_not_recorded)
SELECT c.id, date_trunc('month', c.seizure_date)::date, c.country, c.administration_id,
    c.transport_mode_id, c.detection_method_id,
    {countries("departure")}, {countries("transit")}, {countries("destination")},
    COALESCE((SELECT array_agg(DISTINCT k.concealmentmethod_id ORDER BY k.concealmentmethod_id)
              FROM {links} k WHERE k.case_id = c.id), '{{}}'),
    COALESCE(total.not_recorded, FALSE), {", ".join(f"total.{column}" for _d, column in SUMS)},
    COALESCE((SELECT array_agg(DISTINCT t.area_id ORDER BY t.area_id) FROM {lines_of_case}),
             '{{}}'),
    ln.areas, ln.types, ln.dimensions, ln.quantities, ln.not_recorded
FROM {case} c
CROSS JOIN LATERAL (
    SELECT {line_array("t.area_id", "integer")} AS areas,
           {line_array("l.commodity_type_id", "integer")} AS types,
           {line_array("u.dimension", "varchar")} AS dimensions,
           {line_array("l.normalised_quantity", "numeric")} AS quantities,
           {line_array("l.quantity_not_recorded", "boolean")} AS not_recorded
    FROM {lines_of_case}
) ln
CROSS JOIN LATERAL (
    SELECT bool_or(l.quantity_not_recorded) AS not_recorded, {sums} FROM {lines_of_case}
) total
WHERE c.status = %s {{where}}
"""  # noqa: S608


def facts_cases_add(*, case_ids: list[int]) -> None:
    """Write the rows of these cases that are validated (replacing any)."""
    if not facts_kept() or not case_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(CaseFacts._meta.db_table)}"  # noqa: S608
            " WHERE case_id = ANY(%s)",
            [list(case_ids)],
        )
        cursor.execute(
            _fill_statement().replace("{where}", "AND c.id = ANY(%s)"),
            [CaseStatus.VALIDATED, list(case_ids)],
        )


def facts_case_remove(*, case_id: int) -> None:
    if facts_kept():
        CaseFacts.objects.filter(case_id=case_id).delete()


def facts_rebuild() -> None:
    """Every validated case's row, afresh (inside the caller's transaction)."""
    if not facts_kept():
        return
    with connection.cursor() as cursor:
        # DELETE, not TRUNCATE: the deferred foreign key checks of this
        # transaction's earlier writes may still be pending.
        table = connection.ops.quote_name(CaseFacts._meta.db_table)
        # As the summaries (sql.prepare_rebuild): a validation meanwhile waits,
        # then writes its row over the rebuilt ones.
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(_fill_statement().replace("{where}", ""), [CaseStatus.VALIDATED])
        cursor.execute(f"ANALYZE {table}")
