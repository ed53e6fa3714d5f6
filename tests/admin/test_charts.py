"""The SVG charts on their own: values shown, labels escaped, gaps kept, empty said plainly."""

from __future__ import annotations

from referraldesk.admin.charts import Point, bar_chart, funnel_chart, horizontal_bars, line_chart


def test_a_bar_chart_draws_a_bar_per_point_and_prints_the_values() -> None:
    svg = str(bar_chart([Point("08", 3), Point("09", 12), Point("10", 0)], title="By hour"))

    assert svg.count('class="chart-bar"') == 3
    assert ">12</text>" in svg and ">3</text>" in svg
    assert '<title>By hour</title>' in svg and 'role="img"' in svg


def test_labels_are_escaped() -> None:
    svg = str(horizontal_bars([Point("<script>", 2)], title="A & B"))

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "A &amp; B" in svg


def test_a_line_breaks_where_a_day_has_no_data() -> None:
    svg = str(line_chart([Point("1", 0.2), Point("2", 0.4), Point("3", None), Point("4", 0.1)],
                         title="Sentiment", low=-1, high=1))

    assert svg.count("<polyline") == 2
    assert svg.count('class="chart-dot"') == 3


def test_a_funnel_shows_each_stage_as_a_share_of_the_first() -> None:
    svg = str(funnel_chart([Point("Received", 200), Point("Scheduled", 150), Point("Kept", 50)],
                           title="Funnel"))

    assert "200 (100%)" in svg and "150 (75%)" in svg and "50 (25%)" in svg


def test_an_empty_chart_says_so() -> None:
    for svg in (bar_chart([], title="x"), line_chart([Point("a", None)], title="x"),
                funnel_chart([Point("Received", 0)], title="x")):
        assert "nothing in this range" in str(svg)


def test_many_points_keep_their_labels_readable() -> None:
    svg = str(bar_chart([Point(f"d{n}", n + 1) for n in range(31)], title="Per day"))

    assert svg.count('class="chart-label" x=') - 2 <= 12
