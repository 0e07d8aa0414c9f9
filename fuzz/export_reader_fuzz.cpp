// A station export file (what a station hands the signer after a shift): the streaming
// evidence::ExportReader countersign uses, against protobuf's parser of v1::StationExport.
// What the reader accepts to the end must be exactly what protobuf reads: the same header,
// the same records in order, the same checkpoint.
#include "fuzz/fuzz_support.h"
#include "hallmark/station.pb.h"
#include "signer/evidence/export_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hallmark;
  fuzz::MemFile file(fuzz::bytes_of(data, size));
  auto reader = evidence::ExportReader::open(file.path());
  if (!reader) return 0;
  std::vector<std::string> records;
  for (;;) {
    auto record = reader->next();
    if (!record) return 0;
    if (!*record) break;
    records.emplace_back(reinterpret_cast<const char*>((*record)->data()), (*record)->size());
  }
  v1::StationExport reference;
  if (!reference.ParseFromArray(data, static_cast<int>(size))) {
    fuzz::finding("the export reader accepted a file protobuf cannot parse");
  }
  const auto& header = reader->header();
  if (header.station_id.str() != reference.station_id() ||
      header.first_sequence != reference.first_sequence() ||
      header.last_sequence != reference.last_sequence()) {
    fuzz::finding("the export reader read another header than protobuf");
  }
  if (records.size() != static_cast<std::size_t>(reference.records_size())) {
    fuzz::finding("the export reader read another number of records than protobuf");
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i] != reference.records(static_cast<int>(i))) {
      fuzz::finding("the export reader read a record other than protobuf's");
    }
  }
  if (reader->checkpoint_envelope() != reference.checkpoint_envelope()) {
    fuzz::finding("the export reader read another checkpoint than protobuf");
  }
  return 0;
}
