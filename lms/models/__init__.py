"""The schema: SQLAlchemy 2.0 models, one module per aggregate. Imports nothing above it."""

from lms.models.activity import (
    APPROVAL_BY_DEFAULT,
    KIND_LABELS,
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    HoursCredit,
    SeatRelease,
    SessionStatus,
    Theme,
    activity_themes,
    activity_trainers,
)
from lms.models.attendance import (
    ATTENDANCE_LABELS,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
)
from lms.models.audit import AuditEntry
from lms.models.base import MAX_ID, utcnow
from lms.models.billing import BillingProfile, EnrolmentCharge
from lms.models.catalogue_version import CatalogueVersion
from lms.models.certificate import Certificate
from lms.models.enrolment import (
    ACTIVE_STATUSES,
    STATUS_LABELS,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
)
from lms.models.feed_cache import FeedCache
from lms.models.import_job import ImportJob, ImportJobStatus
from lms.models.intake import (
    EditionLink,
    IntakeAnswer,
    IntakeQuestion,
    Interest,
    QuestionKind,
)
from lms.models.outbox import MailStatus, OutboxMail
from lms.models.policy import CertificationRule, LearningPolicy, rule_themes
from lms.models.user import ROLE_LABELS, ApiToken, Organisation, Role, User, UserRole

__all__ = [
    "ACTIVE_STATUSES",
    "APPROVAL_BY_DEFAULT",
    "ATTENDANCE_LABELS",
    "KIND_LABELS",
    "MAX_ID",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "Activity",
    "ActivityKind",
    "ActivitySession",
    "ActivityStatus",
    "ApiToken",
    "Attendance",
    "AttendanceChange",
    "AttendanceStatus",
    "AuditEntry",
    "BillingProfile",
    "CatalogueVersion",
    "Certificate",
    "CertificationRule",
    "EditionLink",
    "Enrolment",
    "EnrolmentCharge",
    "EnrolmentEvent",
    "EnrolmentStatus",
    "FeedCache",
    "HoursCredit",
    "ImportJob",
    "ImportJobStatus",
    "IntakeAnswer",
    "IntakeQuestion",
    "Interest",
    "LearningPolicy",
    "MailStatus",
    "Organisation",
    "OutboxMail",
    "QuestionKind",
    "Role",
    "SeatRelease",
    "SessionStatus",
    "Theme",
    "User",
    "UserRole",
    "activity_themes",
    "activity_trainers",
    "rule_themes",
    "utcnow",
]
