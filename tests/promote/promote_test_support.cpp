#include "tests/support/trusted_root_access.h"
#include "tests/promote/promote_test_support.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include <chrono>
#include <fstream>

#include "tests/bundle/bundle_test_support.h"
#include "tests/support/production_signers.h"
#include "verifier/core/document.h"

namespace hallmark::promote::testing {

namespace fs = std::filesystem;

std::int64_t test_now() {
  static const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  return now;
}

World::World() : SignerWorld(test_now()) {}

std::string World::requester_key_id(const std::string& who) const {
  auto id = SignerWorld::requester_key_id(who);
  REQUIRE_MESSAGE(id, (id ? "" : id.error().message));
  return *id;
}

v1::BundleSpec World::spec(const std::string& version, std::uint64_t counter,
                           const std::string& who, std::uint32_t seed) const {
  auto s = try_spec(version, counter, who, seed);
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  return *s;
}

fs::path World::make_bundle(const std::string& name, const std::string& version,
                            std::uint64_t counter, const std::string& requester,
                            std::uint32_t seed,
                            const std::function<void(v1::BundleSpec&)>& edit) const {
  auto made = try_make_bundle(name, version, counter, requester, seed, edit);
  REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  return *made;
}

fs::path World::write_spec(const std::string& version, std::uint64_t counter) const {
  std::string spec_text;
  std::string catalog_text;
  google::protobuf::TextFormat::PrintToString(spec(version, counter, "rm-erin", 1), &spec_text);
  google::protobuf::TextFormat::PrintToString(catalog, &catalog_text);
  dir.write("catalog.textproto", catalog_text);
  return dir.write("spec.textproto", spec_text);
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
