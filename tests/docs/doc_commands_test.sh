#!/usr/bin/env bash
# Every Hallmark command the documentation shows must be accepted by the binaries.
#
# Usage: doc_commands_test.sh [--bin NAME=PATH]... BUILD_DIR DOC...
#
# From each DOC it takes the command lines of fenced code blocks (```sh, ```bash, ```shell,
# ```console or a bare ```; lines joined across trailing backslashes, a leading "$ " and
# trailing "# comments" dropped) and the code spans of Markdown table rows (as in
# docs/command-line.md: `hallmark-ceremony token init\|status`, `key generate\|show` — a
# later span in the same cell that starts with a lowercase word belongs to the same
# binary). A line counts when its first word (after VAR=value assignments) is a Hallmark
# binary: hallmark-ceremony, hallmark-signer, hallmark-station, hallmark-verify,
# hallmark-devsim. Placeholders ($VAR, <x>, FILE, …) are fine.
#
# For each one it finds the subcommand path — words until the first option or argument that
# is not a subcommand, subcommands being read from the parent's --help ("a\|b" checks both)
# — and fails when:
#   - a word stands where the parent needs a subcommand and is not one of them;
#   - a command that needs a subcommand names none;
#   - `<binary> <subcommands> --help` exits non-zero;
#   - a --flag of the line is not an option in that help (or an ancestor's: --json).
# Every failure names the doc, the line and why. Bash and POSIX tools only.
set -uo pipefail

declare -A bin_path=()
positional=()
while (($#)); do
  case $1 in
    --bin) [[ $# -ge 2 && $2 == *=* ]] || { echo "usage: --bin NAME=PATH" >&2; exit 2; }
           bin_path[${2%%=*}]=${2#*=}; shift 2 ;;
    --bin=*) v=${1#--bin=}; bin_path[${v%%=*}]=${v#*=}; shift ;;
    *) positional+=("$1"); shift ;;
  esac
done
if ((${#positional[@]} < 2)); then
  echo "usage: $0 [--bin NAME=PATH]... BUILD_DIR DOC..." >&2
  exit 2
fi
build=${positional[0]}
docs=("${positional[@]:1}")

# Default locations in a build tree; --bin overrides.
declare -A default_rel=(
  [hallmark-ceremony]=ceremony/hallmark-ceremony
  [hallmark-signer]=signer/hallmark-signer
  [hallmark-station]=station-agent/hallmark-station
  [hallmark-verify]=verifier/hallmark-verify
  [hallmark-devsim]=station-agent/devsim/hallmark-devsim
)
for name in "${!default_rel[@]}"; do
  [[ -n ${bin_path[$name]:-} ]] || bin_path[$name]=$build/${default_rel[$name]}
  if [[ ! -x ${bin_path[$name]} ]]; then
    echo "doc_commands_test: $name not found or not executable at ${bin_path[$name]}" >&2
    exit 2
  fi
done

source "$(dirname "${BASH_SOURCE[0]}")/doc_extract.sh"

# --- checking -------------------------------------------------------------------------------
declare -A help_text=() help_rc=()
get_help() {  # get_help "BIN SUB..." : fills help_text/help_rc for the key
  local key=$1
  [[ -n ${help_rc[$key]+x} ]] && return
  local -a words; read -r -a words <<<"$key"
  local out rc
  out=$("${bin_path[${words[0]}]}" "${words[@]:1}" --help 2>&1); rc=$?
  help_text[$key]=$out; help_rc[$key]=$rc
}
subcommands_of() {  # the subcommand names listed in a help text
  awk '/^Subcommands:/ { on = 1; next } on && /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }' <<<"$1"
}
has_positionals() { grep -q '^Positionals:' <<<"$1"; }
needs_subcommand() { grep -Eq '^Usage: .*SUBCOMMAND[[:space:]]*$' <<<"$1"; }
is_flag() {  # is_flag HELP --flag: an option that takes no value
  grep -Eq -- "^[[:space:]]+(-[A-Za-z],)?$2([[:space:]]{2,}|$)" <<<"$1"
}
has_option() {  # has_option HELP --flag
  grep -Eq -- "^[[:space:]]+(-[A-Za-z],)?$2([[:space:]=,]|$)" <<<"$1"
}

failures=0 checked=0
fail() { echo "FAIL $1:$2: $3"; echo "     command: $4"; failures=$((failures + 1)); }

# check_path DOC LINE CMD KEY WORDS...: resolve subcommands from KEY onward, then flags.
check_path() {
  local doc=$1 line=$2 cmd=$3 key=$4; shift 4
  local -a rest=("$@")
  get_help "$key"
  local help=${help_text[$key]}
  if [[ ${help_rc[$key]} -ne 0 ]]; then
    fail "$doc" "$line" "\`$key --help\` exits ${help_rc[$key]}" "$cmd"; return
  fi
  local subs; subs=$(subcommands_of "$help")
  # A valueless option of this level before the subcommand (`hallmark-verify --json bundle`).
  while ((${#rest[@]})) && [[ -n $subs && ${rest[0]} == --* ]] && is_flag "$help" "${rest[0]}"; do
    rest=("${rest[@]:1}")
  done
  if ((${#rest[@]})) && [[ -n $subs && ${rest[0]} != -* ]]; then
    local w=${rest[0]} alt all=1
    local -a alts; IFS='|' read -r -a alts <<<"$w"
    for alt in "${alts[@]}"; do grep -qxF -- "$alt" <<<"$subs" || all=0; done
    if ((all)) && ((${#alts[@]})); then
      for alt in "${alts[@]}"; do check_path "$doc" "$line" "$cmd" "$key $alt" "${rest[@]:1}"; done
      return
    fi
    if ! has_positionals "$help"; then
      fail "$doc" "$line" "\"$w\" is not a subcommand of \`$key\` (it has: $(tr '\n' ' ' <<<"$subs"))" "$cmd"
      return
    fi
  fi
  # The subcommand path is KEY. Flags: this help and every ancestor's (--json, --version).
  local -a words; read -r -a words <<<"$key"
  local all_help="" i anc
  for ((i = ${#words[@]}; i >= 1; i--)); do
    anc=${words[*]:0:i}; get_help "$anc"; all_help+=${help_text[$anc]}$'\n'
  done
  local flags flag wants_help=0
  flags=$(grep -oE -- '(^|[^A-Za-z0-9_-])--[a-z][a-z0-9-]*' <<<"$cmd" | sed -E 's/^[^-]*//' | sort -u)
  for flag in $flags; do
    [[ $flag == --help || $flag == --version ]] && wants_help=1
    has_option "$all_help" "$flag" ||
      fail "$doc" "$line" "\`$key\` has no option $flag (see \`$key --help\`)" "$cmd"
  done
  if [[ -n $subs ]] && needs_subcommand "$help" && ((!wants_help)); then
    fail "$doc" "$line" "\`$key\` needs a subcommand (one of: $(tr '\n' ' ' <<<"$subs"))" "$cmd"
  fi
  checked=$((checked + 1))
}

check_command() {  # check_command DOC LINE COMMAND
  local doc=$1 line=$2 cmd=$3
  # Only the Hallmark command: stop at a pipe, a list or a redirection.
  cmd=$(sed -E 's/[[:space:]](\|[[:space:]]+[^-[:space:]]|\|\||&&|;|[0-9]?>>?[[:space:]]|<[[:space:]]).*$//; s/[[:space:]]+$//' <<<"$cmd")
  local -a words; read -r -a words <<<"$cmd"
  local bin=${words[0]##*/}
  [[ -n ${DOC_COMMANDS_VERBOSE:-} ]] && echo "  $doc:$line: $cmd"
  check_path "$doc" "$line" "$cmd" "$bin" "${words[@]:1}"
}

total_docs=0
for doc in "${docs[@]}"; do
  if [[ ! -r $doc ]]; then echo "FAIL $doc: cannot read it"; failures=$((failures + 1)); continue; fi
  before=$checked
  while IFS=$'\t' read -r d line cmd; do
    check_command "$d" "$line" "$cmd"
  done < <(extract "$doc")
  echo "$doc: $((checked - before)) command(s) checked"
  total_docs=$((total_docs + 1))
done

if ((checked == 0)); then
  echo "FAIL: no Hallmark command found in ${docs[*]} (is the extraction broken?)"
  failures=$((failures + 1))
fi
echo "doc_commands_test: $checked command(s) in $total_docs doc(s), $failures failure(s)"
((failures == 0))
