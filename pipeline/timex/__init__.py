"""newsie's rule-based temporal tagger (TIMEX3 detection and normalization).

Rules and lexicons live in ``pipeline/data/timex``; the modules here are pure
functions over text:

* :mod:`.lexicon`       loads the data files once and builds regex fragments
* :mod:`.detect`        finds candidate expressions with compiled regexes
* :mod:`.tense`         sentence splitting and tense cues (tags when present)
* :mod:`.anchor`        chooses the reference date of a relative expression
* :mod:`.normalize`     computes TIMEX3 type/value/begin/end/granularity
* :mod:`.document_date` infers the article's date when metadata has none
* :mod:`.calibration`   maps rule family and anchor kind to a probability
* :mod:`.tagger`        ties them together: ``tag_text(...)``
"""

