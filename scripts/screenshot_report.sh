#!/usr/bin/env bash
# Renders the HTML report of tests/data/resnet18.onnx on three devices to PNG with headless
# Chromium, to look at what a reader sees. Installs chromium when missing (Debian packages
# chromium and chromium-driver; apt-get needs root). Outputs go under out/screenshots/ (ignored
# by git): report.html, report.png (the whole page), and one SVG per plot.
#
#   scripts/screenshot_report.sh [BUILD_DIR]     # default build-report, then build
#
# Environment: RIDGELINE (the tool to use), HW (device list, default h100-sxm,t4,a100-sxm-80gb),
# WINDOW (default 1400,4000).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/out/screenshots"
mkdir -p "$out"
hw="${HW:-h100-sxm,t4,a100-sxm-80gb}"
window="${WINDOW:-1400,4000}"

find_chromium() {
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}

if ! chrome="$(find_chromium)"; then
  echo "chromium not found: installing chromium and chromium-driver" >&2
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  else
    sudo=
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver \
    fonts-dejavu-core >/dev/null
  chrome="$(find_chromium)"
fi

tool="${RIDGELINE:-}"
if [ -z "$tool" ]; then
  for b in "${1:-build-report}" build; do
    if [ -x "$root/$b/tools/ridgeline/ridgeline" ]; then tool="$root/$b/tools/ridgeline/ridgeline"; break; fi
  done
fi
if [ -z "$tool" ]; then
  echo "no ridgeline tool found: build first (cmake -S . -B build && cmake --build build) or set RIDGELINE" >&2
  exit 1
fi
if ! "$tool" --help 2>/dev/null | grep -qE '^\s+report\s'; then
  echo "$tool has no 'report' subcommand: wire add_report_command into tools/ridgeline/main.cpp" >&2
  exit 1
fi

"$tool" report tests/data/resnet18.onnx --hw "$hw" --batch 8 -o "$out/report.html"

# Chromium writes the screenshot relative to its working directory; give it an absolute path.
"$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="$window" --screenshot="$out/report.png" "file://$out/report.html" 2>"$out/chromium.log" || {
  cat "$out/chromium.log" >&2
  exit 1
}

# One PNG per plot too: each inline SVG as its own file, rendered at its own size.
python3 - "$out" <<'EOF'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
html = (out / "report.html").read_text(encoding="utf-8")
for i, m in enumerate(re.finditer(r"<svg .*?</svg>", html, re.S)):
    svg = m.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    (out / f"plot{i:02d}.svg").write_text(svg, encoding="utf-8")
EOF
for svg in "$out"/plot*.svg; do
  size=$(sed -n 's/^<svg[^>]* width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1,\2/p' "$svg" | head -1)
  w=${size%,*}; h=${size#*,}
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="${w%.*},${h%.*}" --screenshot="${svg%.svg}.png" "file://$svg" 2>>"$out/chromium.log" || true
done
ls -la "$out"/*.png
echo "screenshots in $out"
