"""Enum labels: members of different enums that share a value keep their own labels."""

from __future__ import annotations

from desk_app.domain.enums import ActionState, Channel, IdType, InstitutionType, SpecialFlag, Status


def test_members_sharing_a_value_keep_their_own_labels() -> None:
    # "regulator", "other" and "in_progress" are values of two enums each; equal StrEnums are one dict key,
    # so the special flag used to show the channel's label
    assert SpecialFlag.REGULATOR.value == Channel.REGULATOR.value
    assert (SpecialFlag.REGULATOR.label, Channel.REGULATOR.label) == ("Regulator involved", "Transferred by regulator")
    assert (InstitutionType.OTHER.label, IdType.OTHER.label) == ("Other service provider", "Other document")
    assert Status.IN_PROGRESS.label == ActionState.IN_PROGRESS.label == "In progress"


def test_every_special_flag_has_a_label_of_its_own() -> None:
    labels = [flag.label for flag in SpecialFlag]
    assert len(set(labels)) == len(labels) and all(flag.label != flag.value for flag in SpecialFlag)
