"""Measure the Storydesk tagger on an annotated JSONL corpus (the format of the corpus README).

    .venv/bin/python bench/nlp_eval.py /work/shared/corpus/dev.jsonl [--repeat N] [--show-errors]

Prints precision/recall per personal-data type (overlap matching, each gold span matched at most
once), micro P/R/F1 for themes and sites, location accuracy, recall and false positives per
flag, then words per second of tag_many against bare nlp.pipe (the model alone), their ratio,
and the process's peak resident memory.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where other benchmarks' modules (a
# bench/queue.py, say) would shadow the standard library; import from the repo root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from moderation.nlp.pipeline import OUR_COMPONENTS, get_tagger  # noqa: E402
from moderation.nlp.pii import PII_TYPES  # noqa: E402

FLAGS = ("safeguarding", "spam", "misinformation", "legal_risk")


def match_pii(gold: list[dict], pred: list[dict]) -> tuple[int, int, int]:
    """(matched predictions, predictions, gold) for one type in one story."""
    used: set[int] = set()
    matched = 0
    for p in sorted(pred, key=lambda x: x["start"]):
        for i, g in enumerate(gold):
            if i not in used and p["start"] < g["end"] and g["start"] < p["end"]:
                used.add(i)
                matched += 1
                break
    return matched, len(pred), len(gold)


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(rows: list[dict], preds: list[dict], show_errors: bool) -> None:
    print(f"stories: {len(rows)}")
    print("\nPersonal data (overlap match, each gold span matched once)")
    print(f"  {'type':<15}{'precision':>10}{'recall':>9}{'pred':>6}{'gold':>6}")
    for kind in PII_TYPES:
        tp = n_pred = n_gold = 0
        for row, pred in zip(rows, preds):
            g = [x for x in row["pii"] if x["type"] == kind]
            p = [x for x in pred["pii"] if x["type"] == kind]
            a, b, c = match_pii(g, p)
            tp, n_pred, n_gold = tp + a, n_pred + b, n_gold + c
            if show_errors:
                for x in p:
                    if not any(x["start"] < y["end"] and y["start"] < x["end"] for y in g):
                        print(f"    FP {row['id']} {kind}: {x['text']!r}")
                for y in g:
                    if not any(x["start"] < y["end"] and y["start"] < x["end"] for x in p):
                        print(f"    FN {row['id']} {kind}: {y['text']!r}")
        precision, recall, _ = prf(tp, n_pred, n_gold)
        print(f"  {kind:<15}{precision:>10.3f}{recall:>9.3f}{n_pred:>6}{n_gold:>6}")

    for label, key, get in (("Themes", "themes", lambda p: {t["slug"] for t in p["themes"]}),
                            ("Sites", "sites", lambda p: set(p["sites"]))):
        tp = n_pred = n_gold = 0
        for row, pred in zip(rows, preds):
            g, p = set(row[key]), get(pred)
            tp, n_pred, n_gold = tp + len(g & p), n_pred + len(p), n_gold + len(g)
            if show_errors and g != p:
                print(f"    {key} {row['id']}: missing {sorted(g - p)} extra {sorted(p - g)}")
        precision, recall, f1 = prf(tp, n_pred, n_gold)
        print(f"\n{label} (micro): precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
              f"  (pred {n_pred}, gold {n_gold})")

    right = 0
    for row, pred in zip(rows, preds):
        gold, got = row.get("location"), pred["location"]
        ok = (gold is None and got is None) or (gold is not None and got is not None and gold.lower() == got.lower())
        right += ok
        if show_errors and not ok:
            print(f"    location {row['id']}: gold {gold!r} got {got!r}")
    print(f"\nLocation accuracy: {right / len(rows):.3f} ({right}/{len(rows)})")

    print("\nFlags")
    print(f"  {'flag':<16}{'recall':>8}{'true':>6}{'false positives':>17}")
    for flag in FLAGS:
        positives = [i for i, r in enumerate(rows) if r["flags"].get(flag)]
        hit = sum(1 for i in positives if preds[i]["flags"][flag])
        fps = [rows[i]["id"] for i, p in enumerate(preds) if p["flags"][flag] and not rows[i]["flags"].get(flag)]
        recall = hit / len(positives) if positives else 1.0
        print(f"  {flag:<16}{recall:>8.3f}{len(positives):>6}{len(fps):>17}")
        if show_errors:
            missed = [rows[i]["id"] for i in positives if not preds[i]["flags"][flag]]
            if missed or fps:
                print(f"    missed {missed} false positives {fps}")


def measure_speed(texts: list[str], repeat: int) -> None:
    tagger = get_tagger()
    batch = texts * repeat
    words = sum(len(t.split()) for t in batch)
    model_pipes = [p for p in tagger.nlp.pipe_names if p not in OUR_COMPONENTS]
    bare_best = tag_best = float("inf")
    for _ in range(3):  # alternate, keep the best of each, so neither is favoured by warm-up
        with tagger.nlp.select_pipes(enable=model_pipes):
            t0 = time.perf_counter()
            for _doc in tagger.nlp.pipe(batch, batch_size=50):
                pass
            bare_best = min(bare_best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _result in tagger.tag_many(batch, batch_size=50):
            pass
        tag_best = min(tag_best, time.perf_counter() - t0)
    bare_wps, tag_wps = words / bare_best, words / tag_best
    print(f"\nSpeed ({len(batch)} texts, {words} words, batch_size 50, best of 3)")
    print(f"  bare nlp.pipe (model alone): {bare_wps:,.0f} words/s")
    print(f"  tag_many:                    {tag_wps:,.0f} words/s")
    print(f"  ratio tag_many / nlp.pipe:   {tag_wps / bare_wps:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=8, help="copies of the corpus for the speed run")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    t0 = time.perf_counter()
    tagger = get_tagger()
    print(f"model version: {tagger.model_version} (built in {time.perf_counter() - t0:.1f}s)")
    preds = list(tagger.tag_many([r["text"] for r in rows], batch_size=50))
    evaluate(rows, preds, args.show_errors)
    if not args.no_speed:
        measure_speed([r["text"] for r in rows], args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
