"""Body: plain text, optional HTML/RTF source, formatting detection, comparison by normalized text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncore import Body
from syncore.bodies import html_is_formatted, rtf_is_formatted


# -- is_formatted: HTML ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("html", [
    "<html><body><b>bold</b></body></html>",
    "<p><strong>strong</strong></p>",
    "<p><i>italic</i> text</p>",
    "<p><em>emphasis</em></p>",
    "<p>see <a href='https://example.com'>this link</a></p>",
    "<p><span style='color:#ff0000'>red</span></p>",
    "<p><font color='red'>red</font></p>",
    "<ul><li>one</li><li>two</li></ul>",
    "<ol><li>one</li></ol>",
    "<p style='font-weight:bold'>styled paragraph</p>",
    "<table><tr><td>cell</td></tr></table>",
])
def test_formatted_html(html):
    assert Body(html=html).is_formatted
    assert html_is_formatted(html)


@pytest.mark.parametrize("html", [
    "<html><body><p>Just a paragraph.</p></body></html>",
    "<p>one</p><p>two</p>",
    "line one<br>line two<br/>line three",
    "<div>block</div><div>another</div>",
    "<html><head><meta charset='utf-8'><title>t</title></head><body><p>plain</p></body></html>",
    "<html><head><style>p { color: red }</style></head><body><p class='MsoNormal'>plain<o:p></o:p></p></body></html>",
    "plain text without any tag",
])
def test_plain_html_is_not_formatted(html):
    assert not Body(html=html).is_formatted
    assert not html_is_formatted(html)


def test_plain_text_body_is_not_formatted():
    assert not Body(text="**not markdown bold** just text").is_formatted
    assert not Body().is_formatted


# -- is_formatted: RTF ----------------------------------------------------------------------------------------
_PLAIN_RTF = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Calibri;}}\viewkind4\uc1\pard\f0\fs22 Hello\par World\par}"


def test_plain_rtf_is_not_formatted():
    assert not Body(text="Hello\nWorld", rtf=_PLAIN_RTF).is_formatted
    assert not rtf_is_formatted(_PLAIN_RTF)
    assert not rtf_is_formatted(_PLAIN_RTF.encode("latin-1"))


def test_plain_rtf_with_colour_table_is_not_formatted():
    # a colour table alone (\red \green \blue, \cf0 = default colour) formats nothing
    rtf = r"{\rtf1\ansi{\colortbl;\red255\green0\blue0;}\pard\cf0 plain\par}"
    assert not rtf_is_formatted(rtf)


@pytest.mark.parametrize("rtf", [
    r"{\rtf1\ansi\pard {\b bold}\par}",
    r"{\rtf1\ansi\pard {\i italic}\par}",
    r"{\rtf1\ansi\pard {\ul underlined}\par}",
    r"{\rtf1\ansi{\colortbl;\red255\green0\blue0;}\pard\cf1 red text\par}",
    r"{\rtf1\ansi\pard\highlight2 marked\par}",
    r"{\rtf1\ansi\pard\strike gone\par}",
])
def test_formatted_rtf(rtf):
    assert Body(text="x", rtf=rtf).is_formatted
    assert rtf_is_formatted(rtf)


def test_rtf_escaped_backslash_is_literal_text_not_a_control_word():
    # "\\" is an escaped backslash: the text reads "In a regex, \b is a word boundary", which carries no
    # formatting. The "\b" there is text, not the bold control word.
    rtf = r"{\rtf1\ansi\deff0{\fonttbl{\f0 Calibri;}}\pard\f0 In a regex, \\b is a word boundary\par}"
    assert not rtf_is_formatted(rtf)


def test_rtf_fromhtml_is_judged_by_its_html():
    plain = (r"{\rtf1\ansi\fbidis\ansicpg1252\deff0\fromhtml1{\fonttbl{\f0\fswiss Arial;}}"
             r"{\*\htmltag19 <html>}{\*\htmltag34 <body>}{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Hello"
             r"{\*\htmltag72 </p>}{\*\htmltag35 </body>}{\*\htmltag27 </html>}}")
    formatted = (r"{\rtf1\ansi\fbidis\ansicpg1252\deff0\fromhtml1{\fonttbl{\f0\fswiss Arial;}}"
                 r"{\*\htmltag19 <html>}{\*\htmltag34 <body>}{\*\htmltag84 <b>}\htmlrtf {\b\htmlrtf0 Hello"
                 r"{\*\htmltag92 </b>}{\*\htmltag35 </body>}{\*\htmltag27 </html>}}")
    assert not rtf_is_formatted(plain)
    assert rtf_is_formatted(formatted)
    assert not Body(text="Hello", rtf=plain).is_formatted
    assert Body(text="Hello", rtf=formatted).is_formatted


def test_rtf_fromhtml_with_plain_html_ignores_rtf_only_bold():
    # \htmlrtf sections are for RTF-only readers; the HTML (plain paragraphs) decides
    rtf = (r"{\rtf1\ansi\fromhtml1{\*\htmltag64 <p>}\htmlrtf {\b\htmlrtf0 x\htmlrtf}\htmlrtf0"
           r"{\*\htmltag72 </p>}}")
    assert not rtf_is_formatted(rtf)


# -- text derivation and comparison ---------------------------------------------------------------------------
def test_text_is_derived_from_html_when_missing():
    body = Body(html="<html><body><p>Hello <b>World</b></p><p>Second&nbsp;para</p></body></html>")
    assert body.normalized == "Hello World\n\nSecond para"


def test_html_script_and_style_are_not_text():
    body = Body(html="<style>p {color:red}</style><script>var x = 1;</script><p>visible</p>")
    assert body.normalized == "visible"


def test_formatted_html_body_equals_its_plain_text_copy():
    formatted = Body(html="<p><b>Agenda</b></p><ul><li>Budget</li></ul>")
    assert formatted.is_formatted
    plain = Body(text=formatted.text)
    assert formatted == plain
    assert hash(formatted) == hash(plain)
    assert Body(html="<p>Hi <i>there</i></p>") == Body(text="Hi there")


@pytest.mark.parametrize("a,b", [
    ("line one\r\nline two", "line one\nline two"),
    ("line one\rline two", "line one\nline two"),
    ("trailing   \nspaces\t", "trailing\nspaces"),
    ("non\u00a0breaking", "non breaking"),
    ("\n\nsurrounding blank lines\n\n", "surrounding blank lines"),
])
def test_bodies_compare_by_normalized_text(a, b):
    assert Body(text=a) == Body(text=b)
    assert hash(Body(text=a)) == hash(Body(text=b))


def test_different_words_differ():
    assert Body(text="hello") != Body(text="hello world")
    assert Body(html="<b>yes</b>") != Body(text="no")


def test_empty_body_is_falsy():
    assert not Body()
    assert not Body(text="  \r\n ")
    assert Body(text="x")


def test_plain_drops_formatted_source():
    body = Body(text="Hi", html="<b>Hi</b>", rtf=r"{\rtf1 {\b Hi}}")
    plain = body.plain()
    assert plain.html is None and plain.rtf is None and plain.text == "Hi"
    assert not plain.is_formatted


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=60))
def test_line_ending_and_trailing_space_variants_compare_equal(text):
    # ``text`` uses LF line breaks only; derive the CRLF and trailing-space variants from it
    lf = Body(text=text)
    crlf = Body(text=text.replace("\n", "\r\n"))
    trailing = Body(text="\n".join(line + "  " for line in text.split("\n")))
    assert lf == crlf == trailing
    assert hash(lf) == hash(crlf) == hash(trailing)
