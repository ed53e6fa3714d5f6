"""What reading a page's text layer costs, counted before pypdf reads it.

pypdf finds a page's text by parsing every drawing instruction on it, and those of
every form XObject the page draws, each time it draws one: about 3 s a decoded
megabyte. A file small on the wire can inflate to megabytes (one compressed stream
shared by every page, or one form drawn thousands of times), so the cost is the
decoded bytes pypdf would parse, each form counted as often as it is drawn.
"""

from __future__ import annotations

from typing import Any

from pypdf import PageObject
from pypdf.generic import ContentStream, DictionaryObject, NameObject, StreamObject

DRAW_FORM = b"Do"


def page_content_bytes(page: PageObject, limit: int) -> int:
    """Decoded bytes pypdf would parse to read the page's text; counting stops past `limit`.

    Only a page that has form XObjects is parsed here (to count what it draws), and
    only when its own bytes are within `limit`: the count never costs more than
    the reading it guards.
    """
    contents = page.get_contents()
    if contents is None:
        return 0
    return _FormCosts(page.pdf, limit).cost(contents, _resources(page), drawing=frozenset())


class _FormCosts:
    def __init__(self, pdf: Any, limit: int) -> None:
        self.pdf, self.limit = pdf, limit
        # A form's cost depends only on the form, so each is parsed once however often
        # (or however deeply nested) it is drawn.
        self.known: dict[int, int] = {}

    def cost(self, stream: ContentStream, resources: DictionaryObject,
             drawing: frozenset[int]) -> int:
        total = len(stream.get_data())
        forms = _forms(resources)
        if not forms or total > self.limit:
            return total
        for operands, operator in stream.operations:
            if operator != DRAW_FORM or not operands or not isinstance(operands[0], NameObject):
                continue
            form = forms.get(operands[0])
            # pypdf skips a form that draws itself, so it costs nothing more.
            if form is None or id(form) in drawing:
                continue
            total += self.form_cost(form, drawing | {id(form)})
            if total > self.limit:
                break
        return total

    def form_cost(self, form: StreamObject, drawing: frozenset[int]) -> int:
        if id(form) not in self.known:
            resources = _resources(form)
            # pypdf reads no text from a form without resources (it has no fonts).
            self.known[id(form)] = self.cost(ContentStream(form, self.pdf), resources,
                                             drawing) if resources else 0
        return self.known[id(form)]


def _resources(holder: DictionaryObject) -> DictionaryObject:
    found = holder.get_inherited("/Resources", None)
    found = found.get_object() if found is not None else None
    return found if isinstance(found, DictionaryObject) else DictionaryObject()


def _forms(resources: DictionaryObject) -> dict[str, StreamObject]:
    """The XObjects pypdf would read text from: every stream that is not an image."""
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, DictionaryObject):
        return {}
    forms = {}
    for name, value in xobjects.items():
        xobject = value.get_object()
        if isinstance(xobject, StreamObject) and xobject.get("/Subtype") != "/Image":
            forms[name] = xobject
    return forms
