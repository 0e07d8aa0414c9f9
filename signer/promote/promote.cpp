#include "signer/promote/promote.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

#include "signer/bundle/archive_writer.h"
#include "signer/native/esp32_signer.h"
#include "signer/native/mcuboot_signer.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"

namespace hallmark::promote {
namespace {

namespace fs = std::filesystem;

// Removes a path when the scope ends, unless released.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  void release() noexcept { path_.clear(); }
  // Removes the file now; whether it is gone.
  bool remove_now() noexcept {
    std::error_code ec;
    fs::remove(path_, ec);
    path_.clear();
    return !ec;
  }

 private:
  fs::path path_;
};

Result<void> check_out_free(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec))) {
    return fail(ErrorCode::kUsage, fmt::format("{} exists: promotion never replaces a file; "
                                               "choose another --out",
                                               out.string()));
  }
  return {};
}

fs::path temp_path_for(const fs::path& out) {
  return out.parent_path() / ("." + out.filename().string() + ".promote-tmp");
}

// Renames without replacing, then makes the rename durable.
Result<void> commit_rename(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot rename {} to {}: {}", from.string(),
                                            to.string(), std::strerror(errno)));
  }
  const fs::path dir = to.has_parent_path() ? to.parent_path() : fs::path(".");
  fileio::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    return fail(ErrorCode::kIo, "cannot fsync directory " + dir.string());
  }
  return {};
}

native::SignFunction sign_function(const ReleaseKey& key) {
  return [&key](ByteView message) { return key.signer.sign(message); };
}

Result<v1::Envelope> sign_envelope(const v1::PromotedRelease& release, const ReleaseKey& key) {
  v1::Envelope envelope;
  envelope.set_payload_type(verifier::payload_type_of(bundle::kPromotedReleaseType));
  const Bytes payload = verifier::deterministic_bytes(release);
  envelope.set_payload(std::string(as_chars(payload)));
  auto sig = key.signer.sign(verifier::pae(envelope.payload_type(), payload));
  if (!sig) return std::unexpected(std::move(sig).error().context("signing release.json"));
  auto* s = envelope.add_signatures();
  s->set_keyid(key.signer.key_id());
  s->set_sig(std::string(as_chars(*sig)));
  return envelope;
}

Result<Bytes> sign_native(const v1::Image& image, ByteView bytes, const v1::Bundle& b,
                          const ReleaseKey& key) {
  if (image.format() == v1::ESP32_SECURE_BOOT_V2) {
    return native::sign_esp32_sbv2(bytes, key.signer.public_key(), sign_function(key));
  }
  native::McubootParams params;
  auto version = mcuboot_version(b.version());
  if (!version) return std::unexpected(version.error());
  params.version = *version;
  if (b.security_counter() > UINT32_MAX) {
    return fail(ErrorCode::kUsage, "the security counter does not fit MCUboot's 32 bits");
  }
  params.security_counter = static_cast<std::uint32_t>(b.security_counter());
  return native::sign_mcuboot(bytes, params, key.signer.public_key(), sign_function(key));
}

// Copies the images of the input bundle into `writer` (streaming, checked again by the
// reader) and keeps the bytes of images that get a native signature.
Result<std::map<std::string, Bytes>> copy_images(const PreparedPromotion& p,
                                                 bundle::ArchiveWriter& writer) {
  std::set<std::string> wanted;
  for (const auto& image : p.contents.bundle.images()) {
    if (image.format() == v1::IMAGE_FORMAT_RAW) continue;
    auto d = verifier::Digest::from_bytes(as_bytes(image.sha256()));
    if (d) wanted.insert(bundle::image_entry_name(*d));
  }
  std::map<std::string, Bytes> kept;
  std::optional<Error> error;
  std::string current;
  bundle::ReadOptions options;
  options.on_block = [&](const bundle::BundleEntry& entry, ByteView block) {
    if (error || entry.kind != bundle::EntryKind::kImage) return;
    Result<void> ok;
    if (entry.name != current) {
      if (!current.empty()) ok = writer.end_entry();
      // The observer runs before the entry is complete: its size comes from the first read.
      const bundle::BundleEntry* first = p.contents.find(entry.name);
      if (ok && first == nullptr) {
        ok = fail(ErrorCode::kVerificationFailed,
                  p.input.bundle.string() + " changed while it was being promoted");
      }
      if (ok) ok = writer.begin_entry(entry.name, first->size);
      current = entry.name;
    }
    if (ok) ok = writer.write(block);
    if (!ok) error = ok.error();
    if (wanted.contains(entry.name)) {
      Bytes& b = kept[entry.name];
      b.insert(b.end(), block.begin(), block.end());
    }
  };
  auto again = bundle::read_bundle(p.input.bundle, options);
  if (!again) return std::unexpected(again.error());
  if (error) return std::unexpected(*error);
  if (again->bundle_digest != p.contents.bundle_digest) {
    return fail(ErrorCode::kVerificationFailed,
                p.input.bundle.string() + " changed while it was being promoted");
  }
  if (!current.empty()) {
    if (auto ok = writer.end_entry(); !ok) return std::unexpected(ok.error());
  }
  return kept;
}

// Writes the promoted archive to `temp` and returns the release it signed.
Result<void> write_archive(PreparedPromotion& p, const ReleaseKey& key, const fs::path& temp) {
  const v1::Bundle& b = p.contents.bundle;
  auto writer = bundle::ArchiveWriter::create(temp);
  if (!writer) return std::unexpected(writer.error());
  if (auto ok = writer->add_entry(bundle::kBundleEntry, p.contents.bundle_bytes); !ok) return ok;
  auto images = copy_images(p, *writer);
  if (!images) return std::unexpected(images.error());

  v1::PromotedRelease release;
  std::set<std::string> written;
  for (const auto& image : b.images()) {
    if (image.format() == v1::IMAGE_FORMAT_RAW) continue;
    auto d = verifier::Digest::from_bytes(as_bytes(image.sha256()));
    if (!d) return std::unexpected(d.error());
    const Bytes& bytes = (*images)[bundle::image_entry_name(*d)];
    auto signed_image = sign_native(image, bytes, b, key);
    if (!signed_image) {
      return std::unexpected(std::move(signed_image).error().context(
          fmt::format("signing image {} ({})", image.name(),
                      v1::ImageFormat_Name(image.format()))));
    }
    auto digest = verifier::sha256(*signed_image);
    if (!digest) return std::unexpected(digest.error());
    auto* n = release.add_native_images();
    n->set_image(image.name());
    n->set_format(image.format());
    n->set_sha256(std::string(as_chars(digest->bytes())));
    n->set_size(signed_image->size());
    const auto mapping = bundle::key_id_mapping(key.signer.public_key(), {});
    const auto& key_digest = image.format() == v1::MCUBOOT ? mapping.mcuboot_key_hash
                                                           : mapping.esp32_efuse_digest;
    if (key_digest) n->set_key_digest(std::string(as_chars(key_digest->bytes())));
    const std::string entry = bundle::native_entry_name(*digest);
    if (written.insert(entry).second) {
      if (auto ok = writer->add_entry(entry, *signed_image); !ok) return ok;
    }
  }
  for (const auto& envelope : p.input.chain) {
    v1::TrustRoot root;
    if (!root.ParseFromString(envelope.payload())) {
      return fail(ErrorCode::kInternal, "a verified trust root does not parse");
    }
    const std::string json = verifier::envelope_to_json(envelope);
    if (auto ok = writer->add_entry(bundle::trust_root_entry_name(root.version()), as_bytes(json));
        !ok) {
      return ok;
    }
  }
  for (std::size_t k = 0; k < p.input.approvals.size(); ++k) {
    const std::string json = verifier::envelope_to_json(p.input.approvals[k].envelope);
    if (auto ok = writer->add_entry(bundle::approval_entry_name(k + 1), as_bytes(json)); !ok) {
      return ok;
    }
    release.add_approval_digests(
        std::string(as_chars(p.quorum.approvals[k].payload_digest.bytes())));
  }
  release.set_bundle_digest(std::string(as_chars(p.contents.bundle_digest.bytes())));
  release.set_sku(b.sku());
  release.set_version(b.version());
  release.set_security_counter(b.security_counter());
  release.set_channel(p.input.channel);
  release.set_trust_root_version(p.trust.root().version());
  release.set_trust_root_digest(std::string(as_chars(p.trust.root().current_digest().bytes())));
  release.set_promoted_unix(p.input.now_unix);
  release.set_release_key_id(key.signer.key_id());
  release.set_release_key_ckaid(std::string(as_chars(key.signer.ckaid())));
  *release.mutable_release_token() = key.token;
  auto envelope = sign_envelope(release, key);
  if (!envelope) return std::unexpected(envelope.error());
  const std::string json = verifier::envelope_to_json(*envelope);
  if (auto ok = writer->add_entry(bundle::kReleaseEntry, as_bytes(json)); !ok) return ok;
  auto size = writer->commit();
  if (!size) return std::unexpected(size.error());
  return {};
}

}  // namespace

Result<native::McubootVersion> mcuboot_version(std::string_view version) {
  std::vector<std::uint64_t> parts;
  std::size_t start = 0;
  while (start <= version.size()) {
    const std::size_t dot = std::min(version.find('.', start), version.size());
    std::uint64_t n = 0;
    const std::string_view part = version.substr(start, dot - start);
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) {
      return fail(ErrorCode::kUsage, fmt::format("version '{}' is not numeric", version));
    }
    parts.push_back(n);
    start = dot + 1;
  }
  parts.resize(std::max<std::size_t>(parts.size(), 4), 0);
  if (parts.size() > 4 || parts[0] > 0xff || parts[1] > 0xff || parts[2] > 0xffff ||
      parts[3] > 0xffffffffu) {
    return fail(ErrorCode::kUsage, fmt::format("version '{}' does not fit MCUboot's "
                                               "major.minor.revision+build (8.8.16.32 bits)",
                                               version));
  }
  return native::McubootVersion{static_cast<std::uint8_t>(parts[0]),
                                static_cast<std::uint8_t>(parts[1]),
                                static_cast<std::uint16_t>(parts[2]),
                                static_cast<std::uint32_t>(parts[3])};
}

verifier::TrustInputs signing_host_trust(const PromoteInput& input) {
  verifier::TrustInputs trust;
  for (std::size_t i = 0; i < input.chain.size(); ++i) {
    trust.chain.push_back({fmt::format("trust root #{}", i + 1), input.chain[i]});
  }
  for (std::size_t i = 0; i < input.revocations.size(); ++i) {
    trust.revocations.push_back({fmt::format("revocation #{}", i + 1), input.revocations[i]});
  }
  trust.anchor = verifier::AnchorPin::signing_host();
  trust.now_unix = input.now_unix;
  return trust;
}

Result<PreparedPromotion> prepare_promotion(PromoteInput input) {
  if (auto free = check_out_free(input.out); !free) return std::unexpected(free.error());
  if (input.channel.empty()) return fail(ErrorCode::kUsage, "a promotion needs a --channel");
  auto contents = bundle::read_bundle(input.bundle);
  if (!contents) return std::unexpected(contents.error());
  for (const auto& e : contents->entries) {
    if (e.kind == bundle::EntryKind::kNative || e.kind == bundle::EntryKind::kPromotion) {
      return fail(ErrorCode::kUsage, input.bundle.string() +
                                         " is already promoted (it has " + e.name + ")");
    }
  }
  auto trust = verifier::load_trust(signing_host_trust(input));
  if (!trust) return std::unexpected(std::move(trust).error().context("trust root chain"));
  const verifier::TrustedRoot& root = trust->root();
  const v1::Bundle& b = contents->bundle;
  if (auto ok = trust->refuse_revoked_bundle(contents->bundle_digest.bytes()); !ok) {
    return std::unexpected(ok.error());
  }
  const bundle::ApprovalSubject subject{contents->bundle_digest, b.sku(), b.version(),
                                        b.requester(), input.now_unix};
  auto quorum = bundle::check_approvals(root, input.approvals, subject);
  if (!quorum) return std::unexpected(quorum.error());
  if (auto ok = bundle::check_channel(input.channel, *quorum, {}); !ok) {
    return std::unexpected(ok.error());
  }
  auto history = PromotionHistory::open(input.history_dir, b.sku());
  if (!history) return std::unexpected(history.error());
  HistoryRecord record{input.now_unix, b.sku(), b.version(), b.security_counter(),
                       contents->bundle_digest, input.channel};
  if (auto ok = history->check(record); !ok) return std::unexpected(ok.error());
  return PreparedPromotion{std::move(input), std::move(*contents), std::move(*trust),
                           std::move(*quorum), std::move(*history), std::move(record)};
}

Result<PromoteResult> finish_promotion(PreparedPromotion& p, const ReleaseKey& key,
                                       const BeforeVerifyHook& hook) {
  if (auto ok = key.signer.require_role(hsm::ProductionRole::kRelease); !ok) {
    return std::unexpected(ok.error());
  }
  const auto release_keys = p.trust.root().role_keys(v1::RELEASE);
  if (std::none_of(release_keys.begin(), release_keys.end(),
                   [&](const auto& k) { return k.key_id() == key.signer.key_id(); })) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("{} (key id {}) is not the RELEASE key of trust root v{}: give "
                            "the release key's pkcs11: URI",
                            key.signer.name(), key.signer.key_id(), p.trust.root().version()));
  }
  if (auto free = check_out_free(p.input.out); !free) return std::unexpected(free.error());
  const fs::path temp = temp_path_for(p.input.out);
  RemoveOnExit cleanup(temp);
  // A failure to write (a full disk, an I/O error) names the file the operator asked for and
  // what became of the temporary one, not only the temporary one.
  const auto not_written = [&](Error e) {
    const bool removed = cleanup.remove_now();
    return std::unexpected(std::move(e).context(fmt::format(
        "cannot write the promoted bundle {} (nothing was written; its temporary file {} {})",
        p.input.out.string(), temp.string(),
        removed ? "was removed" : "could not be removed: delete it")));
  };
  if (auto ok = write_archive(p, key, temp); !ok) return not_written(std::move(ok).error());
  if (hook) hook(temp);
  const std::string channels[] = {p.input.channel};
  auto verified = bundle::verify_promoted_release(temp, p.trust, channels,
                                                  bundle::release_kind(p.contents.bundle));
  if (!verified) {
    return std::unexpected(std::move(verified).error().context(
        "the promoted bundle did not verify, nothing was written"));
  }
  std::error_code ec;
  const auto size = fs::file_size(temp, ec);
  if (auto ok = commit_rename(temp, p.input.out); !ok) return not_written(std::move(ok).error());
  cleanup.release();
  if (auto ok = p.history.append(p.record, p.contents.bundle_bytes); !ok) {
    fs::remove(p.input.out, ec);  // not recorded, so not promoted
    return std::unexpected(std::move(ok).error().context("recording the promotion"));
  }
  return PromoteResult{std::move(*verified), ec ? 0 : size};
}

}  // namespace hallmark::promote
