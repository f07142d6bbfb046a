"""The rules floor's shared mechanisms: errors, locks, time and dates, slugs, absolute
URLs, pagination, PDFs, backups. They import the schema (``lms.models``) and the
extensions, never a feature, a view or a request object."""
