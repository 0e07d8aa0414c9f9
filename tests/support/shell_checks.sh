# Checks for the shell tests that run Hallmark's commands (sourced, not run). The sourcing
# script sets `work` (a scratch directory) first; `failures` counts failed expectations.
#   run COMMAND...            runs it with no stdin: sets out, err, rc
#   expect "what" CONDITION...  prints ok, or FAIL with the last command's exit and output
#   must "what" COMMAND...    runs a step the rest depends on: stops the test when it fails
#   has TEXT NEEDLE, count TEXT NEEDLE   fixed-string grep on a variable
failures=0
out="" err="" rc=0
run() {
  out=$("$@" 2> "$work/.err" < /dev/null); rc=$?; err=$(<"$work/.err")
}
expect() {
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else
    echo "FAIL $what"; echo "     exit $rc"; sed 's/^/     out| /' <<<"$out" | tail -n 15
    sed 's/^/     err| /' <<<"$err" | tail -n 15; failures=$((failures + 1))
  fi
}
must() {
  local what=$1; shift
  run "$@"
  if ((rc != 0)); then expect "$what" false; echo "stopping: later steps need this one"; exit 1; fi
  echo "ok   $what"
}
has() { grep -qF -- "$2" <<<"$1"; }
count() { grep -cF -- "$2" <<<"$1"; }
