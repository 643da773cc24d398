"""Estimate the prior confidences of rule-added mentions (writes priors.tsv).

Run from the project root:  python pipeline/data/entities/calibrate_priors.py [--model newsie_en_core]

For every rule source (country, capital, city, demonym, loc_phrase, name_alias, person_role) the
prior is the precision of the rule on CoNLL++ dev (../shared/data/ner/conllpp/conllpp_dev.txt): the
share of rule hits that are exactly a gold entity of the corresponding CoNLL type (country/capital/
city/loc_phrase -> LOC, demonym -> MISC, name_alias/person_role -> PER), with add-one smoothing.
Without --model the rules run on text with no NER mentions (unconditional precision). With
--model the NER's predicted mentions are in place first, so only the hits the rules would
*add* are scored, which is exactly the situation the prior is used in; that estimate is used
when it rests on at least 30 hits, else the unconditional one (an in-domain model leaves very
few gazetteer hits to add, so the unconditional precision is an optimistic bound there).
name_alias is scored given the gold multi-token PER mentions of the document (with --model: the
predicted ones). ner_default (used only when a model sets no span._.confidence) is, with --model,
the NER's own exact-match precision on dev.
"""
from __future__ import annotations

import argparse
import copy
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "data" / "ner" / "conllpp" / "conllpp_dev.txt"
MIN_CONDITIONAL = 30
EXPECTED = {"country": "LOC", "capital": "LOC", "city": "LOC", "loc_phrase": "LOC", "demonym": "MISC",
            "name_alias": "PER", "person_role": "PER"}


def read_conll(path: Path):
    """Documents as (words, sentence starts, gold spans {(start, end): label})."""
    docs, words, starts, spans, cur = [], [], [], {}, None

    def close_ent():
        nonlocal cur
        if cur:
            spans[(cur[0], len(words))] = cur[1]
        cur = None

    sent_start = True
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("-DOCSTART-"):
            close_ent()
            if words:
                docs.append((words, starts, spans))
            words, starts, spans, sent_start = [], [], {}, True
            continue
        if not line:
            close_ent()
            sent_start = True
            continue
        tok, *_, tag = line.split()
        if tag == "O" or tag.startswith("B-") or (cur and tag[2:] != cur[1]):
            close_ent()
        if tag != "O" and cur is None:
            cur = (len(words), tag[2:])
        words.append(tok)
        starts.append(sent_start)
        sent_start = False
    close_ent()
    if words:
        docs.append((words, starts, spans))
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--write", action="store_true", help="write priors.tsv")
    args = ap.parse_args()
    import spacy
    from spacy.tokens import Doc
    from pipeline.components import entities as ent_mod
    from pipeline.evaluate.ner import map_label

    if args.model:
        from pipeline.nlp import load_model
        nlp = load_model(args.model)
    else:
        nlp = spacy.blank("en")
    comp = ent_mod.EntityRefiner(nlp, "calib", {})
    hits, good = Counter(), Counter()
    ner_tp = ner_n = 0
    for words, starts, gold in read_conll(DEV):
        doc = Doc(nlp.vocab, words=words, sent_starts=starts)
        mentions = []
        if args.model:
            for _, proc in nlp.pipeline:
                doc = proc(doc)
            for ent in doc.ents:
                ner_n += 1
                ner_tp += gold.get((ent.start, ent.end)) == ent.label_
            for item in comp._merge_possessive_splits(doc):
                mentions.extend(comp._refine(doc, *item))
            mentions = comp._truncate_to_known_names(doc, comp._resolve_overlaps(mentions))
            # one sense per discourse: the mentions whose label the article's other names change
            for m in comp._harmonize_labels(doc, [copy.copy(m) for m in mentions]):
                hits["model:discourse_label"] += 1
                good["model:discourse_label"] += gold.get((m.start, m.end)) == map_label(m.label)
        gold_persons = [ent_mod.Mention(s, e, "PERSON", None, "ner") for (s, e), lab in gold.items()
                        if lab == "PER" and e - s >= 2]
        settings = [("", [], gold_persons)]
        if args.model:
            settings.append(("model:", mentions, [m for m in mentions if m.label == "PERSON"]))
        for prefix, context, persons in settings:
            for m, source in comp.gazetteer_candidates(doc, context):
                hits[prefix + source] += 1
                good[prefix + source] += gold.get((m.start, m.end)) == EXPECTED[source]
            # names next to a person-role noun: without NER every such name counts; with the
            # model only the names the rule adds or whose model span it replaces
            for m, _ in comp.role_person_candidates(doc, context):
                hits[prefix + "person_role"] += 1
                good[prefix + "person_role"] += gold.get((m.start, m.end)) == "PER"
            for m in comp._add_alias_mentions(doc, persons):
                if m.stage == "rule":
                    hits[prefix + "name_alias"] += 1
                    good[prefix + "name_alias"] += gold.get((m.start, m.end)) == "PER"
    rows = []
    for source in ("country", "capital", "city", "demonym", "loc_phrase", "name_alias", "person_role"):
        # prefer the precision of what the rules add on top of the model's NER; fall back to
        # the unconditional precision when the model leaves too few hits to measure (< 30)
        if hits["model:" + source] >= MIN_CONDITIONAL:
            n, k = hits["model:" + source], good["model:" + source]
            method = f"conllpp_dev precision of hits added to {args.model} NER"
        else:
            n, k = hits[source], good[source]
            method = "conllpp_dev precision without NER" + (
                f" ({args.model} left only {hits['model:' + source]} hits to add)" if args.model else "")
            if source == "name_alias":
                method += ", given gold full names"
        rows.append((source, round((k + 1) / (n + 2), 3), n, f"{method}: {k}/{n}, add-one smoothed"))
    if hits["model:discourse_label"]:
        n, k = hits["model:discourse_label"], good["model:discourse_label"]
        rows.append(("discourse_label", round((k + 1) / (n + 2), 3), n,
                     f"conllpp_dev precision of the labels {args.model} mentions get from the article's other"
                     f" names: {k}/{n}, add-one smoothed"))
    if ner_n:
        rows.append(("ner_default", round(ner_tp / ner_n, 3), ner_n, f"{args.model} exact-match precision on conllpp_dev"))
    else:
        rows.append(("ner_default", 0.85, 0, "assumed (typical CoNLL NER precision); used only when a model sets no confidence"))
    rows.append(("rule_default", 0.5, 0, "fallback for a rule source without a row"))
    for r in rows:
        print("\t".join(map(str, r)))
    if args.write:
        with open(Path(__file__).with_name("priors.tsv"), "w", encoding="utf-8") as fh:
            fh.write("# Prior confidence of rule-added mentions, by rule source. Written by calibrate_priors.py.\n")
            fh.write("source\tprior\tn\tmethod\n")
            for r in rows:
                fh.write("\t".join(map(str, r)) + "\n")


if __name__ == "__main__":
    main()
