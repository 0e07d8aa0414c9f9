# The preamble of the shell tests that run on a scratch copy of the demo's output (the ctest
# fixture `demo_output`: trust root, custodian cards, releases, staff cards on SoftHSM), one
# case per process. Sourced:
#
#   source tests/support/demo_copy.sh
#   demo_copy_args "$@"     # --demo DEMO_OUT --bin-dir DIR [--fault-module SO]
#                           # [--card-bin FILE] CASE
#   demo_copy_enter NAME    # the copy in a fresh $work (hallmark-NAME.XXXXXX), SoftHSM's
#                           # tokens read from it, the working directory
#   demo_work_enter NAME    # or: the same fresh $work, empty, for a test that takes only
#                           # files from $demo (its own tokens, no copy of the demo's)
#
# Sets demo, bin_dir (absolute), case, fault_module and card_bin (absolute, when given),
# work, and the programs: ceremony, signer, station, verify, devsim. A case that starts the
# simulated device keeps its pid in device_pid; device_off stops it. At exit (and on INT or
# TERM) the device is stopped, the test's demo_copy_on_exit runs when it defines one (a
# service to stop), and $work is removed.

demo="" bin_dir="" case="" fault_module="" card_bin="" work="" device_pid=""

demo_copy_args() {
  while (($#)); do
    case $1 in
      --demo) demo=$2; shift 2 ;;
      --bin-dir) bin_dir=$2; shift 2 ;;
      --fault-module) fault_module=$2; shift 2 ;;
      --card-bin) card_bin=$2; shift 2 ;;
      *) case=$1; shift ;;
    esac
  done
  [[ -n $demo && -n $bin_dir && -n $case ]] || {
    echo "usage: $0 --demo DIR --bin-dir DIR [--fault-module SO] [--card-bin FILE] CASE" >&2
    exit 2; }
  [[ -s $demo/ceremony/anchor.sha256 ]] || { echo "$demo is not a finished demo output" >&2; exit 2; }
  bin_dir=$(cd "$bin_dir" && pwd) demo=$(cd "$demo" && pwd)
  [[ -z $fault_module ]] || fault_module=$(realpath "$fault_module")
  [[ -z $card_bin ]] || card_bin=$(realpath -m "$card_bin")  # may be absent: the test skips
  ceremony=$bin_dir/hallmark-ceremony signer=$bin_dir/hallmark-signer
  station=$bin_dir/hallmark-station verify=$bin_dir/hallmark-verify devsim=$bin_dir/hallmark-devsim
}

device_off() {
  [[ -n $device_pid ]] && { kill "$device_pid" 2> /dev/null; wait "$device_pid" 2> /dev/null; }
  device_pid=""
}

demo_copy_cleanup() {
  device_off
  if declare -F demo_copy_on_exit > /dev/null; then demo_copy_on_exit; fi
  [[ -z $work ]] || rm -rf "$work"
}

demo_work_enter() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-$1.XXXXXX")
  trap demo_copy_cleanup EXIT
  trap 'exit 2' INT TERM
  cd "$work" || exit 2
}

demo_copy_enter() {
  demo_work_enter "$1"
  cp -a "$demo/." "$work/"  # modes kept: the stations' caches stay read-only
  rm -f "$work"/devices/*.sock
  sed -i "s|^directories.tokendir = .*|directories.tokendir = $work/tokens|" "$work/softhsm2.conf"
  export SOFTHSM2_CONF="$work/softhsm2.conf" DEMO_PIN="demo-user-pin" DEMO_SO_PIN="demo-so-pin"
}
