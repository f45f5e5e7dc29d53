"""Feedback letters: one per candidate and language from every audit; every figure of a letter (its
<data> elements) equals the audit's tables, medians recomputed here from those tables; French letters
speak French, English ones English; the letter is a deterministic function of the audit."""
from __future__ import annotations

import io
import math
from html.parser import HTMLParser

import pandas as pd
import pytest

from frenchtech.audit import read
from frenchtech.report.feedback import HOLDS_LABEL, Source, render_letter, write_letters


class Figures(HTMLParser):
    """{data-figure key: (value, text)} of a letter, and its text."""

    def __init__(self):
        super().__init__()
        self.figures: dict[str, tuple[str, str]] = {}
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "data" and "data-figure" in a:
            self._open, self._text = (a["data-figure"], a.get("value", "")), []

    def handle_endtag(self, tag):
        if tag == "data" and self._open:
            key, value = self._open
            assert key not in self.figures or self.figures[key][0] == value, key
            self.figures[key] = (value, "".join(self._text))
            self._open = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open:
            self._text.append(data)


def figures_of(html: str) -> Figures:
    p = Figures()
    p.feed(html)
    return p


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b in ("", None)
    return b != "" and math.isclose(float(b), float(a), rel_tol=1e-12, abs_tol=1e-12)


@pytest.fixture(scope="module")
def audit(demo_audit):
    return read(demo_audit)


def test_every_candidate_has_a_letter_in_each_language(demo_audit, audit):
    territories = set(audit.scores["territory"])
    for lang in ("fr", "en"):
        written = {p.stem for p in (demo_audit / "feedback" / lang).glob("*.html")}
        assert written == territories
    # the letters are outputs of the audit: hashed in its manifest (verify re-runs and compares them)
    assert all(audit.recorded_sha256(f"feedback/{lang}/{t}.html") for lang in ("fr", "en") for t in territories)
    assert audit.recorded_sha256("counterfactuals.csv")


def test_each_letter_figures_equal_the_audit_tables(demo_audit, audit):
    scores = audit.scores.set_index("territory")
    ind = audit.indicators.set_index("territory")
    dec = audit.decisions.set_index("territory")
    national = audit.national
    cf = pd.read_csv(io.BytesIO(audit.raw("counterfactuals.csv")), dtype={"territory": str, "indicator": str})
    labelled = [t for t, d in dec["decision"].items() if d in HOLDS_LABEL]
    config = audit.manifest["configuration"]
    pillars = list(config["pillars"])
    indicators = [i["id"] for i in config["indicators"]]
    checked = 0
    for t in scores.index:
        html = (demo_audit / "feedback" / "en" / f"{t}.html").read_text(encoding="utf-8")
        f = figures_of(html).figures
        row = scores.loc[t]
        expected = {"rank": row["rank"], "of": len(scores), "score": row["score"], "rank_p05": row["rank_p05"],
                    "rank_p95": row["rank_p95"], "p_labelled": row["p_labelled"]}
        for p in pillars:
            expected[f"pillar:{p}"] = row[p]
            expected[f"pillar_labelled_median:{p}"] = scores.loc[labelled, p].median()
        for code in indicators:
            expected[f"indicator:{code}"] = ind.at[t, code]
            expected[f"labelled_median:{code}"] = ind.loc[labelled, code].median()
            expected[f"national_median:{code}"] = national[code].median()
        for r in cf[cf["territory"] == t].itertuples():
            if not r.found:
                continue
            key = f"{r.kind}:{r.indicator}"
            expected[f"{key}:value"], expected[f"{key}:new_value"] = r.value, r.new_value
            expected[f"{key}:change" if r.value == 0 else f"{key}:relative_change"] = \
                r.change if r.value == 0 else r.relative_change
            if r.kind == "combination":
                expected["combination:cost"] = r.combination_cost
                expected["combination:p_labelled_after"] = r.p_labelled_after
        for flag in audit.flags_of(t).to_dict("records"):
            for col in ("declared", "observed", "gap", "tolerance"):
                expected[f"flag:{flag['figure']}:{col}"] = flag[col]
        assert set(expected) <= set(f), (t, sorted(set(expected) - set(f)))
        for key, value in expected.items():
            assert same(value, f[key][0]), (t, key, value, f[key])
            checked += 1
        # every figure of the letter is one of these (nothing written that the tables do not hold)
        extra = set(f) - set(expected)
        assert all(k.startswith(("single:", "margin:")) and k.endswith("p_labelled_after") for k in extra), extra
        # the decision as decided
        assert f'data-decision="{dec.at[t, "decision"]}"' in html
    assert checked > 16 * 40


def test_letters_speak_the_reader_language(demo_audit, audit):
    below = audit.decisions[audit.decisions["decision"] == "not_selected"]["territory"].iloc[0]
    fr = (demo_audit / "feedback" / "fr" / f"{below}.html").read_text(encoding="utf-8")
    en = (demo_audit / "feedback" / "en" / f"{below}.html").read_text(encoding="utf-8")
    assert "Ce qui aurait changé la décision" in fr and "What would have changed the decision" not in fr
    assert "What would have changed the decision" in en and "Ce qui aurait changé la décision" not in en
    assert "non retenu" in fr and "not selected" in en
    # French digits: grouped by a narrow no-break space, a comma before the decimals
    assert any("\u202f" in text or "," in text for _, text in figures_of(fr).figures.values())
    assert 'lang="fr"' in fr and "GÉNÉRÉES" in fr      # generated evidence says so
    labelled = audit.decisions[audit.decisions["decision"] == "labelled"]["territory"].iloc[0]
    en = (demo_audit / "feedback" / "en" / f"{labelled}.html").read_text(encoding="utf-8")
    assert "What the label withstands" in en and "Label valid from" in en


def test_letters_are_rebuilt_identically_and_follow_a_published_decision(demo_audit, audit, tmp_path):
    out = write_letters(demo_audit, out=tmp_path / "again")
    assert len(out) == 2 * len(audit.scores)
    for path in out:
        lang, name = path.parent.name, path.name
        assert path.read_bytes() == (demo_audit / "feedback" / lang / name).read_bytes()
    # the platform's letter: the decision published (a deferral here), not the audit's proposal
    t = audit.decisions["territory"].iloc[0]
    published = audit.decisions.copy()
    published.loc[published["territory"] == t, ["decision", "reason", "reason_code", "reason_params"]] = \
        ["deferred", "Perimeter to be confirmed.", "", ""]
    html = render_letter(Source(audit, published), t, "en")
    assert 'data-decision="deferred"' in html and "Perimeter to be confirmed." in html
