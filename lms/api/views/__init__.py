"""The API's views, one module per resource; their URLs are in :mod:`lms.api.blueprint`."""
