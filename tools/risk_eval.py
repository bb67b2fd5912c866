"""Precision and recall of the risk signals, per kind, on the hand-labelled complaint texts.

    python tools/risk_eval.py [--data tests/data/risk_labelled.jsonl] [--words FILE.toml] [--errors]

Each line of the data file is ``{"text": …, "kinds": [...]}``: the kinds a careful reader says the text
shows as the customer's own threat or step taken (see tests/data/risk_labelled.md). A kind counts as
found when a phrase of it counts (is not set aside). ``--errors`` lists every miss and false alarm with
the phrases found and why each was set aside. The exit status is 1 when a kind is under the thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:      # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from desk_app.domain.risk import WordList, default_word_list_path, detect, parse_word_list  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk_labelled.jsonl"
MIN_PRECISION = 0.85
MIN_RECALL = 0.90


@dataclass(frozen=True)
class Example:
    line: int
    text: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class Score:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def passes(self) -> bool:
        return self.precision >= MIN_PRECISION and self.recall >= MIN_RECALL


def load_examples(path: Path = DATA) -> list[Example]:
    examples: list[Example] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            examples.append(Example(n, row["text"], frozenset(row["kinds"])))
    return examples


def load_words(path: Path | None = None) -> WordList:
    path = path or default_word_list_path()
    return parse_word_list(path.read_bytes(), path.name)


def evaluate(examples: Iterable[Example], words: WordList) -> tuple[list[Score], list[str]]:
    """Scores per kind of the word list, and a line for each text the detector got wrong."""
    counts = {kind.key: [0, 0, 0] for kind in words.kinds}
    errors: list[str] = []
    for example in examples:
        signals = detect(example.text, words)
        found = frozenset(s.kind for s in signals if s.counts)
        for kind, tally in counts.items():
            if kind in found and kind in example.kinds:
                tally[0] += 1
            elif kind in found:
                tally[1] += 1
            elif kind in example.kinds:
                tally[2] += 1
        unknown = example.kinds - counts.keys()
        if unknown:
            raise ValueError(f"line {example.line}: unknown kinds {sorted(unknown)}")
        if found != example.kinds:
            why = ", ".join(f"{s.kind}:{s.phrase}" + (f"({s.set_aside.value})" if s.set_aside else "")
                            for s in signals)
            errors.append(f"{example.line}: expected {sorted(example.kinds)} found {sorted(found)} "
                          f"[{why}] {example.text}")
    return [Score(kind, *tally) for kind, tally in counts.items()], errors


def table(scores: list[Score], texts: int) -> str:
    rows = [f"risk signals on {texts} labelled texts (precision >= {MIN_PRECISION:.0%}, "
            f"recall >= {MIN_RECALL:.0%} per kind)",
            f"{'kind':<12} {'labelled':>8} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}  ok"]
    for s in scores:
        rows.append(f"{s.kind:<12} {s.true_positives + s.false_negatives:>8} "
                    f"{s.true_positives + s.false_positives:>6} {s.true_positives:>6} "
                    f"{s.precision:>10.1%} {s.recall:>7.1%}  {'yes' if s.passes else 'NO'}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--words", type=Path, default=None, help="a word-list file (default: the bundled one)")
    parser.add_argument("--errors", action="store_true", help="list every text the detector got wrong")
    args = parser.parse_args(argv)
    examples = load_examples(args.data)
    scores, errors = evaluate(examples, load_words(args.words))
    print(table(scores, len(examples)))
    if args.errors:
        print("\n".join(errors) or "no errors")
    return 0 if all(s.passes for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
