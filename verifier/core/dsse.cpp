#include "verifier/core/dsse.h"

#include <algorithm>

#include <google/protobuf/util/json_util.h>

namespace hallmark::verifier {

namespace {

void append(Bytes& out, std::string_view s) {
  const auto b = as_bytes(s);
  out.insert(out.end(), b.begin(), b.end());
}

// Trusted keys without duplicates (by key id), in the order given.
std::vector<const PublicKey*> distinct_keys(std::span<const PublicKey> trusted) {
  std::vector<const PublicKey*> keys;
  for (const PublicKey& k : trusted) {
    const bool seen = std::any_of(keys.begin(), keys.end(),
                                  [&](const PublicKey* p) { return *p == k; });
    if (!seen) keys.push_back(&k);
  }
  return keys;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

Bytes pae(std::string_view payload_type, ByteView payload) {
  Bytes out;
  out.reserve(payload_type.size() + payload.size() + 32);
  append(out, "DSSEv1 ");
  append(out, std::to_string(payload_type.size()));
  append(out, " ");
  append(out, payload_type);
  append(out, " ");
  append(out, std::to_string(payload.size()));
  append(out, " ");
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<v1::Envelope> sign_envelope(std::string_view payload_type, ByteView payload,
                                   std::string_view key_id, const PaeSigner& sign) {
  if (!sign) return fail(ErrorCode::kUsage, "no signer given for the envelope");
  auto signature = sign(pae(payload_type, payload));
  if (!signature) return std::unexpected(std::move(signature).error());
  v1::Envelope envelope;
  envelope.set_payload(std::string(as_chars(payload)));
  envelope.set_payload_type(std::string(payload_type));
  auto* entry = envelope.add_signatures();
  entry->set_keyid(std::string(key_id));
  entry->set_sig(std::string(as_chars(*signature)));
  return envelope;
}

// parse_envelope_json() is in dsse_json.cpp.

std::string envelope_to_json(const v1::Envelope& envelope) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // DSSE requires "payload" even when empty
  std::string out;
  // Printing a message with only string and bytes fields cannot fail.
  (void)google::protobuf::util::MessageToJsonString(envelope, &out, options);
  return out;
}

std::vector<bool> keys_that_signed(const v1::Envelope& envelope,
                                   std::span<const PublicKey* const> keys) {
  const Bytes message = pae(envelope.payload_type(), as_bytes(envelope.payload()));
  std::vector<bool> accepted(keys.size(), false);
  std::vector<std::size_t> order;
  order.reserve(keys.size());
  for (const auto& signature : envelope.signatures()) {
    // The key id only decides which key is tried first; every key is tried.
    order.clear();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == nullptr) continue;
      if (keys[i]->key_id() == signature.keyid()) {
        order.insert(order.begin(), i);
      } else {
        order.push_back(i);
      }
    }
    for (const std::size_t i : order) {
      if (accepted[i]) continue;
      if (keys[i]->verify(message, as_bytes(signature.sig()))) {
        accepted[i] = true;
        break;  // one signature counts for one key
      }
    }
  }
  return accepted;
}

Result<VerifiedPayload> verify_envelope(const v1::Envelope& envelope,
                                        std::span<const PublicKey> trusted,
                                        std::uint32_t threshold,
                                        std::string_view expected_payload_type) {
  const auto keys = distinct_keys(trusted);
  if (threshold == 0) {
    return fail(ErrorCode::kUsage, "threshold must be at least 1");
  }
  if (keys.empty()) return fail(ErrorCode::kUsage, "no trusted keys given");
  if (threshold > keys.size()) {
    return fail(ErrorCode::kUsage, "threshold " + std::to_string(threshold) +
                                       " cannot be met by " + std::to_string(keys.size()) +
                                       " distinct trusted key(s)");
  }
  if (static_cast<std::size_t>(envelope.signatures_size()) > kMaxSignatures) {
    return fail(ErrorCode::kUsage, "envelope has " +
                                       std::to_string(envelope.signatures_size()) +
                                       " signatures; at most " +
                                       std::to_string(kMaxSignatures) + " are accepted");
  }

  const ByteView payload = as_bytes(envelope.payload());
  const std::vector<bool> accepted = keys_that_signed(envelope, keys);

  std::vector<std::string> verified;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (accepted[i]) verified.push_back(keys[i]->key_id());
  }
  std::sort(verified.begin(), verified.end());
  if (verified.size() < threshold) {
    return fail(ErrorCode::kVerificationFailed,
                std::to_string(verified.size()) + " of " + std::to_string(threshold) +
                    " required signatures verified (" +
                    (verified.empty() ? std::string("no trusted key verified")
                                      : "verified by: " + join(verified)) +
                    ")");
  }
  if (!expected_payload_type.empty() && envelope.payload_type() != expected_payload_type) {
    return fail(ErrorCode::kVerificationFailed,
                "payload type is \"" + envelope.payload_type() + "\", expected \"" +
                    std::string(expected_payload_type) + "\"");
  }
  if (envelope.payload_type().empty()) {
    return fail(ErrorCode::kVerificationFailed, "envelope has an empty payload type");
  }
  return VerifiedPayload{envelope.payload_type(), Bytes(payload.begin(), payload.end()),
                         std::move(verified)};
}

}  // namespace hallmark::verifier
