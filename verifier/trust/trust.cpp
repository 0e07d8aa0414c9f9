// load_trust(): pin, chain, revocations, reference time — in that order, in one place.
#include "verifier/trust/trust.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace hallmark::verifier {
namespace {

std::string describe(const AppliedRevocation& r) {
  return fmt::format("revocation {} (payload SHA-256 {}{})", r.name, r.digest.hex(),
                     r.revocation.reason().empty() ? ""
                                                   : ", reason \"" + r.revocation.reason() + "\"");
}

template <class Pred>
const AppliedRevocation* find_revocation(const std::vector<AppliedRevocation>& all, Pred pred) {
  auto it = std::find_if(all.begin(), all.end(), pred);
  return it == all.end() ? nullptr : &*it;
}

bool lists(const google::protobuf::RepeatedPtrField<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

Result<Digest> anchor_digest_of(const v1::Envelope& anchor) {
  return sha256(as_bytes(anchor.payload()));
}

Result<Trust> load_trust(TrustInputs inputs) {
  if (inputs.chain.empty()) {
    return fail(ErrorCode::kUsage, "no trust root given (the chain starts with trust-root-v1.json)");
  }
  const TrustDocument& anchor_doc = inputs.chain.front();
  auto anchor_digest = anchor_digest_of(anchor_doc.envelope);
  if (!anchor_digest) return std::unexpected(anchor_digest.error());
  auto root = TrustedRoot::from_anchor(anchor_doc.envelope, inputs.anchor.pinned());
  if (!root) return std::unexpected(std::move(root).error().context(anchor_doc.name));
  for (std::size_t i = 1; i < inputs.chain.size(); ++i) {
    if (auto ok = root->update(inputs.chain[i].envelope); !ok) {
      return std::unexpected(std::move(ok).error().context(inputs.chain[i].name));
    }
  }
  std::vector<AppliedRevocation> applied;
  for (const auto& doc : inputs.revocations) {
    auto revocation = root->add_revocation(doc.envelope);
    if (!revocation) return std::unexpected(std::move(revocation).error().context(doc.name));
    auto digest = sha256(as_bytes(doc.envelope.payload()));
    if (!digest) return std::unexpected(digest.error());
    applied.push_back({doc.name, *digest, std::move(*revocation), doc.envelope});
  }
  if (auto fresh = root->check_fresh(inputs.now_unix); !fresh) {
    return std::unexpected(std::move(fresh).error().context(inputs.chain.back().name));
  }
  Trust trust(std::move(*root), *anchor_digest, std::move(inputs));
  trust.revocations_ = std::move(applied);
  return trust;
}

Result<void> Trust::refuse_revoked_bundle(ByteView bundle_digest) const {
  if (!root_.bundle_revoked(bundle_digest)) return {};
  const AppliedRevocation* by = find_revocation(revocations_, [&](const AppliedRevocation& r) {
    return std::any_of(r.revocation.bundle_digests().begin(), r.revocation.bundle_digests().end(),
                       [&](const std::string& d) {
                         const ByteView b = as_bytes(d);
                         return std::equal(b.begin(), b.end(), bundle_digest.begin(),
                                           bundle_digest.end());
                       });
  });
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("bundle {} is revoked by {}", to_hex(bundle_digest),
                          by != nullptr ? describe(*by) : std::string("a revocation")));
}

Result<void> Trust::refuse_revoked_key(std::string_view key_id, std::string_view what) const {
  if (!root_.key_revoked(key_id)) return {};
  const AppliedRevocation* by = find_revocation(revocations_, [&](const AppliedRevocation& r) {
    return lists(r.revocation.key_ids(), key_id);
  });
  std::string through;
  if (by == nullptr) {  // revoked through its custodian
    for (const auto& c : root_.current().custodians()) {
      if (!lists(c.key_ids(), key_id)) continue;
      by = find_revocation(revocations_, [&](const AppliedRevocation& r) {
        return lists(r.revocation.custodians(), c.name());
      });
      through = fmt::format(" (custodian {} is revoked)", c.name());
    }
  }
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("the {} key {} is revoked{} by {}", what, key_id, through,
                          by != nullptr ? describe(*by) : std::string("a revocation")));
}

Result<void> Trust::refuse_revoked_station(const StationId& station_id) const {
  if (!root_.station_revoked(station_id)) return {};
  const AppliedRevocation* by = find_revocation(revocations_, [&](const AppliedRevocation& r) {
    return lists(r.revocation.station_ids(), station_id.str());
  });
  return fail(ErrorCode::kPolicyRefused,
              fmt::format("station '{}' is revoked by {}", station_id,
                          by != nullptr ? describe(*by) : std::string("a revocation")));
}

}  // namespace hallmark::verifier
