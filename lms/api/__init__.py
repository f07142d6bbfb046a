"""JSON API v1 (CONTRACT.md): Bearer tokens, JSON errors, an OpenAPI 3 description.

One module per resource registers its routes on :data:`lms.api.blueprint.bp` and its part
of the OpenAPI document with :func:`lms.api.spec.document`, so routes and their
description live side by side.
"""
