"""Who a person is in each place: region coverage, staff and pengurus rights, the role they act in, their home."""

from __future__ import annotations

import pytest

from app.auth import CurrentUser, covers, home_path
from app.models import STAFF_ROLES, Cooperative, CooperativeStatus, Role


def _coop(cid: int, status: str = CooperativeStatus.OPEN, code: str | None = "63.03.04.2004") -> Cooperative:
    return Cooperative(id=cid, slug=f"k{cid}", name=f"K{cid}", status=status, kode_wilayah=code)


@pytest.mark.parametrize(
    ("scope", "code", "expected"),
    [
        ("", "63.03.04.2004", True),
        ("", None, True),
        ("63", "63.03.04.2004", True),
        ("63.03", "63.03", True),
        ("63.03", "63.030", False),  # a prefix of the text, not of the code
        ("63.03", "63.01.01.2002", False),
        ("63", None, False),
        ("63.03", "", False),
    ],
)
def test_an_operator_scope_covers_its_region_only(scope: str, code: str | None, expected: bool) -> None:
    assert covers(scope, code) is expected


def test_staff_rights_come_from_the_role_or_the_assignment() -> None:
    open_coop, onboarding = _coop(1), _coop(2, CooperativeStatus.ONBOARDING)
    for role in Role:
        user = CurrentUser(id=1, name="A", phone="", roles={1: role})
        assert user.is_staff_of(1) is (role in STAFF_ROLES)
        assert user.is_pengurus_of(open_coop) is (role == Role.PENGURUS)
    pendamping = CurrentUser(
        id=2, name="P", phone="", roles={}, is_pendamping=True, assigned_cooperative_ids=frozenset({1, 2})
    )
    assert pendamping.is_staff_of(1) and pendamping.is_staff_of(2) and not pendamping.is_staff_of(3)
    assert not pendamping.is_pengurus_of(open_coop)
    assert pendamping.is_pengurus_of(onboarding)
    assert pendamping.staff_cooperative_ids == [1, 2]
    assert pendamping.acting_role(open_coop) == "pendamping"


def test_the_role_a_person_acts_in() -> None:
    coop = _coop(1)
    both = CurrentUser(id=1, name="A", phone="", roles={1: Role.BENDAHARA}, assigned_cooperative_ids=frozenset({1}))
    assert both.acting_role(coop) == Role.BENDAHARA  # their own role there comes first
    operator = CurrentUser(id=2, name="O", phone="", roles={}, operator_regions=("63.03",))
    assert operator.acting_role(coop) == "operator"
    assert operator.acting_role(_coop(2, code="63.01.01.2002")) is None
    assert operator.operates("63.03.04") and not operator.operates(None)


@pytest.mark.parametrize(
    ("user", "home"),
    [
        (None, "/"),
        (CurrentUser(id=1, name="", phone="", roles={}), "/akun"),
        (CurrentUser(id=1, name="", phone="", roles={1: Role.MEMBER}), "/akun"),
        (CurrentUser(id=1, name="", phone="", roles={1: Role.KURIR}), "/akun"),
        (CurrentUser(id=1, name="", phone="", roles={1: Role.PETUGAS}), "/staf"),
        (CurrentUser(id=1, name="", phone="", roles={}, is_pendamping=True), "/pendamping"),
        (CurrentUser(id=1, name="", phone="", roles={1: Role.PENGURUS}, operator_regions=("",)), "/operator"),
    ],
)
def test_home_after_signing_in(user: CurrentUser | None, home: str) -> None:
    assert home_path(user) == home
