from .audit import AccessAction, AccessEvent, AccessLogCheck, AccessLogHead
from .cases import Case, CaseGroupObjectPermission, CaseReferenceCounter, CaseUserObjectPermission
from .people import Office, Person, PersonSearchToken, SearchPurpose, StaffProfile, User

__all__ = [
    "AccessAction",
    "AccessEvent",
    "AccessLogCheck",
    "AccessLogHead",
    "Case",
    "CaseGroupObjectPermission",
    "CaseReferenceCounter",
    "CaseUserObjectPermission",
    "Office",
    "Person",
    "PersonSearchToken",
    "SearchPurpose",
    "StaffProfile",
    "User",
]
