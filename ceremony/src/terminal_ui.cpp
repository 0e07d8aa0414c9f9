#include "ceremony/src/terminal_ui.h"

#include <fmt/format.h>

namespace hallmark::ceremony {

TerminalUi::TerminalUi(std::ostream& out, std::map<std::string, hsm::PinSource> custodian_pins,
                       hsm::PinSource signer_pin)
    : out_(&out), custodian_pins_(std::move(custodian_pins)), signer_pin_(std::move(signer_pin)) {}

namespace {

// "NAME=SOURCE" entries of `flag` (--pin, --passphrase) by name.
Result<std::map<std::string, hsm::PinSource>> named_sources(
    const std::vector<std::string>& entries, std::string_view flag) {
  std::map<std::string, hsm::PinSource> sources;
  for (const auto& entry : entries) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      // Never echo `entry`: it may be a secret typed by mistake.
      return fail(ErrorCode::kUsage,
                  fmt::format("{} takes NAME=SOURCE, e.g. {} alice=fd:3 or {} bob=env:BOB_PIN",
                              flag, flag, flag));
    }
    const std::string name = entry.substr(0, eq);
    auto source = hsm::parse_pin_source(std::string_view(entry).substr(eq + 1));
    if (!source) return std::unexpected(source.error().context(fmt::format("{} {}", flag, name)));
    if (!sources.emplace(name, std::move(*source)).second) {
      return fail(ErrorCode::kUsage, fmt::format("{} names custodian '{}' twice", flag, name));
    }
  }
  return sources;
}

}  // namespace

Result<TerminalUi> TerminalUi::from_specs(std::ostream& out,
                                          const std::vector<std::string>& pins,
                                          const std::string& signer_pin) {
  auto named = named_sources(pins, "--pin");
  if (!named) return std::unexpected(named.error());
  std::map<std::string, hsm::PinSource> sources = std::move(*named);
  auto signer = hsm::parse_pin_source(signer_pin);
  if (!signer) return std::unexpected(signer.error().context("--signer-pin"));
  return TerminalUi(out, std::move(sources), std::move(*signer));
}

Result<void> TerminalUi::set_signer_so_pin(const std::string& spec) {
  auto source = hsm::parse_pin_source(spec);
  if (!source) return std::unexpected(source.error().context("--signer-so-pin"));
  signer_so_pin_ = std::move(*source);
  return {};
}

Result<void> TerminalUi::set_passphrases(const std::vector<std::string>& specs) {
  auto named = named_sources(specs, "--passphrase");
  if (!named) return std::unexpected(named.error());
  passphrases_ = std::move(*named);
  return {};
}

std::vector<std::string> TerminalUi::pin_names() const {
  std::vector<std::string> names;
  for (const auto& [name, source] : custodian_pins_) names.push_back(name);
  return names;
}

void TerminalUi::step(std::string_view heading) {
  *out_ << fmt::format("\n== {}\n", heading) << std::flush;
}

void TerminalUi::progress(std::string_view text) { *out_ << "   " << text << '\n' << std::flush; }

void TerminalUi::show_signing(const SigningView& view) {
  *out_ << fmt::format(
               "\n---- {}: you are about to sign ----\n{}\n{}"
               "  Check the summary{} before you enter your PIN.\n----\n",
               view.custodian, view.summary, read_aloud_text(view),
               view.read_aloud ? " and that every custodian read out the same digest" : "")
        << std::flush;
}

// A person at the prompt, or a descriptor (each read takes its next line), can give another
// PIN; a file's first line and a variable are the same every time.
bool TerminalUi::pin_can_change(const PinRequest& request) const {
  const auto changes = [](const hsm::PinSource& s) {
    return s.kind == hsm::PinSource::Kind::kPrompt || s.kind == hsm::PinSource::Kind::kFd;
  };
  if (request.holder == PinRequest::Holder::kSignerHsm) return changes(signer_pin_);
  auto it = custodian_pins_.find(request.name);
  return it == custodian_pins_.end() || changes(it->second);
}

Result<hsm::Pin> TerminalUi::ask_pin(const PinRequest& request) {
  if (request.holder == PinRequest::Holder::kSharePassphrase) {
    *out_ << fmt::format("   Passphrase of custodian {} to {}\n", request.name, request.purpose)
          << std::flush;
    hsm::PinSource source;
    if (auto it = passphrases_.find(request.name); it != passphrases_.end()) source = it->second;
    auto secret = hsm::read_pin(source, fmt::format("Passphrase of {}: ", request.name));
    if (!secret) return std::unexpected(secret.error().context("passphrase of " + request.name));
    return secret;
  }
  if (request.holder == PinRequest::Holder::kSignerHsmSo) {
    *out_ << fmt::format("   SO PIN of the signer HSM '{}' to {} (PIN state: {})\n",
                         request.token_label, request.purpose, request.state.text())
          << std::flush;
    auto pin = hsm::read_pin(signer_so_pin_,
                             fmt::format("SO PIN for '{}': ", request.token_label));
    if (!pin) return std::unexpected(pin.error().context("signer HSM SO PIN"));
    return pin;
  }
  const bool signer = request.holder == PinRequest::Holder::kSignerHsm;
  *out_ << fmt::format("   PIN for {} on token '{}' to {} (attempt {} of {}; PIN state: {})\n",
                       signer ? "the signer HSM" : "custodian " + request.name,
                       request.token_label, request.purpose, request.attempt,
                       request.max_attempts, request.state.text())
        << std::flush;
  hsm::PinSource source;
  if (signer) {
    source = signer_pin_;
  } else if (auto it = custodian_pins_.find(request.name); it != custodian_pins_.end()) {
    source = it->second;
  }
  auto pin = hsm::read_pin(source, fmt::format("PIN for '{}': ", request.token_label));
  if (!pin) {
    return std::unexpected(pin.error().context(
        signer ? std::string("signer HSM PIN") : "PIN of custodian " + request.name));
  }
  return pin;
}

void TerminalUi::info(std::string_view text) { *out_ << text << '\n' << std::flush; }

void TerminalUi::warning(std::string_view text) {
  *out_ << "WARNING: " << text << '\n' << std::flush;
}

}  // namespace hallmark::ceremony
