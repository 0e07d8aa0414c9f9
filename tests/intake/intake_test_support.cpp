#include "tests/intake/intake_test_support.h"

#include <fstream>

#include <doctest/doctest.h>

#include "ceremony/src/enroll_station.h"

namespace hallmark::intake::testing {

EnrolledStation enroll(const World& w, const std::string& station_id,
                       const std::string& label_prefix) {
  const auto made =
      hallmark::testing::make_enrollment_request(w.tokens, station_id, w.now - 50, label_prefix);

  hallmark::testing::RecordingUi ui;
  ceremony::CeremonyContext context{ui, hallmark::testing::fixed_clock(w.now - 40),
                                    {"alice", "carol"}};
  const std::vector<v1::Envelope> chain{w.v1_root};
  ceremony::EnrollInput input{chain, {}, &w.plan, &made.request};
  auto outcome = ceremony::run_enroll_station(input, context);
  REQUIRE_MESSAGE(outcome.ok(), (outcome.error ? outcome.error->message : ""));
  return {*outcome.document, {made.station_key_id, made.device_ca_key_id}};
}

station::InstallInput install_input(const World& w, const EnrolledStation& station,
                                    const std::string& station_id, bool with_keys) {
  station::InstallInput in;
  in.registration = &station.registration;
  in.chain = std::span<const v1::Envelope>(&w.v1_root, 1);
  in.station_id = station_id;
  if (with_keys) in.token_keys = station.keys;
  in.now_unix = w.now;
  return in;
}

std::filesystem::path promoted(const World& w, const std::string& name,
                               const std::string& version, std::uint64_t counter,
                               std::uint32_t seed,
                               const std::function<void(v1::BundleSpec&)>& edit) {
  const auto bundle = w.make_bundle(name + ".src", version, counter, "rm-erin", seed, edit);
  auto in = w.input(bundle, {w.approval(bundle, "alice"), w.approval(bundle, "bob")}, name);
  in.history_dir = w.path("history-" + name);
  auto prepared = promote::prepare_promotion(in);
  REQUIRE_MESSAGE(prepared, (prepared ? "" : prepared.error().message));
  auto result = promote::finish_promotion(*prepared, w.release().key, {});
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  return w.path(name);
}

void write_policy(const std::filesystem::path& state, const std::vector<std::string>& skus) {
  std::filesystem::create_directories(state);
  std::ofstream out(state / "policy.textproto");
  for (const auto& sku : skus) out << "allowed_skus: \"" << sku << "\"\n";
  REQUIRE(out.good());
}

bool mentions(const Error& error, const std::string& text) {
  const bool found = error.message.find(text) != std::string::npos;
  if (!found) MESSAGE("error was: " << error.message);
  return found;
}

}  // namespace hallmark::intake::testing
