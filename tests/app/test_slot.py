"""A Slot sends its element again only when what it shows changed."""

from __future__ import annotations

from components.slot import Slot


class Place:
    """Stands in for an st.empty: records what was painted in it."""

    def __init__(self) -> None:
        self.painted: list[str] = []

    def metric(self, label: str, value: str) -> None:
        self.painted.append(f"{label} {value}")


def test_a_slot_paints_the_first_content_and_then_only_changes():
    place = Place()
    slot = Slot(place)
    for value in ["0.1000", "0.1000", "0.2000", "0.2000", "0.1000"]:
        slot.show(value, lambda p, v=value: p.metric("Effective slope", v))
    assert place.painted == ["Effective slope 0.1000", "Effective slope 0.2000",
                             "Effective slope 0.1000"]


def test_none_is_content_too():
    """None (e.g. no saddle readouts) is painted once, as any other content."""
    place = Place()
    slot = Slot(place)
    for _ in range(3):
        slot.show(None, lambda p: p.metric("nothing", ""))
    assert place.painted == ["nothing "]
