# A private TPM stack for tests (sourced): swtpm (a software TPM 2.0 on a unix socket),
# a D-Bus session bus of its own, tpm2-abrmd (the resource manager tpm2-pkcs11 needs: the
# direct swtpm TCTI runs out of TPM object memory after three objects) on that bus, and a
# tpm2-pkcs11 store directory. Everything lives under one directory and is stopped by
# tpm_stack_stop, by process id; nothing touches /etc, the system bus or /dev/tpm*.
#
# tpm_stack_require   exits 77 (ctest: skipped) naming the Debian package that is missing
# tpm_stack_start DIR starts the three services under DIR, exports TPM2_PKCS11_STORE,
#                     TPM2_PKCS11_TCTI, TPM2TOOLS_TCTI and DBUS_SESSION_BUS_ADDRESS
# tpm_stack_stop      stops what tpm_stack_start started (safe to call twice, or early)

tpm_stack_module=/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so
tpm_stack_dir=""

tpm_stack_require() {
  local missing=() need
  for need in swtpm:swtpm tpm2-abrmd:tpm2-abrmd dbus-daemon:dbus-daemon \
      tpm2_ptool:libtpm2-pkcs11-tools tpm2_getrandom:tpm2-tools; do
    command -v "${need%%:*}" > /dev/null 2>&1 || \
      [[ -x /usr/sbin/${need%%:*} ]] || missing+=("${need#*:}")
  done
  [[ -e $tpm_stack_module ]] || missing+=(libtpm2-pkcs11-1)
  # The client side of tpm2-abrmd is a separate package that tpm2-abrmd does not depend on
  # (found where the TCTI loader's dlopen looks: the system's library path or LD_LIBRARY_PATH).
  local found="" dir
  for dir in /usr/lib/x86_64-linux-gnu ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }}; do
    [[ -e $dir/libtss2-tcti-tabrmd.so.0 ]] && found=yes
  done
  [[ -n $found ]] || missing+=(libtss2-tcti-tabrmd0)
  if ((${#missing[@]})); then
    echo "SKIP: the TPM stack needs the Debian packages: ${missing[*]} (scripts/install-deps.sh installs them)"
    exit 77
  fi
}

tpm_stack_wait() {  # tpm_stack_wait WHAT CONDITION...: up to 10 s
  local what=$1; shift
  for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
  echo "tpm stack: $what did not come up; logs in $tpm_stack_dir" >&2
  return 1
}

tpm_stack_start() {
  tpm_stack_dir=$1
  local d=$1
  mkdir -p "$d/state" "$d/store"
  swtpm socket --tpm2 --tpmstate "dir=$d/state" \
    --server "type=unixio,path=$d/tpm.sock" --ctrl "type=unixio,path=$d/tpm.sock.ctrl" \
    --flags not-need-init,startup-clear --pid "file=$d/swtpm.pid" \
    --log "file=$d/swtpm.log" > /dev/null 2>&1 &
  echo $! > "$d/swtpm.pid.shell"
  tpm_stack_wait "swtpm" test -S "$d/tpm.sock" || return 1
  cat > "$d/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$d/bus.sock</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile > "$d/dbus.log" 2>&1 &
  echo $! > "$d/dbus.pid"
  tpm_stack_wait "dbus-daemon" test -S "$d/bus.sock" || return 1
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$d/bus.sock"
  # --allow-root: tests run as root in CI. --flush-all: a fresh TPM either way.
  tpm2-abrmd --session --allow-root --flush-all --tcti="swtpm:path=$d/tpm.sock" \
    > "$d/abrmd.log" 2>&1 &
  echo $! > "$d/abrmd.pid"
  export TPM2TOOLS_TCTI="tabrmd:bus_type=session" TPM2_PKCS11_TCTI="tabrmd:bus_type=session"
  export TPM2_PKCS11_STORE="$d/store"
  tpm_stack_wait "tpm2-abrmd" tpm2_getrandom 4 -o /dev/null 2> /dev/null || {
    cat "$d/abrmd.log" >&2; return 1; }
}

tpm_stack_stop() {
  [[ -n $tpm_stack_dir ]] || return 0
  local f pid
  for f in abrmd.pid dbus.pid swtpm.pid.shell; do
    [[ -s $tpm_stack_dir/$f ]] || continue
    pid=$(<"$tpm_stack_dir/$f")
    kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
    rm -f "$tpm_stack_dir/$f"
  done
  tpm_stack_dir=""
  return 0
}
