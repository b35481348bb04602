#!/usr/bin/env bash
# Trunk post_build hook: writes the list of files the service worker must cache, and a version
# that changes whenever any of them does, into the staged sw.js. Generated here rather than
# scraped from index.html at run time because release builds minify index.html.
set -euo pipefail
staging="${TRUNK_STAGING_DIR:?this script runs as a Trunk post_build hook}"
cd "$staging"
files=$(find . -type f ! -name sw.js ! -name '*.map' | sed 's|^\./|/|' | LC_ALL=C sort)
version=$(printf '%s\n' $files | sed 's|^/||' | xargs sha256sum | sha256sum | cut -c1-16)
list=$(printf '%s\n' $files | sed 's/.*/"&"/' | paste -sd, -)
sed -i -e "s|__DVK_VERSION__|$version|" -e "s|__DVK_PRECACHE__|[$list]|" sw.js
