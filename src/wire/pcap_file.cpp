#include "wire/pcap_file.h"

#include <utility>

#include <fmt/format.h>
#include <pcap/pcap.h>

#include "base/text_file.h"

namespace finwait::wire {
namespace {

constexpr int k_snaplen = 262144;
// LINKTYPE_LINUX_SLL2 (276); older libpcap headers may lack the DLT_ name.
constexpr int k_dlt_linux_sll2 = 276;
constexpr int k_dlt_ipv4 = 228;

std::optional<LinkType> link_type_from_dlt(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::ethernet;
    case DLT_LINUX_SLL: return LinkType::linux_sll;
    case k_dlt_linux_sll2: return LinkType::linux_sll2;
    case DLT_RAW: return LinkType::raw_ip;
    case k_dlt_ipv4: return LinkType::ipv4;
    default: return std::nullopt;
  }
}

}  // namespace

Result<PcapReader, std::string> PcapReader::open(const std::string& path) {
  // libpcap would wait forever on a FIFO nobody writes to.
  if (auto bad = not_a_file_to_read(path)) return fail(*bad);
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (handle == nullptr) {
    const std::string reason = errbuf;
    if (reason.find("unknown file format") != std::string::npos ||
        reason.find("truncated dump file") != std::string::npos) {
      return fail(fmt::format("{}: not a pcap file ({})", path, reason));
    }
    // libpcap names the file itself when it cannot open it.
    if (reason.rfind(path, 0) == 0) return fail(reason);
    return fail(fmt::format("{}: {}", path, reason));
  }
  const int dlt = pcap_datalink(handle);
  const auto type = link_type_from_dlt(dlt);
  if (!type) {
    const char* name = pcap_datalink_val_to_name(dlt);
    pcap_close(handle);
    return fail(
        fmt::format("{}: link type {} ({}) is not supported; finwait reads Ethernet, Linux cooked (v1, v2) "
                    "and raw IP captures",
                    path, dlt, name != nullptr ? name : "unknown"));
  }
  return PcapReader(handle, *type);
}

PcapReader::PcapReader(PcapReader&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      link_type_(other.link_type_),
      error_(std::move(other.error_)) {}

PcapReader& PcapReader::operator=(PcapReader&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) pcap_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    link_type_ = other.link_type_;
    error_ = std::move(other.error_);
  }
  return *this;
}

PcapReader::~PcapReader() {
  if (handle_ != nullptr) pcap_close(handle_);
}

std::optional<PcapRecord> PcapReader::next() {
  if (handle_ == nullptr) return std::nullopt;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_, &header, &data);
  if (rc == 1) {
    PcapRecord record;
    // Opened with nanosecond precision: tv_usec holds nanoseconds. The file
    // holds seconds as an unsigned 32-bit number (as tshark reads it, past
    // 2^31 into 2106); libpcap hands them over sign-extended.
    const auto seconds = static_cast<std::uint32_t>(header->ts.tv_sec);
    record.timestamp_ns = std::int64_t{seconds} * 1'000'000'000 + header->ts.tv_usec;
    record.frame = std::span<const std::uint8_t>(data, header->caplen);
    record.original_length = header->len;
    return record;
  }
  if (rc == PCAP_ERROR) error_ = pcap_geterr(handle_);
  return std::nullopt;
}

Result<PcapWriter, std::string> PcapWriter::create(const std::string& path) {
  auto file = OutputFile::create(path);
  if (!file) return fail(file.error());
  pcap_t* handle = pcap_open_dead_with_tstamp_precision(DLT_RAW, k_snaplen, PCAP_TSTAMP_PRECISION_NANO);
  if (handle == nullptr) return fail(fmt::format("{}: cannot start a pcap writer", path));
  pcap_dumper_t* dumper = pcap_dump_fopen(handle, file->stream());
  if (dumper == nullptr) {
    std::string message = fmt::format("{}: {}", path, pcap_geterr(handle));
    pcap_close(handle);
    return fail(std::move(message));
  }
  return PcapWriter(std::move(*file), handle, dumper);
}

PcapWriter::PcapWriter(PcapWriter&& other) noexcept
    : file_(std::move(other.file_)),
      handle_(std::exchange(other.handle_, nullptr)),
      dumper_(std::exchange(other.dumper_, nullptr)) {}

PcapWriter& PcapWriter::operator=(PcapWriter&& other) noexcept {
  if (this != &other) {
    close();
    file_ = std::move(other.file_);
    handle_ = std::exchange(other.handle_, nullptr);
    dumper_ = std::exchange(other.dumper_, nullptr);
  }
  return *this;
}

PcapWriter::~PcapWriter() {
  close();
}

void PcapWriter::close() {
  // The dumper writes to the OutputFile's stream, which the file closes (and,
  // uncommitted, removes): libpcap's pcap_dump_close() would only fclose it.
  dumper_ = nullptr;
  if (handle_ != nullptr) pcap_close(handle_);
  handle_ = nullptr;
}

void PcapWriter::write(std::int64_t timestamp_ns, std::span<const std::uint8_t> ip_packet) {
  if (dumper_ == nullptr) return;
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(timestamp_ns / 1'000'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(timestamp_ns % 1'000'000'000);  // nanoseconds
  header.caplen = static_cast<bpf_u_int32>(ip_packet.size());
  header.len = header.caplen;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, ip_packet.data());
}

Result<bool, std::string> PcapWriter::commit() {
  if (dumper_ == nullptr) return fail(fmt::format("{}: already written", file_.path()));
  dumper_ = nullptr;
  return file_.commit();
}

}  // namespace finwait::wire
