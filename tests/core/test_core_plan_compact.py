"""The plan's compact forms (issue 18, T6): an operation's and a pair plan's rarely set attributes kept in one
slot (syncore._rare), and the executor's lookup of pair plans by id (syncore.pairs_by_id)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import attrs
import pytest

from syncore import Contact, Kind, Plan, Side
from syncore.merge import MergeInput
from syncore.pairs_by_id import PairsById
from syncore.plan import Operation, PairPlan
from syncore.state_types import Action

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
ANN = Contact(first_name="Ann", last_name="Lee")
BOB = Contact(first_name="Bob", last_name="Roe")


def delete(**rare):
    return Operation(op_id="d", target=Side.CRM, action=Action.DELETE, pair_id="p", target_id="crm-1",
                     base_version="v1", source_side=Side.PIM, source_id="pim-1", source_version=None, record=None,
                     reason="deleted in PIM", **rare)


def pair(pair_id="p", **rare):
    return PairPlan(pair_id=pair_id, pim_id="pim-1", crm_id="crm-1", pim_version="1", crm_version="2", base=ANN,
                    **rare)


def test_rare_attributes_read_as_given_and_default_otherwise():
    op = delete(held=ANN, label="contact 'Ann Lee'")
    assert (op.held, op.label, op.previous, op.after_occurrences_of) == (ANN, "contact 'Ann Lee'", None, None)
    plain = delete()
    assert (plain.held, plain.label, plain.previous, plain.after_occurrences_of) == (None, "", None, None)
    found = pair(remove=True, tombstones=((Side.PIM, "pim-1"),), conflicts=frozenset({"email"}))
    assert (found.remove, found.tombstones, found.conflicts, found.settles, found.merge_input) == (
        True, ((Side.PIM, "pim-1"),), frozenset({"email"}), (), None)


def test_setting_a_rare_attribute_and_back_compares_as_never_set():
    op = delete()
    op.label = "contact 'Ann Lee'"
    assert op == delete(label="contact 'Ann Lee'") and op != delete()
    op.label = ""
    assert op == delete()
    plan = pair()
    plan.keep_pending_conflict = True
    plan.merge_input = MergeInput(base=ANN, pim=ANN, crm=BOB)
    assert plan == pair(keep_pending_conflict=True, merge_input=MergeInput(base=ANN, pim=ANN, crm=BOB))
    plan.keep_pending_conflict = False
    plan.merge_input = None
    assert plan == pair()


def test_a_copy_made_with_evolve_does_not_change_the_original():
    op = delete(held=ANN)
    copy = attrs.evolve(op, label="renamed")
    assert (copy.held, copy.label) == (ANN, "renamed")
    assert (op.held, op.label) == (ANN, "")
    copy.held = BOB
    assert op.held == ANN
    # a rare attribute given at its default replaces what the copied instance held
    assert attrs.evolve(op, held=None) == delete()
    assert attrs.evolve(pair(settles=((Side.PIM, "pim-1"),)), settles=()) == pair()


def test_an_unknown_keyword_is_refused():
    with pytest.raises(TypeError):
        delete(lable="typo")


def test_rare_attributes_are_written_flat_in_a_plan_file_and_read_back():
    plan = Plan(plan_id="x", profile="default", kind=Kind.CONTACT, created_at=NOW)
    plan.operations += [delete(held=ANN, label="contact 'Ann Lee'", after_occurrences_of="s-1"), delete()]
    plan.pairs += [pair(remove=True, settles=((Side.CRM, "crm-1"),)), pair("q")]
    data = json.loads(plan.to_json())
    written = data["operations"][0]
    assert written["label"] == "contact 'Ann Lee'" and written["held"]["fields"]["last_name"] == "Lee"
    assert written["after_occurrences_of"] == "s-1"
    assert data["operations"][1]["held"] is None and data["operations"][1]["after_occurrences_of"] is None
    assert data["pairs"][0]["remove"] is True and data["pairs"][0]["settles"] == [["crm", "crm-1"]]
    assert not any("rare" in key for entry in data["operations"] + data["pairs"] for key in entry)
    assert Plan.from_json(plan.to_json()) == plan


def test_a_plan_file_without_the_rare_attributes_reads_them_as_defaults():
    plan = Plan(plan_id="x", profile="default", kind=Kind.CONTACT, created_at=NOW)
    plan.operations.append(delete())
    plan.pairs.append(pair())
    data = json.loads(plan.to_json())
    for key in ("previous", "label", "after_occurrences_of", "held"):
        del data["operations"][0][key]
    for key in ("remove", "tombstones", "lifted", "settles", "keep_pending_conflict", "conflicts", "merge_input"):
        del data["pairs"][0][key]
    assert Plan.from_json(json.dumps(data)) == plan


@pytest.mark.parametrize("order", [["a", "b", "c", "d"], ["c", "a", "d", "b"]])
def test_pair_plans_are_found_by_id_in_any_order(order):
    pairs = [pair(pair_id) for pair_id in order]
    by_id = PairsById(pairs)
    for pair_id in ["b", "b", "d", "a", "c", "a"]:
        found = by_id.get(pair_id)
        assert found is not None and found.pair_id == pair_id
        assert found is pairs[order.index(pair_id)]
    assert by_id.get("e") is None and by_id.get("0") is None and PairsById([]).get("a") is None
