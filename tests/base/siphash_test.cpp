#include "base/siphash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace finwait {
namespace {

SipKey reference_key() {
  // The key 00 01 02 ... 0f of the paper's appendix, read little-endian.
  return SipKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
}

std::vector<std::uint8_t> counting(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i);
  return bytes;
}

TEST(SipHash, PaperAppendixExample) {
  // Aumasson and Bernstein, "SipHash: a fast short-input PRF", appendix A:
  // the 15-byte message 00 01 ... 0e under the key 00 01 ... 0f.
  EXPECT_EQ(siphash24(reference_key(), counting(15)), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, ReferenceVectorOfTheEmptyMessage) {
  // The reference implementation's vectors.h, first 64-bit entry.
  EXPECT_EQ(siphash24(reference_key(), {}), 0x726fdb47dd0e0e31ULL);
}

// The word forms read a 12-byte message as two little-endian words: they
// must agree with the byte forms on every input.
TEST(SipHash, TwelveByteWordFormsMatchTheByteForms) {
  std::mt19937_64 random(5);
  for (int trial = 0; trial < 1000; ++trial) {
    const SipKey key{random(), random()};
    const std::uint64_t head = random();
    const auto tail = static_cast<std::uint32_t>(random());
    std::uint8_t bytes[12];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(head >> (8 * i));
    for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<std::uint8_t>(tail >> (8 * i));
    ASSERT_EQ(siphash24_12(key, head, tail), siphash24(key, bytes));
    ASSERT_EQ(siphash13_12(key, head, tail), siphash13(key, bytes));
  }
}

TEST(SipHash, OneThreeIsADifferentFunctionOfTheKey) {
  const auto message = counting(12);
  EXPECT_NE(siphash13(reference_key(), message), siphash24(reference_key(), message));
  EXPECT_NE(siphash13(reference_key(), message), siphash13(SipKey{1, 2}, message));
}

}  // namespace
}  // namespace finwait
