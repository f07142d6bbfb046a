"""The audit log: services write it in the transaction of their change
(:func:`lms.audit.service.record`, importable as ``lms.audit.record``); the coordinators'
list reads it (:mod:`lms.audit.queries`)."""

from lms.audit.service import record

__all__ = ["record"]
