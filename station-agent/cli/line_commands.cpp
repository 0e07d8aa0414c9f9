#include "station-agent/cli/line_commands.h"

#include <iostream>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "station-agent/cli/station_token.h"
#include "station-agent/driver/device_driver.h"
#include "station-agent/station/card_signer.h"
#include "station-agent/station/intake.h"
#include "station-agent/station/person_events.h"
#include "station-agent/station/station_state.h"
#include "station-agent/station/unit_programmer.h"
#include "verifier/bundle/device_match.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"
#include "verifier/people/roster.h"
#include "verifier/tool/display_json.h"

namespace hallmark::station {
namespace {

using Verdict = UnitVerdict;

void add_card_options(CLI::App& cmd, hsm::TokenOptions& card, const std::string& who) {
  card.pin = "prompt";
  cmd.add_option("--card", card.uri, "pkcs11: URI of the " + who + "'s own card")->required();
  cmd.add_option("--card-pin", card.pin,
                 "Where the card's PIN comes from: prompt, file:PATH, fd:N or env:NAME")
      ->capture_default_str();
  cmd.add_option("--card-profile", card.profile,
                 "HSM profile of the card; default: detected from the module and the card");
}

std::string result_name(const v1::Attestation& a) {
  switch (a.result()) {
    case v1::Attestation::PASS: return "PASS";
    case v1::Attestation::FAIL: return "FAIL";
    case v1::Attestation::SCRAPPED: return "SCRAPPED";
    default: return "-";
  }
}

// Progress on stderr: one line per step, a percentage for long writes.
StepObserver progress_printer() {
  return [last = std::string()](const StepProgress& p) mutable {
    const std::string head = p.step > p.steps
                                 ? fmt::format("  [done] {}", p.what)
                                 : fmt::format("  [{}/{}] {}", p.step, p.steps, p.what);
    if (p.total == 0) {
      std::cerr << head << "\n";
      last.clear();
      return;
    }
    const std::string pct = fmt::format("{} {}%", head, p.done * 100 / p.total);
    if (pct != last) {
      std::cerr << "\r" << pct << (p.done == p.total ? "\n" : "") << std::flush;
      last = pct;
    }
  };
}

Result<void> report_outcome(const tool::CommandLine& cli, const UnitOutcome& outcome,
                            std::string_view serial) {
  if (cli.json()) {
    std::cout << tool::to_display_json(outcome.attestation) << "\n";
  } else {
    std::cout << fmt::format("serial       {}\nhardware id  {}\nrecord       {}\nresult       {}\n",
                             serial, outcome.hardware_id, outcome.sequence,
                             outcome.verdict == Verdict::kLineStopped
                                 ? "LINE STOPPED"
                                 : result_name(outcome.attestation));
    if (outcome.attestation.has_device()) {
      std::cout << fmt::format("device       {}\n", bundle::describe_device(outcome.attestation.device()));
    }
    if (!outcome.detail.empty()) std::cout << fmt::format("detail       {}\n", outcome.detail);
  }
  switch (outcome.verdict) {
    case Verdict::kPass: return {};
    case Verdict::kFail:
      if (outcome.wrong_device) {
        return fail(ErrorCode::kPolicyRefused,
                    fmt::format("unit {} is NOT the part this bundle is for (see the detail); "
                                "it is recorded as failed (record {}) and nothing was written "
                                "to it. Do not rework it with this bundle: set the board aside "
                                "and check with your supervisor which product this line is "
                                "building",
                                serial, outcome.sequence));
      }
      if (outcome.token_fault) {
        return fail(ErrorCode::kToken,
                    fmt::format("unit {} FAILED because the station's token failed, and is "
                                "recorded as failed (record {}): {}. Fix or replace the token "
                                "first, then rework the unit (hallmark-station rework)",
                                serial, outcome.sequence, outcome.detail));
      }
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("unit {} FAILED and is recorded as failed (record {}): {}. Set it "
                              "aside for rework (hallmark-station rework)",
                              serial, outcome.sequence, outcome.detail));
    case Verdict::kLineStopped:
      return fail(ErrorCode::kPolicyRefused,
                  fmt::format("THE LINE IS STOPPED (record {}): {}. Call a supervisor: no unit "
                              "may be programmed until they release the line with their card "
                              "(hallmark-station break-glass)",
                              outcome.sequence, outcome.detail));
  }
  return {};
}

struct UnitOptions {
  LineCliOptions line;
  std::string serial;
  std::string device;
  std::string bundle;
  std::string reason;
};

Result<void> run_unit(const tool::CommandLine& cli, const UnitOptions& o, UnitMode mode) {
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  auto release = load_release(line, o.bundle);
  if (!release) return std::unexpected(release.error());
  // Refused before the device is opened and before the unit is announced.
  const UnitRequest request{Serial(o.serial), mode, o.reason};
  if (auto ok = unit_may_start(line, *release, request); !ok) {
    return std::unexpected(ok.error());
  }
  auto device = device::open_driver(o.device);
  if (!device) return std::unexpected(device.error());
  std::cerr << fmt::format("{} {} with {} {} (bundle {})\n",
                           mode == UnitMode::kRework ? "reworking" : "programming", o.serial,
                           release->release.release.sku(), release->release.release.version(),
                           release->release.bundle_digest.hex());
  auto outcome = program_unit(line, *release, **device, request, progress_printer());
  if (!outcome) return std::unexpected(outcome.error());
  return report_outcome(cli, *outcome, o.serial);
}

void add_unit_command(tool::CommandLine& cli, const std::string& name, UnitMode mode,
                      const std::string& description) {
  auto o = std::make_shared<UnitOptions>();
  auto* cmd = cli.add(cli.app(), name, description,
                      [&cli, o, mode] { return run_unit(cli, *o, mode); });
  add_line_options(*cmd, o->line);
  cmd->add_option("--serial", o->serial, "The serial printed on the unit's label (scanned)")
      ->required();
  cmd->add_option("--device", o->device, "The device: sim:SOCKET or cmd:CONFIG")->required();
  cmd->add_option("--bundle", o->bundle,
                  "The accepted bundle: its SKU (newest accepted) or bundle digest")
      ->required();
  // Only rework takes a reason: programming a new unit needs none.
  if (mode == UnitMode::kRework) {
    cmd->add_option("--reason", o->reason, "Why the unit is reworked")->required();
  }
}

struct ScrapOptions {
  LineCliOptions line;
  std::string device;
  std::string hardware_id;
  std::string reason;
};

struct TakeOverOptions {
  LineCliOptions line;
  std::string serial;
  std::string device;
  std::string from;
  std::string reason;
};

struct PersonOptions {
  LineCliOptions line;
  hsm::TokenOptions card;
  std::string reason;
};

Result<void> run_install_roster(const LineCliOptions& o, const std::string& file) {
  auto roster = read_envelope(file);
  if (!roster) return std::unexpected(roster.error());
  auto opened = open_line(o, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  auto sequence = install_roster(line, *roster);
  if (!sequence) return std::unexpected(sequence.error().context(file));
  const people::VerifiedRoster& r = *line.history().roster();
  std::cout << fmt::format("roster       v{} (SHA-256 {}), issued {}\nrecord       {}\n",
                           r.roster.version(), r.digest.hex(),
                           verifier::format_utc(r.roster.issued_unix()), *sequence);
  for (const auto& person : r.roster.people()) {
    for (const auto& station : person.station_ids()) {
      if (station != line.station_id().str()) continue;
      std::cout << fmt::format("person       {} ({}, card key {})\n", person.name(),
                               people::role_name(person.role()), person.key().key_id());
    }
  }
  return {};
}

Result<void> run_login(const PersonOptions& o) {
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  hsm::TokenOptions card_options = o.card;
  // One --allow-software-token covers the station token and the person's card.
  card_options.allow_software_token = o.line.token.allow_software_token;
  auto card = open_card(card_options, std::cerr);
  if (!card) return std::unexpected(card.error());
  auto sequence = start_session(line, card->signer());
  if (!sequence) return std::unexpected(sequence.error());
  const auto& session = *line.history().session();
  std::cout << fmt::format("logged in    {}\nsession      {}\nrecord       {}\n",
                           session.operator_name, session.id, *sequence);
  return {};
}

Result<void> run_logout(const LineCliOptions& o) {
  auto opened = open_line(o, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  const std::string who = line.history().session() ? line.history().session()->operator_name : "";
  auto sequence = end_session(line);
  if (!sequence) return std::unexpected(sequence.error());
  std::cout << fmt::format("logged out   {}\nrecord       {}\n", who, *sequence);
  return {};
}

Result<void> run_break_glass(const PersonOptions& o) {
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto& line = (*opened)->line();
  if (const auto& stop = line.history().line_stop()) {
    std::cerr << fmt::format("line stopped at record {}: {}\n", stop->sequence, stop->cause);
  }
  hsm::TokenOptions card_options = o.card;
  // One --allow-software-token covers the station token and the person's card.
  card_options.allow_software_token = o.line.token.allow_software_token;
  auto card = open_card(card_options, std::cerr);
  if (!card) return std::unexpected(card.error());
  auto sequence = break_glass(line, card->signer(), o.reason);
  if (!sequence) return std::unexpected(sequence.error());
  std::cout << fmt::format("line released (record {}); reason recorded: {}\n", *sequence, o.reason);
  return {};
}

Result<void> run_scrap(const ScrapOptions& o) {
  if (o.device.empty() == o.hardware_id.empty()) {
    return fail(ErrorCode::kUsage, "give exactly one of --device and --hardware-id");
  }
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  std::unique_ptr<device::DeviceDriver> device;
  if (!o.device.empty()) {
    auto driver = device::open_driver(o.device);
    if (!driver) return std::unexpected(driver.error());
    device = std::move(*driver);
  }
  auto sequence = scrap_unit((*opened)->line(), HardwareId(o.hardware_id), device.get(), o.reason);
  if (!sequence) return std::unexpected(sequence.error());
  std::cout << fmt::format("scrapped     record {}: this hardware id stops the line if it comes "
                           "back\n",
                           *sequence);
  return {};
}

Result<void> run_take_over(const tool::CommandLine& cli, const TakeOverOptions& o) {
  auto opened = open_line(o.line, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  auto device = device::open_driver(o.device);
  if (!device) return std::unexpected(device.error());
  auto outcome = take_over_unit((*opened)->line(), **device, Serial(o.serial), StationId(o.from),
                                o.reason);
  if (!outcome) return std::unexpected(outcome.error());
  return report_outcome(cli, *outcome, o.serial);
}

Result<void> run_status(const LineCliOptions& o) {
  auto opened = open_line(o, std::cerr);
  if (!opened) return std::unexpected(opened.error());
  const auto& line = (*opened)->line();
  const auto& h = line.history();
  const auto& c = h.counts();
  std::cout << fmt::format("station      {}\n", line.station_id());
  std::cout << fmt::format("journal      {} records{}\n", line.journal().head().sequence,
                           line.journal().sealed().sequence == 0
                               ? std::string()
                               : fmt::format(" (1..{} sealed into segments)",
                                             line.journal().sealed().sequence));
  std::cout << fmt::format("history      {}\n", line.snapshot_note());
  if (const auto& stop = h.line_stop()) {
    std::cout << fmt::format("line         STOPPED at record {}: {}\n", stop->sequence, stop->cause);
  } else {
    std::cout << "line         running\n";
  }
  if (const auto& session = h.session()) {
    const std::int64_t expires = line.session_expires_unix(*session);
    std::cout << fmt::format("operator     {} (session {}, since {}, {} {})\n",
                             session->operator_name, session->id,
                             verifier::format_utc(session->started_unix),
                             line.now() > expires ? "EXPIRED at" : "expires",
                             verifier::format_utc(expires));
  } else {
    std::cout << "operator     nobody logged in\n";
  }
  // What a unit would be stamped with now, and whether the policy lets it be programmed.
  if (auto clock = line.read_clock(); clock) {
    std::cout << fmt::format("clock        {} ({}){}\n",
                             clock->synchronised ? "synchronised" : "NOT synchronised",
                             clock->detail,
                             !clock->synchronised && line.policy().require_synced_clock()
                                 ? ": units are refused until it is (policy require_synced_clock)"
                                 : "");
  } else {
    std::cout << fmt::format("clock        unknown: {}\n", clock.error().message);
  }
  if (auto ledger = read_ledger(line.dir()); !ledger) {
    std::cout << fmt::format("bundles      unreadable: {}\n", ledger.error().message);
  } else if (ledger->accepted().empty()) {
    std::cout << "bundles      none taken in (hallmark-station intake --bundle FILE)\n";
  } else {
    std::cout << fmt::format("bundles      {} taken in\n", ledger->accepted_size());
    for (const auto& b : ledger->accepted()) {
      auto digest = verifier::Digest::from_bytes(as_bytes(b.bundle_digest()));
      std::cout << fmt::format("  {} {} (security counter {}) {} taken in {}\n", b.sku(),
                               b.version(), b.security_counter(),
                               digest ? digest->hex() : std::string("(bad digest)"),
                               verifier::format_utc(b.accepted_unix()));
    }
  }
  if (const auto* roster = h.roster()) {
    std::size_t here = 0;
    for (const auto& person : roster->roster.people()) {
      for (const auto& station : person.station_ids()) here += station == line.station_id().str() ? 1U : 0U;
    }
    std::cout << fmt::format("roster       v{}: {} people for this station\n",
                             roster->roster.version(), here);
  } else {
    std::cout << "roster       none installed (hallmark-station install-roster FILE)\n";
  }
  std::cout << fmt::format("units        {} passed, {} failed, {} reworked, {} scrapped\n",
                           c.passed, c.failed, c.reworked, c.scrapped);
  std::cout << fmt::format("exceptions   {} line stops, {} break-glass\n", c.line_stops,
                           c.break_glasses);
  return {};
}

// hallmark-station card init: a person's own signing key, made on their card.
void add_card_command(tool::CommandLine& cli) {
  auto* card = cli.app().add_subcommand("card", "A person's own card");
  card->require_subcommand(1);
  auto o = std::make_shared<hsm::TokenOptions>();
  auto out = std::make_shared<std::string>();
  auto* cmd = cli.add(*card, "init",
                      "Make the person's signing key on their card (never exportable) and "
                      "write its public key for the roster on the signer host",
                      [o, out]() -> Result<void> {
                        if (std::filesystem::exists(*out)) {
                          return fail(ErrorCode::kUsage,
                                      fmt::format("{} exists: choose another --public-key-out "
                                                  "(a public key file is never overwritten)",
                                                  *out));
                        }
                        auto made = init_card(*o, std::cerr);
                        if (!made) return std::unexpected(made.error());
                        const std::string pem = made->public_key.to_pem();
                        if (auto ok = fileio::write_file_exclusive(*out, as_bytes(pem), 0644); !ok) {
                          return ok;
                        }
                        std::cout << fmt::format("key          {}\nkey id       {}\npublic key   {}\n",
                                                 made->key.uri(), made->public_key.key_id(), *out);
                        return {};
                      });
  cmd->add_option("--public-key-out", *out,
                  "Where to write the card's public key (PEM), for the person roster")
      ->required();
  // The same flags as every other command that opens a person's card (--card-pin, not
  // --pin, which elsewhere is the station token's).
  add_card_options(*cmd, *o, "person");
  hsm::add_software_token_flag(*cmd, o->allow_software_token);
  cmd->add_option("--module", o->module, "PKCS#11 module path (overrides the card profile)");
}

}  // namespace

void add_line_commands(tool::CommandLine& cli) {
  add_unit_command(cli, "program", UnitMode::kProgram,
                   "Program one unit: bind its serial to its hardware id, run the bundle's "
                   "provisioning plan, attest, journal (fsync) before PASS");
  add_unit_command(cli, "rework", UnitMode::kRework,
                   "Program a unit again (same serial and hardware id); linked to its earlier "
                   "records");

  {
    auto o = std::make_shared<ScrapOptions>();
    auto* cmd = cli.add(cli.app(), "scrap",
                        "Scrap a unit: its hardware id stops the line if it ever comes back",
                        [o] { return run_scrap(*o); });
    add_line_options(*cmd, o->line);
    cmd->add_option("--device", o->device, "The device to scrap (its hardware id is read)");
    cmd->add_option("--hardware-id", o->hardware_id, "The hardware id to scrap");
    cmd->add_option("--reason", o->reason, "Why the unit is scrapped")->required();
  }
  {
    auto o = std::make_shared<TakeOverOptions>();
    auto* cmd = cli.add(cli.app(), "take-over",
                        "Take over a unit another station started, so it can be reworked here",
                        [&cli, o] { return run_take_over(cli, *o); });
    add_line_options(*cmd, o->line);
    cmd->add_option("--serial", o->serial, "The unit's serial")->required();
    cmd->add_option("--device", o->device, "The device: sim:SOCKET or cmd:CONFIG")->required();
    cmd->add_option("--from-station", o->from, "The station that started the unit")->required();
    cmd->add_option("--reason", o->reason, "Why this station takes it over")->required();
  }
  add_card_command(cli);
  {
    auto o = std::make_shared<LineCliOptions>();
    auto file = std::make_shared<std::string>();
    auto* cmd = cli.add(cli.app(), "install-roster",
                        "Install the person roster issued on the signer host (who may work "
                        "here; newer versions only)",
                        [o, file] { return run_install_roster(*o, *file); });
    add_line_options(*cmd, *o);
    cmd->add_option("roster", *file, "The signed person roster (hallmark-ceremony roster)")
        ->required();
  }
  {
    auto o = std::make_shared<PersonOptions>();
    auto* cmd = cli.add(cli.app(), "login", "Start an operator session with your own card",
                        [o] { return run_login(*o); });
    add_line_options(*cmd, o->line);
    add_card_options(*cmd, o->card, "operator");
  }
  {
    auto o = std::make_shared<LineCliOptions>();
    auto* cmd = cli.add(cli.app(), "logout", "End the operator session",
                        [o] { return run_logout(*o); });
    add_line_options(*cmd, *o);
  }
  {
    auto o = std::make_shared<PersonOptions>();
    auto* cmd = cli.add(cli.app(), "break-glass",
                        "Release a stopped line: a supervisor's card and a reason, recorded",
                        [o] { return run_break_glass(*o); });
    add_line_options(*cmd, o->line);
    add_card_options(*cmd, o->card, "supervisor");
    cmd->add_option("--reason", o->reason, "Why the line may go on")->required();
  }
  {
    auto o = std::make_shared<LineCliOptions>();
    auto* cmd = cli.add(cli.app(), "status",
                        "The line: stopped or running, who is logged in, unit counters",
                        [o] { return run_status(*o); });
    add_line_options(*cmd, *o);
  }
}

}  // namespace hallmark::station
