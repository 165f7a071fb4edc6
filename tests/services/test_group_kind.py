"""What sort of group a group is, as the command line prints it and the windows label it."""

from __future__ import annotations

import pytest

from desktop.services.views import group_kind

FLAGS = ("on_prem_synced", "dynamic", "security_enabled", "mail_enabled")


@pytest.mark.parametrize(("flags", "kind"), [
    ({"on_prem_synced", "security_enabled"}, "synced"),       # synced wins over the rest
    ({"on_prem_synced", "dynamic"}, "synced"),
    ({"dynamic", "security_enabled"}, "dynamic"),
    (set(), "distribution"),                                  # not a security group
    ({"mail_enabled"}, "distribution"),
    ({"security_enabled", "mail_enabled"}, "mail-security"),
    ({"security_enabled"}, "security"),
])
def test_a_group_has_one_kind(flags, kind):
    assert group_kind({flag: flag in flags for flag in FLAGS}) == kind


def test_every_kind_has_a_label_in_the_windows():
    from desktop.ui.admin.pickers import GROUP_KIND_LABELS
    from desktop.ui.admin.pickers import group_kind as labelled

    assert labelled({"security_enabled": True, "mail_enabled": True}) == "Mail-enabled security"
    kinds = {group_kind({flag: flag in flags for flag in FLAGS})
             for flags in ({"on_prem_synced"}, {"dynamic"}, set(),
                           {"security_enabled", "mail_enabled"}, {"security_enabled"})}
    assert kinds == set(GROUP_KIND_LABELS)
