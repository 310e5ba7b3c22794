#include "wire/pcap_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/wire/kernel_capture_fixtures.h"
#include "wire/ipv4_tcp_packet.h"

namespace finwait::wire {
namespace {

const std::string k_data_dir = FINWAIT_TEST_DATA_DIR;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "." + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "." +
           std::to_string(getpid())))
      .string();
}

// Every capture of the same exchange yields the same twelve IP packets,
// whatever link type tcpdump wrote it with.
class KernelCaptureFile : public ::testing::TestWithParam<std::pair<std::string, LinkType>> {};

TEST_P(KernelCaptureFile, YieldsTheKernelPackets) {
  const auto& [name, link_type] = GetParam();
  auto reader = PcapReader::open(k_data_dir + "/" + name);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(reader->link_type(), link_type);
  std::vector<std::vector<std::uint8_t>> packets;
  while (auto record = reader->next()) {
    auto network = strip_link_header(link_type, record->frame);
    ASSERT_TRUE(network.ok());
    ASSERT_EQ(network->ethertype, k_ethertype_ipv4);
    auto ip = Ipv4View::parse(network->bytes);
    ASSERT_TRUE(ip.ok());
    packets.emplace_back(network->bytes.begin(), network->bytes.begin() + ip->total_length());
    EXPECT_TRUE(parse_ipv4_tcp(network->bytes).ok());
  }
  EXPECT_TRUE(reader->error().empty()) << reader->error();
  ASSERT_EQ(packets.size(), 12u);
  EXPECT_EQ(packets[0],
            std::vector<std::uint8_t>(std::begin(kernel_capture::k_syn), std::end(kernel_capture::k_syn)));
  EXPECT_EQ(packets[11], std::vector<std::uint8_t>(std::begin(kernel_capture::k_rst_ack),
                                                   std::end(kernel_capture::k_rst_ack)));
}

INSTANTIATE_TEST_SUITE_P(LinkTypes, KernelCaptureFile,
                         ::testing::Values(std::make_pair("kernel_veth_ethernet.pcap", LinkType::ethernet),
                                           std::make_pair("kernel_any_sll.pcap", LinkType::linux_sll),
                                           std::make_pair("kernel_any_sll2.pcap", LinkType::linux_sll2)));

TEST(PcapFile, WrittenFileReadsBackWithNanosecondTimestamps) {
  const std::string path = temp_path("finwait_pcap_roundtrip");
  {
    auto writer = PcapWriter::create(path);
    ASSERT_TRUE(writer.ok()) << writer.error();
    writer->write(1'500'000'123, kernel_capture::k_syn);
    writer->write(1'600'000'456, kernel_capture::k_syn_ack);
    ASSERT_TRUE(writer->commit().ok());
  }
  auto reader = PcapReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(reader->link_type(), LinkType::raw_ip);
  auto first = reader->next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->timestamp_ns, 1'500'000'123);
  EXPECT_EQ(first->frame.size(), sizeof kernel_capture::k_syn);
  auto second = reader->next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->timestamp_ns, 1'600'000'456);
  EXPECT_FALSE(reader->next().has_value());
  EXPECT_TRUE(reader->error().empty());
  std::filesystem::remove(path);
}

TEST(PcapFile, NotAPcapIsSaidClearly) {
  const std::string path = temp_path("finwait_not_pcap");
  std::ofstream(path) << "this is a text file, not a capture\n";
  auto reader = PcapReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("not a pcap file"), std::string::npos) << reader.error();
  EXPECT_NE(reader.error().find(path), std::string::npos);
  std::filesystem::remove(path);
}

TEST(PcapFile, MissingFileIsNamed) {
  auto reader = PcapReader::open("/nonexistent/finwait.pcap");
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("/nonexistent/finwait.pcap"), std::string::npos);
}

TEST(PcapFile, UnsupportedLinkTypeIsNamed) {
  // A pcap global header (little-endian, v2.4) for LINKTYPE_IEEE802_11 (105).
  const std::string path = temp_path("finwait_wifi");
  const std::uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0,   0, 0, 0,
                                   0,    0,    0,    0,    0, 0, 4, 0, 105, 0, 0, 0};
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(header), sizeof header);
  auto reader = PcapReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().find("link type 105"), std::string::npos) << reader.error();
  EXPECT_NE(reader.error().find("not supported"), std::string::npos) << reader.error();
  std::filesystem::remove(path);
}

TEST(PcapFile, FileCutShortReportsAnError) {
  const std::string source = k_data_dir + "/kernel_veth_ethernet.pcap";
  const std::string path = temp_path("finwait_cut");
  std::ifstream in(source, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 10);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto reader = PcapReader::open(path);
  ASSERT_TRUE(reader.ok());
  int count = 0;
  while (reader->next()) ++count;
  EXPECT_EQ(count, 11);
  EXPECT_FALSE(reader->error().empty());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace finwait::wire
