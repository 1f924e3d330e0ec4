"""Small HTTP helpers shared by apps."""

import csv

from django.http import HttpResponse


def csv_response(rows: list[dict], *, filename: str) -> HttpResponse:
    """Rows of dicts as a CSV download (header from the first row's keys; empty body for no rows)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response
