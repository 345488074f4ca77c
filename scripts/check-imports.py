#!/usr/bin/env python3
"""Fails when a target imports a module it does not declare as a dependency (it would build only
by accident, through another target's build products), or declares one it never imports.

    swift package dump-package > package.json && scripts/check-imports.py package.json
"""
import glob
import json
import os
import re
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "Testing", "Synchronization", "Glibc", "Darwin", "Dispatch"}
# Declared on purpose though not imported by name.
ALLOWED_UNUSED = {"encore", "EncoreCore"}

package = json.load(open(sys.argv[1]))
root = os.path.dirname(os.path.abspath(os.path.dirname(__file__)))
problems = []
for target in package["targets"]:
    if target["type"] == "system":
        continue
    name = target["name"]
    declared = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "product", "target"):
            if kind in dependency:
                declared.add(dependency[kind][0])
    path = target.get("path") or (("Tests/" if target["type"] == "test" else "Sources/") + name)
    imported = {}
    for file in glob.glob(os.path.join(root, path, "**", "*.swift"), recursive=True):
        for line in open(file, encoding="utf-8"):
            match = re.match(r"^(?:@testable |@preconcurrency )?import (\w+)", line)
            if match:
                imported.setdefault(match.group(1), os.path.relpath(file, root))
    for module in sorted(set(imported) - declared - SYSTEM - {name}):
        problems.append(f"{name}: imports {module} ({imported[module]}) without declaring it")
    for module in sorted(declared - set(imported) - ALLOWED_UNUSED):
        if not module.startswith("C"):
            problems.append(f"{name}: declares {module} but imports it nowhere")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("every target declares exactly what it imports")
