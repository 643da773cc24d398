"""Specifications of the temporal tagger's rules added from the TBAQ error analysis."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.timex.tagger import tag_text  # noqa: E402


def tags(text, published=None):
    return {t.text: t for t in tag_text(text, published)[0]}


def value_of(text, surface, published=None):
    got = tags(text, published)
    assert surface in got, f"{surface!r} not tagged; got {sorted(got)}"
    return got[surface].value


# ---------------------------------------------------------------- detection
@pytest.mark.parametrize("text,surface,value", [
    ("In nineteen ninety-six Keating was convicted.", "nineteen ninety-six", "1996"),
    ("His promise to halve unemployment by the year two thousand.", "the year two thousand", "2000"),
    ("In January nineteen ninety-seven, a bomb exploded.", "January nineteen ninety-seven", "1997-01"),
    ("It was founded in two thousand and one.", "two thousand and one", "2001"),
])
def test_years_written_in_words(text, surface, value):
    assert value_of(text, surface, "1998-02-02") == value


def test_number_words_without_temporal_context_are_not_years():
    assert tags("Some families kept their secrets for more than two thousand years.", "1998-02-02").get(
        "two thousand") is None


@pytest.mark.parametrize("text,first,second", [
    ("Doctors declined between 1982 and 1992.", "1982", "1992"),
    ("He was arrested at least twice from 1991 to 1997.", "1991", "1997"),
])
def test_years_joined_by_words_are_two_timexes(text, first, second):
    got = tags(text, "1999-01-01")
    assert got[first].value == first and got[second].value == second


def test_hyphenated_year_range_stays_one_timex():
    t = tags("during 1985-1987 it grew", "1999-01-01")["1985-1987"]
    assert (t.value, t.begin, t.end) == ("1985", "1985-01-01", "1987-12-31")


@pytest.mark.parametrize("text", [
    "Mr. Reupke, 52 years old, will retire.",
    "The offer is open to employees 55 years old or older.",
    "Iraq imports about three-quarters of its foodstuffs.",
    "Junk funds account for more than a quarter of the market.",
    "A second group of directors sold shares.",
    "It would be a second betrayal.",
])
def test_ages_fractions_and_ordinals_are_not_timexes(text):
    assert tags(text, "1999-01-01") == {}


def test_quarter_of_a_year_is_still_a_timex():
    assert value_of("Sales rose in the first quarter of 1990.", "the first quarter of 1990", "1989-10-26") == "1990-Q1"


@pytest.mark.parametrize("text,surface", [
    ("Allies joined after a six year trans-Atlantic wait.", "six year"),
    ("They began the two day rally.", "two day"),
])
def test_article_of_an_adjectival_duration_is_outside_the_extent(text, surface):
    assert tags(text, "1999-01-01")[surface].value.startswith("P")


def test_article_stays_with_a_noun_duration():
    assert "the past year" in tags("Hate groups grew over the past year.", "1998-03-03")


# ---------------------------------------------------------------- tense and direction
def test_reporting_verb_right_before_a_weekday_makes_it_the_past_one():
    text = '"We will concentrate more on our own core businesses," Mr. Gerstner said Friday.'
    assert value_of(text, "Friday", "1989-10-30") == "1989-10-27"  # a Monday article


def test_plans_point_to_the_future():
    text = "Protesters planned a large demonstration in Little Havana on Saturday."
    assert value_of(text, "Saturday", "2000-01-07") == "2000-01-08"  # a Friday article


def test_past_tense_month_just_ahead_is_this_year():
    assert value_of("Dealers placed heavy buy orders for November.", "November", "1989-10-30") == "1989-11"
    assert value_of("She made the remarks in November.", "November", "2026-01-04") == "2025-11"


def test_past_tense_month_day_follows_the_tense_beyond_four_months():
    text = "The businesses had revenue of $76 million for the year ended March 31."
    assert value_of(text, "March 31", "1989-11-01") == "1989-03-31"


# ---------------------------------------------------------------- earnings reports
def test_latest_quarter_is_the_reported_quarter_not_a_year_ago_comparison():
    text = ("Du Pont's profit rose in the third quarter. Sales in the 1988 third quarter were lower. "
            "Sales in the latest quarter were $8.5 billion.")
    got = tags(text, "1989-10-26")
    assert got["the third quarter"].value == "1989-Q3"
    assert got["the latest quarter"].value == "1989-Q3"


def test_a_year_ago_before_the_quarter_is_named_refers_to_that_quarter_last_year():
    text = "Net income fell to $5 million from $9 million a year ago. Third-quarter sales rose 4%."
    assert value_of(text, "a year ago", "1989-10-26") == "1988-Q3"


def test_a_quarter_spoken_of_in_the_future_is_not_the_reported_one():
    text = "Analysts expect the trend to continue into the fourth quarter. A year earlier, demand was strong."
    assert value_of(text, "A year earlier", "1989-10-26") == "1988"


def test_year_period_takes_the_reported_quarter():
    text = "Profit rose in the third quarter. In the 1988 period, it fell."
    assert value_of(text, "the 1988 period", "1989-10-26") == "1988-Q3"
    assert value_of("In the 1988 period, it fell.", "the 1988 period", "1989-10-26") == "1988"


# ---------------------------------------------------------------- other expressions
@pytest.mark.parametrize("text,surface,published,value", [
    ("Elian was found on Thanksgiving Day clinging to an inner tube.", "Thanksgiving Day", "2000-01-07", "1999-11-25"),
    ("He was found in the Atlantic last Thanksgiving.", "last Thanksgiving", "2000-04-01", "1999-11-25"),
    ("It is a theme from now to Election Day.", "Election Day", "1998-10-26", "1998-11-03"),
    ("Stores close on Memorial Day.", "Memorial Day", "1999-05-20", "1999-05-31"),
    ("It happened on Christmas Day 1999.", "Christmas Day 1999", None, "1999-12-25"),
])
def test_holidays_including_floating_ones(text, surface, published, value):
    assert value_of(text, surface, published) == value


@pytest.mark.parametrize("text,surface,value", [
    ("In January this year, police arrived.", "January this year", "1998-01"),
    ("But in June last year, the leadership split.", "June last year", "1997-06"),
    ("They join in April next year.", "April next year", "1999-04"),
])
def test_month_with_relative_year(text, surface, value):
    assert value_of(text, surface, "1998-02-19") == value


def test_components_package_registers_the_timex_factory():
    from spacy.language import Language

    import pipeline.components  # noqa: F401

    assert Language.has_factory("newsie_timex")
    assert not (ROOT / "pipeline" / "timex" / "registry.py").exists()


@pytest.mark.parametrize("text,surface,value", [
    ("Munero fled to Florida in June 1998 and returned to Cuba later that year.", "later that year", "1998"),
    ("On May 22, 1995, Farkas was made a general, and the following year he was appointed.",
     "the following year", "1996"),
    ("Slepian was killed on Oct. 23, 1998. Earlier that day, the family sent a fax.", "Earlier that day", "1998-10-23"),
    ("In March 1989 the board met. The following month, the company put itself up for sale.",
     "The following month", "1989-04"),
])
def test_anaphoric_units_take_the_narrative_date(text, surface, value):
    assert value_of(text, surface, "2000-01-07") == value


def test_that_day_alone_is_generic():
    assert tags("Market makers can suffer losses on trades made that day.", "1999-01-01") == {}


# ---------------------------------------------------------------- "the year" in reports
@pytest.mark.parametrize("text,surface,value", [
    ("For the year, pet food volume was flat.", "the year", "1989"),
    ("Sales for the full year were $6.6 billion.", "the full year", "1989"),
    ("Lower earnings are likely for the fiscal year.", "the fiscal year", "1989"),
    ("Revenue rose through the first nine months of the year.", "the year", "1989"),
    ("The company was under investigation in the past year.", "the past year", "1988"),
])
def test_the_year_without_an_end_date_is_a_date(text, surface, value):
    t = tags(text, "1989-11-02")[surface]
    assert (t.type, t.value) == ("DATE", value)


def test_the_year_ended_a_date_stays_a_one_year_duration():
    t = tags("The businesses had revenue of $76 million for the year ended March 31.", "1989-11-01")["the year"]
    assert (t.type, t.value) == ("DURATION", "P1Y")


# ---------------------------------------------------------------- durations
def test_later_is_a_signal_outside_the_duration():
    got = tags("Three days later, the Nasdaq index had fallen 3.8%.", "1989-10-30")
    assert "Three days later" not in got
    assert (got["Three days"].type, got["Three days"].value) == ("DURATION", "P3D")


def test_over_before_a_or_an_belongs_to_the_duration():
    got = tags("Inspectors began a tour likely to last over a week.", "1998-03-06")
    assert "last over a week" not in got
    assert got["over a week"].value == "P1W"
    assert value_of("He was declared dead just over an hour later.", "over an hour", "1998-10-25") == "PT1H"


def test_and_a_half_after_the_unit_adds_half_a_unit():
    assert value_of("The pilot called a minute and a half later.", "a minute and a half", "1998-01-14") == "PT1M30S"


def test_couple_of_is_two():
    assert value_of("Over the next couple of years we expect growth.", "the next couple of years",
                    "1989-10-26") == "P2Y"


def test_coordinated_days_are_separate_timexes():
    got = tags("The summit is on April 24 and 25.", "1999-02-10")
    assert "April 24 and 25" not in got
    assert got["April 24"].value == "1999-04-24"


# ---------------------------------------------------------------- tense cues
def test_effective_points_to_the_future():
    text = "The board also created a four-member office of the chairman, effective Feb. 1."
    assert value_of(text, "Feb. 1", "1989-10-26") == "1990-02-01"


def test_plan_as_a_noun_is_no_future_cue():
    assert value_of("The thrift announced the plan Aug. 21.", "Aug. 21", "1989-10-27") == "1989-08-21"


def test_a_tense_cue_after_the_expression_counts_less_than_one_before():
    text = ("Qantas will almost double its flights between Australia and India by August in the search "
            "for new markets untouched by the crisis.")
    assert value_of(text, "August", "1998-02-13") == "1998-08"


def test_a_participle_after_be_is_a_passive_not_a_past_tense():
    text = "Eileen Collins will be named commander of the shuttle Columbia for a mission in December."
    assert value_of(text, "December", "1998-03-04") == "1998-12"


def test_since_before_a_date_puts_it_in_the_past():
    text = "Investigators have been searching for Kopp since shortly after the Oct. 23 slaying."
    assert value_of(text, "Oct. 23", "1999-05-06") == "1998-10-23"


def test_a_postponed_deadline_lies_ahead():
    text = "Immigration officials postponed until Tuesday morning any action on the boy's permit."
    assert value_of(text, "Tuesday morning", "2000-03-30") == "2000-04-04"  # a Thursday article


# ---------------------------------------------------------------- candidate prefilter
def test_rule_triggers_are_the_literals_every_match_contains():
    import re

    from pipeline.timex.lexicon import required_literals

    assert required_literals(re.compile(r"(?:early\s+)?(?:monday|mon)\b\.?", re.I)) == {"mon"}
    assert required_literals(re.compile(r"(?:every|each)\s+(?:other\s+)?(?:week|month)", re.I)) == {
        "week", "month"}
    assert required_literals(re.compile(r"\d+(?:\s+days)?", re.I)) is None


def test_rules_whose_triggers_are_absent_are_skipped():
    from pipeline.timex.detect import applicable_rules
    from pipeline.timex.lexicon import load_lexicon

    names = {r.name for r in applicable_rules("Profit rose 5% in the third quarter.", load_lexicon())}
    assert "quarter" in names
    assert not names & {"holiday", "season", "weekday", "clock_time", "century"}


@pytest.mark.parametrize("text", [
    (ROOT / "corpus" / "000_a0269e133547853c.txt").read_text(),
    (ROOT / "corpus" / "001_6cc54781f2b67606.txt").read_text(),
    # letters case-insensitive matching equates with ASCII ones ("M\u0130DNIGHT" matches "midnight")
    "The offer expires at M\u0130DNIGHT on FR\u0130DAY, with a \u017fecond \u212aELVIN week.",
])
def test_prefilter_never_changes_the_candidates(text, monkeypatch):
    import pipeline.timex.detect as detect

    with_prefilter = detect.find_candidates(text)
    monkeypatch.setattr(detect, "applicable_rules", lambda t, lex: list(lex.rules))
    assert detect.find_candidates(text) == with_prefilter


# ---------------------------------------------------------------- extents and conventions (round 2)
def test_last_before_a_month_and_day_leaves_the_date_to_the_month_day_rule():
    got = tags("He was shot to death last Oct. 23 at his home.", "1999-04-19")
    assert "last Oct" not in got
    assert got["Oct. 23"].value == "1998-10-23"


def test_a_full_date_wins_over_a_part_of_day_with_a_weekday():
    got = tags("They returned home on the night of Friday, Oct. 23.", "1998-11-21")
    assert "night of Friday" not in got
    assert got["Friday, Oct. 23"].value == "1998-10-23"


@pytest.mark.parametrize("text,surface,value", [
    ("Room rates will be between $35 and $55 a night.", "a night", "P1D"),
    ("This will add nearly 700 seats a week on the route.", "a week", "P1W"),
    ("It should help save $500 million a year in costs.", "a year", "P1Y"),
])
def test_a_unit_after_a_quantity_is_a_rate(text, surface, value):
    t = tags(text, "1989-10-26")[surface]
    assert (t.type, t.value) == ("SET", value)


def test_a_unit_without_a_quantity_before_stays_a_duration():
    t = tags("Iraq must withdraw within a week.", "1991-02-25")["a week"]
    assert (t.type, t.value) == ("DURATION", "P1W")


@pytest.mark.parametrize("text,surface,value", [
    ("Anheuser expects lower earnings for the last half of 1989.", "the last half of 1989", "1989-H2"),
    ("The slump lasts through the first two quarters of 1990.", "the first two quarters of 1990", "1990-H1"),
])
def test_last_half_and_first_two_quarters_are_halves(text, surface, value):
    assert value_of(text, surface, "1989-10-26") == value


def test_half_of_a_decade_is_not_a_half_year():
    got = tags("It follows the trend of the last half of the '80s.", "1989-10-26")
    assert not any(t.value.endswith(("-H1", "-H2")) for t in got.values())


@pytest.mark.parametrize("text,surface,value", [
    ("It expects sales in the current fiscal year to rise.", "the current fiscal year", "1989"),
    ("It had $6 billion in sales in the latest fiscal year.", "the latest fiscal year", "1988"),
])
def test_relative_fiscal_years(text, surface, value):
    assert value_of(text, surface, "1989-10-26") == value


def test_the_week_of_a_date_is_that_calendar_week():
    text = "It may be resolved in a court hearing the week of March 6."
    assert value_of(text, "the week of March 6", "2000-02-24") == "2000-W10"


def test_a_year_in_words_as_a_modifier():
    assert value_of("It recalled a nineteen ninety-seven attack on a lounge.", "nineteen ninety-seven",
                    "1998-02-27") == "1997"


def test_the_current_quarter_is_the_running_one_not_the_reported_one():
    text = "Profit rose in the third quarter, and the current quarter has begun well."
    assert value_of(text, "the current quarter", "1989-10-26") == "1989-Q4"


def test_an_earlier_quarter_mentioned_later_does_not_replace_the_reported_one():
    text = ("Kimberly-Clark posted a gain in third-quarter net income. After a flat second quarter, it "
            "improved. In the 1989 period, interest expense was lower than a year ago.")
    got = tags(text, "1989-11-01")
    assert got["the 1989 period"].value == "1989-Q3"
    assert got["a year ago"].value == "1988-Q3"


def test_an_outlook_on_the_running_quarter_does_not_replace_the_reported_one():
    text = ("Aetna's third-quarter net income fell 22%. The company has no estimate of the impact on "
            "fourth-quarter results. In the latest quarter, Aetna had a loss on its auto line.")
    assert value_of(text, "the latest quarter", "1989-10-30") == "1989-Q3"


def test_a_fiscal_quarter_the_article_leads_with_stays_the_reported_one():
    text = ("Ralston Purina reported a 47% decline in fourth-quarter earnings. "
            "Sales in the latest period were $1.76 billion.")
    assert value_of(text, "the latest period", "1989-11-02") == "1989-Q4"


def test_then_current_is_a_past_reference():
    got = tags("Holders may buy shares at 50% of the then current market price.", "1989-10-26")
    assert (got["then current"].type, got["then current"].value) == ("DATE", "PAST_REF")


@pytest.mark.parametrize("text,surface,value", [
    ("Orangemen march each July from their church.", "each July", "XXXX-07"),
    ("The festival returns every summer.", "every summer", "XXXX-SU"),
])
def test_each_month_or_season_is_a_set(text, surface, value):
    t = tags(text, "1998-03-22")[surface]
    assert (t.type, t.value) == ("SET", value)


# ---------------------------------------------------------------- session 8 (TBAQ audit)
@pytest.mark.parametrize("text,surface,published,value", [
    # a past perfect over a plan looks back, even after a later explicit date
    ("The bid was extended to Nov. 16. It had been due to expire Friday evening.", "Friday evening",
     "1989-10-30", "1989-10-27"),
    # an extension through a month looks ahead
    ("A group of lenders has extended the company up to $90 million in revolving loans through January.",
     "January", "1989-10-30", "1990-01"),
    # "would be" is the future of a past report
    ("Castro said the father would be traveling to the United States Thursday with his wife.", "Thursday",
     "2000-04-05", "2000-04-06"),
    # a leading time adverbial dates the report that follows it
    ("In September, it announced plans to acquire the tropical fruit business.", "September", "1989-10-30",
     "1989-09"),
], ids=["past-perfect-plan", "extended-through", "would-be", "leading-adverbial-of-a-report"])
def test_the_clause_around_an_expression_sets_its_direction(text, surface, published, value):
    assert value_of(text, surface, published) == value


def test_one_day_after_a_modal_is_an_indefinite_future():
    t = tags("Islam will one day be the second largest religion in the country.", "1998-03-03")["one day"]
    assert (t.type, t.value) == ("DATE", "FUTURE_REF")


def test_a_bare_clock_time_takes_the_day_named_in_its_sentence():
    text = "The blast in Nairobi occurred at about 10:35 a.m. (0735 GMT) Friday, toppling a building."
    assert value_of(text, "at about 10:35 a.m.", "1998-08-08") == "1998-08-07T10:35"


def test_recent_units_are_vague_durations():
    t = tags("Lenders have grown nervous in recent months.", "1989-10-30")["recent months"]
    assert (t.type, t.value) == ("DURATION", "PXM")


def test_a_year_earlier_compares_with_the_longer_period_named_last():
    text = ("Net rose 8% in the third quarter. For the nine months, the company posted earnings of "
            "$18.9 million, compared with a loss of $9.7 million a year earlier.")
    assert value_of(text, "a year earlier", "1989-10-26") == "1988"
    text = "For the nine months, net fell. In the third quarter, net rose 8% from a year earlier."
    assert value_of(text, "a year earlier", "1989-10-26") == "1988-Q3"


@pytest.mark.parametrize("surface", ["the corresponding period last year", "last year's quarter",
                                     "the quarter a year ago"])
def test_the_year_ago_period_is_the_reported_quarter_a_year_back(surface):
    text = f"Net fell in the third quarter. Sales were $3 million, up from $2 million in {surface}."
    assert value_of(text, surface, "1989-11-01") == "1988-Q3"


def test_several_years_ago_is_a_year_even_in_an_earnings_report():
    text = "Net rose 8% in the third quarter. The company sold the stake five years ago."
    assert value_of(text, "five years ago", "1989-10-26") == "1984"


@pytest.mark.parametrize("text,surface", [
    ("Gonzalez said on CBS's ''60 Minutes'' that they were abusing him.", "Minutes"),
    ('Secretary of State James Baker, speaking on ABC News\' "This Week," said the request helps.', "This Week"),
    ("The poster showed Gary Cooper from the film ``High Noon.''", "Noon"),
    ("This is VOA Today.", "Today"),
])
def test_capitalised_words_inside_a_sentence_are_titles_not_times(text, surface):
    assert surface not in tags(text, "1999-03-12")


def test_a_capitalised_time_word_starting_a_sentence_is_still_a_time():
    assert value_of('He said: "Today we begin." This week, it ended.', "This week", "1999-03-12") == "1999-W10"
    assert value_of('He said: "Today we begin."', "Today", "1999-03-12") == "1999-03-12"


@pytest.mark.parametrize("text,surface,published,value", [
    ("By mid afternoon, official sources were saying the forces had moved.", "mid afternoon", "1998-03-06",
     "1998-03-06TAF"),
    ("In London at mid-afternoon yesterday, the shares were up.", "mid-afternoon yesterday", "1989-11-02",
     "1989-11-01TAF"),
    ("It has increased from the low levels of the early summer.", "the early summer", "1989-10-26", "1989-SU"),
    ("We don't minimize the challenges of the near term.", "the near term", "1989-10-30", "FUTURE_REF"),
    ("It doesn't bode well for coming quarters.", "coming quarters", "1989-10-26", "FUTURE_REF"),
    ("We're there to stay for a fairly lengthy period.", "a fairly lengthy period", "1990-08-16", "PXX"),
    ("They will have to live without it for a while.", "a while", "1998-01-11", "PXX"),
    ("In Saudi Arabia, today is the eighth day of Desert Shield.", "the eighth day", "1990-08-15", "1990-08-15"),
    ("It's the second day of an offensive by the security forces.", "the second day", "1998-03-06",
     "1998-03-06"),
    ("The rights will terminate on Nov. 30. Until then, the stock remains convertible.", "then", "1989-10-26",
     "1989-11-30"),
    ("''This father will leave at 4 in the morning (4 a.m. EDT Thursday),'' Castro said.", "4 in the morning",
     "2000-04-05", "2000-04-06T04:00"),
    ("The day before last Tuesday's hearing, Manuel went to the house.", "day before last Tuesday",
     "2000-02-24", "2000-02-21"),
    ("I don't think he would be traveling at this crucial moment.", "this crucial moment", "1990-08-15",
     "PRESENT_REF"),
    ("The March accession will enable the three countries to attend.", "March", "1999-02-10", "1999-03"),
    ("Protesters prayed as Easter week began.", "Easter week", "2000-04-17", "2000-W16"),
    ("They emerged from their third day-long meeting.", "day-long", "2000-04-03", "P1D"),
], ids=["mid-afternoon", "mid-afternoon-yesterday", "early-season", "near-term", "coming-quarters",
        "lengthy-period", "a-while", "ordinal-day-today", "its-the-second-day", "until-then",
        "clock-in-the-morning", "day-before-a-day", "this-adjective-moment", "the-month-as-modifier",
        "easter-week", "unit-long"])
def test_expressions_found_missing_in_the_tbaq_audit(text, surface, published, value):
    assert value_of(text, surface, published) == value


def test_the_early_hours_of_a_day_are_not_a_duration():
    assert "hours" not in tags("The FBI arrested him in the early hours of Thursday morning.", "1999-10-08")


def test_since_then_is_left_untagged_as_in_timebank():
    assert "then" not in tags("He was arrested on Nov. 3. Since then, he has refused to talk.", "1999-12-01")


@pytest.mark.parametrize("year,easter", [(1998, "1998-04-12"), (2000, "2000-04-23"), (2024, "2024-03-31"),
                                         (2026, "2026-04-05")])
def test_easter_and_the_holidays_counted_from_it(year, easter):
    assert value_of(f"They met on Easter Sunday {year}.", f"Easter Sunday {year}") == easter
    good_friday = (date.fromisoformat(easter) - timedelta(days=2)).isoformat()
    assert value_of(f"It happened on Good Friday {year}.", f"Good Friday {year}") == good_friday


def test_an_ed_adjective_is_no_past_tense_cue():
    text = "The split would be paid on a still unspecified date in January to holders of record Dec. 21."
    assert value_of(text, "January", "1989-10-26") == "1990-01"


def test_with_a_tagger_the_lexicon_cues_still_count_beside_the_tagged_verbs():
    text = "It also created a four-member office of the chairman, effective Feb. 1."
    verbs = [(8, 15, "created", "VBD")]  # a tagger hands over its verbs and modals only
    got = {t.text: t.value for t in tag_text(text, "1989-10-30", tokens=verbs)[0]}
    assert got["Feb. 1"] == "1990-02-01"
    got = {t.text: t.value for t in tag_text("Profits rose 5% from a year ago on Friday.", "1989-10-30",
                                             tokens=[(8, 12, "rose", "VBD")])[0]}
    assert got["Friday"] == "1989-10-27"


def test_weekdays_sharing_a_plural_part_of_day_recur():
    got = tags("Two new flights would leave Bombay on Monday and Tuesday nights from March 30.", "1998-02-13")
    assert (got["Monday"].type, got["Monday"].value) == ("SET", "XXXX-WXX-1TNI")
    assert (got["Tuesday nights"].type, got["Tuesday nights"].value) == ("SET", "XXXX-WXX-2TNI")


def test_an_elided_second_day_shares_the_month():
    got = tags("The summit will be held on April 24 and 25. Shares rose 3 and 4 percent.", "1999-02-10")
    assert (got["April 24"].value, got["25"].value) == ("1999-04-24", "1999-04-25")
    assert "4" not in got and "3" not in got
