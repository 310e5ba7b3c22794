#include "base/siphash.h"

#include <bit>
#include <cstring>

namespace finwait {
namespace {

struct State {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
};

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

State initial(const SipKey& key) {
  return State{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL, key.k0 ^ 0x6c7967656e657261ULL,
               key.k1 ^ 0x7465646279746573ULL};
}

template <int CompressionRounds>
void compress(State& s, std::uint64_t m) {
  s.v3 ^= m;
  for (int i = 0; i < CompressionRounds; ++i) s.round();
  s.v0 ^= m;
}

template <int FinalRounds>
std::uint64_t finish(State& s) {
  s.v2 ^= 0xff;
  for (int i = 0; i < FinalRounds; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

template <int CompressionRounds, int FinalRounds>
std::uint64_t siphash(const SipKey& key, std::span<const std::uint8_t> data) {
  State s = initial(key);
  const std::size_t whole = data.size() / 8 * 8;
  for (std::size_t i = 0; i < whole; i += 8) compress<CompressionRounds>(s, load_le64(data.data() + i));
  std::uint64_t last = static_cast<std::uint64_t>(data.size()) << 56;
  for (std::size_t i = whole; i < data.size(); ++i) last |= std::uint64_t{data[i]} << (8 * (i - whole));
  compress<CompressionRounds>(s, last);
  return finish<FinalRounds>(s);
}

template <int CompressionRounds, int FinalRounds>
std::uint64_t siphash_12(const SipKey& key, std::uint64_t head, std::uint32_t tail) {
  State s = initial(key);
  compress<CompressionRounds>(s, head);
  compress<CompressionRounds>(s, std::uint64_t{tail} | (std::uint64_t{12} << 56));
  return finish<FinalRounds>(s);
}

}  // namespace

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data) { return siphash<2, 4>(key, data); }

std::uint64_t siphash13(const SipKey& key, std::span<const std::uint8_t> data) { return siphash<1, 3>(key, data); }

std::uint64_t siphash24_12(const SipKey& key, std::uint64_t head, std::uint32_t tail) {
  return siphash_12<2, 4>(key, head, tail);
}

std::uint64_t siphash13_12(const SipKey& key, std::uint64_t head, std::uint32_t tail) {
  return siphash_12<1, 3>(key, head, tail);
}

}  // namespace finwait
