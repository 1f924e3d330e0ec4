"""Cross-cutting endpoints: the health check."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """200 once the server answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
