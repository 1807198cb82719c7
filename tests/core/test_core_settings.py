"""Settings: KindSettings / SyncSettings validation, Direction.flows_to, KindSettings.may."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncore import ConfigurationError, ConflictPolicy, Direction, Kind, KindSettings, Side, SyncSettings


# -- Direction ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction,to_pim,to_crm", [
    (Direction.BOTH, True, True),
    (Direction.PIM_TO_CRM, False, True),
    (Direction.CRM_TO_PIM, True, False),
])
def test_direction_flows_to(direction, to_pim, to_crm):
    assert direction.flows_to(Side.PIM) is to_pim
    assert direction.flows_to(Side.CRM) is to_crm


# -- KindSettings ---------------------------------------------------------------------------------------------
def test_kind_settings_defaults():
    ks = KindSettings()
    assert ks.enabled and ks.direction is Direction.BOTH
    assert ks.create_on == ks.update_on == ks.delete_on == {Side.PIM, Side.CRM}
    assert ks.past_days == 30 and ks.future_days == 365 and not ks.include_private


def test_kind_settings_accepts_plain_values():
    ks = KindSettings(direction="pim_to_crm", create_on=["crm"], update_on={"pim", "crm"}, delete_on=[])
    assert ks.direction is Direction.PIM_TO_CRM
    assert ks.create_on == frozenset({Side.CRM})
    assert ks.update_on == frozenset({Side.PIM, Side.CRM})
    assert ks.delete_on == frozenset()


@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_may_requires_direction_and_side(action):
    both = KindSettings()
    assert both.may(action, Side.PIM) and both.may(action, Side.CRM)
    one_way = KindSettings(direction=Direction.PIM_TO_CRM)
    assert one_way.may(action, Side.CRM) and not one_way.may(action, Side.PIM)
    other_way = KindSettings(direction=Direction.CRM_TO_PIM)
    assert other_way.may(action, Side.PIM) and not other_way.may(action, Side.CRM)
    only_pim = KindSettings(**{f"{action}_on": ["pim"]})
    assert only_pim.may(action, Side.PIM) and not only_pim.may(action, Side.CRM)
    # the other actions are unaffected
    for other in {"create", "update", "delete"} - {action}:
        assert only_pim.may(other, Side.CRM)
    # a side allowed but not flowed to stays forbidden
    assert not KindSettings(direction="crm_to_pim", **{f"{action}_on": ["crm"]}).may(action, Side.CRM)


def test_kind_settings_is_frozen_and_keyword_only():
    import attrs
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        KindSettings().past_days = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        KindSettings(True)  # type: ignore[misc]


@pytest.mark.parametrize("field", ["past_days", "future_days"])
@pytest.mark.parametrize("value", [-1, 1.5, "10", True, None])
def test_day_ranges_must_be_non_negative_ints(field, value):
    with pytest.raises(ConfigurationError) as info:
        KindSettings(**{field: value})
    assert field in str(info.value)
    assert info.value.key == field


@pytest.mark.parametrize("field", ["past_days", "future_days"])
def test_day_range_zero_is_allowed(field):
    assert getattr(KindSettings(**{field: 0}), field) == 0


@pytest.mark.parametrize("field", ["create_on", "update_on", "delete_on"])
def test_bad_side_error_names_field_and_allowed_values(field):
    with pytest.raises(ConfigurationError) as info:
        KindSettings(**{field: ["outlook"]})
    message = str(info.value)
    assert "'outlook'" in message
    assert "pim" in message and "crm" in message
    assert field in message, f"the error does not say which setting is wrong: {message}"


def test_bad_direction_is_a_configuration_error_listing_allowed_values():
    with pytest.raises(ConfigurationError) as info:
        KindSettings(direction="sideways")
    message = str(info.value)
    assert "direction" in message and "sideways" in message
    for allowed in ("both", "pim_to_crm", "crm_to_pim"):
        assert allowed in message


# -- SyncSettings ---------------------------------------------------------------------------------------------
def test_sync_settings_defaults():
    s = SyncSettings()
    assert s.profile == "default"
    assert s.conflict_policy is ConflictPolicy.MANUAL
    assert s.preserve_formatted_bodies is True
    assert s.history_days == 30
    assert set(s.kinds) == set(Kind)
    assert s.for_kind(Kind.EVENT) == s.for_kind(Kind.TASK) == KindSettings()
    assert s.for_kind(Kind.CONTACT) == KindSettings(delete_on=["pim"])  # not deleted in Salesforce by default
    assert s.retry_base == timedelta(minutes=5) and s.retry_max == timedelta(hours=24)


def test_sync_settings_kinds_merge_with_defaults():
    events = KindSettings(direction="pim_to_crm")
    s = SyncSettings(kinds={"event": events}, conflict_policy="crm_wins")
    assert s.for_kind(Kind.EVENT) is events
    assert s.for_kind(Kind.TASK) == KindSettings()
    assert s.conflict_policy is ConflictPolicy.CRM_WINS
    assert SyncSettings(kinds={Kind.TASK: events}).for_kind(Kind.TASK) is events


def test_unknown_kind_names_field_and_allowed():
    with pytest.raises(ConfigurationError) as info:
        SyncSettings(kinds={"meeting": KindSettings()})
    message = str(info.value)
    assert "kinds" in message and "meeting" in message
    for allowed in ("event", "contact", "task"):
        assert allowed in message


@pytest.mark.parametrize("value", [0, -0.1, 1.01, True, "0.5", None])
def test_max_delete_ratio_range(value):
    with pytest.raises(ConfigurationError) as info:
        SyncSettings(max_delete_ratio=value)
    assert "max_delete_ratio" in str(info.value)


@pytest.mark.parametrize("value", [1, 0.01, 0.5])
def test_max_delete_ratio_valid(value):
    assert SyncSettings(max_delete_ratio=value).max_delete_ratio == value


@pytest.mark.parametrize("value", [-1, 2.5, True])
def test_min_delete_count(value):
    with pytest.raises(ConfigurationError) as info:
        SyncSettings(min_delete_count=value)
    assert "min_delete_count" in str(info.value)
    assert SyncSettings(min_delete_count=0).min_delete_count == 0


def test_bad_conflict_policy_is_a_configuration_error_listing_allowed_values():
    with pytest.raises(ConfigurationError) as info:
        SyncSettings(conflict_policy="loudest_wins")
    message = str(info.value)
    assert "conflict_policy" in message and "loudest_wins" in message
    for allowed in ("pim_wins", "crm_wins", "newest_wins", "manual"):
        assert allowed in message


def test_configuration_error_is_value_error():
    with pytest.raises(ValueError):
        SyncSettings(max_delete_ratio=2)


# -- issue 11.9: one source of defaults for the library and the settings file --------------------------------
def test_the_library_and_the_settings_file_default_every_kind_alike():
    from syncore.config import loads_config

    library = SyncSettings()
    for text in ("", "[jobs.contact]\ndirection = \"both\"\n", "[jobs.contact]\n[jobs.event]\n[jobs.task]\n"):
        file_settings = loads_config(text).sync_settings()
        assert file_settings.kinds == library.kinds, text
        assert (file_settings.conflict_policy, file_settings.max_delete_ratio, file_settings.min_delete_count,
                file_settings.preserve_formatted_bodies) == (library.conflict_policy, library.max_delete_ratio,
                                                             library.min_delete_count,
                                                             library.preserve_formatted_bodies)


def test_contacts_are_not_deleted_in_salesforce_by_default():
    # docs/concepts.md: "Deleting contacts in Salesforce is off by default, as in LinkPoint Connect."
    contact = SyncSettings().for_kind(Kind.CONTACT)
    assert not contact.may("delete", Side.CRM) and contact.may("delete", Side.PIM)
    assert SyncSettings().for_kind(Kind.EVENT).may("delete", Side.CRM)
