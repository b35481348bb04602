#!/usr/bin/env bash
# Trunk post_build hook, in this order:
# 0. cuts the screens loaded on demand out of the app's wasm (`app/src/screens.rs`, one module
#    per `#[wasm_split]` name, code they share in modules of its own, and `__wasm_split.js`
#    that fetches them), runs wasm-bindgen again on what stays in the shell under the name
#    Trunk gave its own output, and (release) optimises every module with wasm-opt, which is
#    why index.html tells Trunk not to;
# 1. in release builds, minifies the JavaScript Trunk leaves as it is (wasm-bindgen's glue and
#    the snippets of app/js/) with terser from npm (package.json), and updates the integrity
#    digests index.html gives for them; and serves the stylesheets as one file;
# 2. writes the list of files the service worker must cache, and a version that changes
#    whenever any of them does, into the staged sw.js (generated here rather than scraped from
#    index.html at run time, because release builds minify index.html), then minifies sw.js;
# 3. in release builds, compresses every text asset once at the highest levels (gzip -9,
#    brotli -q 11) so the server sends these files instead of compressing on each request at a
#    level cheap enough for dynamic answers.
set -euo pipefail
staging="${TRUNK_STAGING_DIR:?this script runs as a Trunk post_build hook}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$staging"
release=false
[ "${TRUNK_PROFILE:-debug}" = "release" ] && release=true

terser_bin=""
if $release; then
  terser_bin="$root/node_modules/.bin/terser"
  [ -x "$terser_bin" ] || terser_bin="$(command -v terser || true)"
  [ -n "$terser_bin" ] || { echo "terser is missing: scripts/lib.sh installs it (npm ci)" >&2; exit 1; }
  command -v node >/dev/null || { echo "node is missing: terser needs Node.js" >&2; exit 1; }
fi

# The base64 digest of a file with `algorithm` (sha256, sha384, sha512), as integrity says it.
digest() {
  node -e 'const [a, f] = process.argv.slice(1);
    process.stdout.write(require("crypto").createHash(a).update(require("fs").readFileSync(f)).digest("base64"))' "$1" "$2"
}

# Replaces `file` by `replacement` and puts its new digests where index.html had the old ones
# (Trunk gives the glue, the snippets and the wasm an integrity attribute).
replace_keeping_digests() {
  local file="$1" replacement="$2" algorithm old new found=false
  local before=()
  for algorithm in sha256 sha384 sha512; do before+=("$algorithm-$(digest "$algorithm" "$file")"); done
  mv "$replacement" "$file"
  for old in "${before[@]}"; do
    algorithm="${old%%-*}"
    if grep -qF -- "$old" index.html; then
      new="$algorithm-$(digest "$algorithm" "$file")"
      # Digests are base64 (A-Z a-z 0-9 + / =): none of them is special after `|` in sed.
      sed -i "s|$old|$new|g" index.html
      found=true
    fi
  done
  # A tag that names the file with a digest of another kind must not be left to fail the load.
  if ! $found && grep -o "<[^>]*${file#.}[^>]*>" index.html | grep -q integrity; then
    echo "the integrity digest of $file in index.html was not recognised" >&2
    exit 1
  fi
}

# Minifies one ES module in place.
minify_module() {
  local file="$1"
  "$terser_bin" "$file" --module --ecma 2020 --compress passes=2 --mangle --output "$file.min"
  replace_keeping_digests "$file" "$file.min"
}

# The wasm-opt settings of the whole app: -Oz until nothing shrinks; the low 1 KB of memory is
# the bottom of the stack (Rust puts the stack first), which lets constant offsets fold into
# loads and stores; the producers and target-features sections are for tools, not browsers.
WASM_OPT_FLAGS=(-Oz --converge --low-memory-unused --strip-producers --strip-target-features --strip-debug)

split_wasm() {
  local glue name profile input out wasm
  glue="$(find . -maxdepth 1 -name 'dvk-app-*.js' -printf '%f\n' | head -n1)"
  [ -n "$glue" ] || { echo "no dvk-app-*.js from Trunk to split" >&2; exit 1; }
  name="${glue%.js}"
  profile=debug
  $release && profile=wasm-release
  input="${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/$profile/dvk-app.wasm"
  [ -f "$input" ] || { echo "no $input: the split needs cargo's own output" >&2; exit 1; }
  # A build without the app's flags (a plain `trunk build`) has no split points: the shell then
  # holds every screen, as Trunk left it.
  if ! grep -qa "__wasm_split_placeholder__" "$input"; then
    echo "no split points in $input (built without scripts/lib.sh's APP_RUSTFLAGS): nothing loaded on demand" >&2
    $release && for wasm in "${name}_bg.wasm"; do
      wasm-opt "${WASM_OPT_FLAGS[@]}" "$wasm" -o "$wasm.opt"
      replace_keeping_digests "$wasm" "$wasm.opt"
    done
    return
  fi
  command -v wasm-split-cli >/dev/null || { echo "wasm-split-cli is missing: scripts/lib.sh installs it" >&2; exit 1; }
  out="$(mktemp -d)"
  # The split needs the linker's relocations (.cargo/config.toml passes --emit-relocs).
  wasm-split-cli --target web --out-name "$name" "$input" "$out" >/dev/null
  # lld's exports stay: the modules cut out reach the shell's memory, table and functions by them.
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
    --out-name "$name" --out-dir "$out/bindgen" "$out/$name.wasm"
  replace_keeping_digests "$glue" "$out/bindgen/$name.js"
  replace_keeping_digests "${name}_bg.wasm" "$out/bindgen/${name}_bg.wasm"
  rm -rf snippets
  mv "$out/bindgen/snippets" snippets
  mv "$out/__wasm_split.js" .
  find "$out" -maxdepth 1 -name '*.wasm' ! -name "$name.wasm" -exec mv {} . \;
  if $release; then
    command -v wasm-opt >/dev/null || { echo "wasm-opt is missing: scripts/lib.sh installs it" >&2; exit 1; }
    for wasm in "${name}_bg.wasm" split_*.wasm chunk_*.wasm; do
      [ -f "$wasm" ] || continue
      wasm-opt "${WASM_OPT_FLAGS[@]}" "$wasm" -o "$wasm.opt"
      replace_keeping_digests "$wasm" "$wasm.opt"
    done
  fi
  rm -rf "$out"
}

# The stylesheets index.html links, as one file in the same order: the cascade is the same, and
# one file compresses better than five. Skipped if one of them imports another (an @import
# must stay at the top of its file).
bundle_css() {
  node - <<'JS'
const fs = require("fs");
const crypto = require("crypto");
let html = fs.readFileSync("index.html", "utf8");
const tags = [...html.matchAll(/<link\b[^>]*\brel=["']?stylesheet\b[^>]*>/g)].map((m) => m[0]);
if (tags.length < 2) process.exit(0);
const files = tags.map((tag) => {
  const href = /\bhref=["']?\/([^"'\s>]+\.css)/.exec(tag);
  if (!href || !fs.existsSync(href[1])) throw new Error(`no stylesheet file for ${tag}`);
  return href[1];
});
const parts = files.map((file) => fs.readFileSync(file, "utf8"));
if (parts.some((css) => /@import|@charset/i.test(css))) {
  console.error("a stylesheet has @import or @charset: left as separate files");
  process.exit(0);
}
const css = parts.join("\n");
const name = `app-${crypto.createHash("sha256").update(css).digest("hex").slice(0, 16)}.css`;
const integrity = `sha384-${crypto.createHash("sha384").update(css).digest("base64")}`;
fs.writeFileSync(name, css);
html = html.replace(tags[0], `<link rel="stylesheet" href="/${name}" integrity="${integrity}">`);
for (const tag of tags.slice(1)) html = html.replace(tag, "");
fs.writeFileSync("index.html", html);
for (const file of files) fs.unlinkSync(file);
JS
}

split_wasm

if $release; then
  while IFS= read -r -d '' file; do
    minify_module "$file"
  done < <(find . -type f -name '*.js' ! -name sw.js -print0)
  bundle_css
fi

files=$(find . -type f ! -name sw.js ! -name '*.map' ! -name '*.gz' ! -name '*.br' | sed 's|^\./|/|' | LC_ALL=C sort)
version=$(printf '%s\n' $files | sed 's|^/||' | xargs sha256sum | sha256sum | cut -c1-16)
list=$(printf '%s\n' $files | sed 's/.*/"&"/' | paste -sd, -)
sed -i -e "s|__DVK_VERSION__|$version|" -e "s|__DVK_PRECACHE__|[$list]|" sw.js

if $release; then
  # A classic worker script, not a module: its top-level names stay as they are.
  "$terser_bin" sw.js --ecma 2020 --compress passes=2 --mangle --output sw.js.min
  mv sw.js.min sw.js
  command -v brotli >/dev/null || { echo "brotli is missing: scripts/lib.sh installs it" >&2; exit 1; }
  find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \) \
    -print0 | while IFS= read -r -d '' file; do
      gzip -9 -k -f -n "$file"
      brotli -q 11 -k -f "$file"
    done
fi
