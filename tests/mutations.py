"""Hostile and broken inputs made from real files: the mutation families of issue 9.

Each family is a function of a `random.Random` returning a `Case`: the bytes to save as a
patient profile, a rule file or a registry record. `tests/test_fuzz.py` drives them with
hypothesis (`st.randoms()`, so a failure shrinks and replays), `bench/fuzz.py` draws ten
thousand. The families:

- `bytes`: bytes flipped, inserted (control bytes, YAML indicators, invalid UTF-8), deleted,
  repeated or cut off, in real profiles and rule files;
- `fields`: a value, key or line of a real file replaced by a tricky one (explicit tags, dates
  with a time, huge numbers, long texts, markup, escape sequences), lines dropped or repeated;
- `yaml`: YAML features inserted: anchors and aliases (bombs, recursion), merge keys, tags,
  several documents, directives, deep nesting, complex keys;
- `encodings`: the text saved as UTF-16 or UTF-32 (with and without BOM), Latin-1, with a UTF-8
  BOM, CRLF or lone CR line ends, NUL bytes, overlong or surrogate UTF-8, invisible characters;
- `registry`: ClinicalTrials.gov records with fields of the wrong kind, deep nesting, many or
  long bullets, character references and markup, or broken bytes.

Special files (named pipes, devices, folders, link loops, a file over the size limit) are not
bytes; `bench/fuzz.py` makes them itself.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["FAMILIES", "Case", "Kind", "draw"]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

Kind = Literal["patient", "rules", "registry"]


@dataclass(frozen=True)
class Case:
    """One input: its family, what it is meant to be, its bytes and how it was made."""

    family: str
    kind: Kind
    content: bytes
    how: str


def _texts(paths: list[Path]) -> list[str]:
    return [path.read_text(encoding="utf-8", errors="replace") for path in sorted(paths)]


PROFILES = _texts([*ROOT.glob("patients/*.yaml"), *DATA.glob("bad/patient-*.yaml")])
RULES = _texts([*ROOT.glob("rules/*.yaml"), *DATA.glob("bad/rules-*/*.yaml"),
                *DATA.glob("check/*/*.yaml")])
RECORDS = _texts([*DATA.glob("ctgov/*.json"), *Path("/work/shared/ctgov").glob("*.json")])

BYTES = [b"\x00", b"\x01", b"\x07", b"\x1b", b"\x7f", b"\x85", b"\xff", b"\xfe", b"\xc0\xaf",
         b"\xed\xa0\x80", b"\xe2\x80\xae", b"\r", b"\t", b"\n", b":", b": ", b"-", b"- ",
         b"[", b"]", b"{", b"}", b"&a", b"*a", b"!", b"!!", b"\"", b"'", b"#", b"%", b"@",
         b"`", b"|", b">", b",", b"?", b"  ", b"\xc3\xa9", b"\xf0\x9f\x92\xa5"]

TRICKY = [
    "!!bool maybe", "!!timestamp soon", "!!int x", "!!float x", "!!int 1e5", "!!str 1",
    "!!binary x", "!!binary aGk=", "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system", "!!set {a}", "!!omap [a: 1]", "!!map x", "!!seq x", "!!null x",
    "!unknown x", "&a [*a]", "*nope", "&a x", "[" * 300 + "]" * 300, "[" * 1200,
    "2026-02-30", "2026-13-01", "2026-11-02 10:00:00", "2026-11-02T25:00:00Z", "0000-01-01",
    "9999-12-31", "1e999", "-1e999", "-.inf", ".nan", "~", "null", "''", '""', '"\\x00"',
    '"\\u001b[31mred"', '"\\e]8;;http://x\\e\\\\link\\e]8;;\\e\\\\"', "yes", "no", "on",
    "0x1F", "0o17", "0b101", "1_000", "12:30:00", "=", "<<", "? [a]\n  : b", "- a\n- b",
    "|\n  literal\n  text", ">-\n  folded\n  text", "'unterminated", '"unterminated',
    "[/bold]", "[/]", "[red]x[/red]", "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "💥", "\u202e",
    "\ufeff", "\u2028", "-1", "-0", "0.0000001", "99999999999999999999999", "9" * 5000,
    "x" * 25000, "[" + ",".join(["1"] * 21000) + "]", "{a: 1, a: 2}", "{a: 1,}", "[1,,2]",
    "{", "}", "]", "[", "%", "@x", "`x`", "{{a: 1}: b}", "[[[a]]]", "{fact: x, op: y}",
    "[definite, probable]", "{percent_predicted: 80, date: 2026-01-01}", "true", "false",
    "2026-11-02", "80", "-5", "4.5", "NCT00000000", "I1", "inclusion", "exclusion",
]

FEATURES = [
    "x: &a {b: *a}\n", "x: &a [*a, *a]\n", "&root\n", "x: !!merge <<\n", "<<: {id: 1}\n",
    "---\n", "...\n", "--- !!map\n", "%YAML 1.1\n", "%YAML 9.9\n", "%TAG ! tag:x,2000:\n",
    "? [complex, key]\n: value\n", "? {a: 1}\n: v\n", "x: !local y\n",
    "x: !<tag:yaml.org,2002:str> y\n",
    "x: !!python/tuple [1, 2]\n", "# comment\n", "x: |+\n\n\n", "x: >\n folded\n",
    "x: [a, b,\n  c]\n", "x: {a: 1,\n  b: 2}\n", "x: 'multi\n  line'\n", "x: \"esc\\q\"\n",
    "- item\n", "  - misindented\n", "\tx: tab\n", "x: y: z\n", "x: - y\n",
]


def _bomb(rng: random.Random) -> str:
    width, depth = rng.randint(2, 12), rng.randint(2, 12)
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]"
              for n in range(1, depth)]
    return "\n".join(lines) + "\n"


def _deep(rng: random.Random) -> str:
    depth = rng.choice([50, 99, 100, 101, 150, 300, 999, 1001, 3000])
    if rng.random() < 0.5:
        return "x: " + "[" * depth + "]" * depth + "\n"
    if rng.random() < 0.5:
        return "x: " + "{a: " * depth + "1" + "}" * depth + "\n"
    return "x:\n" + "".join("  " * level + "-\n" for level in range(min(depth, 400)))


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _seed(rng: random.Random, kinds: tuple[Kind, ...] = ("patient", "rules")) -> (
        tuple[Kind, str]):
    kind = rng.choice(kinds)
    return kind, rng.choice(PROFILES if kind == "patient" else RULES)


def mutate_bytes(rng: random.Random) -> Case:
    kind, text = _seed(rng)
    data = bytearray(text.encode("utf-8"))
    done = []
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(data) + 1)
        what = rng.choice(["flip", "insert", "delete", "repeat", "cut"])
        if what == "flip" and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif what == "insert":
            data[at:at] = rng.choice(BYTES) * rng.choice([1, 1, 1, 2, 50])
        elif what == "delete":
            del data[at:at + rng.randint(1, 40)]
        elif what == "repeat":
            data[at:at] = data[at:at + rng.randint(1, 200)] * rng.randint(2, 5)
        else:
            del data[at:]
        done.append(what)
    return Case("bytes", kind, bytes(data), " ".join(done))


def mutate_fields(rng: random.Random) -> Case:
    kind, text = _seed(rng)
    lines = _lines(text)
    done = []
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        line = lines[index]
        what = rng.choice(["value", "value", "value", "key", "drop", "repeat", "indent"])
        if what == "value" and ":" in line:
            head = line[: line.index(":") + 1]
            lines[index] = f"{head} {rng.choice(TRICKY)}\n"
        elif what == "key" and ":" in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = indent + rng.choice(TRICKY).replace("\n", " ") + line[line.index(":"):]
        elif what == "drop":
            del lines[index]
            lines = lines or [""]
        elif what == "repeat":
            lines.insert(index, line)
        else:
            lines[index] = " " * rng.randint(1, 3) + line
        done.append(what)
    return Case("fields", kind, "".join(lines).encode("utf-8", errors="surrogatepass"),
                " ".join(done))


def mutate_yaml(rng: random.Random) -> Case:
    kind, text = _seed(rng)
    lines = _lines(text)
    inserted = rng.choice([_bomb(rng), _deep(rng), *FEATURES])
    at = rng.randrange(len(lines) + 1)
    if rng.random() < 0.3:  # as the value of a field the file already has
        index = rng.randrange(len(lines))
        if ":" in lines[index]:
            head = lines[index][: lines[index].index(":") + 1]
            inserted = inserted.split(": ", 1)[-1] if ": " in inserted else inserted
            lines[index] = f"{head} {inserted.rstrip()}\n"
            return Case("yaml", kind, "".join(lines).encode("utf-8"), "value " + inserted[:40])
    lines.insert(at, inserted)
    return Case("yaml", kind, "".join(lines).encode("utf-8"), "insert " + inserted[:40])


ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "latin-1", "cp1252",
             "utf-8-sig"]


def mutate_encoding(rng: random.Random) -> Case:
    kind, text = _seed(rng)
    what = rng.choice(["encode", "crlf", "cr", "nul", "overlong", "surrogate", "invisible",
                       "nbsp-indent", "accent"])
    if what == "encode":
        name = rng.choice(ENCODINGS)
        data = text.replace("\u2265", ">=").encode(name, errors="replace")
        return Case("encodings", kind, data, name)
    data = text.encode("utf-8")
    if what == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif what == "cr":
        data = data.replace(b"\n", b"\r")
    elif what == "accent":
        data = text.replace("e", "\u00e9").encode(rng.choice(["latin-1", "utf-8"]),
                                                   errors="replace")
    else:
        extra = {"nul": b"\x00", "overlong": b"\xc0\xaf", "surrogate": b"\xed\xa0\x80",
                 "invisible": rng.choice(["\u200b", "\u202e", "\ufeff", "\u00ad"]).encode(),
                 "nbsp-indent": "\u00a0\u00a0".encode()}[what]
        at = rng.randrange(len(data) + 1)
        if what == "nbsp-indent":
            at = data.find(b"\n  ", at)
            at = at + 1 if at >= 0 else 0
        data = data[:at] + extra + data[at:]
    return Case("encodings", kind, data, what)


MARKDOWN = ["Inclusion Criteria:", "Exclusion Criteria:", "Key Inclusion Criteria:",
            "INCLUSION CRITERIA", "* item", "- item", "+ item", "1. item", "2) item",
            "  * nested", "    - deeper", "For parent participants:", "**For adults:**",
            "Age &ge; 18 &amp; &lt; 65", "&#0; &#x1b; &bogus;", "\\>= 18", "\u2022 bullet",
            "Other protocol-defined criteria may apply.", "", "", "plain paragraph text",
            "\x1b[31mred\x1b[0m", "[/bold]", "=HYPERLINK(\"x\")", "\t* tabbed", "\r"]

JSON_VALUES: list[Any] = [None, True, 0, -1, 1e308, 10**30, "", "x" * 30000, [], {}, [[[]]],
                          "NCT1", "NCT00000001", "2026-13-01", "9999 Years", "0 Days",
                          "1 Hour", "N/A", "OTHER", ["PHASE1", 3], {"a": "b"}]


def mutate_registry(rng: random.Random) -> Case:
    value: Any = json.loads(rng.choice(RECORDS))
    studies = value["studies"] if isinstance(value, dict) and "studies" in value else [value]
    what = rng.choice(["field", "criteria", "criteria", "deep", "many", "bytes", "shape"])
    study = rng.choice(studies)
    if what == "field":
        node = study
        keys = []
        while isinstance(node, dict) and node and rng.random() < 0.8:
            key = rng.choice(list(node))
            keys.append(key)
            if not isinstance(node[key], dict):
                node[key] = rng.choice(JSON_VALUES)
                break
            node = node[key]
        what = "field " + ".".join(keys)
    elif what == "criteria":
        text = "\n".join(rng.choice(MARKDOWN) for _ in range(rng.randint(0, 60)))
        study.setdefault("protocolSection", {}).setdefault("eligibilityModule", {})[
            "eligibilityCriteria"] = text
    elif what == "deep":
        depth = rng.choice([50, 101, 300, 999, 5000])
        study["x"] = json.loads("[" * min(depth, 900) + "]" * min(depth, 900))
        if depth > 900:  # beyond what json itself builds: as text
            text = json.dumps(value)
            return Case("registry", "registry",
                        (text[:-1] + ', "y": ' + "[" * depth + "]" * depth + "}").encode(),
                        f"deep {depth}")
    elif what == "many":
        count = rng.choice([501, 2000, 60000])
        study.setdefault("protocolSection", {}).setdefault("eligibilityModule", {})[
            "eligibilityCriteria"] = "".join(f"* item {n}\n" for n in range(count))
        what = f"{count} bullets"
    elif what == "shape":
        value = rng.choice([[value], {"studies": value}, {"studies": [1, "x", None]}, 5, "x",
                            {"FullStudiesResponse": {}}, {"studies": studies * 3}])
    data = json.dumps(value).encode()
    if what == "bytes":
        data = mutate_bytes_of(rng, data)
    return Case("registry", "registry", data, what)


def mutate_bytes_of(rng: random.Random, data: bytes) -> bytes:
    changed = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(changed) + 1)
        if rng.random() < 0.5:
            changed[at:at] = rng.choice([*BYTES, b"\\", b"\\u0000", b"\\ud800"])
        else:
            del changed[at:at + rng.randint(1, 10)]
    return bytes(changed)


FAMILIES: dict[str, Callable[[random.Random], Case]] = {
    "bytes": mutate_bytes,
    "fields": mutate_fields,
    "yaml": mutate_yaml,
    "encodings": mutate_encoding,
    "registry": mutate_registry,
}


def draw(family: str, rng: random.Random) -> Case:
    """One input of a family."""
    return FAMILIES[family](rng)
