#include "station-agent/cli/enroll_command.h"
#include "station-agent/cli/station_token.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "hallmark/station.pb.h"
#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/profile/key_policy.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/objects.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/token_signer.h"
#include "station-agent/enrollment/enrollment_request.h"
#include "verifier/core/dsse.h"
#include "verifier/core/sha256.h"
#include "verifier/io/file_io.h"
#include "verifier/tool/display_json.h"
#include "verifier/io/clock.h"

namespace hallmark::station {
namespace {

constexpr const char* kSelfExe = "/proc/self/exe";

struct EnrollOptions {
  hsm::TokenOptions token;
  std::string station_id;
  std::string out;
  std::optional<std::string> algorithm;  // absent: p256 for new keys, any for reused ones
  std::optional<std::string> config;
};

struct StationKey {
  hsm::TokenKey key;
  bool reused = false;
};

// The private key labelled `label` on the token, or a new one generated there.
Result<StationKey> find_or_generate(hsm::Session& session, const v1::HsmProfile& profile,
                                    const std::string& label, v1::KeyAlgorithm algorithm,
                                    bool algorithm_given) {
  hsm::AttributeTemplate match;
  match.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_text(CKA_LABEL, label);
  auto found = hsm::find_objects(session, match, 2);
  if (!found) return std::unexpected(found.error());
  if (found->size() > 1) {
    return fail(ErrorCode::kToken,
                fmt::format("token '{}' holds several private keys labelled '{}': remove the "
                            "extra ones with the token's tools, then enroll again",
                            session.token_label(), label));
  }
  if (found->empty()) {
    auto key = hsm::generate_key(
        session, hsm::KeySpec{.algorithm = algorithm, .label = label,
                              .token_sets_encrypt_decrypt = profile.token_sets_encrypt_decrypt()});
    if (!key) return std::unexpected(key.error());
    return StationKey{std::move(*key), false};
  }
  auto key = hsm::TokenKey::from_handle(session, found->front());
  if (!key) return std::unexpected(key.error());
  if (algorithm_given && key->algorithm() != algorithm) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} already exists as {}, not the {} asked for: leave --algorithm "
                            "out to reuse it, or enroll on a fresh token",
                            key->name(), v1::KeyAlgorithm_Name(key->algorithm()),
                            v1::KeyAlgorithm_Name(algorithm)));
  }
  // Refuse an unfit key here, before a second key is generated next to it.
  // No consent for imported station keys exists; a profile whose CKA_LOCAL cannot be
  // believed makes every key on it imported.
  if (auto ok = hsm::check_key_for_production(key->provenance(), profile, false, key->name());
      !ok) {
    return std::unexpected(ok.error().context(
        "the station's tokens must hold keys generated on them; remove it or use another token"));
  }
  return StationKey{std::move(*key), true};
}

std::string key_line(const StationKey& k) {
  return fmt::format("{} ({}: {})", k.key.key_id(), k.key.name(),
                     k.reused ? "reused, already on the token" : "generated on the token");
}

Result<void> run_enroll(const EnrollOptions& o, bool json) {
  if (auto ok = check_station_id(o.station_id); !ok) return ok;
  auto algorithm = hsm::parse_algorithm_flag(o.algorithm.value_or("p256"));
  if (!algorithm) return std::unexpected(algorithm.error());

  // Everything that can fail without the token first, so a PIN is never asked in vain.
  auto software = fileio::hash_file(kSelfExe);
  if (!software) return std::unexpected(software.error().context("hashing this station binary"));
  auto config = o.config ? fileio::hash_file(*o.config) : verifier::sha256(ByteView{});
  if (!config) return std::unexpected(config.error());

  auto token = hsm::open_token(o.token, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto station_key =
      find_or_generate(token->session, token->profile, kStationKeyLabel, *algorithm,
                       o.algorithm.has_value());
  if (!station_key) return std::unexpected(station_key.error());
  auto device_ca_key =
      find_or_generate(token->session, token->profile, kDeviceCaKeyLabel, *algorithm,
                       o.algorithm.has_value());
  if (!device_ca_key) return std::unexpected(device_ca_key.error());

  const std::string prompt = "PIN for this signature on '" + token->session.token_label() + "': ";
  auto station_signer = hsm::TokenSigner::create(token->session, station_key->key,
                                                 hsm::pin_callback(o.token, prompt));
  if (!station_signer) return std::unexpected(station_signer.error());
  auto device_ca_signer = hsm::TokenSigner::create(token->session, device_ca_key->key,
                                                   hsm::pin_callback(o.token, prompt));
  if (!device_ca_signer) return std::unexpected(device_ca_signer.error());

  const std::int64_t now = unix_now();
  // As open_token() stamped it: the profile chosen and software_token, which the
  // registration carries to every auditor.
  const std::optional<v1::TokenInfo> token_info = token->token;
  const EnrollmentInfo info{o.station_id, *software, *config, now,
                            token->profile.name(), *token_info};
  auto request = make_enrollment_request(*station_signer, *device_ca_signer, info);
  if (!request) return std::unexpected(request.error());
  auto payload_digest = verifier::sha256(as_bytes(request->payload()));
  if (!payload_digest) return std::unexpected(payload_digest.error());

  const std::string text = verifier::envelope_to_json(*request);
  if (auto ok = fileio::write_file_atomic(o.out, as_bytes(text)); !ok) return ok;

  std::ostream& report = json ? std::cerr : std::cout;
  report << fmt::format("station id        {}\n", o.station_id);
  report << fmt::format("station token     {} ({} {}), profile {}\n", token_info->label(),
                        token_info->manufacturer(), token_info->model(), token->profile.name());
  report << fmt::format("station key       {}\n", key_line(*station_key));
  report << fmt::format("device-CA key     {}\n", key_line(*device_ca_key));
  report << fmt::format("software SHA-256  {} ({})\n", software->hex(), kSelfExe);
  report << fmt::format("config SHA-256    {} ({})\n", config->hex(),
                        o.config ? *o.config : "no --config: SHA-256 of empty input");
  report << fmt::format("request           {}\n", o.out);
  report << fmt::format("request payload SHA-256 {}  (compare with what the custodians are "
                        "shown)\n",
                        payload_digest->hex());
  if (json) {
    v1::StationEnrollment enrollment;
    if (!enrollment.ParseFromString(request->payload())) {
      return fail(ErrorCode::kInternal, "the request just written does not parse");
    }
    std::cout << tool::to_display_json(enrollment) << '\n';
  }
  return {};
}

}  // namespace

void add_enroll_command(tool::CommandLine& cli) {
  auto o = std::make_shared<EnrollOptions>();
  auto* cmd = cli.add(cli.app(), "enroll",
                      "Generate (or reuse) the station key and the device-CA key on the "
                      "station's token and write the enrollment request for the custodians",
                      [o, &cli] { return run_enroll(*o, cli.json()); });
  hsm::add_token_options(*cmd, o->token, "--token", "pkcs11: URI of the station's token");
  cmd->add_option("--station-id", o->station_id,
                  "This station's id (letters, digits, '.', '_', '-'; at most 45)")
      ->required();
  cmd->add_option("--out", o->out, "Where to write the enrollment request (atomically)")
      ->required();
  cmd->add_option("--algorithm", o->algorithm,
                  "p256 (default), p384, rsa3072 or ed25519 for keys generated now");
  cmd->add_option("--config", o->config,
                  "Station configuration file whose SHA-256 the request records "
                  "(absent: the SHA-256 of empty input)");
}

}  // namespace hallmark::station
