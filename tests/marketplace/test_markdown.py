from core.markdown import render_markdown


def test_markdown_is_rendered():
    assert render_markdown("## Heading\n\n*emphasis*") == "<h2>Heading</h2>\n<p><em>emphasis</em></p>"


def test_script_tags_never_reach_the_page():
    html = render_markdown("Hello <script>alert('x')</script> world")

    assert "<script" not in html


def test_javascript_links_are_stripped():
    html = render_markdown('[click me](javascript:alert(1)) and <a href="javascript:alert(2)">raw</a>')

    assert "javascript:" not in html
    assert "click me" in html


def test_event_handler_attributes_are_stripped():
    html = render_markdown('<img src="x" onerror="alert(1)"> <p onclick="steal()">hi</p>')

    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in html


def test_safe_links_keep_their_target_and_gain_rel():
    html = render_markdown("[docs](https://docs.example.com/play-events)")

    assert 'href="https://docs.example.com/play-events"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_tables_from_markdown_survive_sanitising():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")

    assert "<table>" in html
    assert "<td>1</td>" in html
