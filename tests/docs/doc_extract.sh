# The Hallmark commands a Markdown document shows, shared by doc_commands_test.sh (every
# command and flag exists) and doc_run_test.sh (every command runs on the demo's output).
# Sourced; bash and POSIX awk only.
#
# extract DOC [run]: one record per command, DOC <TAB> LINE <TAB> COMMAND, from the command
# lines of fenced code blocks (```sh, ```bash, ```shell, ```console or a bare ```; lines
# joined across trailing backslashes, a leading "$ " and trailing "# comments" dropped) and
# the code spans of Markdown table rows (as in docs/command-line.md: `hallmark-ceremony
# token init\|status`, `key generate\|show` — a later span in the same cell that starts with
# a lowercase word belongs to the same binary). A line counts when its first word (after
# VAR=value assignments) is a Hallmark binary: hallmark-ceremony, hallmark-signer,
# hallmark-station, hallmark-verify, hallmark-devsim.
#
# With "run", each record has a fourth field, the docs-test marker in force, and COMMAND
# keeps its VAR=value assignments, what follows a pipe and its trailing "# comment" (where
# "# exit N: why" says the exit the text expects). A marker is an HTML comment on a
# line of its own, invisible in the rendered page, for the next fenced block or table:
#   <!-- docs-test: exit N -->        every command of the next block exits N (default 0)
#   <!-- docs-test: skip WHY -->      the next block is not run, for the reason given
#   <!-- docs-test: run table -->     the code spans of the next table are commands to run
# Without a "run table" marker, table code spans are references (`hallmark-verify bundle`)
# and run mode leaves them out.
extract() {  # extract DOC [run]
  awk -v doc="$1" -v run="${2:-}" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    function first_word(s,   a) { split(trim(s), a, /[ \t]+/); return a[1] }
    function strip_env(s) {   # drop leading VAR=value assignments and a "$ " prompt
      s = trim(s)
      sub(/^\$[ \t]+/, "", s)
      while (s ~ /^[A-Za-z_][A-Za-z0-9_]*=[^ \t]*[ \t]+/) sub(/^[A-Za-z_][A-Za-z0-9_]*=[^ \t]*[ \t]+/, "", s)
      return s
    }
    function is_bin(w,   b) {
      b = w; sub(/.*\//, "", b)
      return b ~ /^hallmark-(ceremony|signer|station|verify|devsim)$/
    }
    function emit(line, cmd,   full) {
      full = trim(cmd); sub(/^\$[ \t]+/, "", full)
      cmd = strip_env(cmd)
      if (cmd == "" || !is_bin(first_word(cmd))) return
      if (run != "") {
        gsub(/\t/, " ", full)
        printf "%s\t%d\t%s\t%s\n", doc, line, full, marker
        return
      }
      gsub(/\t/, " ", cmd)
      printf "%s\t%d\t%s\n", doc, line, cmd
    }
    BEGIN { in_fence = 0; pending = ""; pending_line = 0; marker = ""; next_marker = "" }
    {
      raw = $0
      if (match(raw, /^[ \t]*<!--[ \t]*docs-test:[ \t]*/)) {
        next_marker = substr(raw, RSTART + RLENGTH); sub(/[ \t]*-->.*$/, "", next_marker)
        next
      }
      if (match(raw, /^[ \t]*(```|~~~)/)) {
        if (!in_fence) {
          lang = raw; sub(/^[ \t]*(```|~~~)[ \t]*/, "", lang); sub(/[ \t{].*/, "", lang)
          in_fence = 1
          cmd_fence = (lang == "" || lang == "sh" || lang == "bash" || lang == "shell" ||
                       lang == "console" || lang == "shell-session")
          marker = next_marker; next_marker = ""
        } else {
          if (pending != "") emit(pending_line, pending)
          pending = ""; in_fence = 0; marker = ""
        }
        next
      }
      if (in_fence) {
        if (!cmd_fence) next
        line = raw
        if (pending == "") {
          if (trim(line) ~ /^#/) next           # a comment line
          pending_line = NR
        }
        cont = (line ~ /\\[ \t]*$/)
        if (cont) sub(/\\[ \t]*$/, "", line)
        if (!cont && run == "") sub(/[ \t]+#([ \t].*)?$/, "", line)   # a trailing "# comment"
        pending = pending " " line
        if (!cont) { emit(pending_line, pending); pending = "" }
        next
      }
      # Markdown table rows: code spans per cell.
      if (raw ~ /^[ \t]*\|/) {
        if (next_marker != "") { table_marker = next_marker; next_marker = "" }
        if (run != "" && table_marker !~ /^run table/) next
        marker = ""
        row = raw
        gsub(/\\\|/, "\001", row)               # escaped pipes stay inside their cell
        n = split(row, cells, "|")
        for (c = 2; c < n; c++) {
          cell = cells[c]; bin = ""
          while (match(cell, /`[^`]+`/)) {
            span = substr(cell, RSTART + 1, RLENGTH - 2)
            cell = substr(cell, RSTART + RLENGTH)
            gsub(/\001/, "|", span)
            w = first_word(strip_env(span))
            if (is_bin(w)) { bin = w; if (trim(strip_env(span)) != w) emit(NR, span) }   # a bare name is a mention
            else if (run == "" && bin != "" && w ~ /^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$/) emit(NR, bin " " span)
          }
        }
        next
      }
      if (trim(raw) != "") table_marker = ""
    }
  ' "$1"
}
