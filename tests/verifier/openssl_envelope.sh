#!/bin/sh
# Builds a DSSE envelope with the openssl command-line tool only (no Hallmark code), so
# the verifier is checked against an independent signer.
# Usage: openssl_envelope.sh OPENSSL ALG DIR PAYLOAD_TYPE PAYLOAD_FILE [PSS_SALT]
#   ALG: p256 | p384 | rsa3072 | ed25519
# Writes DIR/key.pem, DIR/pub.pem, DIR/keyid, DIR/pae.bin, DIR/sig.bin, DIR/envelope.json.
set -eu
openssl=$1 alg=$2 dir=$3 type=$4 payload=$5 salt=${6:-32}

case $alg in
  p256) "$openssl" genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/key.pem" ;;
  p384) "$openssl" genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$dir/key.pem" ;;
  rsa3072) "$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$dir/key.pem" ;;
  ed25519) "$openssl" genpkey -quiet -algorithm ED25519 -out "$dir/key.pem" ;;
  *) echo "unknown algorithm $alg" >&2; exit 2 ;;
esac
"$openssl" pkey -in "$dir/key.pem" -pubout -out "$dir/pub.pem"
"$openssl" pkey -pubin -in "$dir/pub.pem" -outform DER | "$openssl" dgst -sha256 -r \
  | cut -d' ' -f1 > "$dir/keyid"

# PAE: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
type_len=$(printf '%s' "$type" | wc -c | tr -d ' ')
body_len=$(wc -c < "$payload" | tr -d ' ')
{ printf 'DSSEv1 %s %s %s ' "$type_len" "$type" "$body_len"; cat "$payload"; } > "$dir/pae.bin"

case $alg in
  p256) "$openssl" dgst -sha256 -sign "$dir/key.pem" -out "$dir/sig.bin" "$dir/pae.bin" ;;
  p384) "$openssl" dgst -sha384 -sign "$dir/key.pem" -out "$dir/sig.bin" "$dir/pae.bin" ;;
  rsa3072) "$openssl" dgst -sha256 -sign "$dir/key.pem" -sigopt rsa_padding_mode:pss \
             -sigopt rsa_pss_saltlen:"$salt" -sigopt rsa_mgf1_md:sha256 \
             -out "$dir/sig.bin" "$dir/pae.bin" ;;
  ed25519) "$openssl" pkeyutl -sign -inkey "$dir/key.pem" -rawin -in "$dir/pae.bin" \
             -out "$dir/sig.bin" ;;
esac

payload_b64=$("$openssl" base64 -A -in "$payload")
sig_b64=$("$openssl" base64 -A -in "$dir/sig.bin")
printf '{"payloadType": "%s", "payload": "%s", "signatures": [{"keyid": "%s", "sig": "%s"}]}\n' \
  "$type" "$payload_b64" "$(cat "$dir/keyid")" "$sig_b64" > "$dir/envelope.json"
