"""JSON API v1: Bearer tokens, JSON errors, an OpenAPI 3 description.

One module per resource in :mod:`lms.api.views` holds its view functions and its part of
the OpenAPI document (:func:`lms.api.spec.document`), so a URL's code and its description
live side by side; :mod:`lms.api.blueprint` is the URL table.
"""
