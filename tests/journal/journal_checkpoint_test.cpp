// Signed journal checkpoints: a DSSE envelope over the head that verifies with the
// station's public key, and nothing else.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hallmark/station.pb.h"
#include "station-agent/journal/journal.h"
#include "tests/journal/journal_test_util.h"
#include "tests/journal/station_test_key.h"
#include "verifier/core/document.h"
#include "verifier/core/dsse.h"
#include "verifier/core/public_key.h"

namespace hallmark::station {
namespace {

using testing::envelope_for;
using testing::Ed25519Key;
using testing::TempDir;

constexpr std::string_view kStation = "line-7-station-2";

TEST_CASE("journal: a checkpoint is signed over the head and verifies with the station key") {
  TempDir dir;
  auto journal = Journal::open(dir.path() / "journal", StationId(kStation));
  REQUIRE(journal.has_value());
  for (std::uint64_t i = 1; i <= 3; ++i) REQUIRE(journal->append(envelope_for(i)).has_value());
  const Ed25519Key station;
  REQUIRE(station.key != nullptr);
  const auto pk = station.public_key();
  auto envelope = journal->make_checkpoint(1'700'000'000, station.station_signer());
  REQUIRE(envelope.has_value());

  const std::vector<verifier::PublicKey> trusted{pk};
  auto verified = verifier::verify_envelope(*envelope, trusted, 1,
                                            verifier::payload_type_of("journal-checkpoint"));
  REQUIRE(verified.has_value());
  auto checkpoint = verifier::parse_verified<v1::JournalCheckpoint>(*verified);
  REQUIRE(checkpoint.has_value());
  CHECK(checkpoint->station_id() == kStation);
  CHECK(checkpoint->sequence() == 3);
  CHECK(as_bytes(checkpoint->head_hash()).size() == 32);
  const JournalHead head = journal->head();
  CHECK(as_chars(head.hash.bytes()) == checkpoint->head_hash());
  CHECK(checkpoint->time_unix() == 1'700'000'000);

  // Another key's checkpoint (under the station key's id), or a payload changed after
  // signing, does not verify.
  const Ed25519Key other;
  auto forged = journal->make_checkpoint(
      1'700'000'000,
      hsm::ProductionSignerTestAccess::unchecked(hsm::ProductionRole::kStation, pk, other.signer()));
  REQUIRE(forged.has_value());
  CHECK_FALSE(verifier::verify_envelope(*forged, trusted, 1).has_value());
  v1::Envelope edited = *envelope;
  edited.mutable_payload()->back() ^= 1;
  CHECK_FALSE(verifier::verify_envelope(edited, trusted, 1).has_value());
}

TEST_CASE("journal: a signer failure is reported, with the journal named") {
  TempDir dir;
  auto journal = Journal::open(dir.path() / "journal", StationId(kStation));
  REQUIRE(journal.has_value());
  const Ed25519Key station;
  auto envelope = journal->make_checkpoint(
      0, hsm::ProductionSignerTestAccess::unchecked(
             hsm::ProductionRole::kStation, station.public_key(),
             [](ByteView) -> Result<Bytes> { return fail(ErrorCode::kToken, "token removed"); }));
  REQUIRE_FALSE(envelope.has_value());
  CHECK(envelope.error().code == ErrorCode::kToken);
  CHECK(envelope.error().message.find("journal") != std::string::npos);
}

}  // namespace
}  // namespace hallmark::station
