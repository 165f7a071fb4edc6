"""The kinds of notification a person receives (no database here: the tray and the windows
of a desktop connected to a server name them too)."""

# What My Apps' badge counts: decisions and changes to one's access.
DECISION_KINDS = ("decided", "access_removed", "role_changed", "credentials",
                  # rule 18: time-bound access ends soon, ended, was extended
                  "access_ending", "access_ended", "access_extended")
# What the approver's tray announces.
NEW_REQUEST = "new_request"
# Rules 16-17: an approver is reminded of a request that waits, or asked as an escalation
# approver; a requester hears that his request expired (My Apps' badge counts it: "decided").
REMINDER, ESCALATED = "request_reminder", "request_escalated"
EXPIRED = "decided"
# Rule 19: the administrators hear that nobody can decide an application's requests (its
# approvers are all away, without a delegate); the tray announces it as it does requests.
NOBODY_AVAILABLE = "approvers_away"
# Rule 20: a reviewer is asked to review who keeps access (the tray announces it too).
REVIEW_TASK = "review_task"
APPROVER_KINDS = (NEW_REQUEST, REMINDER, ESCALATED, NOBODY_AVAILABLE, REVIEW_TASK)
