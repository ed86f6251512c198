"""What a synthetic model knows of the data it is asked about: the vocabulary, and each item by
its text (a dilemma's value sets, a situation's gold values). It never reads the workflow's
answers, annotations or results."""

from dataclasses import dataclass, field
from pathlib import Path

from valueprefs.io import iter_jsonl, read_values


@dataclass
class World:
    """Vocabulary values (their order fixes the planted latents) and items by their text."""

    values: list[str]
    dilemmas: dict[str, dict] = field(default_factory=dict)  # situation text -> dilemma
    situations: dict[str, list[str]] = field(default_factory=dict)  # situation text -> gold values

    def add_items(self, items: list[dict]) -> None:
        """Dilemmas (by situation) and recognition situations (by text, with their values)."""
        for item in items:
            if "dilemma_id" in item:
                self.dilemmas[item["situation"].strip()] = item
            elif "situation_id" in item:
                self.situations[item["situation"].strip()] = list(item.get("values", []))

    @classmethod
    def from_files(cls, vocabulary_csv: str | Path, item_files: list[str | Path]) -> "World":
        """A world from the workflow's normalized vocabulary and item files."""
        world = cls(read_values(vocabulary_csv))
        for path in item_files:
            world.add_items([row for _, row in iter_jsonl(path)])
        return world
