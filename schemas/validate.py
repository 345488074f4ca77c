#!/usr/bin/env python3
"""Validates Kafka message values against one of Encore's topic schemas.

Usage: python3 schemas/validate.py SCHEMA [FILE...]

Prints one line per FILE, tab-separated: "valid<TAB>FILE" or "invalid<TAB>FILE<TAB>REASON";
with no FILE it only checks SCHEMA and its examples.
Exit status: 0 if every file is valid, 1 if any is invalid, 2 if the validator could not run
(the jsonschema package is missing, or SCHEMA is not a valid draft 2020-12 schema or one of its
own examples fails it).

A file is parsed the way Encore reads a message: strict UTF-8 (no byte-order mark), RFC 8259
JSON (no NaN or Infinity). Rules JSON Schema cannot express (the 64 KiB limit, lone surrogate
escapes, integer literals such as 1.0, nesting depth, duplicate members) are not checked here;
schemas/README.md lists them.
"""

import json
import sys

try:
    import jsonschema
except ImportError:
    print(
        "validate.py: the Python package jsonschema is missing for " + sys.executable
        + "; install it with: python3 -m pip install jsonschema (or run .ci/install-deps)",
        file=sys.stderr,
    )
    sys.exit(2)


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def load_message(path):
    with open(path, "rb") as file:
        raw = file.read()
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises
    return json.loads(text, parse_constant=reject_constant)


def main(arguments):
    if len(arguments) < 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema_path, paths = arguments[0], arguments[1:]
    try:
        with open(schema_path, encoding="utf-8") as file:
            schema = json.load(file)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as error:
        print(f"validate.py: {schema_path} is not a usable draft 2020-12 schema: {error}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    for index, example in enumerate(schema.get("examples", [])):
        error = jsonschema.exceptions.best_match(validator.iter_errors(example))
        if error is not None:
            print(f"validate.py: {schema_path} example {index} fails its own schema: {error.message}", file=sys.stderr)
            return 2
    status = 0
    for path in paths:
        try:
            message = load_message(path)
        except (UnicodeDecodeError, ValueError) as error:
            reason = f"not UTF-8 JSON: {error}"
        except OSError as error:
            print(f"validate.py: cannot read {path}: {error}", file=sys.stderr)
            return 2
        else:
            error = jsonschema.exceptions.best_match(validator.iter_errors(message))
            reason = None if error is None else f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        if reason is None:
            print(f"valid\t{path}")
        else:
            status = 1
            print(f"invalid\t{path}\t{' '.join(reason.split())}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
