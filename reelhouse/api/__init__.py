"""The public JSON API (/api/v1/, django-ninja): routers per area, all over the same selectors and services as the
web pages. The OpenAPI document is /api/v1/openapi.json; docs/api.md describes the endpoints and the sign-in."""
