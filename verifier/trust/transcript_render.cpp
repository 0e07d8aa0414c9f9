// render_transcript: the auditor's view of a verified transcript. Every string from the
// document is escaped, so a transcript cannot drive the terminal it is printed on.
#include <fmt/core.h>


#include "verifier/core/printable.h"
#include "verifier/core/public_key.h"
#include "verifier/core/software_token.h"
#include "verifier/trust/transcript.h"

namespace hallmark::verifier {

namespace {

std::string token_text(const v1::TokenInfo& t) {
  std::string text =
      fmt::format("label \"{}\", serial \"{}\", {} {}", printable(t.label()),
                  printable(t.serial()), printable(t.manufacturer()), printable(t.model()));
  if (!t.profile().empty()) text += fmt::format(", profile {}", printable(t.profile()));
  if (is_software_token(t)) {
    text += fmt::format(" — SOFTWARE TOKEN{} (tests and demos only)",
                        t.software_token()
                            ? ", allowed by " + std::string(kAllowSoftwareTokenFlag)
                            : std::string());
  }
  return text;
}

std::string provenance_text(const v1::KeyProvenance& p) {
  auto flag = [](bool value, const char* name) {
    return fmt::format("{}={}", name, value ? "yes" : "no");
  };
  return fmt::format("{} {} {} {} {} {}", flag(p.local(), "local"),
                     flag(p.never_extractable(), "never-extractable"),
                     flag(p.always_sensitive(), "always-sensitive"),
                     flag(p.extractable(), "extractable"), flag(p.sensitive(), "sensitive"),
                     flag(p.always_authenticate(), "always-authenticate"));
}

void render_key(const v1::TokenKey& key, std::string& out) {
  const v1::PublicKey& pub = key.public_key();
  out += fmt::format("    key: {} ({})\n", printable(pub.key_id()),
                     v1::KeyAlgorithm_Name(pub.algorithm()));
  // The id is the document's claim; say so when it does not match the key it describes.
  if (!pub.spki_der().empty()) {
    if (auto parsed = PublicKey::from_proto(pub); !parsed) {
      out += fmt::format("      WARNING: {}\n", printable(parsed.error().message));
    }
  }
  if (!key.label().empty()) out += fmt::format("      label: {}\n", printable(key.label()));
  if (!key.uri().empty()) out += fmt::format("      uri: {}\n", printable(key.uri()));
  if (key.has_token()) out += fmt::format("      token: {}\n", token_text(key.token()));
  if (key.has_provenance()) {
    out += fmt::format("      provenance: {}\n", provenance_text(key.provenance()));
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + printable(s);
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string render_transcript(const VerifiedTranscript& verified) {
  const v1::CeremonyTranscript& t = verified.transcript;
  std::string out;
  out += fmt::format("ceremony: {}\n", printable(t.ceremony()));
  out += fmt::format("plan digest: {}\n",
                     t.plan_digest().empty() ? "(none)" : printable(t.plan_digest()));
  out += fmt::format("result digest: {}\n",
                     t.result_digest().empty() ? "(none)" : to_hex(as_bytes(t.result_digest())));
  out += fmt::format("entries: {} (hash chain intact)\n", verified.entries.size());
  for (const auto& e : verified.entries) {
    out += fmt::format("\n#{} {} {} [{}]\n", e.sequence(), format_utc(e.time_unix()),
                       printable(e.step()), e.ok() ? "ok" : "FAILED");
    if (!e.actor().empty()) out += fmt::format("    actor: {}\n", printable(e.actor()));
    if (e.has_token()) out += fmt::format("    token: {}\n", token_text(e.token()));
    for (const auto& key : e.keys()) render_key(key, out);
    if (!e.detail().empty()) out += fmt::format("    detail: {}\n", printable_lines(e.detail(), "      "));
  }
  out += fmt::format("\nsigned by: {}\n", join(verified.signer_identities));
  out += fmt::format("signing keys: {}\n", join(verified.signer_key_ids));
  return out;
}

}  // namespace hallmark::verifier
