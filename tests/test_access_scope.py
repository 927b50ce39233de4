"""The scope seam: a district account sees everything; a street or community account's requests are narrowed to
its street (and community), and naming a street, community or compound outside it, or one that does not exist, is
refused with one message that names nothing, Chinese first."""
import pytest

from access import Account, NoAccess
from access.scope import NO_ACCESS, allowed_options, compound_place, restrict
from conftest import june
from metrics.kpis import Scope, kpis
from metrics.options import filter_options


def account(login, role, street=None, community=None, disabled=False):
    return Account(login=login, role=role, street=street, community=community, admin=False, disabled=disabled,
                   created_at="2024-07-01 00:00:00", updated_at="2024-07-01 00:00:00")


DISTRICT = account("qu", "district")
EAST = account("dong", "street", "东街道")
EAST_TWO = account("dong2", "community", "东街道", "东二社区")


def test_a_district_account_passes_through(fixture_con):
    for scope in (Scope(), Scope(street="西街道"), Scope(compound="和平新村", category="电梯")):
        assert restrict(DISTRICT, scope, fixture_con) == scope


def test_a_street_account_is_narrowed_to_its_street(fixture_con, config):
    assert restrict(EAST, Scope(), fixture_con) == Scope(street="东街道")
    assert restrict(EAST, Scope(category="渗水漏水"), fixture_con) == Scope(street="东街道", category="渗水漏水")
    assert restrict(EAST, Scope(community="东二社区"), fixture_con) == Scope(street="东街道", community="东二社区")
    assert restrict(EAST, Scope(compound="阳光花园"), fixture_con) == Scope(street="东街道", compound="阳光花园")
    assert restrict(EAST, Scope(street="东街道", community="东一社区"), fixture_con) == Scope(street="东街道",
                                                                                        community="东一社区")
    # the figures are its street's: June has W1-W6 and W13 in 东街道 (7 orders) and C1, C2 (2 complaints)
    found = kpis(fixture_con, config, restrict(EAST, Scope(), fixture_con), june())
    assert (found["orders_total"], found["complaint_count"]) == (7, 2)


@pytest.mark.parametrize("scope", [
    Scope(street="西街道"),
    Scope(community="西一社区"),
    Scope(compound="和平新村"),                  # in the registry, 西街道
    Scope(compound="未知小区"),                  # not in the registry: its orders say 西街道
    # issue 21: names that do not exist get the very same answer (before, they were narrowed and found nothing,
    # so a refusal told that a name was another street's)
    Scope(street="没有的街道"),
    Scope(community="没有的社区"),
    Scope(compound="没有的小区"),
    Scope(compound="阳光小区"),                  # an alias, not a compound's name: the engine knows no such compound
    Scope(street="东街道", compound="和平新村"),   # its own street does not make another street's compound its own
])
def test_a_street_account_naming_another_street_or_nothing_is_refused_alike(fixture_con, scope):
    with pytest.raises(NoAccess) as refused:
        restrict(EAST, scope, fixture_con)
    assert str(refused.value) == NO_ACCESS == ("无权查看所请求的范围，或该范围不存在 / the requested scope does not exist or "
                                               "is outside this account's")
    assert refused.value.requested == scope.as_dict()   # what was asked, for the audit entry the caller writes


def test_a_refusal_names_nothing_of_the_request_or_the_registry(fixture_con):
    """Neither the name asked for, nor the registry name behind it, nor the account's own scope."""
    for scope in (Scope(compound="和平新村"), Scope(compound="没有的小区"), Scope(community="西一社区")):
        with pytest.raises(NoAccess) as refused:
            restrict(EAST, scope, fixture_con)
        for name in ("和平新村", "没有的小区", "西一社区", "西街道", "东街道", "dong"):
            assert name not in str(refused.value)


def test_a_community_account_sees_its_community_only(fixture_con, config):
    assert restrict(EAST_TWO, Scope(), fixture_con) == Scope(street="东街道", community="东二社区")
    assert restrict(EAST_TWO, Scope(compound="幸福里小区"), fixture_con) == Scope(
        street="东街道", community="东二社区", compound="幸福里小区")
    for scope in (Scope(community="东一社区"), Scope(compound="阳光花园"), Scope(street="西街道"),
                  Scope(compound="没有的小区"), Scope(community="没有的社区")):
        with pytest.raises(NoAccess) as refused:
            restrict(EAST_TWO, scope, fixture_con)
        assert str(refused.value) == NO_ACCESS and refused.value.requested == scope.as_dict()
    found = kpis(fixture_con, config, restrict(EAST_TWO, Scope(), fixture_con), june())
    assert (found["orders_total"], found["complaint_count"]) == (3, 1)   # W5, W6, W13; C2


def test_without_an_account_or_with_a_disabled_one_nothing_is_seen(fixture_con):
    with pytest.raises(NoAccess, match="^请先登录 / please sign in$"):
        restrict(None, Scope(), fixture_con)
    with pytest.raises(NoAccess, match="^账号 x 已停用"):
        restrict(account("x", "district", disabled=True), Scope(), fixture_con)
    with pytest.raises(NoAccess, match="^请先登录"):
        allowed_options(None, {})


def test_compound_place_from_the_registry_or_the_orders(fixture_con):
    assert compound_place(fixture_con, "幸福里小区") == ("东街道", "东二社区")
    assert compound_place(fixture_con, "未知小区") == ("西街道", None)
    assert compound_place(fixture_con, "没有的小区") is None


def test_filter_lists_are_cut_to_the_scope(fixture_con):
    options = filter_options(fixture_con)
    assert allowed_options(DISTRICT, options) == options
    east = allowed_options(EAST, options)
    assert east["street"] == ["东街道"]
    assert east["community"] == [{"street": "东街道", "community": "东一社区"}, {"street": "东街道", "community": "东二社区"}]
    assert [c["compound_name"] for c in east["compound"]] == ["阳光花园", "幸福里小区"]
    assert east["source"] == options["source"] and east["category"] == options["category"]
    two = allowed_options(EAST_TWO, options)
    assert two["community"] == [{"street": "东街道", "community": "东二社区"}]
    assert [c["compound_name"] for c in two["compound"]] == ["幸福里小区"]
