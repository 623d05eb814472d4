#!/usr/bin/env bash
# Downloads the full flights data (3,000,000 US flights, 2001-01-01 .. 2001-06-30, 13.5 MB) from
# the npm package vega-datasets@3.2.1 (BSD-3-Clause; records are US DOT on-time data) into
# testdata/flights/full/flights-3m.parquet (git-ignored). Safe to run again: does nothing when the
# file is already there. Needs npm (any registry mirror configured for npm works).
set -euo pipefail

VERSION="3.2.1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST_DIR="$HERE/full"
DEST="$DEST_DIR/flights-3m.parquet"

if [[ -s "$DEST" ]]; then
  echo "already there: $DEST ($(wc -c <"$DEST") bytes); delete it to fetch again"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to fetch vega-datasets@$VERSION" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "fetching vega-datasets@$VERSION with npm ..."
(cd "$TMP" && npm pack --silent "vega-datasets@$VERSION" >/dev/null)
tar -xzf "$TMP/vega-datasets-$VERSION.tgz" -C "$TMP" package/data/flights-3m.parquet
mkdir -p "$DEST_DIR"
cp "$TMP/package/data/flights-3m.parquet" "$DEST.part"
mv "$DEST.part" "$DEST"
echo "wrote $DEST ($(wc -c <"$DEST") bytes)"
