"""Choose the reference date of a relative temporal expression."""
from __future__ import annotations

from datetime import date
from typing import NamedTuple, Optional

# kinds whose reference is the speech time (article date), never a narrative date
DEICTIC_KINDS = {"rel_day", "rel_unit", "pod", "year_end", "quarter", "quarter_ref", "half", "season", "year_earlier"}
# kinds that take a previous explicit full date of the article as reference
NARRATIVE_KINDS = {"weekday", "month_day", "week_of", "day_range", "holiday", "time", "month"}


class Anchor(NamedTuple):
    date: Optional[date]
    source: Optional[str]  # "published" | "inferred" | "context" | None


def anchor_source_of(doc_date_source: str) -> Optional[str]:
    """The anchor source naming the article date: "published" (metadata) or "inferred" (from the text)."""
    return {"metadata": "published", "inferred": "inferred"}.get(doc_date_source)


def resolve_anchor(kind: str, groups: dict, doc_date: Optional[date], doc_date_source: str,
                   context_date: Optional[date], sentence_date: Optional[date],
                   policy: str = "always") -> Anchor:
    """The anchor of a relative expression.

    * "N units earlier/later/prior/after" take the event date of their sentence
      (an explicit date in the same sentence) when there is one;
    * underspecified weekday/month/day expressions take the last explicit full
      date earlier in the article (``context_date``) when ``policy`` allows it
      ("always", or "no_published" = only when the article date is not from
      metadata);
    * everything else takes the article date.
    """
    doc_src = anchor_source_of(doc_date_source)
    ago = (groups.get("ago") or "").strip().lower()
    if kind in ("duration", "vague_duration") and ago and ago not in ("ago", "from now", "hence", "back"):
        if sentence_date is not None:
            return Anchor(sentence_date, "context")
    use_context = policy == "always" or (policy == "no_published" and doc_date_source != "metadata")
    if kind in NARRATIVE_KINDS and context_date is not None and use_context:
        return Anchor(context_date, "context")
    if doc_date is not None:
        return Anchor(doc_date, doc_src)
    return Anchor(None, None)
