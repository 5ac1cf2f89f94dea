"""Pydantic's validation errors in our words: what is wrong and what is allowed."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from .rules import CONDITION_KINDS, Condition
from .source import shown
from .vocabulary import closest

__all__ = ["translate"]


_KIND_WORDS = {
    "float": "a number", "int": "a whole number", "bool": "true or false", "string": "text",
    "date": "a date (YYYY-MM-DD)", "tuple": "a list", "list": "a list",
    "model": "a mapping (key: value lines)", "dict": "a mapping (key: value lines)",
}


def translate(detail: Mapping[str, Any], model: type[BaseModel]) -> str:
    """One pydantic error detail as `what is wrong (what to do)`."""
    kind: str = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    loc = tuple(detail["loc"])
    base = kind.split("_")[0]
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        meant = _SYNONYMS.get(str(loc[-1])) or _spelt_otherwise(str(loc[-1]), known)
        if meant in known:
            return f"unknown field {str(loc[-1])!r} (did you mean {meant!r}?)"
        if home := _home_of(model, loc[:-1], str(loc[-1]), known):
            return f"unknown field {str(loc[-1])!r} here {home}"
        if " " in str(loc[-1]).strip() or value is None:
            return (f"unknown field {str(loc[-1])!r} (if this is part of a text, quote the "
                    "whole text: inside { } a comma starts a new field)")
        block = _block_of(str(loc[-1]), [field for field in known
                                         if _holds_a_record(_step(model, field))])
        if block and not closest(str(loc[-1]), known):
            return (f"unknown field {str(loc[-1])!r} (did you mean {block!r}? its values go "
                    f"inside it, on indented lines under '{block}:')")
        return f"unknown field {str(loc[-1])!r}{closest(str(loc[-1]), known)}" + (
            "" if closest(str(loc[-1]), known) or not known else
            f" (allowed: {', '.join(sorted(known))})")
    if kind == "missing":
        return f"missing required field {str(loc[-1])!r}"
    if kind == "invalid_key":  # `{percent_predicted: 78,5}` reads as 78 and a field named 5
        return (f"{shown(value)} stands where a field name should: inside {{ }} a comma starts "
                "a new field (a decimal comma? write the number with a point, 1.05 not 1,05; "
                "a text with commas? put it in quotes)")
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        hint = _nearest(str(value), allowed) or (
            " (YAML reads an unquoted yes, no, on or off as true or false: write one of these "
            "words instead)" if isinstance(value, bool) else "")
        return f"expected one of {ctx.get('expected')}, got {shown(value)}{hint}"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"])).removeprefix("Value error, ")
    if kind == "condition":
        return _condition_message(value)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds_at(model, loc)
        if low is not None and high is not None:
            return f"expected a value from {low:g} to {high:g}, got {shown(value)}"
        bound = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
                 "greater_than": ("above", "gt"), "less_than": ("below", "lt")}[kind]
        return f"expected a value {bound[0]} {ctx[bound[1]]:g}, got {shown(value)}"
    if kind == "too_short":
        if loc[-1:] == ("parts",):
            return "an empty group decides nothing (list at least one condition, or remove it)"
        return f"expected at least {ctx.get('min_length', 1)} item(s), got none"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"expected {_FORMS.get(str(ctx.get('pattern')), 'another form')}, got {shown(value)}"
    if kind == "string_type" and isinstance(value, (int, float, dt.date)):
        return _not_text(value, loc, model)
    if kind == "string_too_long":
        return f"{shown(value)} is too long (at most {ctx.get('max_length')} characters)"
    if base == "date" and re.fullmatch(r"\d{4}(-\d{1,2})?", str(value).strip()):
        return (f"expected a date (YYYY-MM-DD), got {shown(value)}: a rule needs the day too "
                "(only the month or year known: see 'Dates known only to the month' in "
                "docs/patient-profile.md)")
    if base == "tuple" and isinstance(value, (int, float, str, dt.date)) and (
            fields := _record_fields(model, loc)):  # `fvc: 78`: the block takes a record
        return (f"expected a record, its fields on indented lines under it "
                f"({', '.join(fields)}), got {shown(value)}")
    if value is None and base in ("tuple", "list", "model", "dict"):  # `fvc:` and nothing
        return ("empty: write what it holds on the indented lines under it, or remove the "
                "line")
    if base in _KIND_WORDS:
        return f"expected {_KIND_WORDS[base]}, got {shown(value)}" + (
            number_hint(value) if base in ("float", "int") else "")
    if kind == "model_attributes_type":
        return f"expected {_KIND_WORDS['model']}, got {shown(value)}"
    message: str = detail["msg"]
    return message[:1].lower() + message[1:]


def number_hint(value: Any) -> str:
    """` (write the number alone: 78)` for a number written with its unit or sign (`78%`,
    `13.1 g/dL`) or a decimal comma (`78,5`), the way a report prints it."""
    found = re.fullmatch(r"\s*([+-]?\d+)(?:([.,])(\d+))?\s*([^\d\s].*)?", str(value))
    if not isinstance(value, str) or found is None or not (found[4] or found[2] == ","):
        return ""
    number = found[1] + (f".{found[3]}" if found[3] else "")
    if found[4]:
        return f" (write the number alone, without its unit: {number})"
    return f" (write the number with a decimal point: {number})"


# Fields people write for another that exists, where spelling alone would suggest wrongly.
_SYNONYMS = {"note": "reading", "notes": "reading", "comment": "reading",
             "interpretation": "reading", "description": "text", "criterion": "text",
             "rule": "check", "condition": "check", "operator": "op", "threshold": "value"}

_FORMS = {
    r"^NCT\d{8}$": "an NCT id: 'NCT' and eight digits, like NCT01234567",
    r"^[A-Za-z][A-Za-z0-9_-]*$": "a short id that starts with a letter, then letters, digits, "
    "'_' or '-' (like I1 or E10)",
    r"^[A-Za-z0-9_-]+$": "letters, digits, '_' or '-'",
    r"^[a-z][a-z0-9_]*$": "a name in lower case: a letter, then letters, digits or '_'",
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,2}$": "a fact name: one to three lower-case names "
    "joined by dots, like fvc.percent_predicted",
    r"^[A-Za-z0-9][A-Za-z0-9 _-]*$": "a visit name: letters, digits, spaces, '_' or '-'",
}


def _not_text(value: float | dt.date, loc: Sequence[Any], model: type[BaseModel]) -> str:
    """Text that YAML read as a number, true or false, or a date, because it was not quoted.

    The value as written is gone by now (003 and 010 arrive as 3 and 8), so the hint shows
    quoting with an example rather than with the value: quoting 8 would change an id.
    """
    got = shown(value) if isinstance(value, bool) else (
        f"the {'date' if isinstance(value, dt.date) else 'number'} {shown(value)}")
    pattern = _pattern_at(model, loc)
    if pattern in _FORMS and not re.fullmatch(pattern, shown(value)):
        return f"expected {_FORMS[pattern]}, got {got}"
    key = f"{loc[-1]}: " if loc and isinstance(loc[-1], str) else ""
    if isinstance(value, bool):
        return (f"expected text, got {got} (YAML reads an unquoted yes, no, on or off as true "
                f"or false: put the text in quotes, like {key}\"yes\")")
    if isinstance(value, dt.date):
        return f"expected text, got {got} (put it in quotes: {key}\"{shown(value)}\")"
    return (f"expected text, got {got} (YAML reads unquoted digits as a number, so 003 "
            f"becomes 3 and 010 becomes 8: put the value in quotes exactly as written, like "
            f"{key}\"003\")")


def _pattern_at(model: Any, loc: Sequence[Any]) -> str | None:
    """The regular expression the text field that `loc` leads to must match, if any."""
    parent: Any = model
    for step in loc[:-1]:
        parent = _step(parent, step)
    parent = _unwrap(parent)
    if not (loc and isinstance(parent, type) and issubclass(parent, BaseModel)):
        return None
    for name, info in parent.model_fields.items():
        if loc[-1] in (name, info.alias):
            constraints = [*info.metadata, *_metadata(info.annotation)]
            return next((str(c.pattern) for c in constraints if getattr(c, "pattern", None)),
                        None)
    return None


def _metadata(annotation: Any) -> list[Any]:
    """The constraints inside an annotation such as `Annotated[str, Field(...)] | None`."""
    found: list[Any] = []
    for arg in (annotation, *typing.get_args(annotation)):
        for meta in getattr(arg, "__metadata__", ()):
            found += [meta, *getattr(meta, "metadata", ())]
    return found


def _plain_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.casefold()).strip("_")


def _spelt_otherwise(key: str, known: Iterable[str]) -> str | None:
    """The field a key names in other case or punctuation: `ALSFRS-R` is alsfrs_r."""
    return next((field for field in known if _plain_key(key) == field), None)


def _block_of(key: str, known: Iterable[str]) -> str | None:
    """The block a key names with one of its fields run into it: `fvc_percent` is a value of
    fvc, `als_onset_date` of als."""
    return next((field for field in sorted(known, key=len, reverse=True)
                 if _plain_key(key).startswith(field + "_")), None)


def _home_of(model: Any, at: Sequence[Any], key: str, known: Iterable[str]) -> str:
    """Where a key written one level too high belongs: `(it belongs under items:, indented
    below it)` for an ALSFRS-R item beside the date, `(an entry of the list? ...)` for an
    entry's field written without its '- '; nothing when several places would take it."""
    homes = [field for field in known if key in _fields_at(model, (*at, field))
             or key in _record_fields(model, (*at, field))]
    if homes == ["items"] and key in _record_fields(model, (*at, "items")):
        return f"(an entry of the list? start each entry with '- ', as in - {key}: ...)"
    if not homes or len(homes) > 2:
        return ""
    return f"(it belongs under {' or '.join(f'{home}:' for home in homes)}, indented below it)"


def _record_fields(model: Any, loc: Sequence[Any]) -> list[str]:
    """The fields of the record a history field (a tuple of records) at `loc` holds."""
    current: Any = model
    for step in loc:
        current = _step(current, step)
    args = typing.get_args(_unwrap(current))
    return _model_fields(args[0]) if args else []


def _holds_a_record(annotation: Any) -> bool:
    """Whether a field's value is a record of fields (or a list of them): a block such as fvc,
    not a value such as sex."""
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    return any(_holds_a_record(arg) for arg in typing.get_args(annotation))


def _nearest(word: str, allowed: list[str]) -> str:
    """A suggestion that ignores case, spaces and hyphens: 'Not yet recruiting' finds
    'NOT_YET_RECRUITING'."""
    def plain(text: str) -> str:
        return text.casefold().replace(" ", "_").replace("-", "_")

    by_plain = {plain(option): option for option in allowed}
    matches = difflib.get_close_matches(plain(word), list(by_plain), n=1, cutoff=0.6)
    return f" (did you mean {by_plain[matches[0]]!r}?)" if matches else ""


def _condition_message(value: Any) -> str:
    kinds = ", ".join(CONDITION_KINDS)
    if isinstance(value, Mapping) and value:
        keys = [str(key) for key in value]
        if len(keys) == 1:
            return f"unknown condition {keys[0]!r}{closest(keys[0], CONDITION_KINDS)} " \
                   f"(a condition is one of: {kinds})"
        return f"a condition has exactly one key ({kinds}), got {', '.join(keys)}"
    return f"expected a condition (a mapping with one key: {kinds}), got {shown(value)}"


def _fields_at(model: Any, loc: Sequence[Any]) -> list[str]:
    """The field names (as written in YAML) of the model that `loc` leads to."""
    current: Any = model
    for step in loc:
        current = _step(current, step)
        if current is None:
            return []
    names = _model_fields(current)
    return names


def _bounds_at(model: Any, loc: Sequence[Any]) -> tuple[float | None, float | None]:
    """The inclusive bounds declared on the field `loc` leads to, if both are known."""
    current: Any = model
    for step in loc:
        current = _step(current, step)
    low = high = None
    while typing.get_origin(current) in (typing.Annotated, typing.Union, types.UnionType):
        for meta in getattr(current, "__metadata__", ()):
            for constraint in (meta, *getattr(meta, "metadata", ())):
                low = getattr(constraint, "ge", low)
                high = getattr(constraint, "le", high)
        args = [arg for arg in typing.get_args(current) if arg is not type(None)]
        current = args[0] if args else None
    return low, high


def _model_fields(annotation: Any) -> list[str]:
    model = _unwrap(annotation)
    if typing.get_origin(model) in (typing.Union, types.UnionType):  # a name, or a mapping
        return [name for arg in typing.get_args(model) for name in _model_fields(arg)]
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    names = [info.alias or name for name, info in model.model_fields.items()
             if name not in ("span", "file", "sha256", "condition")]
    if "condition" in model.model_fields:
        names += list(CONDITION_KINDS)
    return names


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _step(annotation: Any, step: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if step in (name, info.alias):
                return info.annotation
        return annotation  # a tag or model name: stay
    if origin in (tuple, list) and isinstance(step, int):
        return typing.get_args(annotation)[0]
    if origin in (dict, Mapping):
        return typing.get_args(annotation)[1]
    if origin in (typing.Union, types.UnionType) or annotation is Condition:
        for arg in typing.get_args(Condition if annotation is Condition else annotation):
            tags = [meta.tag for meta in getattr(arg, "__metadata__", ()) if hasattr(meta, "tag")]
            if step in tags:
                return arg
        return annotation
    return annotation
