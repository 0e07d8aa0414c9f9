// `hallmark-ceremony roster`: the people who may work at stations, from a spec the station
// admin wrote (names, roles, the public key file each card's `card init` wrote, stations),
// signed by a root quorum. The command reads the files; the ceremony decides and signs.
#include <charconv>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "ceremony/cli/ceremony_commands.h"
#include "ceremony/cli/ceremony_options.h"
#include "ceremony/src/outputs.h"
#include "ceremony/src/roster_ceremony.h"
#include "hallmark/ceremony.pb.h"
#include "verifier/core/public_key.h"
#include "verifier/core/textproto.h"
#include "verifier/core/time_format.h"
#include "verifier/io/file_io.h"

namespace hallmark::ceremony {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMaxSpecBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

struct RosterOptions {
  TrustFiles files;
  std::string spec;
  std::string previous;
  std::string reason;
  std::string out;
  CeremonyOptions ceremony;
};

Result<std::int64_t> parse_time(const std::string& text, const std::string& what) {
  if (text.empty()) return 0;
  if (auto day = verifier::parse_utc_day(text)) return *day;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size() && seconds > 0) return seconds;
  return fail(ErrorCode::kUsage,
              fmt::format("{} is '{}': give a day (YYYY-MM-DD, UTC) or Unix seconds", what, text));
}

Result<v1::RosterPerson> person_of(const v1::RosterSpecPerson& spec, const fs::path& base,
                                   const std::string& origin) {
  const std::string what = fmt::format("{}: person '{}'", origin, spec.name());
  v1::RosterPerson p;
  p.set_name(spec.name());
  if (spec.role() == "operator") {
    p.set_role(v1::OperatorEntry::OPERATOR);
  } else if (spec.role() == "supervisor") {
    p.set_role(v1::OperatorEntry::SUPERVISOR);
  } else {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: role is 'operator' or 'supervisor', not '{}'", what, spec.role()));
  }
  if (spec.public_key_file().empty()) {
    return fail(ErrorCode::kUsage,
                fmt::format("{}: public_key_file is missing (the PEM file `hallmark-station card "
                            "init --public-key-out` wrote for their card)",
                            what));
  }
  const fs::path key_file = base / spec.public_key_file();
  auto pem = fileio::read_file(key_file, kMaxKeyFileBytes);
  if (!pem) return std::unexpected(pem.error().context(what));
  auto key = verifier::PublicKey::from_pem(as_chars(*pem));
  if (!key) return std::unexpected(key.error().context(fmt::format("{}: {}", what, key_file.string())));
  *p.mutable_key() = key->to_proto();
  for (const auto& station : spec.stations()) p.add_station_ids(station);
  auto from = parse_time(spec.valid_from(), what + ": valid_from");
  if (!from) return std::unexpected(from.error());
  auto until = parse_time(spec.valid_until(), what + ": valid_until");
  if (!until) return std::unexpected(until.error());
  p.set_valid_from_unix(*from);
  p.set_valid_until_unix(*until);
  return p;
}

Result<RosterRequest> read_request(const RosterOptions& o) {
  RosterRequest request;
  request.reason = o.reason;
  auto text = fileio::read_file(o.spec, kMaxSpecBytes);
  if (!text) return std::unexpected(text.error());
  v1::RosterSpec spec;
  if (auto ok = verifier::parse_textproto(as_chars(*text), o.spec, "roster spec", spec); !ok) {
    return std::unexpected(ok.error());
  }
  const fs::path base = fs::path(o.spec).parent_path();
  for (const auto& person : spec.people()) {
    auto p = person_of(person, base, o.spec);
    if (!p) return std::unexpected(p.error());
    request.people.push_back(std::move(*p));
  }
  if (!o.previous.empty()) {
    auto previous = read_envelope(o.previous);
    if (!previous) return std::unexpected(previous.error());
    request.previous = std::move(*previous);
  }
  return request;
}

Result<void> run(const RosterOptions& o, bool json) {
  auto files = load_trust_files(o.files);
  if (!files) return std::unexpected(files.error());
  if (auto free = check_output_free(o.out); !free) return free;
  auto request = read_request(o);
  if (!request) return std::unexpected(request.error());
  auto ui = make_terminal_ui(o.ceremony, {&files->plan});
  if (!ui) return std::unexpected(ui.error());
  CeremonyContext context{*ui, system_clock(), o.ceremony.present};
  RosterInput input{files->chain, files->revocations, &files->plan, std::move(*request)};
  return finish_ceremony(run_roster(input, context), o.out, json);
}

}  // namespace

void add_roster_command(tool::CommandLine& cli) {
  auto o = std::make_shared<RosterOptions>();
  auto* cmd = cli.add(cli.app(), "roster",
                      "Issue the person roster (who may work at which station, by their card "
                      "key), signed by a root quorum; stations enrol nobody themselves",
                      [o, &cli] { return run(*o, cli.json()); });
  add_trust_file_options(*cmd, o->files, "Ceremony plan (where the custodians' cards are)");
  cmd->add_option("--spec", o->spec, "Roster spec (textproto: people, roles, key files, stations)")
      ->required();
  cmd->add_option("--previous", o->previous,
                  "The roster in force (the new one gets its version + 1)");
  cmd->add_option("--reason", o->reason, "Why this roster (recorded in it)")->required();
  cmd->add_option("--out", o->out, "Where to write the signed roster")->required();
  add_ceremony_options(*cmd, o->ceremony, false);
}

}  // namespace hallmark::ceremony
