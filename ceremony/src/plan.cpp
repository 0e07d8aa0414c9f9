#include "ceremony/src/plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "hsm-profiles/src/uri.h"
#include "verifier/core/textproto.h"
#include "verifier/io/file_io.h"

namespace hallmark::ceremony {
namespace {

constexpr std::size_t kMaxPlanBytes = 1024 * 1024;
constexpr uint32_t kMaxValidityDays = 20 * 366;

void default_key(v1::PlanKey& key, std::string_view label) {
  if (key.label().empty()) key.set_label(std::string(label));
  if (key.algorithm() == v1::KEY_ALGORITHM_UNSPECIFIED) {
    key.set_algorithm(v1::ECDSA_P256_SHA256);
  }
}

Result<void> check_uri(std::string_view uri, std::string_view what, std::string_view origin) {
  if (uri.empty()) {
    return fail(ErrorCode::kUsage, fmt::format("{}: {} has no pkcs11: URI", origin, what));
  }
  auto parsed = hsm::TokenUri::parse(uri);
  if (!parsed) {
    return std::unexpected(
        parsed.error().context(fmt::format("{}: {}", origin, what)));
  }
  if (parsed->object_label || parsed->object_id) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: {} names a key ({}); name only the token here (the key "
                            "label is a separate field)",
                            origin, what, uri));
  }
  return {};
}

}  // namespace

void apply_defaults(v1::CeremonyPlan& plan) {
  if (plan.root_threshold() == 0) plan.set_root_threshold(kDefaultThreshold);
  if (plan.approver_threshold() == 0) plan.set_approver_threshold(kDefaultThreshold);
  if (plan.validity_days() == 0) plan.set_validity_days(kDefaultValidityDays);
  if (plan.organisation().empty()) plan.set_organisation(std::string(kDefaultOrganisation));
  for (auto& c : *plan.mutable_custodians()) {
    if (c.key_label().empty()) c.set_key_label(std::string(kDefaultCustodianKeyLabel));
    if (c.algorithm() == v1::KEY_ALGORITHM_UNSPECIFIED) c.set_algorithm(v1::ECDSA_P256_SHA256);
  }
  default_key(*plan.mutable_release_key(), kDefaultReleaseLabel);
  default_key(*plan.mutable_evidence_key(), kDefaultEvidenceLabel);
  default_key(*plan.mutable_manufacturing_ca_key(), kDefaultManufacturingCaLabel);
}

namespace {

// Each custodian named once (1 to 64 printable characters) with a card of their own: a
// well-formed URI, not the signer HSM, not another custodian's.
Result<void> validate_custodians(const v1::CeremonyPlan& plan, std::string_view origin) {
  std::set<std::string> names;
  std::set<std::string> uris;
  for (const auto& c : plan.custodians()) {
    if (c.name().empty()) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: a custodian has no name (card {})", origin, c.card_uri()));
    }
    const bool printable = std::all_of(c.name().begin(), c.name().end(), [](char ch) {
      return static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f;
    });
    if (!printable || c.name().size() > 64) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: custodian names are 1 to 64 printable characters (card {})",
                              origin, c.card_uri()));
    }
    if (!names.insert(c.name()).second) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: custodian '{}' is named twice: one person counts once, "
                              "list each custodian once",
                              origin, c.name()));
    }
    if (auto ok = check_uri(c.card_uri(), "the card of custodian '" + c.name() + "'", origin);
        !ok) {
      return ok;
    }
    if (c.card_uri() == plan.signer().uri()) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: the card of custodian '{}' is the signer HSM ({}): a "
                              "custodian's key lives on their own card",
                              origin, c.name(), c.card_uri()));
    }
    if (!uris.insert(c.card_uri()).second) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: card {} is listed for two custodians (second: '{}'): each "
                              "custodian brings their own card",
                              origin, c.card_uri(), c.name()));
    }
  }
  return {};
}

// Three different signer-key labels; regenerate_keys names only those.
Result<void> validate_key_labels(const v1::CeremonyPlan& plan, std::string_view origin) {
  const std::string labels[] = {plan.release_key().label(), plan.evidence_key().label(),
                                plan.manufacturing_ca_key().label()};
  if (labels[0] == labels[1] || labels[0] == labels[2] || labels[1] == labels[2]) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: the release, evidence and manufacturing-CA keys need three "
                            "different labels",
                            origin));
  }
  for (const auto& label : plan.regenerate_keys()) {
    if (label != labels[0] && label != labels[1] && label != labels[2]) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: regenerate_keys names '{}', which is none of the plan's "
                              "key labels ({}, {}, {})",
                              origin, label, labels[0], labels[1], labels[2]));
    }
  }
  return {};
}

}  // namespace

Result<void> validate_plan(const v1::CeremonyPlan& plan, std::string_view origin) {
  const auto n = static_cast<uint32_t>(plan.custodians_size());
  if (n == 0) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: the plan names no custodians: add a custodians {{ name "
                            "card_uri }} block per custodian",
                            origin));
  }
  if (auto ok = validate_custodians(plan, origin); !ok) return ok;
  const std::pair<std::string_view, uint32_t> thresholds[] = {
      {"root_threshold", plan.root_threshold()},
      {"approver_threshold", plan.approver_threshold()}};
  for (const auto& [what, value] : thresholds) {
    if (value < 1 || value > n) {
      return fail(ErrorCode::kUsage,
                  fmt::format("{}: {} is {} but the plan has {} custodian(s): choose 1 to {}",
                              origin, what, value, n, n));
    }
  }
  if (plan.validity_days() > kMaxValidityDays) {
    return fail(ErrorCode::kUsage, fmt::format("{}: validity_days {} is more than 20 years",
                                               origin, plan.validity_days()));
  }
  if (!plan.signer().uri().empty()) {
    if (auto ok = check_uri(plan.signer().uri(), "the signer HSM", origin); !ok) return ok;
  }
  return validate_key_labels(plan, origin);
}

Result<LoadedPlan> parse_plan(ByteView text, std::string_view origin) {
  LoadedPlan loaded;
  loaded.origin = std::string(origin);
  if (auto ok = verifier::parse_textproto(as_chars(text), origin, "ceremony plan", loaded.plan);
      !ok) {
    return std::unexpected(ok.error());
  }
  apply_defaults(loaded.plan);
  if (auto ok = validate_plan(loaded.plan, origin); !ok) return std::unexpected(ok.error());
  auto digest = verifier::sha256(text);
  if (!digest) return std::unexpected(digest.error());
  loaded.digest = *digest;
  return loaded;
}

Result<LoadedPlan> load_plan(const std::filesystem::path& path) {
  auto bytes = fileio::read_file(path, kMaxPlanBytes);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_plan(*bytes, path.string());
}

const v1::PlanCustodian* find_custodian(const v1::CeremonyPlan& plan, std::string_view name) {
  for (const auto& c : plan.custodians()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

}  // namespace hallmark::ceremony
