"""Pairing a file's rows with the stored ones: each row used once, equal rows only."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.importers import _match, _pack

Row = tuple[int, int, int]

rows = st.lists(
    st.tuples(
        st.integers(-1, 3),
        st.sampled_from([0, 1, 2**40, -(2**35), 1_800_000_000]),
        st.integers(0, 2),
    ),
    max_size=40,
)


def columns(table: list[Row]) -> list[np.ndarray]:
    return [np.array([r[k] for r in table], dtype=np.int64) for k in range(3)]


@settings(max_examples=300, deadline=None)
@given(left=rows, right=rows)
def test_matching_pairs_as_many_equal_rows_as_both_sides_hold(
    left: list[Row], right: list[Row]
) -> None:
    ia, ib = _match(columns(left), columns(right))
    assert len(set(ia.tolist())) == len(ia) and len(set(ib.tolist())) == len(ib)
    assert all(left[i] == right[j] for i, j in zip(ia.tolist(), ib.tolist(), strict=True))
    expected = sum((Counter(left) & Counter(right)).values())
    assert len(ia) == expected


@settings(max_examples=200, deadline=None)
@given(left=rows, right=rows)
def test_packing_keeps_equal_rows_equal_and_different_rows_different(
    left: list[Row], right: list[Row]
) -> None:
    if not left or not right:
        return
    packed_left, packed_right = _pack(columns(left), columns(right))
    words_left = list(zip(*(w.tolist() for w in packed_left), strict=True))
    words_right = list(zip(*(w.tolist() for w in packed_right), strict=True))
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            assert (a == b) == (words_left[i] == words_right[j])


def test_rows_wider_than_one_word_are_still_matched() -> None:
    left = [np.array([0, 2**61], dtype=np.int64), np.array([5, -(2**61)], dtype=np.int64)]
    right = [np.array([2**61, 0, 0], dtype=np.int64), np.array([-(2**61), 5, 5], dtype=np.int64)]
    ia, ib = _match(left, right)
    pairs = sorted(zip(ia.tolist(), ib.tolist(), strict=True))
    assert pairs in ([(0, 1), (1, 0)], [(0, 2), (1, 0)])
