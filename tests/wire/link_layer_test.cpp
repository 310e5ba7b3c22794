#include "wire/link_layer.h"

#include <gtest/gtest.h>

#include <vector>

namespace finwait::wire {
namespace {

TEST(LinkLayer, EthernetIpv4) {
  std::vector<std::uint8_t> frame(14 + 20, 0);
  frame[12] = 0x08;
  frame[13] = 0x00;
  frame[14] = 0x45;
  auto network = strip_link_header(LinkType::ethernet, frame);
  ASSERT_TRUE(network.ok());
  EXPECT_EQ(network->ethertype, k_ethertype_ipv4);
  EXPECT_EQ(network->bytes.size(), 20u);
  EXPECT_EQ(network->bytes[0], 0x45);
}

TEST(LinkLayer, EthernetWithVlanTag) {
  std::vector<std::uint8_t> frame(18 + 20, 0);
  frame[12] = 0x81;
  frame[13] = 0x00;
  frame[16] = 0x08;
  frame[17] = 0x00;
  frame[18] = 0x45;
  auto network = strip_link_header(LinkType::ethernet, frame);
  ASSERT_TRUE(network.ok());
  EXPECT_EQ(network->ethertype, k_ethertype_ipv4);
  EXPECT_EQ(network->bytes[0], 0x45);
}

TEST(LinkLayer, TruncatedFramingIsBadLinkHeader) {
  for (LinkType type : {LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2}) {
    std::vector<std::uint8_t> frame(13, 0);
    EXPECT_EQ(strip_link_header(type, frame).error(), ParseError::bad_link_header);
  }
  std::vector<std::uint8_t> tagged_but_short(16, 0);
  tagged_but_short[12] = 0x81;
  EXPECT_EQ(strip_link_header(LinkType::ethernet, tagged_but_short).error(), ParseError::bad_link_header);
}

TEST(LinkLayer, LinuxCookedV1AndV2) {
  std::vector<std::uint8_t> v1(16 + 20, 0);
  v1[14] = 0x08;
  v1[16] = 0x45;
  auto a = strip_link_header(LinkType::linux_sll, v1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ethertype, k_ethertype_ipv4);
  EXPECT_EQ(a->bytes[0], 0x45);

  std::vector<std::uint8_t> v2(20 + 20, 0);
  v2[0] = 0x86;
  v2[1] = 0xdd;
  auto b = strip_link_header(LinkType::linux_sll2, v2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ethertype, k_ethertype_ipv6);
  EXPECT_EQ(b->bytes.size(), 20u);
}

TEST(LinkLayer, RawIpTellsVersionFromTheFirstNibble) {
  std::vector<std::uint8_t> v4 = {0x45, 0};
  std::vector<std::uint8_t> v6 = {0x60, 0};
  EXPECT_EQ(strip_link_header(LinkType::raw_ip, v4)->ethertype, k_ethertype_ipv4);
  EXPECT_EQ(strip_link_header(LinkType::raw_ip, v6)->ethertype, k_ethertype_ipv6);
  EXPECT_EQ(strip_link_header(LinkType::raw_ip, {}).error(), ParseError::truncated);
}

}  // namespace
}  // namespace finwait::wire
