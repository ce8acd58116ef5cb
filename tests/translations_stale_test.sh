#!/usr/bin/env bash
# translations_check must fail when an engine text a contact reads (N_ in engine/src) changes
# and the catalogues are not updated (the .pot would be stale), and pass again once
# scripts/update-translations has run. Works on a copy of the sources; the tree is not touched.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/repo"
cp -r "$src/scripts" "$src/web" "$src/engine" "$src/translations" "$tmp/repo/"
cd "$tmp/repo"
scripts/update-translations --check  # the shipped .pot is up to date
file=engine/src/signing/sign.cpp
old='That code is not right. Tries left: {{count}}.'
grep -qF "$old" "$file"
sed -i "s/That code is not right. Tries left:/That code is wrong. Tries left:/" "$file"
if scripts/update-translations --check 2>"$tmp/err"; then
  echo "FAIL: a changed engine message went unnoticed" >&2
  exit 1
fi
grep -q "out of date" "$tmp/err"
grep -q "That code is wrong. Tries left" "$tmp/err"
echo "ok: the changed engine message makes sendflow.pot stale"
