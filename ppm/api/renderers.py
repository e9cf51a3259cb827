"""JSON that is encoded already, written into a response as it is.

A view whose response holds thousands of rows that the database can write as JSON text itself (the
budget summary's 2,000 project rows: PostgreSQL concatenates them in the statement that sums them) puts
that text in its data as `RawJSON(text)` and renders with `RawJSONRenderer`: the rest of the data is
encoded as DRF's JSONRenderer does, byte for byte, and each RawJSON's text is spliced in where the value
stands, without decoding and encoding it again in Python. The text must be compact JSON spelled as
Python's encoder spells it (`ensure_ascii=False`, separators "," and ":"), so that the body is the one
DRF would have written for the decoded value; the view's tests compare both.

Indented output (the browsable API, `Accept: application/json; indent=4`) decodes each fragment and
encodes it with the rest, so it is indented too.
"""

from __future__ import annotations

from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import encoders, json

# What a RawJSON stands for while the data is encoded: a string holding a NUL, which the encoder always
# escapes and no stored text holds (PostgreSQL refuses NUL in text; the API refuses it in input).
_MARK = "\x00"
_ENCODED_MARK = json.dumps(_MARK)


class RawJSON:
    """A value of a response's data given as its JSON text (compact, spelled as Python's encoder would)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:40]!r}…)" if len(self.text) > 40 else f"RawJSON({self.text!r})"


class RawJSONEncoder(encoders.JSONEncoder):
    """DRF's encoder; a RawJSON becomes a mark and its text is kept in `fragments`, in order (or, with
    `fragments` None, it is decoded and encoded as any value)."""

    def __init__(self, *args, fragments: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fragments = fragments

    def default(self, obj):
        if isinstance(obj, RawJSON):
            if self.fragments is None:
                return json.loads(obj.text)
            self.fragments.append(obj.text)
            return _MARK
        return super().default(obj)


class RawJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, which also writes RawJSON values as they are (see the module's docstring)."""

    encoder_class = RawJSONEncoder

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if data is None or self.get_indent(accepted_media_type, renderer_context) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        fragments: list[str] = []
        text = json.dumps(
            data,
            cls=self.encoder_class,
            ensure_ascii=self.ensure_ascii,
            allow_nan=not self.strict,
            separators=SHORT_SEPARATORS if self.compact else LONG_SEPARATORS,
            fragments=fragments,
        )
        if fragments:
            parts = text.split(_ENCODED_MARK)
            if len(parts) != len(fragments) + 1:
                raise ValueError("A string of the data holds the RawJSON mark (a NUL character).")
            text = "".join(_interleave(parts, fragments))
        # As DRF: U+2028 and U+2029 escaped, so that the body is also valid JavaScript (looked for first:
        # over the budget summary's 450 kB, `in` costs a few µs where a replace that finds nothing costs
        # 0.3 ms).
        if "\u2028" in text or "\u2029" in text:
            text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return text.encode()


def _interleave(parts: list[str], fragments: list[str]):
    yield parts[0]
    for fragment, part in zip(fragments, parts[1:], strict=True):
        yield fragment
        yield part
