#!/usr/bin/env bash
# The auditor's report in a real browser (headless Chromium, Debian's `chromium`), on a
# copy of the demo's evidence store (the ctest fixture `demo_output`):
#   - `hallmark-signer report --html` writes a site with no script and no network reference;
#   - Chromium loads its pages (--dump-dom) and the numbers it shows are the text report's:
#     each station's row of the week, the week's total on the front page, each release's
#     units;
#   - the browser asks the network for nothing the site names (its net log holds no request
#     but the browser's own update and account services, which go to a dead proxy);
#   - a screenshot of the front page is a real picture (PNG, not a blank page), left in
#     SHOT_DIR when given (docs/screenshots/report.png is one).
# Chromium runs with a throwaway HOME and profile, in its own process group, killed on any
# exit. Usage: report_browser_test.sh --demo DEMO_OUT --signer PATH [--shot-dir DIR]
set -uo pipefail

demo="" signer="" shot_dir=""
while (($#)); do
  case $1 in
    --demo) demo=$2; shift 2 ;;
    --signer) signer=$2; shift 2 ;;
    --shot-dir) shot_dir=$2; shift 2 ;;
    *) echo "usage: $0 --demo DIR --signer PATH [--shot-dir DIR]" >&2; exit 2 ;;
  esac
done
[[ -n $demo && -x $signer ]] || { echo "usage: $0 --demo DIR --signer PATH [--shot-dir DIR]" >&2; exit 2; }
[[ -s $demo/evidence/evidence.db ]] || { echo "$demo is not a finished demo output" >&2; exit 2; }
command -v chromium > /dev/null || { echo "no chromium (scripts/install-deps.sh installs it)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-report-browser.XXXXXX")
browser_group=""
cleanup() {
  [[ -n $browser_group ]] && kill -KILL -- "-$browser_group" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../support/shell_checks.sh"

# browse OUT_FILE ARGS... URL: one Chromium run, its own session and process group (so
# every helper process it starts goes with it), a minute at most.
browse() {
  local file=$1; shift
  HOME="$work/home" setsid timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu \
    --user-data-dir="$work/profile" --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions \
    --proxy-server=127.0.0.1:9 --log-net-log="$work/net.json" "$@" > "$file" 2> "$work/chromium.err" &
  browser_group=$!
  wait "$browser_group"; rc=$?
  kill -KILL -- "-$browser_group" 2>/dev/null
  browser_group=""
  out=$(<"$file") err=$(tail -n 5 "$work/chromium.err")
}
# The hosts the page made the browser ask for (its own services excepted).
page_requests() {
  grep -o '"url":"https\?://[^"/]*' "$work/net.json" | sed 's/.*:\/\///' | sort -u |
    grep -vE '(^|\.)(google\.com|googleapis\.com|gvt1\.com)$'
}
# The cells of each <tr class="row"> as one line of words ("station-1 33 2 ...").
rows_of() { grep -o '<tr class="row">.*</tr>' | sed -e 's/<[^>]*>/ /g' -e 's/&nbsp;/ /g' | tr -s ' ' | sed 's/^ //; s/ $//'; }
mkdir -p "$work/home"

cp "$demo/evidence/evidence.db" "$work/evidence.db"
segment=$(ls "$demo"/evidence/retention/hallmark-log-*.segment | head -1)
day=${segment##*hallmark-log-}; day=${day%.segment}
week=$(date -u -d "$day" +%G-W%V)
store=(--store "$work/evidence.db")

must "the text report" "$signer" report "${store[@]}" --week "$week"
text=$out
must "the site" "$signer" report "${store[@]}" --week "$week" --weeks 4 --html "$work/site"
site=$work/site
expect "the site has the front page, the week, the releases and unit pages" \
  test -s "$site/index.html" -a -s "$site/weeks/$week.html" -a -s "$site/releases.html" -a -s "$site/serials/index.html"
expect "no page holds a script" bash -c "! grep -rli '<script' '$site' --include='*.html'"
expect "no page loads anything from the network" \
  bash -c "! grep -rEi '(src|href)[[:space:]]*=[[:space:]]*[\"'\'']?[[:space:]]*(https?:)?//' '$site' --include='*.html'"

# The week's station rows: text table vs the page as the browser built it.
text_rows=$(awk '/^station +passed/ {on = 1; next} /^gaps:/ {on = 0} on' <<<"$text" | tr -s ' ')
browse "$work/week.dom" --dump-dom "file://$site/weeks/$week.html"
expect "chromium loaded the week's page" test "$rc" -eq 0
page_rows=$(rows_of < "$work/week.dom")
echo "text:"; sed 's/^/  /' <<<"$text_rows"; echo "page:"; sed 's/^/  /' <<<"$page_rows"
expect "the week's page shows two or more stations" test "$(wc -l <<<"$page_rows")" -ge 2
expect "each station's numbers on the page are the text report's" test "$page_rows" = "$text_rows"
expect "the page made the browser ask the network for nothing" test -z "$(page_requests)"

# The front page's row for the week: the stations' sum.
sum=$(awk '{for (i = 2; i <= NF; i++) s[i] += $i} END {printf "%s", "'"$week"'"; for (i = 2; i <= NF; i++) printf " %d", s[i]; print ""}' <<<"$text_rows")
browse "$work/index.dom" --dump-dom "file://$site/index.html"
index_row=$(rows_of < "$work/index.dom" | grep "^$week ")
echo "front page: $index_row; text sum: $sum"
expect "the front page's total for the week is the stations' sum in the text report" test "$index_row" = "$sum"
expect "the front page says what needs attention" has "$out" "What needs attention"

# Each release: sku, version and units as the text report lists them.
text_releases=$(awk '/^sku +version/ {on = 1; next} on {print $1, $2, $3}' <<<"$text" | sort)
browse "$work/releases.dom" --dump-dom "file://$site/releases.html"
page_releases=$(rows_of < "$work/releases.dom" | awk '{print $1, $2, $3}' | sort)
echo "releases text: $text_releases / page: $page_releases"
expect "the releases page lists units" test -n "$page_releases"
expect "each release's units on the page are the text report's" test "$page_releases" = "$text_releases"

# A unit's page: its manifests are in the site and the command shown verifies them.
unit_page=$(ls "$site"/serials/u-*.html | head -1)
browse "$work/unit.dom" --dump-dom "file://$unit_page"
manifest=$(grep -o 'manifests/[A-Za-z0-9_-]*\.[0-9]*\.manifest\.json' "$work/unit.dom" | head -1)
expect "a unit's page links to its manifest, which is in the site" test -n "$manifest" -a -s "$site/$manifest"
expect "a unit's page shows the hallmark-verify command for it" \
  has "$out" "hallmark-verify manifest $manifest --trust-root"

browse "$work/shot.log" --hide-scrollbars --window-size=1100,1300 --screenshot="$work/report.png" "file://$site/index.html"
expect "chromium took a screenshot of the front page" test -s "$work/report.png"
expect "the screenshot is a PNG" test "$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
# A blank page of this size compresses to a few kilobytes; the front page's tables and
# charts do not.
expect "the screenshot shows a page, not a blank" test "$(stat -c %s "$work/report.png")" -gt 30000
[[ -n $shot_dir ]] && mkdir -p "$shot_dir" && cp "$work/report.png" "$shot_dir/report.png"

((failures == 0)) || { echo "$failures check(s) failed"; exit 1; }
echo "all report browser checks passed"
