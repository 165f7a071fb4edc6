"""The demo directory's content as plain, deterministic data (a loader feeds it to the services).

Shapes: every record is a plain ``dict`` typed by a ``TypedDict`` below (``Person``, ``Group``,
``App``, ``SelfService``, ``HistoricRequest``); an application role is an ``AppRole``
``NamedTuple`` ``(value, display_name, user_assignable, enabled)``, so it unpacks like a plain
tuple. The top-level collections (``PEOPLE``, ``GROUPS``, ``APPS``, ``SELF_SERVICE``,
``HISTORY``) are tuples, in the order the loader should create them. People are named by the
local part of their UPN ("alice.wu"); the loader appends ``"@" + DOMAIN``. Applications and
groups are named by their display name. Times are whole days before ``REFERENCE_DATE``.

Every company, product and person here is fictional; tests/test_demo_data.py checks the rules
(SPEC.md) this content must obey so that loading it through the services never fails.
"""

from typing import Literal, NamedTuple, TypedDict

License = Literal["none", "p1", "p2"]
DirectoryRole = Literal["global_admin", "cloud_app_admin", "app_admin"]
GroupKind = Literal["security", "synced", "dynamic", "distribution", "mail_security", "m365"]
Origin = Literal["gallery", "app_proxy", "consent", "custom"]
SsoMode = Literal["password", "saml", "oidc", "none"]
Outcome = Literal["pending", "approved", "denied", "cancelled"]


class Person(TypedDict):
    """A user; ``upn`` is the local part only."""

    upn: str
    name: str
    department: str
    job_title: str
    license: License
    roles: list[DirectoryRole]
    enabled: bool
    mail: bool


class Group(TypedDict):
    """A group and its members (UPN local parts)."""

    name: str
    description: str
    kind: GroupKind
    members: list[str]


class AppRole(NamedTuple):
    """An application role as the application exposes it."""

    value: str
    display_name: str
    user_assignable: bool
    enabled: bool


class App(TypedDict):
    """An enterprise application."""

    name: str
    publisher: str
    description: str
    origin: Origin
    sso: SsoMode
    public_client: bool
    hidden: bool
    homepage: str
    roles: list[AppRole]


class SelfService(TypedDict):
    """One application's self-service settings; ``app``/``group`` are display names."""

    app: str
    enabled: bool
    group: str
    require_approval: bool
    approvers: list[str]
    role: str | None
    email_approvers: bool
    approver_sets_passwords: bool


class HistoricRequest(TypedDict):
    """A past request; ``decided_days_ago`` is None only while pending."""

    app: str
    requester: str
    justification: str | None
    outcome: Outcome
    decider: str | None
    reason: str | None
    days_ago: int
    decided_days_ago: int | None


DOMAIN = "contoso.example"
COMPANY = "Contoso Ltd (demo)"
REFERENCE_DATE = "2026-11-02T09:00:00Z"


def _person(
    upn: str,
    name: str,
    department: str,
    job_title: str,
    license: License,
    roles: tuple[DirectoryRole, ...] = (),
    *,
    enabled: bool = True,
    mail: bool = True,
) -> Person:
    return {
        "upn": upn,
        "name": name,
        "department": department,
        "job_title": job_title,
        "license": license,
        "roles": list(roles),
        "enabled": enabled,
        "mail": mail,
    }


# The Global Administrator comes first: the demo signs in as her when no one is named.
PEOPLE: tuple[Person, ...] = (
    _person("megan.bowen", "Megan Bowen", "IT", "IT Director", "p2", ("global_admin",)),
    _person("rahul.mehta", "Rahul Mehta", "IT", "Cloud Platform Lead", "p2", ("cloud_app_admin",)),
    _person("ingrid.solberg", "Ingrid Solberg", "IT", "Identity Engineer", "p1", ("app_admin",)),
    _person("kwame.asante", "Kwame Asante", "IT", "Service Desk Analyst", "p1", ("app_admin",)),
    _person("tomas.herrera", "Tomás Herrera", "IT", "Systems Administrator", "none"),
    _person("alice.wu", "Alice Wu", "Sales", "Sales Director", "p2"),
    _person("diego.ramirez", "Diego Ramírez", "Sales", "Account Executive", "p1"),
    _person("fatima.benali", "Fatima Benali", "Sales", "Account Executive", "p1"),
    _person("liam.oconnor", "Liam O'Connor", "Sales", "Sales Development Representative", "none"),
    _person("yuki.tanaka", "Yuki Tanaka", "Sales", "Regional Sales Manager", "p1"),
    _person("priya.nair", "Priya Nair", "Finance", "Finance Manager", "p2"),
    _person("oliver.schmidt", "Oliver Schmidt", "Finance", "Accountant", "p1"),
    _person("amara.okafor", "Amara Okafor", "Finance", "Payroll Specialist", "p1"),
    _person("olga.ivanova", "Olga Ivanova", "Finance", "Financial Controller", "p1"),
    _person("jing.chen", "Jing Chen", "Finance", "Financial Analyst", "none"),
    _person("noah.fischer", "Noah Fischer", "Engineering", "Engineering Manager", "p2"),
    _person("sofia.rossi", "Sofia Rossi", "Engineering", "Software Engineer", "p1"),
    _person("arjun.patel", "Arjun Patel", "Engineering", "Senior Software Engineer", "p1"),
    _person("hana.kim", "Hana Kim", "Engineering", "QA Engineer", "none"),
    _person("mateo.silva", "Mateo Silva", "Engineering", "DevOps Engineer", "p1"),
    _person(
        "kenji.watanabe", "Kenji Watanabe", "Engineering", "Engineering Intern", "none", mail=False
    ),
    _person("chloe.dubois", "Chloé Dubois", "Marketing", "Marketing Director", "p2"),
    _person("kofi.mensah", "Kofi Mensah", "Marketing", "Content Strategist", "p1"),
    _person("elena.popescu", "Elena Popescu", "Marketing", "Graphic Designer", "none"),
    _person("samir.haddad", "Samir Haddad", "Marketing", "Marketing Analyst", "none"),
    _person("grace.adeyemi", "Grace Adeyemi", "HR", "HR Director", "p2"),
    _person("lucas.martin", "Lucas Martin", "HR", "HR Business Partner", "p1"),
    _person("aisha.khan", "Aisha Khan", "HR", "Recruiter", "none"),
    _person("david.levi", "David Levi", "Legal", "General Counsel", "p2"),
    _person("maria.gonzalez", "María González", "Legal", "Paralegal", "none"),
    _person("johan.berg", "Johan Berg", "Operations", "Operations Manager", "p1"),
    _person("nadia.petrova", "Nadia Petrova", "Operations", "Logistics Coordinator", "p1"),
    _person("wei.zhang", "Wei Zhang", "Operations", "Facilities Coordinator", "none"),
    _person("emeka.eze", "Emeka Eze", "Operations", "Field Technician", "none", mail=False),
    _person("lena.novak", "Lena Novak", "Support", "Support Manager", "p1"),
    _person("carlos.mendes", "Carlos Mendes", "Support", "Support Engineer", "p1"),
    _person("zara.ahmed", "Zara Ahmed", "Support", "Support Agent", "none"),
    _person("ravi.iyer", "Ravi Iyer", "Support", "Support Agent", "none", mail=False),
    # Two people who have left: disabled, history and group memberships kept.
    _person("sean.murphy", "Seán Murphy", "Sales", "Account Executive", "p1", enabled=False),
    _person(
        "beatriz.costa", "Beatriz Costa", "Marketing", "Events Coordinator", "none", enabled=False
    ),
)


GROUPS: tuple[Group, ...] = (
    # Self-service target groups: cloud security groups, members added by hand or by approval.
    {
        "name": "SS - Fabrikam CRM users",
        "description": "Self-service access to Fabrikam CRM.",
        "kind": "security",
        "members": ["alice.wu", "yuki.tanaka", "liam.oconnor", "sean.murphy"],
    },
    {
        "name": "SS - Northwind Expenses users",
        "description": "Self-service access to Northwind Expenses.",
        "kind": "security",
        "members": ["priya.nair", "oliver.schmidt"],
    },
    {
        "name": "SS - Tailspin Travel users",
        "description": "Self-service access to Tailspin Travel.",
        "kind": "security",
        "members": ["johan.berg"],
    },
    {
        "name": "SS - Litware Wiki users",
        "description": "Self-service access to Litware Wiki.",
        "kind": "security",
        "members": ["rahul.mehta", "ingrid.solberg"],
    },
    {
        "name": "SS - Adatum Payroll users",
        "description": "Self-service access to Adatum Payroll.",
        "kind": "security",
        "members": ["priya.nair", "amara.okafor"],
    },
    {
        "name": "SS - Woodgrove Benefits users",
        "description": "Self-service access to Woodgrove Benefits.",
        "kind": "security",
        "members": ["grace.adeyemi", "lucas.martin", "aisha.khan"],
    },
    {
        "name": "SS - Proseware Design users",
        "description": "Self-service access to Proseware Design.",
        "kind": "security",
        "members": ["chloe.dubois", "elena.popescu"],
    },
    {
        "name": "SS - Wingtip Tickets users",
        "description": "Self-service access to Wingtip Tickets.",
        "kind": "security",
        "members": ["lena.novak", "carlos.mendes", "zara.ahmed", "ravi.iyer"],
    },
    {
        "name": "SS - Relecloud Analytics users",
        "description": "Self-service access to Relecloud Analytics.",
        "kind": "security",
        "members": ["noah.fischer"],
    },
    {
        "name": "SS - Lamna Learning users",
        "description": "Self-service access to Lamna Learning.",
        "kind": "security",
        "members": ["grace.adeyemi"],
    },
    # A spare cloud security group: a valid alternative target when changing an app's group.
    {
        "name": "IT Operations",
        "description": "IT staff who run the service desk and the platform.",
        "kind": "security",
        "members": [
            "megan.bowen",
            "rahul.mehta",
            "ingrid.solberg",
            "kwame.asante",
            "tomas.herrera",
        ],
    },
    # Groups self-service refuses as a target, one of each kind.
    {
        "name": "All Staff (on-premises)",
        "description": "Everyone with an on-premises account; synchronized nightly.",
        "kind": "synced",
        "members": [
            "megan.bowen",
            "tomas.herrera",
            "alice.wu",
            "diego.ramirez",
            "priya.nair",
            "oliver.schmidt",
            "noah.fischer",
            "hana.kim",
            "chloe.dubois",
            "grace.adeyemi",
            "david.levi",
            "johan.berg",
            "wei.zhang",
            "lena.novak",
        ],
    },
    {
        "name": "Engineering (dynamic)",
        "description": "Members follow the rule: department equals Engineering.",
        "kind": "dynamic",
        "members": [
            "noah.fischer",
            "sofia.rossi",
            "arjun.patel",
            "hana.kim",
            "mateo.silva",
            "kenji.watanabe",
        ],
    },
    {
        "name": "Company Announcements",
        "description": "Distribution list for company-wide announcements.",
        "kind": "distribution",
        "members": ["megan.bowen", "david.levi", "grace.adeyemi", "chloe.dubois"],
    },
    {
        "name": "Finance Controllers",
        "description": "Mail-enabled security group for month-end sign-off.",
        "kind": "mail_security",
        "members": ["priya.nair", "olga.ivanova", "oliver.schmidt"],
    },
    {
        "name": "Marketing Team",
        "description": "Shared mailbox, calendar and files for the marketing team.",
        "kind": "m365",
        "members": ["chloe.dubois", "kofi.mensah", "elena.popescu", "samir.haddad"],
    },
)


def _role(value: str, display_name: str, *, users: bool = True, enabled: bool = True) -> AppRole:
    return AppRole(value, display_name, users, enabled)


APPS: tuple[App, ...] = (
    # --- the ten self-service applications ---
    {
        "name": "Fabrikam CRM",
        "publisher": "Fabrikam, Inc.",
        "description": "Customer accounts, opportunities and the sales pipeline.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://crm.fabrikam.example/",
        "roles": [
            _role("Sales.Rep", "Sales representative"),
            _role("Sales.Manager", "Sales manager"),
            # Refusal demos (rule 5): a retired role and one only applications may hold.
            _role("Sales.Legacy", "Legacy sales user (retired)", enabled=False),
            _role("Integration.Sync", "CRM synchronization service", users=False),
        ],
    },
    {
        "name": "Northwind Expenses",
        "publisher": "Northwind Traders",
        "description": "Submit receipts and claim business expenses.",
        "origin": "gallery",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://expenses.northwind.example/",
        "roles": [
            _role("Expenses.Submitter", "Expense submitter"),
            _role("Expenses.Auditor", "Expense auditor"),
        ],
    },
    {
        "name": "Tailspin Travel",
        "publisher": "Tailspin Toys Travel Services",
        "description": "Book flights, trains and hotels under the company travel policy.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://travel.tailspin.example/",
        "roles": [],
    },
    {
        "name": "Litware Wiki",
        "publisher": "Litware, Inc.",
        "description": "The company knowledge base and team handbooks.",
        "origin": "consent",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://wiki.litware.example/",
        "roles": [],
    },
    {
        "name": "Adatum Payroll",
        "publisher": "A. Datum Corporation",
        "description": "Payslips, pay runs and tax documents.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://payroll.adatum.example/",
        "roles": [
            _role("Payroll.Viewer", "Payslip viewer"),
            _role("Payroll.Administrator", "Payroll administrator"),
        ],
    },
    {
        "name": "Woodgrove Benefits",
        "publisher": "Woodgrove Bank",
        "description": "Pension, health cover and other employee benefits.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://benefits.woodgrove.example/",
        "roles": [],
    },
    {
        "name": "Proseware Design",
        "publisher": "Proseware, Inc.",
        "description": "Shared design boards, brand assets and mock-ups.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://design.proseware.example/",
        "roles": [],
    },
    {
        "name": "Wingtip Tickets",
        "publisher": "Wingtip Toys",
        "description": "The support desk's ticket queue, published through the application proxy.",
        "origin": "app_proxy",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://tickets.wingtip.example/",
        "roles": [
            _role("Tickets.Agent", "Support agent"),
            _role("Tickets.Supervisor", "Support supervisor"),
        ],
    },
    {
        "name": "Relecloud Analytics",
        "publisher": "Relecloud",
        "description": "Dashboards and reports over the company's operational data.",
        "origin": "consent",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://analytics.relecloud.example/",
        "roles": [
            _role("Analytics.Viewer", "Report viewer"),
            _role("Analytics.Author", "Report author"),
            _role("Analytics.Export", "Scheduled export job", users=False),
        ],
    },
    {
        "name": "Lamna Learning",
        "publisher": "Lamna Healthcare Learning",
        "description": "Training courses, certifications and mandatory compliance modules.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://learning.lamna.example/",
        "roles": [],
    },
    # --- applications self-service refuses (rules 1-2) ---
    {
        "name": "Tailspin Mobile Field App",
        "publisher": "Tailspin Toys",
        "description": "Work orders and site checklists for technicians on the road.",
        "origin": "gallery",
        "sso": "oidc",
        "public_client": True,
        "hidden": False,
        "homepage": "https://field.tailspin.example/",
        "roles": [],
    },
    {
        "name": "Fourth Coffee Rewards",
        "publisher": "Fourth Coffee",
        "description": "Staff canteen loyalty card, being retired at the end of the year.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": True,
        "homepage": "https://rewards.fourthcoffee.example/",
        "roles": [],
    },
    {
        "name": "Contoso Timesheets",
        "publisher": "Contoso Ltd (demo)",
        "description": "Record hours against customer projects; built in-house.",
        "origin": "custom",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://timesheets.contoso.example/",
        "roles": [
            _role("Timesheets.User", "Timesheet user"),
            _role("Timesheets.Manager", "Timesheet approver"),
        ],
    },
    {
        "name": "Contoso Inventory Tool",
        "publisher": "Contoso Ltd (demo)",
        "description": "Warehouse stock counts and reorder levels; built in-house.",
        "origin": "custom",
        "sso": "none",
        "public_client": False,
        "hidden": False,
        "homepage": "https://inventory.contoso.example/",
        "roles": [],
    },
    # --- other applications, eligible but not (yet) self-service ---
    {
        "name": "Alpine Ski House Bookings",
        "publisher": "Alpine Ski House",
        "description": "Meeting room and desk bookings, published through the application proxy.",
        "origin": "app_proxy",
        "sso": "none",
        "public_client": False,
        "hidden": False,
        "homepage": "https://bookings.alpineskihouse.example/",
        "roles": [],
    },
    {
        "name": "Coho Vineyard Orders",
        "publisher": "Coho Winery",
        "description": "Client gift orders, published through the application proxy.",
        "origin": "app_proxy",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://orders.cohovineyard.example/",
        "roles": [],
    },
    {
        "name": "Northwind Catalog",
        "publisher": "Northwind Traders",
        "description": "Product catalogue and price lists, published through the app proxy.",
        "origin": "app_proxy",
        "sso": "none",
        "public_client": False,
        "hidden": False,
        "homepage": "https://catalog.northwind.example/",
        "roles": [],
    },
    {
        "name": "Humongous Insurance Portal",
        "publisher": "Humongous Insurance",
        "description": "Company insurance policies and claims.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://portal.humongousinsurance.example/",
        "roles": [
            _role("Claims.Viewer", "Claims viewer"),
            _role("Claims.Adjuster", "Claims adjuster"),
        ],
    },
    {
        "name": "Wide World Importers Shipping",
        "publisher": "Wide World Importers",
        "description": "Inbound and outbound shipments, customs papers and tracking.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://shipping.wideworldimporters.example/",
        "roles": [
            _role("Shipping.Clerk", "Shipping clerk"),
            _role("Shipping.Supervisor", "Shipping supervisor"),
        ],
    },
    {
        "name": "Trey Research Notebook",
        "publisher": "Trey Research",
        "description": "Shared lab and research notebooks for product teams.",
        "origin": "consent",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://notebook.treyresearch.example/",
        "roles": [],
    },
    {
        "name": "Litware Code Review",
        "publisher": "Litware, Inc.",
        "description": "Code review and merge approvals for the engineering teams.",
        "origin": "consent",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://review.litware.example/",
        "roles": [],
    },
    {
        "name": "VanArsdel Signage",
        "publisher": "VanArsdel, Ltd.",
        "description": "Content for the screens in reception and the canteen.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://signage.vanarsdel.example/",
        "roles": [],
    },
    {
        "name": "Adventure Works Fleet",
        "publisher": "Adventure Works Cycles",
        "description": "Pool cars and bicycles: reservations and mileage logs.",
        "origin": "gallery",
        "sso": "password",
        "public_client": False,
        "hidden": False,
        "homepage": "https://fleet.adventureworks.example/",
        "roles": [],
    },
    {
        "name": "Proseware Surveys",
        "publisher": "Proseware, Inc.",
        "description": "Customer and employee surveys with simple reports.",
        "origin": "gallery",
        "sso": "oidc",
        "public_client": False,
        "hidden": False,
        "homepage": "https://surveys.proseware.example/",
        "roles": [],
    },
    {
        "name": "Consolidated Messenger Chat",
        "publisher": "Consolidated Messenger",
        "description": "Chat rooms for project teams and external partners.",
        "origin": "gallery",
        "sso": "saml",
        "public_client": False,
        "hidden": False,
        "homepage": "https://chat.consolidatedmessenger.example/",
        "roles": [],
    },
)


SELF_SERVICE: tuple[SelfService, ...] = (
    {  # several approvers, assigns a role
        "app": "Fabrikam CRM",
        "enabled": True,
        "group": "SS - Fabrikam CRM users",
        "require_approval": True,
        "approvers": ["alice.wu", "yuki.tanaka", "diego.ramirez"],
        "role": "Sales.Rep",
        "email_approvers": True,
        "approver_sets_passwords": False,
    },
    {  # no approval, assigns a role
        "app": "Northwind Expenses",
        "enabled": True,
        "group": "SS - Northwind Expenses users",
        "require_approval": False,
        "approvers": [],
        "role": "Expenses.Submitter",
        "email_approvers": False,
        "approver_sets_passwords": False,
    },
    {  # one approver who also sets the password-SSO credentials
        "app": "Tailspin Travel",
        "enabled": True,
        "group": "SS - Tailspin Travel users",
        "require_approval": True,
        "approvers": ["johan.berg"],
        "role": None,
        "email_approvers": True,
        "approver_sets_passwords": True,
    },
    {  # no approval, no role
        "app": "Litware Wiki",
        "enabled": True,
        "group": "SS - Litware Wiki users",
        "require_approval": False,
        "approvers": [],
        "role": None,
        "email_approvers": False,
        "approver_sets_passwords": False,
    },
    {  # one approver, assigns a role
        "app": "Adatum Payroll",
        "enabled": True,
        "group": "SS - Adatum Payroll users",
        "require_approval": True,
        "approvers": ["priya.nair"],
        "role": "Payroll.Viewer",
        "email_approvers": True,
        "approver_sets_passwords": False,
    },
    {  # configured, then switched off: settings kept, no new requests
        "app": "Woodgrove Benefits",
        "enabled": False,
        "group": "SS - Woodgrove Benefits users",
        "require_approval": True,
        "approvers": ["grace.adeyemi", "lucas.martin"],
        "role": None,
        "email_approvers": False,
        "approver_sets_passwords": True,
    },
    {  # two approvers who set passwords
        "app": "Proseware Design",
        "enabled": True,
        "group": "SS - Proseware Design users",
        "require_approval": True,
        "approvers": ["chloe.dubois", "kofi.mensah"],
        "role": None,
        "email_approvers": True,
        "approver_sets_passwords": True,
    },
    {  # password SSO, but the administrator keeps credentials to himself
        "app": "Wingtip Tickets",
        "enabled": True,
        "group": "SS - Wingtip Tickets users",
        "require_approval": True,
        "approvers": ["lena.novak", "carlos.mendes"],
        "role": "Tickets.Agent",
        "email_approvers": False,
        "approver_sets_passwords": False,
    },
    {  # three approvers, assigns a role; one approver also requests it (another decides)
        "app": "Relecloud Analytics",
        "enabled": True,
        "group": "SS - Relecloud Analytics users",
        "require_approval": True,
        "approvers": ["noah.fischer", "arjun.patel", "priya.nair"],
        "role": "Analytics.Viewer",
        "email_approvers": True,
        "approver_sets_passwords": False,
    },
    {  # exactly ten approvers: the maximum, so an eleventh is refused
        "app": "Lamna Learning",
        "enabled": True,
        "group": "SS - Lamna Learning users",
        "require_approval": True,
        "approvers": [
            "grace.adeyemi",
            "lucas.martin",
            "alice.wu",
            "priya.nair",
            "noah.fischer",
            "chloe.dubois",
            "david.levi",
            "johan.berg",
            "lena.novak",
            "rahul.mehta",
        ],
        "role": None,
        "email_approvers": False,
        "approver_sets_passwords": False,
    },
)


def _req(
    days_ago: int,
    app: str,
    requester: str,
    justification: str | None,
    outcome: Outcome,
    decider: str | None = None,
    decided_days_ago: int | None = None,
    reason: str | None = None,
) -> HistoricRequest:
    return {
        "app": app,
        "requester": requester,
        "justification": justification,
        "outcome": outcome,
        "decider": decider,
        "reason": reason,
        "days_ago": days_ago,
        "decided_days_ago": decided_days_ago,
    }


# Oldest first. Approval-free requests are approved the same day with no decider;
# cancellations are by the requester himself (decider None).
HISTORY: tuple[HistoricRequest, ...] = (
    _req(
        45,
        "Northwind Expenses",
        "fatima.benali",
        "Client travel expenses from the spring roadshow.",
        "approved",
        None,
        45,
    ),
    _req(
        44,
        "Fabrikam CRM",
        "fatima.benali",
        "New account executive, taking over the Benelux accounts.",
        "approved",
        "alice.wu",
        43,
    ),
    _req(42, "Litware Wiki", "sofia.rossi", None, "approved", None, 42),
    _req(
        40,
        "Relecloud Analytics",
        "mateo.silva",
        "Dashboards for deployment frequency and failure rate.",
        "approved",
        "noah.fischer",
        39,
    ),
    _req(
        38,
        "Adatum Payroll",
        "oliver.schmidt",
        "Reconcile the payroll journal entries.",
        "denied",
        "priya.nair",
        37,
        "Payroll access is limited to the payroll team; please use the monthly journal "
        "export instead.",
    ),
    _req(
        36,
        "Tailspin Travel",
        "diego.ramirez",
        "Customer visit in Lisbon next month.",
        "approved",
        "johan.berg",
        35,
    ),
    _req(
        35,
        "Proseware Design",
        "nadia.petrova",
        "New signage for the loading bays.",
        "denied",
        "chloe.dubois",
        34,
        "Operations design work goes through the design request queue; please file it there.",
    ),
    _req(
        33,
        "Lamna Learning",
        "sofia.rossi",
        "Mandatory security awareness course.",
        "approved",
        "noah.fischer",
        32,
    ),
    _req(
        30,
        "Wingtip Tickets",
        "kwame.asante",
        "Service desk escalations from the support queue.",
        "approved",
        "lena.novak",
        29,
    ),
    _req(
        28,
        "Fabrikam CRM",
        "olga.ivanova",
        "Check contract values for revenue recognition.",
        "denied",
        "yuki.tanaka",
        27,
        "Finance reads revenue from the monthly CRM report; CRM seats are for sales staff.",
    ),
    _req(
        27,
        "Relecloud Analytics",
        "arjun.patel",
        "Release quality report for the platform team.",
        "approved",
        "noah.fischer",
        26,
    ),
    _req(
        25, "Tailspin Travel", "amara.okafor", "Training in the Oslo office.", "cancelled", None, 24
    ),
    _req(
        22,
        "Adatum Payroll",
        "lucas.martin",
        "HR checks first payslips for new joiners.",
        "approved",
        "priya.nair",
        21,
    ),
    _req(
        20,
        "Fabrikam CRM",
        "olga.ivanova",
        "Q3 revenue audit; agreed with Priya Nair and Alice Wu.",
        "approved",
        "alice.wu",
        19,
    ),
    _req(
        17,
        "Proseware Design",
        "ingrid.solberg",
        "Icons for the new sign-in page.",
        "cancelled",
        None,
        16,
    ),
    _req(
        15,
        "Wingtip Tickets",
        "mateo.silva",
        "On-call rotation needs to see incident tickets.",
        "denied",
        "carlos.mendes",
        14,
        "Engineering on-call uses the escalation mailbox; tickets are for Support agents.",
    ),
    _req(
        13,
        "Relecloud Analytics",
        "olga.ivanova",
        "Monthly finance KPI reporting.",
        "approved",
        "priya.nair",
        12,
    ),
    _req(12, "Northwind Expenses", "yuki.tanaka", None, "approved", None, 12),
    _req(
        10,
        "Tailspin Travel",
        "amara.okafor",
        "Training in the Oslo office, rescheduled.",
        "approved",
        "johan.berg",
        9,
    ),
    _req(
        9,
        "Lamna Learning",
        "kwame.asante",
        "Customer service certification.",
        "denied",
        "lena.novak",
        8,
        "The current cohort is full; please request again for the next one.",
    ),
    _req(
        8,
        "Adatum Payroll",
        "david.levi",
        "Payslip history for an employment case.",
        "cancelled",
        None,
        7,
    ),
    # Still pending: the Approvals window and the tray have something to show.
    _req(6, "Fabrikam CRM", "nadia.petrova", "Track orders for our key accounts.", "pending"),
    _req(
        5, "Proseware Design", "sofia.rossi", "Mock-ups for the new onboarding screens.", "pending"
    ),
    _req(4, "Wingtip Tickets", "ingrid.solberg", "Handle sign-in and identity tickets.", "pending"),
    _req(3, "Lamna Learning", "mateo.silva", "Container platform fundamentals course.", "pending"),
    _req(3, "Tailspin Travel", "kofi.mensah", "Trade fair in Rotterdam.", "pending"),
    _req(2, "Relecloud Analytics", "kwame.asante", "Service desk volume dashboards.", "pending"),
    _req(1, "Adatum Payroll", "fatima.benali", "Check my commission payments.", "pending"),
    _req(
        0,
        "Lamna Learning",
        "kwame.asante",
        "Customer service certification, next cohort.",
        "pending",
    ),
)
