#include "tests/support/trusted_root_access.h"
#include "tests/promote/promote_test_support.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <chrono>
#include <fstream>

#include "ceremony/src/approve_ceremony.h"
#include "ceremony/src/init_ceremony.h"
#include "signer/bundle/bundle_writer.h"
#include "tests/bundle/bundle_test_support.h"
#include "tests/support/production_signers.h"
#include "verifier/core/document.h"

namespace hallmark::promote::testing {

namespace fs = std::filesystem;
using hallmark::testing::fixed_clock;
using hallmark::testing::make_plan;
using hallmark::testing::names;

std::int64_t test_now() {
  static const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  return now;
}

World::World() : plan(make_plan(names({"alice", "bob", "carol"}), 2, 2)), now(test_now()) {
  RecordingUi ui;
  ceremony::CeremonyContext context{ui, fixed_clock(now - 60), {}};
  auto outcome = ceremony::run_init(plan, context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  v1_root = *outcome.document;
  const bool ok = google::protobuf::TextFormat::ParseFromString(R"pb(
    skus { sku: "combo-1" device_family: "esp32-c3" flash_size: 4194304
           formats: ESP32_SECURE_BOOT_V2 formats: MCUBOOT }
  )pb", &catalog);
  REQUIRE(ok);
}

std::string World::requester_key_id(const std::string& who) const {
  v1::TrustRoot root;
  REQUIRE(root.ParseFromString(v1_root.payload()));
  for (const auto& c : root.custodians()) {
    if (c.name() == who) return c.key_ids(0);  // a custodian requests with their own card
  }
  // Someone outside the trust root (a release manager): a key of their own.
  auto digest = verifier::sha256(as_bytes(std::string_view(who)));
  REQUIRE(digest);
  return digest->hex();
}

v1::BundleSpec World::spec(const std::string& version, std::uint64_t counter,
                           const std::string& who, std::uint32_t seed) const {
  const std::string requester = requester_key_id(who);
  using bundle::testing::pattern;
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
  )pb", version, counter, requester, suffix, suffix, suffix);
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &s));
  return s;
}

fs::path World::make_bundle(const std::string& name, const std::string& version,
                            std::uint64_t counter, const std::string& requester,
                            std::uint32_t seed,
                            const std::function<void(v1::BundleSpec&)>& edit) const {
  const fs::path out = path(name);
  v1::BundleSpec s = spec(version, counter, requester, seed);
  if (edit) edit(s);
  auto made = bundle::create_bundle(s, dir.path(), catalog, out, now - 30);
  REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  return out;
}

fs::path World::write_spec(const std::string& version, std::uint64_t counter) const {
  std::string spec_text;
  std::string catalog_text;
  google::protobuf::TextFormat::PrintToString(spec(version, counter, "rm-erin", 1), &spec_text);
  google::protobuf::TextFormat::PrintToString(catalog, &catalog_text);
  dir.write("catalog.textproto", catalog_text);
  return dir.write("spec.textproto", spec_text);
}

Result<v1::Envelope> World::approve(const fs::path& bundle, const std::string& custodian,
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

ceremony::CeremonyOutcome World::approve_ceremony(const fs::path& bundle,
                                                  const std::string& custodian, RecordingUi& ui,
                                                  const std::string& channel,
                                                  const std::optional<fs::path>& history) const {
  const std::vector<v1::Envelope> chain{v1_root};
  ceremony::ApproveInput in{bundle, std::nullopt, history, chain, {}, &plan, custodian, channel,
                            "CR-42", 7};
  ceremony::CeremonyContext context{ui, fixed_clock(now - 10), {}};
  return ceremony::run_approve(in, context);
}

bundle::NamedEnvelope World::approval(const fs::path& bundle, const std::string& custodian) const {
  RecordingUi ui;
  auto envelope = approve(bundle, custodian, ui);
  REQUIRE_MESSAGE(envelope, (envelope ? "" : envelope.error().message));
  return {"approval-" + custodian + ".json", *envelope};
}

v1::PromotionStatement World::statement_for(const fs::path& bundle) const {
  auto contents = bundle::read_bundle(bundle);
  REQUIRE(contents);
  v1::PromotionStatement s;
  s.set_bundle_digest(std::string(as_chars(contents->bundle_digest.bytes())));
  s.set_sku(contents->bundle.sku());
  s.set_version(contents->bundle.version());
  s.set_channel("production");
  s.set_not_before_unix(now - 100);
  s.set_not_after_unix(now + 7 * 86400);
  s.set_request_id("CR-42");
  return s;
}

bundle::NamedEnvelope World::hand_signed(const v1::PromotionStatement& statement,
                                         const std::string& token,
                                         const std::string& label) const {
  auto signer = hallmark::testing::fixture_signer(tokens, token, label);
  return {"hand-" + token + ".json",
          hallmark::testing::sign_envelope(statement, bundle::kPromotionStatementType,
                                           {signer.get()})};
}

PromoteInput World::input(const fs::path& bundle, std::vector<bundle::NamedEnvelope> approvals,
                          const std::string& out) const {
  PromoteInput in;
  in.bundle = bundle;
  in.approvals = std::move(approvals);
  in.chain = {v1_root};
  in.channel = "production";
  in.history_dir = path("history");
  in.out = path(out);
  in.now_unix = now;
  return in;
}

World::Release World::release() const {
  if (!release_signer_) {
    release_signer_ = hallmark::testing::fixture_signer(tokens, "signer-hsm", "release");
  }
  hallmark::testing::FixtureSigner* s = release_signer_.get();
  return {s, ReleaseKey{.signer = hallmark::testing::production_signer(
                            s->session, s->signer->key(), hsm::ProductionRole::kRelease),
                        .token = {}}};
}

Result<PromoteResult> World::promote(const fs::path& bundle,
                                     std::vector<bundle::NamedEnvelope> approvals,
                                     const std::string& out, const BeforeVerifyHook& hook) const {
  auto prepared = prepare_promotion(input(bundle, std::move(approvals), out));
  if (!prepared) return std::unexpected(prepared.error());
  return finish_promotion(*prepared, release().key, hook);
}

verifier::TrustedRoot World::anchor() const {
  auto root = verifier::TrustedRootTestAccess::from_anchor(v1_root);
  REQUIRE(root);
  return *root;
}

verifier::Trust World::trust(std::int64_t now_unix, std::vector<v1::Envelope> revocations) const {
  verifier::TrustInputs inputs;
  inputs.chain.push_back({"trust-root-v1.json", v1_root});
  for (auto& r : revocations) inputs.revocations.push_back({"revocation.json", std::move(r)});
  auto pin = verifier::anchor_digest_of(v1_root);
  REQUIRE(pin);
  inputs.anchor = verifier::AnchorPin::digest(*pin);
  inputs.now_unix = now_unix;
  auto trust = verifier::load_trust(std::move(inputs));
  REQUIRE_MESSAGE(trust, (trust ? "" : trust.error().message));
  return *trust;
}

std::string World::history_text(const std::string& sku) const {
  const fs::path file = path("history") / (sku + ".history");
  return fs::exists(file) ? bundle::testing::read_bytes(file) : std::string();
}

std::vector<std::string> World::files() const { return dir.entries(); }

std::string flip_byte(const fs::path& bundle, const fs::path& out, const std::string& prefix,
                      std::size_t offset, bool from_end) {
  auto entries = bundle::testing::entries_of(bundle);
  for (auto& e : entries) {
    if (e.name.starts_with(prefix)) {
      REQUIRE(e.data.size() > offset);
      const std::size_t at = from_end ? e.data.size() - 1 - offset : offset;
      e.data[at] = static_cast<char>(e.data[at] ^ 0x01);
      bundle::testing::write_archive(out, entries);
      return e.name;
    }
  }
  FAIL("no entry starts with " << prefix);
  return {};
}

}  // namespace hallmark::promote::testing
