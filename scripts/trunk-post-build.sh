#!/usr/bin/env bash
# Trunk post_build hook, in this order:
# 1. writes the list of files the service worker must cache, and a version that changes
#    whenever any of them does, into the staged sw.js (generated here rather than scraped from
#    index.html at run time, because release builds minify index.html);
# 2. in release builds, compresses every text asset once at the highest levels (gzip -9,
#    brotli -q 11) so the server sends these files instead of compressing on each request at a
#    level cheap enough for dynamic answers.
set -euo pipefail
staging="${TRUNK_STAGING_DIR:?this script runs as a Trunk post_build hook}"
cd "$staging"
files=$(find . -type f ! -name sw.js ! -name '*.map' ! -name '*.gz' ! -name '*.br' | sed 's|^\./|/|' | LC_ALL=C sort)
version=$(printf '%s\n' $files | sed 's|^/||' | xargs sha256sum | sha256sum | cut -c1-16)
list=$(printf '%s\n' $files | sed 's/.*/"&"/' | paste -sd, -)
sed -i -e "s|__DVK_VERSION__|$version|" -e "s|__DVK_PRECACHE__|[$list]|" sw.js

if [ "${TRUNK_PROFILE:-debug}" = "release" ]; then
  command -v brotli >/dev/null || { echo "brotli is missing: scripts/lib.sh installs it" >&2; exit 1; }
  find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \) \
    -print0 | while IFS= read -r -d '' file; do
      gzip -9 -k -f -n "$file"
      brotli -q 11 -k -f "$file"
    done
fi
