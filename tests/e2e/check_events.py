#!/usr/bin/python3
"""Check a file of Ronda event JSON lines (one event per line, as consumed
from ronda.events) against schemas/event.schema.json, and optionally for
completeness against the log file that produced them.

  check_events.py EVENTS [--schema FILE] [--expect-lines LOG] [--expect-count N]
                  [--allow-duplicates] [--quiet]

Prints one summary line:
  events=N valid=N invalid=N distinct_ids=N duplicates=N id_conflicts=N missing=N
and exits 1 on any problem: an invalid event, a line of LOG that no event
carries as event.original (missing), two events for the same line
(event.original + log.offset) with different event.id (id_conflicts: the
deterministic id broke), or a count different from --expect-count.
Duplicates (the same event.id seen again, at-least-once delivery) are
reported; they fail only with --expect-count, which counts distinct ids.

Format checking is on (ipv4/ipv6 use the stdlib; date-time is also covered
by the schema's pattern: jsonschema 4.10 checks it only with
rfc3339-validator installed).

Speed: full jsonschema validation costs ~1 ms per event, too slow for the
200k-event tests. So the full validator runs once per *shape* of event (its
key paths, array lengths, and the values of enum/const leaves such as
event.kind), and every other event of a known-good shape only has its leaf
values checked against the leaf subschemas, compiled to small Python checks
(type, pattern, length, bounds, format, anyOf/not). Any leaf failure re-runs
the full validator for the message. This is exact as long as the schema's
if/then conditions test only key presence and enum/const leaves (true of
event.schema.json; keep it so). --full validates every event the slow way.
"""
import argparse
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:  # pragma: no cover - environment problem, not a test failure
    print("check_events: python3 jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "schemas", "event.schema.json")


def load_validator(path):
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


_LEAF_KEYWORDS = {"type", "pattern", "minLength", "maxLength", "enum", "const",
                  "minimum", "maximum", "format", "anyOf", "not",
                  "description", "examples", "title", "$comment"}

_TYPE_CHECKS = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: type(v) is bool,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "null": lambda v: v is None,
}


def _same(a, b):
    # JSON equality: true is not 1.
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    return a == b


def _all_of(checks):
    if len(checks) == 1:
        return checks[0]

    def check(v):
        for c in checks:
            if not c(v):
                return False
        return True
    return check


class _Node:
    __slots__ = ("kind", "props", "extra", "items", "check")

    def __init__(self, kind):
        self.kind = kind
        self.props = self.extra = self.items = self.check = None


_OBJ, _ARR, _ENUM, _LEAF = 1, 2, 3, 4


class FastValidator:
    """Shape-cached validation (see the module doc)."""

    def __init__(self, schema, full):
        self.schema = schema
        self.full = full
        self.fmt = full.format_checker
        self.shapes = {}        # shape key -> bool (valid)
        self.nodes = {}         # id(subschema) -> _Node
        self.full_runs = 0
        self.root = self._node(schema)

    def _resolve(self, sub):
        while isinstance(sub, dict) and "$ref" in sub:
            ref = sub["$ref"]
            if not ref.startswith("#/"):
                return None
            node = self.schema
            for part in ref[2:].split("/"):
                node = node[part]
            sub = node
        return sub

    def _node(self, sub):
        sub = self._resolve(sub)
        if not isinstance(sub, dict):
            return None
        key = id(sub)
        if key in self.nodes:
            return self.nodes[key]
        if "properties" in sub or isinstance(sub.get("additionalProperties"), dict):
            n = _Node(_OBJ)
            self.nodes[key] = n
            n.props = {k: self._node(v) for k, v in sub.get("properties", {}).items()}
            extra = sub.get("additionalProperties")
            n.extra = self._node(extra) if isinstance(extra, dict) else None
        elif isinstance(sub.get("items"), dict):
            n = _Node(_ARR)
            self.nodes[key] = n
            n.items = self._node(sub["items"])
        elif "enum" in sub or "const" in sub:
            n = _Node(_ENUM)
        else:
            n = _Node(_LEAF)
            # None: not compilable here; such events always get the full validator.
            n.check = self._compile(sub)
        self.nodes[key] = n
        return n

    def _compile(self, sub):
        if not isinstance(sub, dict) or not set(sub) <= _LEAF_KEYWORDS:
            return None
        checks = []
        t = sub.get("type")
        if t is not None:
            ts = [_TYPE_CHECKS[x] for x in (t if isinstance(t, list) else [t])]
            checks.append(ts[0] if len(ts) == 1 else (lambda v, ts=ts: any(c(v) for c in ts)))
        if "const" in sub:
            c = sub["const"]
            checks.append(lambda v, c=c: _same(v, c))
        if "enum" in sub:
            en = sub["enum"]
            checks.append(lambda v, en=en: any(_same(v, e) for e in en))
        if "pattern" in sub:
            rx = re.compile(sub["pattern"]).search
            checks.append(lambda v, rx=rx: type(v) is not str or rx(v) is not None)
        if "minLength" in sub:
            n = sub["minLength"]
            checks.append(lambda v, n=n: type(v) is not str or len(v) >= n)
        if "maxLength" in sub:
            n = sub["maxLength"]
            checks.append(lambda v, n=n: type(v) is not str or len(v) <= n)
        if "minimum" in sub:
            n = sub["minimum"]
            checks.append(lambda v, n=n: type(v) not in (int, float) or v >= n)
        if "maximum" in sub:
            n = sub["maximum"]
            checks.append(lambda v, n=n: type(v) not in (int, float) or v <= n)
        if "format" in sub:
            f, conforms = sub["format"], self.fmt.conforms
            checks.append(lambda v, f=f: conforms(v, f))
        if "anyOf" in sub:
            fns = [self._compile(self._resolve(x)) for x in sub["anyOf"]]
            if any(fn is None for fn in fns):
                return None
            checks.append(lambda v, fns=fns: any(fn(v) for fn in fns))
        if "not" in sub:
            fn = self._compile(self._resolve(sub["not"]))
            if fn is None:
                return None
            checks.append(lambda v, fn=fn: not fn(v))
        return _all_of(checks) if checks else (lambda v: True)

    def _walk(self, v, n, shape):
        """Append v's shape; return False if a leaf check fails (or cannot run)."""
        if n is None:
            shape.append(type(v))
            return True
        k = n.kind
        if k == _OBJ and type(v) is dict:
            shape.append(tuple(v))
            ok = True
            props, extra = n.props, n.extra
            for key, val in v.items():
                if not self._walk(val, props.get(key, extra), shape):
                    ok = False
            return ok
        if k == _ARR and type(v) is list:
            shape.append(len(v))
            ok = True
            for val in v:
                if not self._walk(val, n.items, shape):
                    ok = False
            return ok
        if k == _ENUM:
            # Low-cardinality values that if/then may test: part of the shape.
            shape.append((type(v), v if type(v) in (str, int, bool) else json.dumps(v)))
            return True
        shape.append(type(v))
        if k == _LEAF:
            return n.check is not None and n.check(v)
        return True     # an object/array where the schema expects another kind: the shape decides

    def first_error(self, ev):
        """None when valid, else a jsonschema error (or a string)."""
        if type(ev) is not dict:
            return "not an object"
        shape = []
        leaves_ok = self._walk(ev, self.root, shape)
        key = tuple(shape)
        ok = self.shapes.get(key)
        if ok is None:
            err = self._full_error(ev)
            self.shapes[key] = err is None
            return err
        if ok and leaves_ok:
            return None
        return self._full_error(ev)

    def _full_error(self, ev):
        self.full_runs += 1
        return next(iter(self.full.iter_errors(ev)), None)


def log_lines(path):
    """The log file's lines as str, decoded as the collector encodes them:
    valid UTF-8 passes, any other byte becomes the text \\xHH."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for raw in data.split(b"\n"):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw:
            out.append(raw.decode("utf-8", errors="backslashreplace"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--expect-lines", metavar="LOG")
    ap.add_argument("--expect-count", type=int, metavar="N",
                    help="expected number of distinct event ids")
    ap.add_argument("--quiet", action="store_true", help="only the summary line")
    ap.add_argument("--full", action="store_true",
                    help="run the full jsonschema validator on every event (slow)")
    ap.add_argument("--max-report", type=int, default=10,
                    help="print at most this many problems of each kind")
    args = ap.parse_args()

    validator = load_validator(args.schema)
    fast = FastValidator(validator.schema, validator)
    events = valid = invalid = 0
    ids = set()
    duplicates = 0
    by_line = {}            # (original, offset) -> first event.id
    id_conflicts = 0
    originals = set()
    shown = {"invalid": 0, "conflict": 0, "missing": 0}

    def report(kind, msg):
        if not args.quiet and shown[kind] < args.max_report:
            print(msg, file=sys.stderr)
        shown[kind] += 1

    with open(args.events, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw:
                continue
            events += 1
            try:
                ev = json.loads(raw)
            except ValueError as e:
                invalid += 1
                report("invalid", "line %d: not JSON: %s" % (lineno, e))
                continue
            if args.full:
                err = next(iter(validator.iter_errors(ev)), None)
            else:
                err = fast.first_error(ev)
            if err is not None:
                invalid += 1
                where = "/".join(str(p) for p in getattr(err, "absolute_path", []))
                report("invalid", "line %d: %s: %s" % (lineno, where or "(root)",
                                                       getattr(err, "message", err)))
                continue
            valid += 1
            evd = ev["event"]
            eid = evd["id"]
            if eid in ids:
                duplicates += 1
            else:
                ids.add(eid)
            orig = evd.get("original")
            if orig is not None:
                originals.add(orig)
                off = ev.get("log", {}).get("offset")
                if off is not None:
                    key = (orig, off)
                    first = by_line.setdefault(key, eid)
                    if first != eid:
                        id_conflicts += 1
                        report("conflict", "line %d: offset %d carried as ids %s and %s"
                               % (lineno, off, first, eid))

    missing = 0
    if args.expect_lines:
        for text in log_lines(args.expect_lines):
            if text not in originals:
                missing += 1
                report("missing", "missing: %.200s" % text)

    problems = []
    if invalid:
        problems.append("%d invalid" % invalid)
    if id_conflicts:
        problems.append("%d id conflicts" % id_conflicts)
    if missing:
        problems.append("%d missing" % missing)
    if args.expect_count is not None and len(ids) != args.expect_count:
        problems.append("%d distinct ids, expected %d" % (len(ids), args.expect_count))

    print("events=%d valid=%d invalid=%d distinct_ids=%d duplicates=%d id_conflicts=%d missing=%d%s"
          % (events, valid, invalid, len(ids), duplicates, id_conflicts, missing,
             "" if not problems else "  FAIL: " + ", ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
