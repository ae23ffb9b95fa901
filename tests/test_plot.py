"""The demo plot's binning: the most a step function reaches in each time bin."""

from memcglab.plot import binned_max


def test_binned_max_keeps_short_peaks_and_carries_values_across_bins():
    # 0 until t=1, a spike to 5 for 0.01 s, then 2 from t=2.5 until the end at 4.
    points = [(0.0, 0), (1.0, 5), (1.01, 0), (2.5, 2), (4.0, 2)]
    edges, maxima = binned_max(points, 4)
    assert edges == [0.0, 1.0, 2.0, 3.0, 4.0]
    # bin [1,2) holds the spike; bin [3,4] has no point but carries the 2 in.
    assert maxima == [0, 5, 2, 2]


def test_binned_max_of_a_fast_toggle_is_its_peak_not_a_block():
    points = [(i * 0.001, i % 2) for i in range(4001)]
    edges, maxima = binned_max(points, 400)
    assert len(edges) == 401 and len(maxima) == 400
    assert set(maxima) == {1}
