"""core.charts: pure functions, no database."""

import re
from decimal import Decimal

from django.utils import translation

from core.charts import (
    ChartBar,
    ChartSeries,
    _nice_ticks,
    bar_chart,
    format_number,
    line_chart,
    no_data_chart,
)


def _lines(svg: str) -> list[str]:
    return re.findall(r'<path class="chart-line" d="([^"]+)"', svg)


def test_line_breaks_at_a_gap_into_two_segments():
    svg = line_chart(
        title="Население",
        series=[
            ChartSeries("Сокольский", [(2018, 10), (2019, 12), (2020, None), (2021, 9), (2022, 8)])
        ],
        unit="чел.",
        chart_id="c1",
    )
    segments = _lines(svg)
    assert len(segments) == 2
    # Each segment is one move and then lines: nothing is drawn across the missing year.
    assert all(segment.count("M") == 1 for segment in segments)
    assert segments[0].count("L") == 1
    assert segments[1].count("L") == 1


def test_every_known_point_is_marked_even_a_lone_one():
    svg = line_chart(
        title="t",
        series=[ChartSeries("s", [(2018, 1), (2019, None), (2020, 3), (2021, None)])],
        chart_id="c1",
    )
    assert _lines(svg) == []  # no two neighbours to join
    assert svg.count("<circle") == 2


def test_a_gap_is_not_drawn_as_zero():
    svg = line_chart(
        title="t", series=[ChartSeries("s", [(2019, 100), (2020, None), (2021, 120)])], chart_id="c"
    )
    assert len(svg.split("<title>")) - 1 == 2  # two point tooltips only
    assert "2020: 0" not in svg


def test_chart_is_an_image_named_by_its_title_and_described():
    svg = line_chart(
        title="Численность населения, чел.",
        series=[ChartSeries("Сокольский", [(2020, 1), (2021, 2)])],
        chart_id="pop",
    )
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="pop-title"' in svg
    assert 'aria-describedby="pop-desc"' in svg
    assert '<title id="pop-title">Численность населения, чел.</title>' in svg
    assert '<desc id="pop-desc">' in svg


def test_every_label_is_escaped():
    evil = '<script>alert("x")</script>'
    svg = line_chart(
        title=evil,
        series=[ChartSeries(evil, [(2020, 1), (2021, 2)]), ChartSeries("b&c", [(2020, 2)])],
        unit=evil,
        description=evil,
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "b&amp;c" in svg
    bars = bar_chart(title=evil, bars=[ChartBar(evil, 1, note=evil)], unit=evil)
    assert "<script>" not in bars
    assert "&lt;script&gt;" in bars


def test_empty_data_gives_a_no_data_figure():
    with translation.override("en"):
        for svg in (
            line_chart(title="Empty", series=[]),
            line_chart(title="Empty", series=[ChartSeries("s", [(2020, None), (2021, None)])]),
            bar_chart(title="Empty", bars=[ChartBar("a", None)]),
            no_data_chart(title="Empty"),
        ):
            assert 'role="img"' in svg
            assert ">Empty</title>" in svg
            assert "No data" in svg
            assert "chart-line" not in svg
            assert "chart-bar" not in svg


def test_ids_differ_between_charts_on_one_page():
    a = line_chart(title="a", series=[ChartSeries("s", [(2020, 1)])])
    b = line_chart(title="a", series=[ChartSeries("s", [(2020, 1)])])
    ids = [re.findall(r'id="(chart-[0-9a-f]+)"', svg) for svg in (a, b)]
    assert ids[0]
    assert ids[1]
    assert ids[0][0] != ids[1][0]


def test_several_series_get_a_legend_and_distinct_styles():
    svg = line_chart(
        title="t",
        series=[
            ChartSeries("Первый", [(2020, 1), (2021, 2)]),
            ChartSeries("Второй", [(2020, 2), (2021, 3)]),
        ],
    )
    assert svg.count('class="chart-legend"') == 2
    assert "stroke-dasharray" in svg  # the second line is dashed, not only another colour


def test_axis_labels_are_formatted_numbers_and_years():
    with translation.override("en"):
        svg = line_chart(
            title="t", series=[ChartSeries("s", [(2019, 1_000_000), (2021, 1_250_000)])]
        )
    assert ">1,000,000<" in svg
    assert ">2019<" in svg
    assert ">2021<" in svg


def test_bar_chart_draws_known_values_and_says_no_data_for_the_rest():
    with translation.override("en"):
        svg = bar_chart(
            title="Latest",
            bars=[ChartBar("A", Decimal("1500.0000"), note="2021"), ChartBar("B", None)],
            unit="persons",
        )
    assert svg.count('class="chart-bar"') == 1
    assert "1,500 (2021)" in svg
    assert "no data" in svg


def test_format_number_groups_thousands_and_drops_trailing_zeros():
    with translation.override("en"):
        assert format_number(Decimal("1234567.0000")) == "1,234,567"
        assert format_number(Decimal("1234.5000")) == "1,234.5"
        assert format_number(None) == ""
    with translation.override("ru"):
        assert format_number(Decimal("1234567.0000")) == "1\xa0234\xa0567"
        assert format_number(Decimal("0.25")) == "0,25"


def test_nice_ticks_are_round_and_cover_the_data():
    ticks = _nice_ticks(13, 509)
    assert ticks[0] <= 13
    assert ticks[-1] >= 509
    assert ticks == [0, 200, 400, 600] or ticks[1] - ticks[0] in (100, 125, 200, 250)
    flat = _nice_ticks(5, 5)
    assert flat[0] < 5 < flat[-1]
