from .audit import AccessAction, AccessEvent, AccessLogCheck, AccessLogHead
from .cases import INTAKE_SECTIONS, Case, CaseGroupObjectPermission, CaseReferenceCounter, CaseUserObjectPermission
from .people import Office, Person, PersonSearchToken, SearchPurpose, StaffProfile, User
from .records import NOTE_EDITABLE_FOR, CaseNote, ConsentRecord
from .reviews import BreakGlassGrant, Notification, NotificationKind, Review, ReviewStatus
from .security import TwoFactorDevice
from .teams import TeamMember, TeamPolicy, TeamProposal
from .transfers import CaseTransfer, IncomingReferral, ReferralReason

__all__ = [
    "INTAKE_SECTIONS",
    "NOTE_EDITABLE_FOR",
    "AccessAction",
    "AccessEvent",
    "AccessLogCheck",
    "AccessLogHead",
    "BreakGlassGrant",
    "Case",
    "CaseGroupObjectPermission",
    "CaseNote",
    "CaseReferenceCounter",
    "CaseTransfer",
    "CaseUserObjectPermission",
    "ConsentRecord",
    "IncomingReferral",
    "Notification",
    "NotificationKind",
    "Office",
    "Person",
    "PersonSearchToken",
    "ReferralReason",
    "Review",
    "ReviewStatus",
    "SearchPurpose",
    "StaffProfile",
    "TeamMember",
    "TeamPolicy",
    "TeamProposal",
    "TwoFactorDevice",
    "User",
]
