#include "signer/cli/sign_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/profile/production_signer.h"
#include "verifier/core/dsse.h"
#include "verifier/core/sha256.h"
#include "verifier/io/envelope_file.h"
#include "verifier/io/file_io.h"

namespace hallmark::signer {
namespace {

constexpr std::size_t kMaxPayloadBytes = 16 * 1024 * 1024;

struct SignOptions {
  hsm::TokenOptions key;
  std::optional<std::string> payload_file;
  std::optional<std::string> payload_type;
  std::optional<std::string> envelope_file;
  std::string out;
  bool allow_imported = false;
};

// The envelope to sign: a new one over a payload file, or an existing one to co-sign.
Result<v1::Envelope> load_envelope(const SignOptions& o) {
  if (o.envelope_file) {
    auto envelope = fileio::read_envelope(*o.envelope_file);
    if (!envelope) return std::unexpected(envelope.error());
    return envelope;
  }
  auto payload = fileio::read_file(*o.payload_file, kMaxPayloadBytes);
  if (!payload) return std::unexpected(payload.error());
  v1::Envelope envelope;
  envelope.set_payload(std::string(as_chars(*payload)));
  envelope.set_payload_type(*o.payload_type);
  return envelope;
}

Result<void> run_sign(const SignOptions& o) {
  if (o.envelope_file.has_value() == o.payload_file.has_value()) {
    return fail(ErrorCode::kUsage, "give either --payload FILE or --envelope FILE");
  }
  if (o.payload_file && !o.payload_type) {
    return fail(ErrorCode::kUsage, "--payload needs --payload-type");
  }
  auto envelope = load_envelope(o);
  if (!envelope) return std::unexpected(envelope.error());
  auto digest = verifier::sha256(as_bytes(envelope->payload()));
  if (!digest) return std::unexpected(digest.error());

  // What the custodian is about to sign, before any PIN is asked for.
  std::cerr << fmt::format(
      "About to sign:\n  payload type  {}\n  payload size  {} bytes\n  payload SHA-256 {}\n"
      "  with key      {}\n",
      envelope->payload_type(), envelope->payload().size(), digest->hex(), o.key.uri);

  auto token = hsm::open_token(o.key, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto key = hsm::TokenKey::find(token->session, token->uri);
  if (!key) return std::unexpected(key.error());
  const std::string key_id = key->key_id();
  for (const auto& existing : envelope->signatures()) {
    if (existing.keyid() == key_id) {
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("{} has already signed this envelope: a key counts once",
                              key->name()));
    }
  }
  // A document signed by hand is a custodian's: ProductionSigner::create() applies the
  // provenance rule for that role (the key never left its token).
  auto signer = hsm::ProductionSigner::create(
      token->session, std::move(*key), token->profile, hsm::ProductionRole::kCustodian,
      hsm::pin_callback(o.key, "PIN for this signature on '" + token->session.token_label() +
                                   "': "),
      o.allow_imported ? hsm::ImportedKey::kOperatorAllows : hsm::ImportedKey::kByProfile);
  if (!signer) return std::unexpected(signer.error());
  auto signature =
      signer->sign(verifier::pae(envelope->payload_type(), as_bytes(envelope->payload())));
  if (!signature) return std::unexpected(signature.error());

  auto* added = envelope->add_signatures();
  added->set_keyid(key_id);
  added->set_sig(std::string(as_chars(*signature)));
  const std::string json = verifier::envelope_to_json(*envelope);
  if (auto ok = fileio::write_file_atomic(o.out, as_bytes(json)); !ok) return ok;
  std::cerr << fmt::format("Signed by key {}; {} signature(s) in {}\n", key_id,
                           envelope->signatures_size(), o.out);
  return {};
}

}  // namespace

void add_sign_command(tool::CommandLine& cli) {
  auto o = std::make_shared<SignOptions>();
  auto* cmd = cli.add(cli.app(), "sign",
                      "Sign a payload into a DSSE envelope, or co-sign an existing envelope, "
                      "with a key inside a token",
                      [o] { return run_sign(*o); });
  hsm::add_token_options(*cmd, o->key, "--key", "pkcs11: URI of the signing key");
  cmd->add_option("--payload", o->payload_file, "Payload file to sign (new envelope)");
  cmd->add_option("--payload-type", o->payload_type, "DSSE payload type of --payload");
  cmd->add_option("--envelope", o->envelope_file, "Existing envelope to add a signature to");
  cmd->add_option("--out", o->out, "Where to write the signed envelope (atomically)")
      ->required();
  cmd->add_flag("--allow-imported", o->allow_imported,
                "Accept a key that was imported but never extractable");
}

}  // namespace hallmark::signer
