#!/usr/bin/env bash
# Compiles the official OCSF schema with the OCSF project's own compiler (ocsf-schema-compiler,
# the tool the OCSF Server v4 requires), then keeps only the classes and objects eca emits
# (test/tools/trim-ocsf-schema.ts) as test/fixtures/ocsf/schema-<version>.json, with
# SOURCE.json beside it naming the repositories, tags and commits.
#
#   test/tools/compile-ocsf-schema.sh [schema-tag] [compiler-tag]
#
# Needs git and python3. SCHEMA_REPO / COMPILER_REPO may name local clones (default: clone from
# GitHub). The compiler needs Python 3.14; on an older python3 (Debian 12 has 3.11) its PEP 695
# `type X = ...` aliases are rewritten to plain assignments and annotations deferred, which changes
# no compiler logic.
set -euo pipefail
cd "$(dirname "$0")/../.."
schema_tag=${1:-1.8.0}
compiler_tag=${2:-0.9.2}
schema_repo=${SCHEMA_REPO:-https://github.com/ocsf/ocsf-schema.git}
compiler_repo=${COMPILER_REPO:-https://github.com/ocsf/ocsf-schema-compiler.git}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # repo tag dir [paths...]
  local repo=$1 tag=$2 dir=$3
  shift 3
  if [ -d "$repo" ]; then
    mkdir -p "$dir"
    git -C "$repo" archive "$tag" "$@" | tar x -C "$dir"
    git -C "$repo" rev-parse "$tag^{commit}"
  else
    git clone -q --depth 1 --branch "$tag" "$repo" "$dir"
    git -C "$dir" rev-parse HEAD
  fi
}
schema_commit=$(fetch "$schema_repo" "$schema_tag" "$work/schema")
compiler_commit=$(fetch "$compiler_repo" "$compiler_tag" "$work/compiler" src)

if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 14) else 1)'; then
  python3 - "$work/compiler/src/ocsf_schema_compiler" <<'PY'
import glob, re, sys
for path in glob.glob(sys.argv[1] + "/*.py"):
    text = open(path).read()
    text = re.sub(r"^type (\w+) = .*$", r"\1 = Any", text, flags=re.M)
    text = "from __future__ import annotations\nfrom typing import Any\n" + text
    open(path, "w").write(text)
PY
fi
(cd "$work/compiler/src" && python3 -m ocsf_schema_compiler --ignore-platform-extensions "$work/schema") \
  >"$work/compiled.json" 2>"$work/compile.log" || { cat "$work/compile.log" >&2; exit 1; }

version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$work/compiled.json")
out="test/fixtures/ocsf/schema-$version.json"
npx node test/tools/trim-ocsf-schema.ts "$work/compiled.json" "$out"
cat >test/fixtures/ocsf/SOURCE.json <<JSON
{
  "schema": { "repository": "https://github.com/ocsf/ocsf-schema", "tag": "$schema_tag", "commit": "$schema_commit", "version": "$version" },
  "compiler": { "repository": "https://github.com/ocsf/ocsf-schema-compiler", "tag": "$compiler_tag", "commit": "$compiler_commit", "options": "--ignore-platform-extensions" },
  "python": "$(python3 --version 2>&1)",
  "trimmed_by": "test/tools/trim-ocsf-schema.ts",
  "fixture": "$out"
}
JSON
echo "wrote $out and test/fixtures/ocsf/SOURCE.json (OCSF $version, $schema_commit)"
