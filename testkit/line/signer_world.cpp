#include "testkit/line/signer_world.h"

#include <stdexcept>

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include "ceremony/src/approve_ceremony.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/profile/profile.h"
#include "hsm-profiles/src/token_key.h"
#include "hsm-profiles/src/uri.h"
#include "signer/bundle/bundle_writer.h"
#include "testkit/pattern.h"
#include "verifier/core/sha256.h"

namespace hallmark::testing {
namespace {

namespace fs = std::filesystem;

template <class T>
T or_throw(Result<T> result, const char* step) {
  if (!result) throw std::runtime_error(fmt::format("{}: {}", step, result.error().message));
  return std::move(*result);
}

}  // namespace

SignerWorld::SignerWorld(std::int64_t now_unix)
    : plan(or_throw(parse_test_plan(names({"alice", "bob", "carol"}), 2, 2), "the test plan")),
      now(now_unix) {
  v1_root = or_throw(init_trust_root(plan, now - 60), "the init ceremony");
  const bool ok = google::protobuf::TextFormat::ParseFromString(R"pb(
    skus { sku: "combo-1" device_family: "esp32-c3" flash_size: 4194304
           formats: ESP32_SECURE_BOOT_V2 formats: MCUBOOT }
  )pb", &catalog);
  if (!ok) throw std::runtime_error("the SKU catalogue of combo-1 does not parse");
}

SignerWorld::~SignerWorld() = default;

Result<std::string> SignerWorld::requester_key_id(const std::string& who) const {
  v1::TrustRoot root;
  if (!root.ParseFromString(v1_root.payload())) {
    return fail(ErrorCode::kInternal, "the world's trust root payload does not parse");
  }
  for (const auto& c : root.custodians()) {
    if (c.name() == who) return c.key_ids(0);  // a custodian requests with their own card
  }
  // Someone outside the trust root (a release manager): a key of their own.
  auto digest = verifier::sha256(as_bytes(std::string_view(who)));
  if (!digest) return std::unexpected(digest.error());
  return digest->hex();
}

Result<v1::BundleSpec> SignerWorld::try_spec(const std::string& version, std::uint64_t counter,
                                             const std::string& who, std::uint32_t seed) const {
  auto requester = requester_key_id(who);
  if (!requester) return std::unexpected(requester.error());
  const std::string suffix = std::to_string(seed);
  dir.write("boot" + suffix + ".bin", pattern(24 * 1024 + 100, seed));
  dir.write("app" + suffix + ".bin", pattern(64 * 1024 + 7, seed + 100));
  dir.write("data" + suffix + ".bin", pattern(8 * 1024, seed + 200));
  v1::BundleSpec s;
  const std::string text = fmt::format(R"pb(
    sku: "combo-1" version: "{}" security_counter: {} requester: "{}"
    images {{ name: "boot" path: "boot{}.bin" role: BOOTLOADER format: ESP32_SECURE_BOOT_V2
             flash_address: 0x0 }}
    images {{ name: "app" path: "app{}.bin" role: APPLICATION format: MCUBOOT
             flash_address: 0x10000 }}
    images {{ name: "data" path: "data{}.bin" role: DATA flash_address: 0x100000 }}
    plan {{ kind: WRITE_IMAGE image: "boot" }}
    plan {{ kind: WRITE_IMAGE image: "app" }}
    plan {{ kind: WRITE_IMAGE image: "data" }}
    plan {{ kind: VERIFY_READBACK image: "app" }}
  )pb", version, counter, *requester, suffix, suffix, suffix);
  if (!google::protobuf::TextFormat::ParseFromString(text, &s)) {
    return fail(ErrorCode::kInternal, "the test bundle spec does not parse");
  }
  return s;
}

Result<fs::path> SignerWorld::try_make_bundle(
    const std::string& name, const std::string& version, std::uint64_t counter,
    const std::string& requester, std::uint32_t seed,
    const std::function<void(v1::BundleSpec&)>& edit) const {
  const fs::path out = path(name);
  auto s = try_spec(version, counter, requester, seed);
  if (!s) return std::unexpected(s.error());
  if (edit) edit(*s);
  auto made = bundle::create_bundle(*s, dir.path(), catalog, out, now - 30);
  if (!made) return std::unexpected(made.error());
  return out;
}

ceremony::CeremonyOutcome SignerWorld::approve_ceremony(
    const fs::path& bundle, const std::string& custodian, RecordingUi& ui,
    const std::string& channel, const std::optional<fs::path>& history) const {
  const std::vector<v1::Envelope> chain{v1_root};
  ceremony::ApproveInput in{bundle, std::nullopt, history, chain, {}, &plan, custodian, channel,
                            "CR-42", 7};
  ceremony::CeremonyContext context{ui, fixed_clock(now - 10), {}};
  return ceremony::run_approve(in, context);
}

Result<v1::Envelope> SignerWorld::approve(const fs::path& bundle, const std::string& custodian,
                                          RecordingUi& ui, const std::string& channel,
                                          const std::optional<fs::path>& history) const {
  const ceremony::CeremonyOutcome outcome =
      approve_ceremony(bundle, custodian, ui, channel, history);
  if (!outcome.ok()) {
    return std::unexpected(
        outcome.error.value_or(Error{ErrorCode::kInternal, "no approval", 0, {}}));
  }
  return *outcome.document;
}

Result<promote::ReleaseKey> SignerWorld::release_key() const {
  if (!release_session_) {
    release_session_ = std::make_unique<hsm::Session>(tokens.hsm.open("signer-hsm"));
  }
  static const auto profile = hsm::load_profile("softhsm2");
  if (!profile) return std::unexpected(profile.error());
  auto uri = hsm::TokenUri::parse("pkcs11:token=signer-hsm;object=release");
  if (!uri) return std::unexpected(uri.error());
  auto key = hsm::TokenKey::find(*release_session_, *uri);
  if (!key) return std::unexpected(key.error());
  auto signer = hsm::ProductionSigner::create(
      *release_session_, std::move(*key), *profile, hsm::ProductionRole::kRelease,
      [] { return Result<hsm::Pin>(SoftHsmFixture::user_pin()); });
  if (!signer) return std::unexpected(signer.error());
  return promote::ReleaseKey{.signer = std::move(*signer), .token = {}};
}

Result<fs::path> SignerWorld::promote_bundle(
    const std::string& name, const std::string& version, std::uint64_t counter,
    std::uint32_t seed, const std::function<void(v1::BundleSpec&)>& edit) const {
  auto bundle = try_make_bundle(name + ".src", version, counter, "rm-erin", seed, edit);
  if (!bundle) return std::unexpected(bundle.error());
  promote::PromoteInput in;
  for (const char* custodian : {"alice", "bob"}) {
    RecordingUi ui;
    auto approval = approve(*bundle, custodian, ui);
    if (!approval) return std::unexpected(approval.error());
    in.approvals.push_back({fmt::format("approval-{}.json", custodian), std::move(*approval)});
  }
  in.bundle = *bundle;
  in.chain = {v1_root};
  in.channel = "production";
  in.history_dir = path("history-" + name);
  in.out = path(name);
  in.now_unix = now;
  auto prepared = promote::prepare_promotion(in);
  if (!prepared) return std::unexpected(prepared.error());
  auto key = release_key();
  if (!key) return std::unexpected(key.error());
  auto result = promote::finish_promotion(*prepared, *key, {});
  if (!result) return std::unexpected(result.error());
  return path(name);
}

}  // namespace hallmark::testing
