#include "wire/checksum.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <vector>

#include "base/big_endian.h"
#include "tests/wire/kernel_capture_fixtures.h"
#include "wire/avx_state.h"

namespace finwait::wire {
namespace {

// The textbook loop: big-endian 16-bit words, carries folded at the end.
std::uint16_t naive_sum(std::span<const std::uint8_t> bytes) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += load_be16(&bytes[i]);
  if (i < bytes.size()) sum += std::uint32_t{bytes[i]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

TEST(Checksum, Rfc1071WorkedExample) {
  // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
  const std::uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(ones_complement_sum(bytes), 0xddf2);
  EXPECT_EQ(internet_checksum(bytes), 0x220d);
}

TEST(Checksum, OddLengthPadsTheLastByteWithZero) {
  const std::uint8_t bytes[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(ones_complement_sum(bytes), 0x1234 + 0x5600);
}

TEST(Checksum, EmptyBufferSumsToZero) {
  EXPECT_EQ(ones_complement_sum({}), 0);
  EXPECT_EQ(internet_checksum({}), 0xffff);
}

TEST(Checksum, KernelIpHeaderVerifies) {
  // The first 20 bytes of a captured SYN: its stored checksum 0x41d7 makes the sum all ones.
  std::span<const std::uint8_t> header(kernel_capture::k_syn, 20);
  EXPECT_EQ(internet_checksum(header), 0);
  std::vector<std::uint8_t> zeroed(header.begin(), header.end());
  zeroed[10] = zeroed[11] = 0;
  EXPECT_EQ(internet_checksum(zeroed), 0x41d7);
}

TEST(Checksum, KernelTcpSegmentVerifiesWithPseudoHeader) {
  std::span<const std::uint8_t> segment(kernel_capture::k_syn + 20, sizeof kernel_capture::k_syn - 20);
  EXPECT_EQ(tcp_checksum(Ipv4Address(198, 18, 0, 1), Ipv4Address(198, 18, 0, 2), segment), 0);
  // The wrong pseudo-header (another destination) does not verify.
  EXPECT_NE(tcp_checksum(Ipv4Address(198, 18, 0, 1), Ipv4Address(198, 18, 0, 3), segment), 0);
}

TEST(Checksum, MatchesNaiveLoopOnRandomDataAtEveryLengthAndAlignment) {
  std::mt19937 random(1071);
  std::vector<std::uint8_t> buffer(70000 + 16);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(random());
  for (std::size_t length = 0; length <= 300; ++length) {
    for (std::size_t offset = 0; offset < 8; ++offset) {
      std::span<const std::uint8_t> view(buffer.data() + offset, length);
      ASSERT_EQ(ones_complement_sum(view), naive_sum(view)) << "length " << length << " offset " << offset;
    }
  }
  for (std::size_t length : {1459u, 1460u, 1461u, 9000u, 65535u, 70000u}) {
    std::span<const std::uint8_t> view(buffer.data() + 3, length);
    EXPECT_EQ(ones_complement_sum(view), naive_sum(view)) << "length " << length;
  }
}

TEST(Checksum, AllOnesDataDoesNotOverflow) {
  std::vector<std::uint8_t> ones(65535, 0xff);
  EXPECT_EQ(ones_complement_sum(ones), naive_sum(ones));
}

TEST(Checksum, InitialValueIsAddedInOnesComplement) {
  const std::uint8_t bytes[] = {0xff, 0xff, 0x00, 0x02};
  EXPECT_EQ(ones_complement_sum(bytes, 0x0001), ones_complement_add(naive_sum(bytes), 1));
}

TEST(Checksum, IncrementalUpdateMatchesRecomputation) {
  // RFC 1624 3: change one 16-bit and one 32-bit field, update, compare.
  std::mt19937 random(1624);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint8_t> data(40);
    for (auto& b : data) b = static_cast<std::uint8_t>(random());
    data[10] = data[11] = 0;
    const std::uint16_t checksum = internet_checksum(data);

    const std::uint16_t old16 = load_be16(&data[4]);
    const auto new16 = static_cast<std::uint16_t>(random());
    store_be16(&data[4], new16);
    const std::uint32_t old32 = load_be32(&data[20]);
    const auto new32 = static_cast<std::uint32_t>(random());
    store_be32(&data[20], new32);

    const std::uint16_t updated = checksum_update32(checksum_update16(checksum, old16, new16), old32, new32);
    const std::uint16_t recomputed = internet_checksum(data);
    // RFC 1624 3: both 0x0000 and 0xffff mean a zero sum in ones' complement.
    if (recomputed == 0 || recomputed == 0xffff) {
      EXPECT_TRUE(updated == 0 || updated == 0xffff);
    } else {
      EXPECT_EQ(updated, recomputed);
    }
  }
}

TEST(Checksum, IncrementalUpdateOfSequenceNumberInRealSegment) {
  std::vector<std::uint8_t> packet(std::begin(kernel_capture::k_data_client),
                                   std::end(kernel_capture::k_data_client));
  auto segment = std::span(packet).subspan(20);
  const std::uint16_t old_checksum = load_be16(&segment[16]);
  const std::uint32_t old_seq = load_be32(&segment[4]);
  const std::uint32_t new_seq = 0xfffffff0u;  // near the wrap
  store_be32(&segment[4], new_seq);
  store_be16(&segment[16], checksum_update32(old_checksum, old_seq, new_seq));
  EXPECT_EQ(tcp_checksum(Ipv4Address(198, 18, 0, 1), Ipv4Address(198, 18, 0, 2), segment), 0);
}

// A wide path that returns with the AVX upper halves dirty makes every later
// SSE instruction on Intel CPUs pay a state transition: a 64-byte checksum
// ran at a twelfth of the textbook loop's speed. XINUSE shows it on any CPU.
// RFC 9293 3.1's pseudo-header, summed as numbers, is the sum of its bytes.
TEST(Checksum, PseudoHeaderSumIsTheSumOfItsBytes) {
  std::mt19937 random(11);
  for (int trial = 0; trial < 1000; ++trial) {
    const Ipv4Address src(random());
    const Ipv4Address dst(random());
    const std::size_t length = random() % 65536;
    std::uint8_t pseudo[12];
    store_be32(pseudo, src.to_uint());
    store_be32(pseudo + 4, dst.to_uint());
    pseudo[8] = 0;
    pseudo[9] = 6;
    store_be16(pseudo + 10, static_cast<std::uint16_t>(length));
    ASSERT_EQ(tcp_pseudo_header_sum(src, dst, length), ones_complement_sum(pseudo));
  }
}

#if defined(__x86_64__)
TEST(Checksum, LeavesTheAvxUpperHalvesClear) {
  if (!avx_upper_state_in_use().has_value()) GTEST_SKIP() << "this CPU cannot report its AVX state (no XGETBV1)";
  if (!__builtin_cpu_supports("avx")) GTEST_SKIP() << "no AVX: the checksum has no wide path to check";
  std::mt19937 random(7);
  for (const std::size_t size : {64, 100, 1460, 65536}) {
    std::vector<std::uint8_t> data(size);
    for (auto& b : data) b = static_cast<std::uint8_t>(random());
    __asm__ volatile("vzeroupper");
    const std::uint16_t sum = ones_complement_sum(data);
    const std::optional<bool> dirty = avx_upper_state_in_use();
    EXPECT_EQ(sum, naive_sum(data)) << size << " bytes";
    EXPECT_EQ(dirty, false) << "the AVX upper halves are left in use after a checksum of " << size << " bytes";
  }
}
#endif

}  // namespace
}  // namespace finwait::wire
