# A private smart-card stack for tests (sourced): CAC cards emulated by libcacard over
# throwaway keys in an NSS database, inserted by hallmark-test-cac-card
# (tests/stacks/cac_card.cpp) into vpcd readers of a pcscd of our own, so that OpenSC's
# card drivers and opensc-pkcs11.so see real PC/SC readers with real cards.
#
# pcscd 1.9 (Debian 12) always serves /run/pcscd/pcscd.comm (only its clients read
# PCSCLITE_CSOCK_NAME), so the test runs itself in a private mount namespace
# (unshare --mount, root) where /run is a directory of the test: the system's pcscd, /run
# and /etc are never touched, and nothing outside the namespace sees these readers. The
# reader configuration comes from pcscd --config DIR, the vpcd port from its DEVICENAME
# (below the ephemeral port range, so a TIME_WAIT socket of another program cannot take it).
#
# card_stack_require       exits 77 (ctest: skipped) naming a missing Debian package
# card_stack_enter ARGS... re-runs the calling script with ARGS in the namespace (once)
# card_stack_start DIR CARD_BIN PORT NICK...
#                          one card per NSS certificate nickname NICK (already in
#                          DIR/nss), readers at PORT, PORT+1, ...; waits until
#                          opensc-pkcs11 shows every card
# card_stack_stop          stops the card program and pcscd (safe to call twice)

card_stack_module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
card_stack_vpcd=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
card_stack_dir=""

card_stack_require() {
  local missing=()
  [[ -x /usr/sbin/pcscd ]] || missing+=(pcscd)
  [[ -e $card_stack_vpcd ]] || missing+=(vsmartcard-vpcd)
  [[ -e $card_stack_module ]] || missing+=(opensc-pkcs11)
  command -v pkcs11-tool > /dev/null 2>&1 || missing+=(opensc)
  command -v certutil > /dev/null 2>&1 || missing+=(libnss3-tools)
  command -v unshare > /dev/null 2>&1 || missing+=(util-linux)
  if ((${#missing[@]})); then
    echo "SKIP: the smart-card stack needs the Debian packages: ${missing[*]} (scripts/install-deps.sh installs them)"
    exit 77
  fi
}

card_stack_enter() {
  [[ -n ${HALLMARK_CARD_NAMESPACE:-} ]] && return 0
  local run_dir
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-card-run.XXXXXX")
  # A mount namespace needs CAP_SYS_ADMIN: root, as in CI.
  HALLMARK_CARD_NAMESPACE=$run_dir exec unshare --mount --propagation private \
    bash -c 'mount --bind "$HALLMARK_CARD_NAMESPACE" /run || { echo "cannot bind-mount a private /run (needs root)" >&2; exit 2; }
             bash "$@"; rc=$?; rm -rf "$HALLMARK_CARD_NAMESPACE"; exit $rc' \
    card-stack "$@"
}

card_stack_start() {
  card_stack_dir=$1
  local bin=$2 port=$3
  shift 3
  local d=$card_stack_dir n=$# i=0 cards=() nick
  mkdir -p "$d/readers"
  # vpcd gives each reader entry two slots, on PORT and PORT+1.
  for ((i = 0; i < n; i += 2)); do
    cat > "$d/readers/vpcd-$i" <<CONF
FRIENDLYNAME "Hallmark virtual card $i"
DEVICENAME   /dev/null:$((port + i))
LIBPATH      $card_stack_vpcd
CHANNELID    $((port + i))
CONF
  done
  pcscd --foreground --config "$d/readers" > "$d/pcscd.log" 2>&1 &
  echo $! > "$d/pcscd.pid"
  i=0
  for nick in "$@"; do cards+=(--card "$((port + i)):$nick"); i=$((i + 1)); done
  "$bin" --db "sql:$d/nss" "${cards[@]}" > "$d/cards.log" 2>&1 &
  echo $! > "$d/cards.pid"
  local seen=0
  for _ in $(seq 200); do
    seen=$(pkcs11-tool --module "$card_stack_module" -L 2> /dev/null | grep -c "token label")
    ((seen >= n)) && return 0
    sleep 0.1
  done
  echo "card stack: $seen of $n cards visible after 20 s" >&2
  cat "$d/pcscd.log" "$d/cards.log" >&2
  return 1
}

card_stack_stop() {
  [[ -n $card_stack_dir ]] || return 0
  local f pid
  for f in cards.pid pcscd.pid; do
    [[ -s $card_stack_dir/$f ]] || continue
    pid=$(<"$card_stack_dir/$f")
    kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
    rm -f "$card_stack_dir/$f"
  done
  card_stack_dir=""
  return 0
}
