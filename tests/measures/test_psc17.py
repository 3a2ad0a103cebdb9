"""PSC-17 subscales in the MGH form's item order and the screening cut-offs (Gardner 1999)."""

import pytest

from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.psc17 import psc17, psc17_from_inputs

# The MGH form's items by subscale, written out here from the published form so the test
# does not reuse the module's own tables.
FORM_SUBSCALE = {
    1: "attention",  # Fidgety, unable to sit still
    2: "internalising",  # Feels sad, unhappy
    3: "attention",  # Daydreams too much
    4: "externalising",  # Refuses to share
    5: "externalising",  # Does not understand other people's feelings
    6: "internalising",  # Feels hopeless
    7: "attention",  # Has trouble concentrating
    8: "externalising",  # Fights with other children
    9: "internalising",  # Is down on him or herself
    10: "externalising",  # Blames others for his or her troubles
    11: "internalising",  # Seems to be having less fun
    12: "externalising",  # Does not listen to rules
    13: "attention",  # Acts as if driven by a motor
    14: "externalising",  # Teases others
    15: "internalising",  # Worries a lot
    16: "externalising",  # Takes things that do not belong to him or her
    17: "attention",  # Distracted easily
}
SUBSCALES = ("attention", "internalising", "externalising")


def answers(**codes: int) -> list[int]:
    return [codes.get(f"q{i}", 0) for i in range(1, 18)]


def items_of(subscale: str) -> list[int]:
    return [item for item, name in FORM_SUBSCALE.items() if name == subscale]


@pytest.mark.parametrize("item", range(1, 18))
def test_each_item_counts_towards_its_subscale_on_the_mgh_form_and_no_other(item):
    result = psc17(answers(**{f"q{item}": 2}))
    for subscale in SUBSCALES:
        expected = 2 if FORM_SUBSCALE[item] == subscale else 0
        assert result[f"psc17_{subscale}"] == expected
    assert result["psc17_total"] == 2


def scoring(subscale: str, score: int) -> dict[str, int]:
    """Answers giving `subscale` exactly `score`, filling its items in order."""
    codes = {}
    for item in items_of(subscale):
        codes[f"q{item}"] = min(2, score)
        score -= codes[f"q{item}"]
    assert score == 0
    return codes


@pytest.mark.parametrize(
    "subscale, cutoff", [("attention", 7), ("internalising", 5), ("externalising", 7)]
)
def test_a_subscale_is_positive_exactly_at_its_cutoff_and_not_one_below(subscale, cutoff):
    below = psc17(answers(**scoring(subscale, cutoff - 1)))
    at = psc17(answers(**scoring(subscale, cutoff)))
    assert below[f"psc17_{subscale}"] == cutoff - 1
    assert below[f"psc17_{subscale}_positive"] is False
    assert at[f"psc17_{subscale}"] == cutoff
    assert at[f"psc17_{subscale}_positive"] is True


def test_the_total_is_positive_at_15_and_not_at_14():
    # 6 + 4 + 4: every subscale below its own cut-off, so only the total can be positive.
    fourteen = {
        **scoring("attention", 6),
        **scoring("internalising", 4),
        **scoring("externalising", 4),
    }
    fifteen = {**fourteen, **scoring("externalising", 5)}
    at_14, at_15 = psc17(answers(**fourteen)), psc17(answers(**fifteen))
    assert (at_14["psc17_total"], at_14["psc17_total_positive"]) == (14, False)
    assert (at_15["psc17_total"], at_15["psc17_total_positive"]) == (15, True)
    assert not any(at_15[f"psc17_{name}_positive"] for name in SUBSCALES)


def test_all_often_gives_the_maximum_scores():
    assert psc17([2] * 17) == {
        "psc17_attention": 10,
        "psc17_attention_positive": True,
        "psc17_internalising": 10,
        "psc17_internalising_positive": True,
        "psc17_externalising": 14,
        "psc17_externalising_positive": True,
        "psc17_total": 34,
        "psc17_total_positive": True,
    }


def test_named_inputs_are_read_as_q1_to_q17():
    codes = [0, 1, 2] * 5 + [1, 1]
    assert psc17_from_inputs({f"q{i}": c for i, c in enumerate(codes, 1)}) == psc17(codes)


def test_an_answer_of_3_is_not_a_psc17_code():
    with pytest.raises(
        MeasureInputError, match=r"^q12: 3 is not a valid answer code \(expected 0-2\)$"
    ):
        psc17(answers(q12=3))


def test_a_blank_item_is_rejected_rather_than_scored_as_never():
    codes: list[object] = list(answers())
    codes[16] = None
    with pytest.raises(MeasureInputError, match="q17: no answer given"):
        psc17(codes)


def test_sixteen_answers_are_rejected():
    with pytest.raises(MeasureInputError, match="expected 17 answers"):
        psc17([0] * 16)
