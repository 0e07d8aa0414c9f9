#include "ceremony/cli/ceremony_options.h"

#include "verifier/core/sha256.h"

#include <fmt/format.h>

#include <iostream>

#include "ceremony/src/outputs.h"
#include "hallmark/station.pb.h"
#include "hallmark/trust.pb.h"
#include "verifier/tool/command_line.h"
#include "verifier/tool/display_json.h"
#include "verifier/trust/station_registration.h"
#include "verifier/trust/trusted_root.h"

namespace hallmark::ceremony {
namespace {

template <class Msg>
void print_payload(const v1::Envelope& envelope) {
  Msg message;
  if (message.ParseFromString(envelope.payload())) std::cout << tool::to_display_json(message) << '\n';
}

}  // namespace

void add_ceremony_options(CLI::App& cmd, CeremonyOptions& o, bool signer_hsm) {
  cmd.add_option("--pin", o.pins,
                 "Where a custodian's PIN comes from, NAME=SOURCE with SOURCE prompt, "
                 "file:PATH, fd:N or env:VAR (repeatable; default: prompt)");
  cmd.add_option("--signer-pin", o.signer_pin,
                 signer_hsm ? "Where the signer HSM's PIN comes from"
                            : "Not used here (this ceremony needs no signer HSM); accepted so "
                              "one set of flags serves every ceremony")
      ->capture_default_str();
  cmd.add_option("--present", o.present,
                 "Custodians at the table, comma-separated (default: all)")
      ->delimiter(',');
}

Result<TerminalUi> make_terminal_ui(const CeremonyOptions& o,
                                    std::initializer_list<const LoadedPlan*> plans) {
  auto ui = TerminalUi::from_specs(std::cerr, o.pins, o.signer_pin);
  if (!ui) return ui;
  for (const auto& name : ui->pin_names()) {
    bool known = false;
    for (const LoadedPlan* plan : plans) {
      known = known || (plan != nullptr && find_custodian(plan->plan, name) != nullptr);
    }
    if (!known) {
      return fail(ErrorCode::kUsage,
                  fmt::format("--pin names '{}', who is not a custodian in the plan", name));
    }
  }
  return ui;
}

Result<void> finish_ceremony(const CeremonyOutcome& outcome, const std::filesystem::path& out,
                             bool json) {
  auto written = write_outcome(outcome, out);
  if (!written) return std::unexpected(written.error());
  if (!outcome.ok()) {
    Error error = outcome.error.value_or(
        Error{ErrorCode::kInternal, "the ceremony produced no document", 0, {}});
    error.message += fmt::format(" — transcript written to {}; nothing else was written",
                                 written->transcript.string());
    return std::unexpected(std::move(error));
  }
  std::cerr << fmt::format("\nThe {} ceremony succeeded.\n  document:   {}\n  transcript: {}\n",
                           outcome.ceremony, written->document->string(),
                           written->transcript.string());
  if (auto digest = verifier::sha256(as_bytes(outcome.document->payload()))) {
    std::cerr << fmt::format("  payload SHA-256: {}\n", digest->hex());
    if (outcome.document_type == verifier::kTrustRootType && outcome.version == 1) {
      std::cerr << fmt::format(
          "  anchor digest: {} — read it out to everyone who will verify; auditors pin it "
          "(hallmark-verify --pin-digest, or /etc/hallmark/anchor.sha256)\n",
          digest->hex());
    }
  }
  if (json) {
    if (outcome.document_type == verifier::kTrustRootType) {
      print_payload<v1::TrustRoot>(*outcome.document);
    } else if (outcome.document_type == verifier::kRegistrationType) {
      print_payload<v1::StationRegistration>(*outcome.document);
    } else if (outcome.document_type == verifier::kRevocationType) {
      print_payload<v1::Revocation>(*outcome.document);
    }
  }
  return {};
}

void add_trust_file_options(CLI::App& cmd, TrustFiles& files, const std::string& plan_help) {
  cmd.add_option("--plan", files.plan, plan_help)->required();
  tool::add_trust_root_flags(cmd, files.trust, tool::TrustRootFlagUse::kSigningHost);
}

}  // namespace hallmark::ceremony
