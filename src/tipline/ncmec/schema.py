"""The CyberTipline schema as tipline uses it: parse, validate, and convert between XML and the
JSON shape of the same content.

The XSD (shipped unchanged as `cyber_tipline.xsd`) is the single contract. lxml validates
documents against it (fast, in C); xmlschema is used once at start-up to read the element
declarations, from which a small `ElementSpec` tree is built. That tree drives both directions:

* XML -> JSON: element names become keys, repeatable elements become lists, booleans and
  numbers get their JSON types, attributes become `@name` keys next to a `value`.
* JSON -> XML: keys are emitted in schema order (so JSON clients need not care about order),
  unknown keys are refused with their path, and the result is validated against the XSD, so a
  JSON report is held to exactly the same rules as an XML one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import xmlschema
from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
_KINDS = {
    "boolean": "bool",
    "integer": "int", "long": "int", "int": "int", "short": "int", "byte": "int",
    "nonNegativeInteger": "int", "positiveInteger": "int", "unsignedInt": "int",
    "unsignedLong": "int", "unsignedShort": "int", "nonPositiveInteger": "int",
    "negativeInteger": "int", "unsignedByte": "int",
    "decimal": "float", "double": "float", "float": "float",
}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class SchemaError(ValueError):
    """A document does not follow the schema. `code` is the CyberTipline response code."""

    def __init__(self, code: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field  # the JSON path at fault, for a JSON document


@dataclass
class ElementSpec:
    name: str
    multi: bool = False
    kind: str = "str"  # bool | int | float | str | complex
    attrs: dict[str, str] = field(default_factory=dict)
    children: dict[str, ElementSpec] = field(default_factory=dict)
    # The value of an empty element: the schema fixes flags such as <sextortion/> to true.
    fixed: str | None = None


def _simple_kind(xsd_type: Any) -> str:
    current = xsd_type
    while current is not None:
        name = getattr(current, "local_name", None)
        if name in _KINDS and str(getattr(current, "name", "")).startswith(XS):
            return _KINDS[name]
        current = getattr(current, "base_type", None)
    return "str"


def _build(element: Any, memo: dict[int, dict[str, ElementSpec]]) -> ElementSpec:
    xsd_type = element.type
    spec = ElementSpec(element.local_name, multi=element.max_occurs != 1,
                       fixed=element.fixed if element.fixed is not None else element.default)
    if xsd_type.is_simple():
        spec.kind = _simple_kind(xsd_type)
        return spec
    spec.attrs = {name: _simple_kind(a.type) for name, a in xsd_type.attributes.items() if name}
    if xsd_type.has_simple_content():
        spec.kind = _simple_kind(xsd_type.content)
        return spec
    spec.kind = "complex"
    key = id(xsd_type)
    if key not in memo:
        memo[key] = {}  # registered first, so recursive types terminate
        for child in xsd_type.content.iter_elements():
            memo[key][child.local_name] = _build(child, memo)
    spec.children = memo[key]
    return spec


@dataclass(frozen=True)
class CyberTiplineSchema:
    xsd_bytes: bytes
    validator: etree.XMLSchema
    roots: dict[str, ElementSpec]

    def parse(self, body: bytes, root: str) -> etree._Element:
        """Parse and validate a document; raise SchemaError with the code to return."""
        element = parse_xml(body)
        if element.tag != root:
            raise SchemaError(4100, f"the document's root element must be <{root}>, "
                                    f"not <{element.tag!s}>")
        self.validate(element)
        return element

    def validate(self, element: etree._Element) -> None:
        if not self.validator.validate(element):
            errors = [f"line {e.line}: {e.message}" for e in self.validator.error_log][:10]
            raise SchemaError(4100, "the document does not follow the CyberTipline schema: "
                              + "; ".join(errors))

    def to_json(self, element: etree._Element) -> dict[str, Any]:
        value = _decode(element, self.roots[str(element.tag)])
        return value if isinstance(value, dict) else {}

    def from_json(self, document: Any, root: str) -> etree._Element:
        """Build the XML for a JSON document, refusing unknown fields, then validate it; an
        error names the JSON path at fault (`$.incidentSummary.incidentType`), never an XML
        element or line."""
        if not isinstance(document, dict):
            raise SchemaError(4100, f"the {root} document must be a JSON object", "$")
        spec = self.roots[root]
        element = etree.Element(root)
        _encode_children(element, document, spec, "$")
        if not self.validator.validate(element):
            found = [(_json_path(e.path, spec), _json_message(e.message))
                     for e in self.validator.error_log][:10]
            raise SchemaError(4100, "the document does not follow the CyberTipline schema: "
                              + "; ".join(f"{path}: {message}" for path, message in found),
                              found[0][0] if found else "$")
        return element


def parse_xml(body: bytes) -> etree._Element:
    """Parse untrusted XML: no DTDs, no entities, no network, bounded size and depth."""
    if _DOCTYPE.search(body[:4096]) or _DOCTYPE.search(body):
        raise SchemaError(4110, "DOCTYPE and ENTITY declarations are not accepted; "
                                "send the document without a DTD")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        element = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise SchemaError(4110, f"the XML is not well-formed: {exc}") from exc
    tree = element.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise SchemaError(4110, "DOCTYPE declarations are not accepted")
    return element


def _convert(text: str, kind: str) -> Any:
    text = text.strip()
    if kind == "bool":
        return text in ("true", "1")
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


def _decode(element: etree._Element, spec: ElementSpec) -> Any:
    attrs = {f"@{k}": _convert(v, spec.attrs.get(k, "str")) for k, v in element.attrib.items()}
    if spec.kind != "complex":
        text = element.text or ""
        if not text.strip() and spec.fixed is not None:
            text = spec.fixed  # what the validator took the empty element to mean
        value = _convert(text, spec.kind)
        return {"value": value, **attrs} if attrs else value
    out: dict[str, Any] = dict(attrs)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        child_spec = spec.children[child.tag]
        decoded = _decode(child, child_spec)
        if child_spec.multi:
            out.setdefault(child.tag, []).append(decoded)
        else:
            out[child.tag] = decoded
    return out


# Characters an XML 1.0 document cannot hold: control characters, lone surrogates (JSON's
# "\ud800" decodes to one), U+FFFE and U+FFFF. A JSON report is validated as XML, so these are
# refused with the field's path instead of failing the XML library.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _format(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value)
        bad = _NOT_XML.search(text)
        if bad is not None:
            raise SchemaError(4100, f"{path}: character U+{ord(bad.group()):04X} at position "
                                    f"{bad.start()} is not allowed (XML cannot hold it)", path)
        return text
    raise SchemaError(4100, f"{path}: expected a text, number or boolean value", path)


def _set_attrs(element: etree._Element, value: dict[str, Any], spec: ElementSpec,
               path: str) -> None:
    for key, attr_value in value.items():
        if not key.startswith("@"):
            continue
        if key[1:] not in spec.attrs:
            raise SchemaError(4100, f"{path}: unknown attribute {key!r}; "
                                    f"allowed: {sorted('@' + a for a in spec.attrs)}",
                              f"{path}.{key}")
        element.set(key[1:], _format(attr_value, f"{path}.{key}"))


def _encode_one(parent: etree._Element, value: Any, spec: ElementSpec, path: str) -> None:
    element = etree.SubElement(parent, spec.name)
    if spec.kind == "complex":
        if not isinstance(value, dict):
            raise SchemaError(4100, f"{path}: expected an object", path)
        _set_attrs(element, value, spec, path)
        _encode_children(element, value, spec, path)
        return
    if isinstance(value, dict):
        _set_attrs(element, value, spec, path)
        extra = set(value) - {"value"} - {k for k in value if k.startswith("@")}
        if extra:
            raise SchemaError(4100, f"{path}: unknown fields {sorted(extra)}", path)
        value = value.get("value", "")
    element.text = _format(value, path)


def _encode_children(element: etree._Element, document: dict[str, Any], spec: ElementSpec,
                     path: str) -> None:
    unknown = [k for k in document if not k.startswith("@") and k not in spec.children]
    if unknown:
        raise SchemaError(4100, f"{path}: unknown field {unknown[0]!r}; allowed here: "
                                f"{', '.join(spec.children)}", f"{path}.{unknown[0]}")
    for name, child_spec in spec.children.items():
        if name not in document or document[name] is None:
            continue
        value = document[name]
        child_path = f"{path}.{name}"
        if child_spec.multi:
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                _encode_one(element, item, child_spec, f"{child_path}[{index}]")
        elif isinstance(value, list):
            raise SchemaError(4100, f"{child_path}: a single value is expected, not a list",
                              child_path)
        else:
            _encode_one(element, value, child_spec, child_path)


_STEP = re.compile(r"^([^\[]+)(?:\[(\d+)\])?$")
_ELEMENT_PREFIX = re.compile(r"^Element '[^']*'(?:, attribute '([^']*)')?: ")


def _json_path(xpath: str | None, spec: ElementSpec) -> str:
    """The JSON path of an element the validator names by XPath (`/report/a/b[2]`): the root
    is `$`, a repeatable element is a list (0-based), a single one a field."""
    path = "$"
    for step in (xpath or "").strip("/").split("/")[1:]:
        matched = _STEP.match(step)
        child = spec.children.get(matched.group(1)) if matched else None
        if matched is None or child is None:
            break
        path += f".{child.name}"
        if child.multi:
            path += f"[{int(matched.group(2) or 1) - 1}]"
        spec = child
    return path


def _json_message(message: str) -> str:
    """The validator's message in the words of a JSON document: fields, not elements."""
    attribute = _ELEMENT_PREFIX.match(message)
    text = _ELEMENT_PREFIX.sub("", message)
    if attribute and attribute.group(1):
        text = f"@{attribute.group(1)}: {text}"
    return (text.replace("Missing child element(s). Expected is", "missing field; expected")
            .replace("This element is not expected.", "this field is not expected here.")
            .replace("child element", "field").rstrip("."))


@cache
def load_schema() -> CyberTiplineSchema:
    xsd_bytes = resources.files("tipline.ncmec").joinpath("cyber_tipline.xsd").read_bytes()
    validator = etree.XMLSchema(etree.fromstring(xsd_bytes))
    parsed = xmlschema.XMLSchema(xsd_bytes.decode())
    memo: dict[int, dict[str, ElementSpec]] = {}
    roots = {name: _build(parsed.elements[name], memo)
             for name in ("report", "fileDetails", "reportResponse", "reportDoneResponse")}
    return CyberTiplineSchema(xsd_bytes, validator, roots)


def to_xml_bytes(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8"))
