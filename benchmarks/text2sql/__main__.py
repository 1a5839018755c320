"""``python -m benchmarks.text2sql --dataset DIR [--engine offline|openai] [--limit N] [--out F]``.

Prints the summary as Markdown tables (answered, right, wrong by hardness and by query shape);
``--out`` writes one JSON line per question. ``--engine openai`` uses the product's settings
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_MODEL``), so any OpenAI-compatible endpoint
can be measured on the same questions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from backend.engines.base import Engine

from benchmarks.text2sql.run import Outcome, Tally, evaluate, split, tally

_HARDNESS = ("easy", "medium", "hard", "extra")
DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "data" / "spider-dev-a"


def make_engine(name: str) -> Engine:
    if name == "offline":
        from backend.engines.offline.engine import OfflineEngine

        return OfflineEngine()
    from backend.core.config import Settings
    from backend.engines.openai.engine import OpenAIEngine

    settings = Settings()
    if not settings.llm_enabled:
        raise SystemExit("--engine openai needs OPENAI_API_KEY (and OPENAI_BASE_URL if not OpenAI)")
    return OpenAIEngine(settings)


def _row(name: str, t: Tally) -> str:
    cells = [
        name,
        str(t.total),
        f"{t.answered} ({t.answered_pct:.1f}%)",
        str(t.right),
        str(t.extra),
        str(t.wrong),
        f"{t.wrong_of_answered_pct:.1f}%",
        str(t.errors),
    ]
    return "| " + " | ".join(cells) + " |"


def render(outcomes: list[Outcome]) -> str:
    header = [
        "| | questions | answered | right | right + extra columns | wrong | wrong of answered "
        "| errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines = [*header, _row("**all**", tally(outcomes))]
    for title, key in (("hardness", lambda o: o.hardness), ("shape", lambda o: o.shape)):
        lines.append(f"| *by {title}* | | | | | | | |")
        groups = split(outcomes, key)
        order = [n for n in _HARDNESS if n in groups] + [n for n in groups if n not in _HARDNESS]
        lines += [_row(name, groups[name]) for name in order]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.text2sql", description=__doc__)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--engine", choices=("offline", "openai"), default="offline")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="per-question JSON lines")
    args = parser.parse_args(argv)
    engine = make_engine(args.engine)
    started = time.perf_counter()
    outcomes = evaluate(engine, args.dataset, limit=args.limit)
    seconds = time.perf_counter() - started
    if args.out is not None:
        with args.out.open("w") as out:
            for outcome in outcomes:
                out.write(json.dumps(outcome.to_json()) + "\n")
    print(f"engine {args.engine}, dataset {args.dataset.name}, {seconds:.1f} s\n")
    print(render(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
