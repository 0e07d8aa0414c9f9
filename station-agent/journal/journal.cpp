#include "station-agent/journal/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "station-agent/journal/frame_reader.h"
#include "station-agent/journal/journal_format.h"
#include "verifier/core/document.h"
#include "verifier/io/atomic_file.h"

namespace hallmark::station {
namespace {

std::string errno_text() { return std::strerror(errno); }

Result<void> create_journal(const std::filesystem::path& path, std::string_view station_id) {
  auto header = encode_header(station_id);
  if (!header) return std::unexpected(std::move(header).error());
  auto file = fileio::AtomicFile::create(path, 0640);
  if (!file) return std::unexpected(std::move(file).error());
  if (auto ok = file->write(*header); !ok) return ok;
  return file->commit();
}

}  // namespace

Journal::Journal(std::filesystem::path path, StationId station_id,
                 fileio::UniqueFd fd) noexcept
    : path_(std::move(path)), station_id_(std::move(station_id)), fd_(std::move(fd)) {}

Result<Journal> Journal::open(const std::filesystem::path& path, const StationId& station_id,
                              const std::optional<JournalResume>& resume) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return fail(ErrorCode::kIo, fmt::format("journal {}: {}", name, ec.message()));
    if (auto ok = create_journal(path, station_id.str()); !ok) {
      return std::unexpected(std::move(ok).error().context("creating journal " + name));
    }
  }
  fileio::UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorCode::kIo, fmt::format("journal {}: open: {}", name, errno_text()));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return fail(ErrorCode::kIo, fmt::format("journal {} is already open in another process "
                                            "or object ({})", name, errno_text()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ErrorCode::kIo, fmt::format("journal {}: stat: {}", name, errno_text()));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  auto head = detail::pread_all(fd.get(), 0, kMaxHeaderBytes);
  if (!head) return std::unexpected(std::move(head).error().context("journal " + name));
  auto header = parse_header(*head);
  if (!header) return std::unexpected(std::move(header).error().context("journal " + name));
  if (header->station_id != station_id.str()) {
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("journal {} belongs to station \"{}\", not \"{}\"", name,
                            header->station_id, station_id));
  }
  Journal journal(path, station_id, std::move(fd));
  journal.header_size_ = header->size;
  journal.sealed_ = header->sealed;
  journal.base_ = header->sealed.sequence;
  journal.base_hash_ = header->sealed.hash;
  journal.head_ = header->sealed;
  std::uint64_t from = header->size;
  const bool at_seal = resume && resume->sequence == header->sealed.sequence &&
                       resume->hash == header->sealed.hash;
  if (at_seal) {
    journal.resumed_ = resume->sequence > 0;  // the header names that very record
  } else if (resume && resume->sequence > 0) {
    auto refused = journal.check_resume(*resume, file_size);
    if (!refused) return std::unexpected(std::move(refused).error());
    if (refused->empty()) {
      auto frame = detail::read_frame(journal.fd_.get(), resume->offset, file_size);
      if (!frame) return std::unexpected(std::move(frame).error().context("journal " + name));
      journal.base_ = resume->sequence;
      journal.base_hash_ = resume->hash;
      journal.resumed_ = true;
      journal.head_ = JournalHead{resume->sequence, resume->hash};
      journal.head_offset_ = resume->offset;
      from = resume->offset + frame->size;
    } else {
      journal.resume_refused_ = std::move(*refused);
    }
  }
  if (auto ok = journal.scan(from, file_size); !ok) {
    return std::unexpected(std::move(ok).error());
  }
  return journal;
}

Result<std::string> Journal::check_resume(const JournalResume& resume, std::uint64_t file_size) {
  if (resume.offset < header_size_ || resume.offset >= file_size) {
    return fmt::format("its record {} at offset {} is beyond the journal's {} bytes",
                       resume.sequence, resume.offset, file_size);
  }
  auto frame = detail::read_frame(fd_.get(), resume.offset, file_size);
  if (!frame) return std::unexpected(std::move(frame).error().context("journal " + path_.string()));
  ++*records_read_;
  if (frame->status != detail::FrameStatus::kOk) {
    return fmt::format("no whole record at offset {}: {}", resume.offset, frame->reason);
  }
  if (frame->record.sequence() != resume.sequence || !(frame->digest == resume.hash)) {
    return fmt::format("the record at offset {} is not its record {} (the journal was replaced, "
                       "rolled back or rewritten after it)",
                       resume.offset, resume.sequence);
  }
  return std::string();
}

Result<void> Journal::scan(std::uint64_t from, std::uint64_t file_size) {
  const std::string name = path_.string();
  std::uint64_t offset = from;
  while (offset < file_size) {
    const std::uint64_t sequence = head_.sequence + 1;
    auto frame = detail::read_frame(fd_.get(), offset, file_size);
    if (!frame) return std::unexpected(std::move(frame).error().context("journal " + name));
    ++*records_read_;
    std::string problem;
    if (frame->status == detail::FrameStatus::kTorn) {
      auto torn = detail::torn_write_problem(fd_.get(), offset, file_size, sequence, head_.hash);
      if (!torn) return std::unexpected(std::move(torn).error().context("journal " + name));
      if (torn->empty()) {
        // Cut by the first append(), so the cut and the record of it go together.
        recovered_ = TornTail{offset, file_size - offset, frame->reason};
        break;
      }
      problem = fmt::format("{}: {}", frame->reason, *torn);
    } else if (frame->status == detail::FrameStatus::kCorrupt) {
      problem = frame->reason;
    } else {
      problem = detail::check_link(*frame, sequence, head_.hash);
    }
    if (!problem.empty()) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {} is damaged at record {} (offset {}): {}. That is not "
                              "what an interrupted write leaves but tampering or corruption: "
                              "the journal is refused and left as it is; keep it for "
                              "investigation and do not run the line on it",
                              name, sequence, offset, problem));
    }
    offsets_.push_back(offset);
    head_offset_ = offset;
    head_ = JournalHead{sequence, frame->digest};
    offset += frame->size;
  }
  size_ = offset;
  return {};
}

Result<void> Journal::cut_torn_tail() {
  if (!recovered_ || tail_cut_) return {};
  if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0 || ::fsync(fd_.get()) != 0) {
    failed_ = true;
    return fail(ErrorCode::kIo,
                fmt::format("journal {}: cutting the torn tail at offset {}: {}; the line must "
                            "stop", path_.string(), size_, errno_text()));
  }
  tail_cut_ = true;
  return {};
}

Result<std::uint64_t> Journal::append(ByteView attestation_envelope) {
  const std::string name = path_.string();
  if (failed_) {
    return fail(ErrorCode::kIo,
                fmt::format("journal {}: an earlier write failed; the line must stop until the "
                            "journal is reopened (which recovers its tail)", name));
  }
  const std::uint64_t sequence = head_.sequence + 1;
  const Bytes record = encode_record(sequence, head_.hash, attestation_envelope);
  if (record.size() > kMaxJournalRecordBytes) {
    return fail(ErrorCode::kUsage,
                fmt::format("journal {}: record of {} bytes exceeds the {} byte limit", name,
                            record.size(), kMaxJournalRecordBytes));
  }
  auto digest = verifier::sha256(record);
  if (!digest) return std::unexpected(std::move(digest).error());
  const Bytes frame = encode_frame(record, *digest);
  if (auto cut = cut_torn_tail(); !cut) return std::unexpected(std::move(cut).error());

  // A short write is continued: the write that fails then says why (a full disk: ENOSPC).
  std::size_t written = 0;
  int write_errno = 0;
  while (written < frame.size()) {
    const ssize_t n = ::write(fd_.get(), frame.data() + written, frame.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_errno = n < 0 ? errno : EIO;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (written != frame.size() || ::fdatasync(fd_.get()) != 0) {
    failed_ = true;
    const std::string why =
        written == 0 ? fmt::format("write failed: {}", std::strerror(write_errno))
        : written != frame.size()
            ? fmt::format("wrote {} of {} bytes: {}", written, frame.size(),
                          std::strerror(write_errno))
            : fmt::format("fdatasync failed: {}", errno_text());
    return fail(ErrorCode::kIo,
                fmt::format("journal {}: {}; record {} is NOT committed and the line must "
                            "stop (reopening the journal recovers its tail)",
                            name, why, sequence));
  }
  offsets_.push_back(size_);
  head_offset_ = size_;
  size_ += frame.size();
  head_ = JournalHead{sequence, *digest};
  return sequence;
}

Result<JournalCursor> Journal::records_since(std::uint64_t after) const {
  const std::string name = path_.string();
  if (after < sealed_.sequence) {
    return fail(ErrorCode::kPolicyRefused,
                fmt::format("journal {}: records {}..{} were sealed into segments and are no "
                            "longer in the journal, which starts after record {}; read them "
                            "from the segments (hallmark-verify journal SEGMENT)",
                            name, after + 1, sealed_.sequence, sealed_.sequence));
  }
  const std::uint64_t count = head_.sequence;
  const std::uint64_t first = after < count ? after : count;  // records after the head: none
  fileio::UniqueFd fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!fd.valid()) return fail(ErrorCode::kIo, fmt::format("journal {}: dup: {}", name, errno_text()));
  if (first < base_) {
    // Before the resume point no offsets are known: read (and check) from the first record.
    return JournalCursor(path_, std::move(fd), header_size_, size_, sealed_.sequence + 1,
                         sealed_.hash, records_read_.get(), first);
  }
  verifier::Digest previous = first == base_ ? base_hash_ : verifier::Digest{};
  std::uint64_t offset = first < count ? offsets_[first - base_] : size_;
  if (first > base_) {
    auto frame = detail::read_frame(fd_.get(), offsets_[first - base_ - 1], size_);
    if (!frame) return std::unexpected(std::move(frame).error().context("journal " + name));
    ++*records_read_;
    if (frame->status != detail::FrameStatus::kOk) {
      return fail(ErrorCode::kVerificationFailed,
                  fmt::format("journal {}: record {} changed on disk: {}", name, first,
                              frame->reason));
    }
    previous = frame->digest;
  }
  return JournalCursor(path_, std::move(fd), offset, size_, first + 1, previous,
                       records_read_.get());
}

Result<void> Journal::replace_sealed(const verifier::ChainPoint& through,
                                     std::uint64_t keep_from) {
  const std::string name = path_.string();
  if (failed_) {
    return fail(ErrorCode::kIo, fmt::format("journal {}: an earlier write failed; reopen it "
                                            "before sealing", name));
  }
  if (through.sequence <= sealed_.sequence || through.sequence > head_.sequence ||
      keep_from < header_size_ || keep_from > size_) {
    return fail(ErrorCode::kInternal,
                fmt::format("journal {}: cannot seal through record {} at offset {}", name,
                            through.sequence, keep_from));
  }
  auto header = encode_header(station_id_.str(), through);
  if (!header) return std::unexpected(std::move(header).error());
  auto file = fileio::AtomicFile::create(path_, 0640);
  if (!file) return std::unexpected(std::move(file).error());
  if (auto ok = file->write(*header); !ok) return ok;
  constexpr std::uint64_t kCopyChunk = 1u << 20;  // the kept records, copied as they are
  for (std::uint64_t at = keep_from; at < size_; at += kCopyChunk) {
    const auto n = static_cast<std::size_t>(std::min(kCopyChunk, size_ - at));
    auto kept = detail::pread_all(fd_.get(), at, n);
    if (!kept) return std::unexpected(std::move(kept).error().context("journal " + name));
    if (kept->size() != n) {
      return fail(ErrorCode::kIo, fmt::format("journal {}: it shrank while being sealed", name));
    }
    if (auto ok = file->write(*kept); !ok) return ok;
  }
  if (auto ok = file->commit(); !ok) return ok;
  failed_ = true;  // this descriptor is the replaced file: no append may go there
  return {};
}

JournalCursor::JournalCursor(std::filesystem::path path, fileio::UniqueFd fd,
                             std::uint64_t offset, std::uint64_t end, std::uint64_t sequence,
                             verifier::Digest previous, std::uint64_t* records_read,
                             std::uint64_t skip_through) noexcept
    : path_(std::move(path)), fd_(std::move(fd)), offset_(offset), end_(end),
      sequence_(sequence), previous_(previous), skip_through_(skip_through),
      records_read_(records_read) {}

Result<std::optional<JournalEntry>> JournalCursor::next() {
  while (true) {
    auto entry = next_checked();
    if (!entry || !entry->has_value() || (*entry)->sequence > skip_through_) return entry;
  }
}

Result<std::optional<JournalEntry>> JournalCursor::next_checked() {
  if (offset_ >= end_) return std::optional<JournalEntry>{};
  auto frame = detail::read_frame(fd_.get(), offset_, end_);
  if (!frame) return std::unexpected(std::move(frame).error().context("journal " + path_.string()));
  ++*records_read_;
  std::string problem = frame->status != detail::FrameStatus::kOk
                            ? frame->reason
                            : detail::check_link(*frame, sequence_, previous_);
  if (!problem.empty()) {
    const std::uint64_t at = std::exchange(offset_, end_);  // damaged: yield nothing more
    return fail(ErrorCode::kVerificationFailed,
                fmt::format("journal {}: record {} at offset {} changed on disk: {}",
                            path_.string(), sequence_, at, problem));
  }
  JournalEntry entry{sequence_, std::move(frame->record_bytes), {}};
  const std::string& envelope = frame->record.attestation_envelope();
  const ByteView envelope_bytes = as_bytes(envelope);
  entry.attestation_envelope.assign(envelope_bytes.begin(), envelope_bytes.end());
  offset_ += frame->size;
  previous_ = frame->digest;
  ++sequence_;
  return entry;
}

Bytes Journal::checkpoint_payload(std::int64_t time_unix) const {
  return checkpoint_payload(head_, time_unix);
}

Bytes Journal::checkpoint_payload(const verifier::ChainPoint& point, std::int64_t time_unix) const {
  v1::JournalCheckpoint checkpoint;
  checkpoint.set_station_id(station_id_.str());
  checkpoint.set_sequence(point.sequence);
  checkpoint.set_head_hash(std::string(as_chars(point.hash.bytes())));
  checkpoint.set_time_unix(time_unix);
  return verifier::deterministic_bytes(checkpoint);
}

Result<v1::Envelope> Journal::make_checkpoint(std::int64_t time_unix,
                                              const hsm::ProductionSigner& station_key) const {
  return make_checkpoint(head_, time_unix, station_key);
}

Result<v1::Envelope> Journal::make_checkpoint(const verifier::ChainPoint& point,
                                              std::int64_t time_unix,
                                              const hsm::ProductionSigner& station_key) const {
  const std::string what =
      fmt::format("signing checkpoint of journal {} at record {}", path_.string(), point.sequence);
  if (auto ok = station_key.require_role(hsm::ProductionRole::kStation); !ok) {
    return std::unexpected(std::move(ok).error().context(what));
  }
  const verifier::PaeSigner sign = [&station_key](ByteView pae) { return station_key.sign(pae); };
  auto envelope = verifier::sign_envelope(verifier::payload_type_of("journal-checkpoint"),
                                          checkpoint_payload(point, time_unix),
                                          station_key.key_id(), sign);
  if (!envelope) return std::unexpected(std::move(envelope).error().context(what));
  return envelope;
}

}  // namespace hallmark::station
