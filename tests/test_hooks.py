"""The MkDocs hooks' own logic, on small inputs (the site tests cover them end to end)."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import load_file, require

require("latex2mathml", "the math hook needs the docs extras")
HOOKS = Path(__file__).resolve().parents[1] / "hooks"


def _load(name):
    return load_file(HOOKS / f"{name}.py", f"hook_{name}")


def _page(src_path):
    return SimpleNamespace(file=SimpleNamespace(src_path=src_path))


def test_arithmatex_spans_become_mathml_with_the_tex_kept():
    math = _load("math")
    html = (
        '<p>rate <span class="arithmatex">\\(\\eta / \\sqrt{v}\\)</span></p>'
        '<div class="arithmatex">\\[v_t &lt; 1\\]</div>'
    )
    out = math.on_page_content(html, page=_page("rmsprop.md"))
    assert "arithmatex" not in out
    assert out.count("<math") == 2 and 'display="block"' in out and 'display="inline"' in out
    assert "<msqrt>" in out
    assert '<annotation encoding="application/x-tex">v_t &lt; 1</annotation>' in out  # unescaped, re-escaped


def test_notebook_markdown_dollars_become_mathml_but_code_does_not():
    math = _load("math")
    html = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown">cost $L(w)$ and $$\\sum_i x_i$$</div>'
        '<div class="jp-OutputArea">price: $5 and $6</div>'
    )
    out = math.on_page_content(html, page=_page("tutorial.ipynb"))
    assert out.count("<math") == 2
    assert "price: $5 and $6" in out  # outside Markdown cells nothing is touched


def test_bad_tex_fails_the_build_naming_the_page():
    math = _load("math")
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"ewma\.md: cannot render TeX"):
        math.on_page_content('<span class="arithmatex">\\(\\frac{1}{\\)</span>', page=_page("ewma.md"))


def test_notebook_css_keeps_used_rules_and_drops_the_rest():
    css = _load("notebook_css")
    sheet = (
        ".used{color:red}.unused{color:blue}.used .unused{x:1}"
        "@media (max-width: 10px){.used{a:b}.unused{c:d}}"
        "@font-face{font-family:x}pre{margin:0}.used:not(.absent){y:2}"
    )
    out = css.prune(sheet, {"used"})
    assert ".used{color:red}" in out and "pre{margin:0}" in out and "@font-face{font-family:x}" in out
    assert "@media (max-width: 10px){.used{a:b}}" in out
    assert ".used:not(.absent){y:2}" in out
    assert ".unused" not in out.replace(":not(.absent)", "")


def test_notebook_css_drops_root_below_another_element():
    """`.jupyter-wrapper :root` (mkdocs-jupyter's prefix on JupyterLab's :root) matches nothing."""
    css = _load("notebook_css")
    sheet = ".used :root{a:1}.used>:root{b:2}:root{c:3}html:root{d:4}:root .used{e:5}.used :root,.used{f:6}.root{g:7}"
    out = css.prune(sheet, {"used", "root"})
    assert out == ":root{c:3}html:root{d:4}:root .used{e:5}.used{f:6}.root{g:7}"


def test_notebook_css_is_parsed_not_brace_counted():
    # A brace in a string or a comment, and a rule after an @import statement: counting
    # braces kept `.unused` and `.gone` here (checked against the previous implementation).
    css = _load("notebook_css")
    sheet = '.used::after{content:"}"}/* { */.unused{a:b}.used:is(.x, .used){c:d}@import url(x.css);.gone{e:f}'
    out = css.prune(sheet, {"used"})
    assert out == '.used::after{content:"}"}.used:is(.x, .used){c:d}@import url(x.css);'


def test_notebook_cell_math_after_a_nested_div_is_rendered():
    """A Markdown cell is one element however many <div> it holds (a regex stopped at the first </div>)."""
    math = _load("math")
    html = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown"><div class="note">first $a$</div>'
        "<p>then $b_t$ and <code>$not math$</code></p></div>"
    )
    out = math.on_page_content(html, page=_page("tutorial.ipynb"))
    assert out.count("<math") == 2 and "<code>$not math$</code>" in out


def test_aligned_equations_are_marked_for_the_alignment_css():
    math = _load("math")
    html = '<div class="arithmatex">\\[\\begin{aligned} v &= 1 \\\\ \\theta &\\leftarrow 2 \\end{aligned}\\]</div>'
    out = math.on_page_content(html, page=_page("rmsprop.md"))
    assert '<mtable class="rr-aligned"' in out
    assert out.count('columnalign="right"') == 2 and out.count('columnalign="left"') == 2


def test_notebook_mathjax_loader_is_removed():
    math = _load("math")
    html = (
        '<!-- Load mathjax -->\n<script src=""></script>\n<!-- MathJax configuration -->\n'
        '<script type="text/x-mathjax-config">MathJax.Hub.Config({})</script><p>kept</p>'
    )
    out = math.on_page_content(html, page=_page("tutorial.ipynb"))
    assert "script" not in out and "MathJax" not in out and "<p>kept</p>" in out


def test_figure_pictures_are_lazy_so_the_hidden_scheme_is_never_fetched():
    figures = _load("figures")
    html = '<p>text &amp; more</p><p><img alt="Two panels: a long description" src="../figures/trajectories.svg"></p>'
    out = figures.on_page_content(html, page=None, config=None, files=None)
    bs4 = require("bs4")
    imgs = bs4.BeautifulSoup(out, "html.parser").find_all("img")
    assert [img["loading"] for img in imgs] == ["lazy", "lazy"]
    assert [img["src"] for img in imgs] == ["../figures/trajectories.svg", "../figures/trajectories-dark.svg"]
    assert out.startswith("<p>text &amp; more</p>")  # the rest of the page as it was


def test_pages_without_math_or_figures_are_returned_unchanged():
    html = '<p>a <code>$x$</code> &amp; <img src="logo.png" alt="logo"/></p>'
    assert _load("math").on_page_content(html, page=_page("x.md")) == html
    assert _load("figures").on_page_content(html, page=None, config=None, files=None) == html
