#include "ceremony/cli/token_commands.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "hallmark/tool_output.pb.h"
#include "hsm-profiles/cli/token_options.h"
#include "hsm-profiles/profile/production_signer.h"
#include "hsm-profiles/profile/profile.h"
#include "hsm-profiles/src/keygen.h"
#include "hsm-profiles/src/token_admin.h"
#include "hsm-profiles/src/token_key.h"
#include "verifier/io/file_io.h"
#include "verifier/tool/display_json.h"

namespace hallmark::ceremony {
namespace {

struct InitOptions {
  std::string label;
  std::string profile = "softhsm2";
  std::optional<std::string> module;
  std::string so_pin;
  std::string pin;
};

struct KeyOptions {
  hsm::TokenOptions token;
  std::string label;
  std::string algorithm = "p256";
  bool always_authenticate = false;
  bool allow_imported = false;
  std::optional<std::string> pem_out;
};

Result<hsm::Pin> pin_from(const std::string& spec, const std::string& prompt) {
  auto source = hsm::parse_pin_source(spec);
  if (!source) return std::unexpected(source.error());
  return hsm::read_pin(*source, prompt);
}

std::string yes_no(bool v) { return v ? "yes" : "no"; }

void print_key(const hsm::TokenKey& key, std::ostream& out) {
  const auto& p = key.provenance();
  out << fmt::format("key      {}\n", key.name());
  out << fmt::format("uri      {}\n", key.uri());
  out << fmt::format("key id   {}\n", key.key_id());
  out << fmt::format("algorithm {}\n", v1::KeyAlgorithm_Name(key.algorithm()));
  out << fmt::format(
      "provenance: generated on token (CKA_LOCAL) {}, never extractable {}, always sensitive "
      "{}, extractable {}, always authenticate {}\n",
      yes_no(p.local()), yes_no(p.never_extractable()), yes_no(p.always_sensitive()),
      yes_no(p.extractable()), yes_no(p.always_authenticate()));
}

Result<void> run_init(const InitOptions& o) {
  auto profile = hsm::load_profile(o.profile);
  if (!profile) return std::unexpected(profile.error());
  auto path = hsm::resolve_module_path(*profile, o.module);
  if (!path) return std::unexpected(path.error());
  auto module = hsm::Module::load(*path);
  if (!module) return std::unexpected(module.error());
  auto so_pin = pin_from(o.so_pin, "New security officer PIN for '" + o.label + "': ");
  if (!so_pin) return std::unexpected(so_pin.error());
  auto pin = pin_from(o.pin, "New user PIN for '" + o.label + "': ");
  if (!pin) return std::unexpected(pin.error());
  if (auto ok = hsm::init_token(**module, o.label, *so_pin, *pin); !ok) return ok;
  std::cout << "Initialised token '" << o.label << "'\n";
  return {};
}

Result<void> run_status(const hsm::TokenOptions& o, bool json) {
  auto token = hsm::open_token(o, false, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto info = token->session.token_info();
  if (!info) return std::unexpected(info.error());
  auto state = token->session.pin_state();
  if (!state) return std::unexpected(state.error());
  if (json) {
    std::cout << tool::to_display_json(*info) << '\n';
  } else {
    std::cout << fmt::format("token    {}\nserial   {}\nmaker    {}\nmodel    {}\nPIN      {}\n",
                             info->label(), info->serial(), info->manufacturer(), info->model(),
                             state->text());
  }
  return {};
}

Result<void> run_generate(const KeyOptions& o, bool json) {
  auto algorithm = hsm::parse_algorithm_flag(o.algorithm);
  if (!algorithm) return std::unexpected(algorithm.error());
  auto token = hsm::open_token(o.token, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  const hsm::KeySpec spec{.algorithm = *algorithm, .label = o.label,
                          .always_authenticate = o.always_authenticate,
                          .token_sets_encrypt_decrypt = token->profile.token_sets_encrypt_decrypt()};
  auto key = hsm::generate_key(token->session, spec);
  if (!key) return std::unexpected(key.error());
  if (json) {
    std::cout << tool::to_display_json(key->to_proto()) << '\n';
  } else {
    std::cout << "Generated inside the token:\n";
    print_key(*key, std::cout);
  }
  if (o.pem_out) {
    return fileio::write_file_atomic(*o.pem_out, as_bytes(key->public_key().to_pem()));
  }
  return {};
}

Result<void> run_show(const KeyOptions& o, bool json) {
  auto token = hsm::open_token(o.token, true, std::cerr);
  if (!token) return std::unexpected(token.error());
  auto key = hsm::TokenKey::find(token->session, token->uri);
  if (!key) return std::unexpected(key.error());
  auto verdict = hsm::check_production_key(
      *key, token->profile, verifier::KeyOrigin::kNeverExported,
      o.allow_imported ? hsm::ImportedKey::kOperatorAllows : hsm::ImportedKey::kByProfile);
  if (json) {
    std::cout << tool::to_display_json(key->to_proto()) << '\n';
  } else {
    print_key(*key, std::cout);
    std::cout << "production use: "
              << (verdict ? "allowed" : "REFUSED — " + verdict.error().message) << '\n';
  }
  if (o.pem_out) {
    if (auto ok = fileio::write_file_atomic(*o.pem_out, as_bytes(key->public_key().to_pem()));
        !ok) {
      return ok;
    }
  }
  return verdict;
}

}  // namespace

void add_token_commands(tool::CommandLine& cli) {
  auto& app = cli.app();
  auto* token = app.add_subcommand("token", "Tokens and cards: initialise, status");
  token->require_subcommand(1);
  auto* key = app.add_subcommand("key", "Keys inside tokens: generate, show");
  key->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  auto* init_cmd = cli.add(*token, "init",
                           "Initialise a token (SoftHSM rehearsal tokens; real cards are "
                           "initialised with their vendor's tools)",
                           [init] { return run_init(*init); });
  init_cmd->add_option("--label", init->label, "Token label")->required();
  init_cmd->add_option("--profile", init->profile, "HSM profile")->capture_default_str();
  init_cmd->add_option("--module", init->module, "PKCS#11 module path");
  init_cmd->add_option("--so-pin", init->so_pin, "Security officer PIN source")->required();
  init_cmd->add_option("--pin", init->pin, "User PIN source")->required();

  auto status = std::make_shared<hsm::TokenOptions>();
  auto* status_cmd = cli.add(*token, "status", "Show a token and its PIN state (tries left)",
                             [status, &cli] { return run_status(*status, cli.json()); });
  hsm::add_token_options(*status_cmd, *status, "--token", "pkcs11: URI of the token",
                         hsm::TokenUse::kAdministration);

  auto gen = std::make_shared<KeyOptions>();
  auto* gen_cmd = cli.add(*key, "generate",
                          "Generate a non-exportable signing key inside the token",
                          [gen, &cli] { return run_generate(*gen, cli.json()); });
  hsm::add_token_options(*gen_cmd, gen->token, "--token", "pkcs11: URI of the token",
                         hsm::TokenUse::kAdministration);
  gen_cmd->add_option("--label", gen->label, "Key label (CKA_LABEL)")->required();
  gen_cmd->add_option("--algorithm", gen->algorithm, "p256, p384, rsa3072 or ed25519")
      ->capture_default_str();
  gen_cmd->add_flag("--always-authenticate", gen->always_authenticate,
                    "Require the PIN for every signature (CKA_ALWAYS_AUTHENTICATE)");
  gen_cmd->add_option("--public-out", gen->pem_out, "Write the public key (PEM) here");

  auto show = std::make_shared<KeyOptions>();
  auto* show_cmd = cli.add(*key, "show",
                           "Show a key's public key id and provenance, and whether it may "
                           "serve a production role (exit 1 if not)",
                           [show, &cli] { return run_show(*show, cli.json()); });
  hsm::add_token_options(*show_cmd, show->token, "--key",
                         "pkcs11: URI of the key (token and object label or id)",
                         hsm::TokenUse::kAdministration);
  show_cmd->add_flag("--allow-imported", show->allow_imported,
                     "Accept a key that was imported but never extractable");
  show_cmd->add_option("--public-out", show->pem_out, "Write the public key (PEM) here");
}

}  // namespace hallmark::ceremony
