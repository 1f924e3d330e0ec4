"""The published API documents: /api/v1/openapi.json is served without credentials, and docs/api.md names every
path (and method) in it, so a new endpoint cannot ship undocumented."""

import re
from pathlib import Path

from django.test import Client

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_openapi_document_is_public_and_describes_the_bearer_and_session_sign_in(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Reelhouse API" and schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert len(schema["paths"]) >= 20


def test_docs_name_every_path_and_method_of_the_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    rows = {}
    for line in DOC.read_text().splitlines():
        if m := re.match(r"\| ([A-Z /]+) \| `(/api/v1/[^`]*)` \|", line):
            rows.setdefault(m.group(2), set()).update(x.strip().lower() for x in m.group(1).split("/"))
    missing = [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
               if method not in rows.get(path, set())]
    assert not missing, f"docs/api.md does not list: {missing}"
    stale = set(rows) - set(schema["paths"])
    assert not stale, f"docs/api.md lists paths the API does not have: {stale}"
