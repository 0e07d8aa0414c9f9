// hallmark-verify: checks Hallmark documents offline, with public keys only.
// main() only declares the commands; tool::CommandLine parses flags, runs the chosen
// command, prints errors as "hallmark-verify: <message>" and maps them to exit codes.
#include "verifier/cli/bundle_command.h"
#include "verifier/cli/envelope_command.h"
#include "verifier/cli/journal_command.h"
#include "verifier/cli/log_command.h"
#include "verifier/cli/manifest_command.h"
#include "verifier/cli/registration_command.h"
#include "verifier/cli/transcript_command.h"
#include "verifier/cli/trust_root_command.h"
#include "verifier/cli/unit_command.h"
#include "verifier/tool/command_line.h"

int main(int argc, char** argv) {
  hallmark::tool::CommandLine command_line(
      "hallmark-verify",
      "Verify Hallmark documents offline with public keys only.\n"
      "Exit codes: 0 ok, 1 verification failed, 2 usage, 4 I/O, 5 internal error.");
  hallmark::verifier::cli::EnvelopeOptions envelope;
  hallmark::verifier::cli::add_envelope_command(command_line, envelope);
  hallmark::verifier::cli::TrustRootOptions trust_root;
  hallmark::verifier::cli::add_trust_root_command(command_line, trust_root);
  hallmark::verifier::cli::TranscriptOptions transcript;
  hallmark::verifier::cli::add_transcript_command(command_line, transcript);
  hallmark::verifier::cli::BundleOptions bundle;
  hallmark::verifier::cli::add_bundle_command(command_line, bundle);
  hallmark::verifier::cli::JournalOptions journal;
  hallmark::verifier::cli::add_journal_command(command_line, journal);
  hallmark::verifier::cli::ManifestOptions manifest;
  hallmark::verifier::cli::add_manifest_command(command_line, manifest);
  hallmark::verifier::cli::ManifestOptions device;
  hallmark::verifier::cli::add_device_command(command_line, device);
  hallmark::verifier::cli::RegistrationOptions registration;
  hallmark::verifier::cli::add_registration_command(command_line, registration);
  hallmark::verifier::cli::LogOptions log;
  hallmark::verifier::cli::add_log_command(command_line, log);
  hallmark::verifier::cli::UnitOptions unit;
  hallmark::verifier::cli::add_unit_command(command_line, unit);
  return command_line.run(argc, argv);
}
